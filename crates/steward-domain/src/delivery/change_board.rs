//! Change advisory boards and standard-change templates (ISO/IEC 20000-1 8.5.1.3: a defined
//! authority approves changes; standard changes are pre-approved).
use crate::delivery::change::{CATEGORY_MAX, TEXT_MAX};
use crate::delivery::service::id_set;
use crate::foundation::people::NAME_MAX;
use crate::foundation::validation::{self, Errors, Invalid};
use serde::{Deserialize, Serialize};

pub const MEMBERS_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeBoard)]
pub struct Board {
    pub id: i64,
    pub name: String,
    /// The board that approves emergency changes (at most one).
    pub emergency: bool,
    pub member_ids: Vec<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/change-boards` and `PUT /api/v1/change-boards/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeBoardInput)]
pub struct BoardInput {
    pub name: String,
    #[serde(default)]
    pub emergency: bool,
    /// Active staff users.
    #[serde(default)]
    pub member_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardDraft {
    pub name: String,
    pub emergency: bool,
    pub member_ids: Vec<i64>,
}

impl BoardInput {
    pub fn parse(self) -> Result<BoardDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let member_ids = e.take(id_set("member_ids", self.member_ids, MEMBERS_MAX));
        e.finish()?;
        Ok(BoardDraft {
            name: name.unwrap_or_default(),
            emergency: self.emergency,
            member_ids: member_ids.unwrap_or_default(),
        })
    }
}

/// A pre-approved standard change: what a change made from it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeTemplate)]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub category: Option<String>,
    pub description: Option<String>,
    pub implementation_plan: String,
    pub test_plan: String,
    pub backout_plan: String,
    /// Only active templates make new changes.
    pub active: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/change-templates` and `PUT /api/v1/change-templates/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeTemplateInput)]
pub struct TemplateInput {
    pub name: String,
    pub category: Option<String>,
    pub description: Option<String>,
    pub implementation_plan: String,
    pub test_plan: String,
    pub backout_plan: String,
    /// Default true.
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateDraft {
    pub name: String,
    pub category: Option<String>,
    pub description: Option<String>,
    pub implementation_plan: String,
    pub test_plan: String,
    pub backout_plan: String,
    pub active: bool,
}

impl TemplateInput {
    pub fn parse(self) -> Result<TemplateDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let category = e
            .take(validation::optional_text(
                "category",
                self.category.as_deref(),
                CATEGORY_MAX,
            ))
            .flatten();
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                TEXT_MAX,
            ))
            .flatten();
        let mut plan = |field: &str, v: &str| {
            e.take(validation::text(field, v, 1, TEXT_MAX))
                .unwrap_or_default()
        };
        let implementation_plan = plan("implementation_plan", &self.implementation_plan);
        let test_plan = plan("test_plan", &self.test_plan);
        let backout_plan = plan("backout_plan", &self.backout_plan);
        e.finish()?;
        Ok(TemplateDraft {
            name: name.unwrap_or_default(),
            category,
            description,
            implementation_plan,
            test_plan,
            backout_plan,
            active: self.active.unwrap_or(true),
        })
    }
}
