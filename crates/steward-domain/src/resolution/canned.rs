//! Canned replies: texts a team answers often, offered when writing a reply. A reply of no
//! team is offered to every agent; a team's only to its members (and to managers).
use crate::foundation::validation::{self, Errors, Invalid};
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CannedReply {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// The team it belongs to; none: every agent's.
    pub team_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/canned-replies` and of `PUT /api/v1/canned-replies/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CannedReplyInput {
    pub title: String,
    pub body: String,
    pub team_id: Option<i64>,
}

impl CannedReplyInput {
    /// Trimmed and checked; every bad field is named.
    pub fn parse(self) -> Result<CannedReplyInput, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, TITLE_MAX));
        let body = e.take(validation::text("body", &self.body, 1, BODY_MAX));
        e.finish()?;
        Ok(CannedReplyInput {
            title: title.unwrap_or_default(),
            body: body.unwrap_or_default(),
            team_id: self.team_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_texts_are_named() {
        let bad = CannedReplyInput {
            title: " ".into(),
            body: "".into(),
            team_id: None,
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["title", "body"]);
    }
}
