//! The service catalogue (ISO/IEC 20000-1 8.2.4) and its request offerings (catalogue
//! items), whose typed forms both define what a customer fills in and check the answers.
use crate::foundation::role::Role;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashSet;

pub const FORM_FIELDS_MAX: usize = 50;
pub const CHOICES_MAX: usize = 100;
pub const ANSWER_TEXT_MAX: usize = 4000;
pub const INSTRUCTIONS_MAX: usize = 20_000;

/// A published catalogue entry over a service.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CatalogueEntry {
    pub id: i64,
    pub service_id: i64,
    pub title: String,
    pub summary: Option<String>,
    /// Visible to the service's customers (only while the service is live).
    pub published: bool,
    /// Increases with every change; each version is kept.
    pub version: i64,
    pub items: Vec<CatalogueItem>,
    pub created_at: String,
    pub updated_at: String,
}

/// A request offering: what can be asked for, with the form to ask for it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CatalogueItem {
    pub id: i64,
    pub entry_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub form: Vec<FormField>,
    /// For the fulfilment team; not shown to customers.
    pub fulfilment_instructions: Option<String>,
    pub approval: Option<ApprovalRule>,
    pub fulfilment_team_id: Option<i64>,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Text,
    Number,
    Choice,
    Date,
    Boolean,
}

/// One field of a request form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// The answer's key: `a-z`, digits and `_`, unique in the form.
    pub key: String,
    pub label: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    /// The allowed answers of a `choice` field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Bounds of a `number` field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Longest `text` answer (default and at most 4000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

/// Who must approve a request before it is fulfilled: named users, or anyone with a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case", tag = "by")]
pub enum ApprovalRule {
    /// Any one of these staff users.
    Users { user_ids: Vec<i64> },
    /// Any staff user with this role.
    Role { role: Role },
}

/// Checks a form definition: keys, labels, options and bounds.
pub fn check_form(form: &[FormField]) -> Result<(), Invalid> {
    let mut e = Errors::new();
    if form.len() > FORM_FIELDS_MAX {
        e.push(FieldError::new(
            "form",
            format!("may have at most {FORM_FIELDS_MAX} fields"),
        ));
    }
    let mut keys = HashSet::new();
    for (i, f) in form.iter().enumerate() {
        let at = |part: &str| format!("form[{i}].{part}");
        let key_ok = !f.key.is_empty()
            && f.key.len() <= 64
            && f.key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !key_ok {
            e.push(FieldError::new(
                at("key"),
                "must be 1–64 characters of a-z, 0-9 and _",
            ));
        } else if !keys.insert(f.key.as_str()) {
            e.push(FieldError::new(
                at("key"),
                format!("{:?} is used twice", f.key),
            ));
        }
        e.take(validation::text(
            &at("label"),
            &f.label,
            1,
            crate::foundation::people::NAME_MAX,
        ));
        match f.field_type {
            FieldType::Choice => {
                if f.options.is_empty() || f.options.len() > CHOICES_MAX {
                    e.push(FieldError::new(
                        at("options"),
                        format!("a choice needs 1–{CHOICES_MAX} options"),
                    ));
                }
                let distinct: HashSet<&String> = f.options.iter().collect();
                if distinct.len() != f.options.len()
                    || f.options.iter().any(|o| o.trim().is_empty())
                {
                    e.push(FieldError::new(
                        at("options"),
                        "options must be distinct and not empty",
                    ));
                }
            }
            _ if !f.options.is_empty() => e.push(FieldError::new(
                at("options"),
                "only a choice field has options",
            )),
            _ => {}
        }
        if (f.min.is_some() || f.max.is_some()) && f.field_type != FieldType::Number {
            e.push(FieldError::new(
                at("min"),
                "only a number field has min and max",
            ));
        }
        if let (Some(min), Some(max)) = (f.min, f.max)
            && min > max
        {
            e.push(FieldError::new(at("max"), "must not be below min"));
        }
        if let Some(n) = f.max_length
            && (f.field_type != FieldType::Text || n == 0 || n > ANSWER_TEXT_MAX)
        {
            e.push(FieldError::new(
                at("max_length"),
                format!("only a text field has max_length, 1–{ANSWER_TEXT_MAX}"),
            ));
        }
    }
    e.finish()
}

/// Checks answers against a form and returns them normalised (trimmed text, numbers as
/// numbers, dates as `YYYY-MM-DD`). Errors name `answers.<key>`; unknown keys are refused.
pub fn check_answers(
    form: &[FormField],
    answers: &Map<String, Value>,
) -> Result<Map<String, Value>, Invalid> {
    let mut e = Errors::new();
    let mut out = Map::new();
    for key in answers.keys() {
        if !form.iter().any(|f| &f.key == key) {
            e.push(FieldError::new(
                format!("answers.{key}"),
                "is not a field of this form",
            ));
        }
    }
    for f in form {
        let name = format!("answers.{}", f.key);
        let value = answers
            .get(&f.key)
            .filter(|v| !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()));
        let Some(value) = value else {
            if f.required {
                e.push(FieldError::new(name, format!("{} is required", f.label)));
            }
            continue;
        };
        let checked = match f.field_type {
            FieldType::Text => match value.as_str() {
                Some(s) => validation::text(&name, s, 1, f.max_length.unwrap_or(ANSWER_TEXT_MAX))
                    .map(Value::String),
                None => Err(FieldError::new(&name, "must be text")),
            },
            FieldType::Number => match value.as_f64() {
                Some(n) if f.min.is_some_and(|min| n < min) => Err(FieldError::new(
                    &name,
                    format!("must be at least {}", f.min.unwrap_or_default()),
                )),
                Some(n) if f.max.is_some_and(|max| n > max) => Err(FieldError::new(
                    &name,
                    format!("must be at most {}", f.max.unwrap_or_default()),
                )),
                Some(_) => Ok(value.clone()),
                None => Err(FieldError::new(&name, "must be a number")),
            },
            FieldType::Choice => match value.as_str() {
                Some(s) if f.options.iter().any(|o| o == s) => Ok(Value::String(s.to_owned())),
                _ => Err(FieldError::new(
                    &name,
                    format!("must be one of: {}", f.options.join(", ")),
                )),
            },
            FieldType::Date => match value
                .as_str()
                .map(|s| crate::delivery::service::date(&name, s))
            {
                Some(Ok(d)) => Ok(Value::String(d.to_string())),
                _ => Err(FieldError::new(&name, "must be a date written YYYY-MM-DD")),
            },
            FieldType::Boolean => match value.as_bool() {
                Some(b) => Ok(Value::Bool(b)),
                None => Err(FieldError::new(&name, "must be true or false")),
            },
        };
        if let Some(v) = e.take(checked) {
            out.insert(f.key.clone(), v);
        }
    }
    e.finish()?;
    Ok(out)
}

/// Body of `POST /api/v1/catalogue`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub service_id: i64,
    pub title: String,
    pub summary: Option<String>,
    /// Default false. Only an entry over a live service can be published.
    #[serde(default)]
    pub published: bool,
}

/// Body of `PATCH /api/v1/catalogue/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub summary: Option<Option<String>>,
    pub published: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryDraft {
    pub service_id: i64,
    pub title: String,
    pub summary: Option<String>,
    pub published: bool,
}

impl EntryInput {
    pub fn parse(self) -> Result<EntryDraft, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text(
            "title",
            &self.title,
            1,
            crate::foundation::people::NAME_MAX,
        ));
        let summary = e
            .take(validation::optional_text(
                "summary",
                self.summary.as_deref(),
                crate::foundation::people::DESCRIPTION_MAX,
            ))
            .flatten();
        e.finish()?;
        Ok(EntryDraft {
            service_id: self.service_id,
            title: title.unwrap_or_default(),
            summary,
            published: self.published,
        })
    }
}

impl EntryPatch {
    pub fn apply(self, current: &CatalogueEntry) -> Result<EntryDraft, Invalid> {
        let mut e = Errors::new();
        let title = match &self.title {
            Some(t) => e.take(validation::text(
                "title",
                t,
                1,
                crate::foundation::people::NAME_MAX,
            )),
            None => Some(current.title.clone()),
        };
        let summary = match self.summary {
            Some(s) => e
                .take(validation::optional_text(
                    "summary",
                    s.as_deref(),
                    crate::foundation::people::DESCRIPTION_MAX,
                ))
                .flatten(),
            None => current.summary.clone(),
        };
        e.finish()?;
        Ok(EntryDraft {
            service_id: current.service_id,
            title: title.unwrap_or_default(),
            summary,
            published: self.published.unwrap_or(current.published),
        })
    }
}

/// Body of `POST /api/v1/catalogue/{id}/items`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub name: String,
    pub description: Option<String>,
    #[serde(default)]
    pub form: Vec<FormField>,
    pub fulfilment_instructions: Option<String>,
    pub approval: Option<ApprovalRule>,
    pub fulfilment_team_id: Option<i64>,
    /// Default true.
    pub active: Option<bool>,
}

/// Body of `PATCH /api/v1/catalogue/items/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub form: Option<Vec<FormField>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub fulfilment_instructions: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ApprovalRule>)]
    pub approval: Option<Option<ApprovalRule>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub fulfilment_team_id: Option<Option<i64>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemDraft {
    pub name: String,
    pub description: Option<String>,
    pub form: Vec<FormField>,
    pub fulfilment_instructions: Option<String>,
    pub approval: Option<ApprovalRule>,
    pub fulfilment_team_id: Option<i64>,
    pub active: bool,
}

fn check_approval(approval: &Option<ApprovalRule>) -> Result<(), FieldError> {
    match approval {
        Some(ApprovalRule::Users { user_ids }) if user_ids.is_empty() => Err(FieldError::new(
            "approval.user_ids",
            "must name at least one approver",
        )),
        Some(ApprovalRule::Role {
            role: Role::Customer,
        }) => Err(FieldError::new(
            "approval.role",
            "approvers are staff; customers cannot approve",
        )),
        _ => Ok(()),
    }
}

impl ItemDraft {
    fn check(self) -> Result<ItemDraft, Invalid> {
        let mut e = Errors::new();
        e.take(validation::text(
            "name",
            &self.name,
            1,
            crate::foundation::people::NAME_MAX,
        ));
        if let Err(Invalid(errs)) = check_form(&self.form) {
            for err in errs {
                e.push(err);
            }
        }
        e.take(check_approval(&self.approval));
        e.take(validation::optional_text(
            "description",
            self.description.as_deref(),
            crate::foundation::people::DESCRIPTION_MAX,
        ));
        e.take(validation::optional_text(
            "fulfilment_instructions",
            self.fulfilment_instructions.as_deref(),
            INSTRUCTIONS_MAX,
        ));
        e.finish()?;
        Ok(ItemDraft {
            name: self.name.trim().to_owned(),
            description: self
                .description
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
            fulfilment_instructions: self
                .fulfilment_instructions
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
            ..self
        })
    }
}

impl ItemInput {
    pub fn parse(self) -> Result<ItemDraft, Invalid> {
        ItemDraft {
            name: self.name,
            description: self.description,
            form: self.form,
            fulfilment_instructions: self.fulfilment_instructions,
            approval: self.approval,
            fulfilment_team_id: self.fulfilment_team_id,
            active: self.active.unwrap_or(true),
        }
        .check()
    }
}

impl ItemPatch {
    pub fn apply(self, current: &CatalogueItem) -> Result<ItemDraft, Invalid> {
        ItemDraft {
            name: self.name.unwrap_or_else(|| current.name.clone()),
            description: self
                .description
                .unwrap_or_else(|| current.description.clone()),
            form: self.form.unwrap_or_else(|| current.form.clone()),
            fulfilment_instructions: self
                .fulfilment_instructions
                .unwrap_or_else(|| current.fulfilment_instructions.clone()),
            approval: self.approval.unwrap_or_else(|| current.approval.clone()),
            fulfilment_team_id: self
                .fulfilment_team_id
                .unwrap_or(current.fulfilment_team_id),
            active: self.active.unwrap_or(current.active),
        }
        .check()
    }
}

/// A kept version of a catalogue entry or item.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CatalogueVersion {
    pub version: i64,
    pub at: String,
    pub actor: String,
    #[schema(value_type = Object)]
    pub snapshot: Value,
}

/// Body of `POST /api/v1/catalogue/items/{id}/validate`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswersInput {
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form() -> Vec<FormField> {
        serde_json::from_value(json!([
            {"key": "laptop", "label": "Model", "type": "choice", "required": true, "options": ["13-inch", "15-inch"]},
            {"key": "count", "label": "How many", "type": "number", "required": true, "min": 1, "max": 5},
            {"key": "needed_by", "label": "Needed by", "type": "date"},
            {"key": "docking", "label": "Docking station", "type": "boolean"},
            {"key": "notes", "label": "Notes", "type": "text", "max_length": 10}
        ]))
        .unwrap()
    }

    #[test]
    fn good_answers_are_normalised() {
        let answers = json!({"laptop": "13-inch", "count": 2, "needed_by": "2026-12-01", "docking": true, "notes": " ok "});
        let out = check_answers(&form(), answers.as_object().unwrap()).unwrap();
        assert_eq!(out["notes"], "ok");
        assert_eq!(out["count"], 2);
    }

    #[test]
    fn each_wrong_answer_names_its_field() {
        let answers = json!({"laptop": "17-inch", "count": "two", "needed_by": "soon", "docking": "yes", "notes": "far too long text", "colour": "red"});
        let err = check_answers(&form(), answers.as_object().unwrap()).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "answers.colour",
                "answers.laptop",
                "answers.count",
                "answers.needed_by",
                "answers.docking",
                "answers.notes"
            ]
        );
        let err = check_answers(&form(), json!({"count": 9}).as_object().unwrap()).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.laptop", "answers.count"]);
    }

    #[test]
    fn bad_form_definitions_are_refused() {
        let bad: Vec<FormField> = serde_json::from_value(json!([
            {"key": "A b", "label": "x", "type": "text"},
            {"key": "c", "label": "x", "type": "choice"},
            {"key": "c", "label": "x", "type": "number", "min": 5, "max": 1},
            {"key": "d", "label": "", "type": "boolean", "options": ["x"]}
        ]))
        .unwrap();
        let fields: Vec<_> = check_form(&bad)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "form[0].key",
                "form[1].options",
                "form[2].key",
                "form[2].max",
                "form[3].label",
                "form[3].options"
            ]
        );
    }
}
