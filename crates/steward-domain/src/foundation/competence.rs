//! Competence records (ISO/IEC 20000-1 7.2): per person, the skills and roles they hold at a
//! level, with the evidence, when it was obtained, when it expires and who verified it.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    CompetenceLevel { Awareness = "awareness", Practitioner = "practitioner", Expert = "expert" }
);

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Competence {
    pub id: i64,
    pub user_id: i64,
    /// The skill or role, e.g. "Incident management" or "Change advisory board".
    pub skill: String,
    pub level: CompetenceLevel,
    /// Training, certificate, assessment… in words.
    pub evidence: Option<String>,
    /// `YYYY-MM-DD`.
    pub obtained_on: String,
    pub expires_on: Option<String>,
    pub verified_by: Option<i64>,
    /// Its expiry date has passed (filled on reading, by today's date).
    pub expired: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Competence {
    pub fn with_today(mut self, today: &str) -> Self {
        self.expired = self.expires_on.as_deref().is_some_and(|d| d < today);
        self
    }
}

/// Body of `POST /api/v1/competences` (`user_id`, `skill`, `level`, `obtained_on` required)
/// and of `PATCH` (what changes; `null` clears `expires_on`, `evidence`, `verified_by`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompetenceInput {
    pub user_id: Option<i64>,
    pub skill: Option<String>,
    pub level: Option<CompetenceLevel>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub evidence: Option<Option<String>>,
    pub obtained_on: Option<String>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub expires_on: Option<Option<String>>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<i64>)]
    pub verified_by: Option<Option<i64>>,
}

fn date(e: &mut Errors, field: &str, v: &str) -> Option<String> {
    e.take(
        v.trim()
            .parse::<Date>()
            .map(|d| d.to_string())
            .map_err(|_| FieldError::new(field, "a date written YYYY-MM-DD")),
    )
}

impl CompetenceInput {
    /// The entry this input makes of `current` (none: a new one). The caller checks the
    /// people named exist.
    pub fn apply(self, current: Option<&Competence>) -> Result<Competence, Invalid> {
        let mut e = Errors::new();
        let mut next = current.cloned().unwrap_or_else(|| Competence {
            id: 0,
            user_id: 0,
            skill: String::new(),
            level: CompetenceLevel::Awareness,
            evidence: None,
            obtained_on: String::new(),
            expires_on: None,
            verified_by: None,
            expired: false,
            created_at: String::new(),
            updated_at: String::new(),
        });
        let new = current.is_none();
        match self.user_id {
            Some(u) => next.user_id = u,
            None if new => e.push(FieldError::new("user_id", "is required")),
            None => {}
        }
        match self.skill {
            Some(s) => {
                if let Some(s) = e.take(validation::text("skill", &s, 1, 100)) {
                    next.skill = s;
                }
            }
            None if new => e.push(FieldError::new("skill", "is required")),
            None => {}
        }
        match self.level {
            Some(l) => next.level = l,
            None if new => e.push(FieldError::new(
                "level",
                format!("is required: {}", CompetenceLevel::choices()),
            )),
            None => {}
        }
        if let Some(ev) = self.evidence {
            next.evidence = e
                .take(validation::optional_text("evidence", ev.as_deref(), 2000))
                .flatten();
        }
        match self.obtained_on.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => {
                if let Some(d) = date(&mut e, "obtained_on", d) {
                    next.obtained_on = d;
                }
            }
            _ if new => e.push(FieldError::new("obtained_on", "is required")),
            _ => {}
        }
        if let Some(x) = self.expires_on {
            next.expires_on = match x.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(d) => date(&mut e, "expires_on", d),
            };
        }
        if let Some(v) = self.verified_by {
            next.verified_by = v;
        }
        if let Some(x) = &next.expires_on
            && !next.obtained_on.is_empty()
            && *x <= next.obtained_on
        {
            e.push(FieldError::new("expires_on", "must be after obtained_on"));
        }
        e.finish()?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_needs_its_fields_and_expires_after_it_was_obtained() {
        let err = CompetenceInput::default().apply(None).unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["user_id", "skill", "level", "obtained_on"]);
        let c = CompetenceInput {
            user_id: Some(3),
            skill: Some(" Incident management ".into()),
            level: Some(CompetenceLevel::Expert),
            obtained_on: Some("2025-01-10".into()),
            expires_on: Some(Some("2026-01-10".into())),
            ..Default::default()
        }
        .apply(None)
        .unwrap();
        assert_eq!(c.skill, "Incident management");
        assert!(c.clone().with_today("2026-01-11").expired);
        assert!(!c.clone().with_today("2026-01-10").expired);
        let bad = CompetenceInput {
            expires_on: Some(Some("2024-01-01".into())),
            ..Default::default()
        }
        .apply(Some(&c))
        .unwrap_err();
        assert_eq!(bad.0[0].field, "expires_on");
    }
}
