//! Problems and the known-error database (ISO/IEC 20000-1 8.6.3): a problem explains
//! incidents, records its root cause and workaround, and once a known error is offered to
//! agents working incidents that look like it.
use crate::foundation::validation::{self, Errors, Invalid};
use crate::resolution::ticket::{Channel, Level, TicketDraft};
use crate::resolution::workflow::{ANALYSIS_MAX, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Body of `POST /api/v1/problems`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemInput {
    pub title: String,
    pub description: Option<String>,
    pub impact: Level,
    pub urgency: Level,
    pub service_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub category: Option<String>,
    /// Incidents this problem explains, linked at once.
    #[serde(default)]
    pub incident_ids: Vec<i64>,
}

impl ProblemInput {
    pub fn parse(self) -> Result<(TicketDraft, Vec<i64>), Invalid> {
        let incidents = self.incident_ids.clone();
        let draft = crate::resolution::ticket::IncidentInput {
            title: self.title,
            description: self.description,
            impact: Some(self.impact),
            urgency: Some(self.urgency),
            service_id: self.service_id,
            organization_id: None,
            requester_id: None,
            ci_id: self.ci_id,
            category: self.category,
            channel: Some(Channel::Api),
        }
        .parse()?;
        if incidents.len() > crate::resolution::ticket::LINKS_MAX {
            return Err(Invalid::one(
                "incident_ids",
                format!("at most {} incidents", crate::resolution::ticket::LINKS_MAX),
            ));
        }
        Ok((draft, incidents))
    }
}

/// Body of `PATCH /api/v1/problems/{id}`: the analysis so far. `null` clears a field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnalysisInput {
    #[serde(default, deserialize_with = "crate::foundation::validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub root_cause: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::foundation::validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub workaround: Option<Option<String>>,
}

/// The analysis after a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
}

impl AnalysisInput {
    /// Applies the patch. A known error keeps both fields: they are what it publishes.
    pub fn apply(self, current: &Analysis, status: Status) -> Result<Analysis, Invalid> {
        let mut e = Errors::new();
        let mut field =
            |name: &str, patch: Option<Option<String>>, now: &Option<String>| match patch {
                None => now.clone(),
                Some(None) => None,
                Some(Some(t)) => e.take(validation::text(name, &t, 1, ANALYSIS_MAX)),
            };
        let next = Analysis {
            root_cause: field("root_cause", self.root_cause, &current.root_cause),
            workaround: field("workaround", self.workaround, &current.workaround),
        };
        if status == Status::KnownError {
            if next.root_cause.is_none() {
                e.push(crate::FieldError::new(
                    "root_cause",
                    "a known error keeps its root cause",
                ));
            }
            if next.workaround.is_none() {
                e.push(crate::FieldError::new(
                    "workaround",
                    "a known error keeps its workaround",
                ));
            }
        }
        e.finish()?;
        Ok(next)
    }
}

/// An entry of the known-error database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KnownError {
    /// `KE-000001`.
    pub number: String,
    pub problem_id: i64,
    pub problem_number: String,
    pub title: String,
    pub root_cause: String,
    pub workaround: String,
    pub status: Status,
    pub service_id: Option<i64>,
    pub ci_id: Option<i64>,
}

/// A known error that looks like an incident, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct KnownErrorMatch {
    pub known_error: KnownError,
    /// Higher is closer.
    pub score: u32,
    /// E.g. `linked to the problem`, `same service`, `shared words: disk, full`.
    pub reasons: Vec<String>,
    /// "This matches KE-…; workaround: …", ready to show.
    pub message: String,
}

/// What of an incident is compared with a known error.
#[derive(Debug, Clone, Copy)]
pub struct IncidentFacts<'a> {
    pub problem_id: Option<i64>,
    pub service_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub text: &'a str,
}

/// Words too common in IT tickets to mean two of them are alike.
const STOP_WORDS: &[&str] = &[
    "the", "and", "for", "with", "not", "are", "was", "has", "have", "this", "that", "from",
    "after", "when", "cannot", "can", "does", "our", "all", "any", "issue", "problem", "error",
    "please", "user", "users",
];

/// The distinct significant words of a text: three letters or more, not a stop word.
pub fn significant_words(text: &str) -> BTreeSet<String> {
    crate::resolution::search::terms_all(text)
        .into_iter()
        .filter(|w| w.chars().count() >= 3 && !STOP_WORDS.contains(&w.as_str()))
        .collect()
}

/// How well a known error fits an incident, or `None` when it does not. A direct link always
/// fits; otherwise it takes two shared words, or one on the same service or CI.
pub fn match_known_error(incident: IncidentFacts<'_>, ke: &KnownError) -> Option<KnownErrorMatch> {
    let mut score = 0;
    let mut reasons = Vec::new();
    let linked = incident.problem_id == Some(ke.problem_id);
    if linked {
        score += 100;
        reasons.push("linked to the problem".to_owned());
    }
    let same_ci = incident.ci_id.is_some() && incident.ci_id == ke.ci_id;
    if same_ci {
        score += 30;
        reasons.push("same CI".to_owned());
    }
    let same_service = incident.service_id.is_some() && incident.service_id == ke.service_id;
    if same_service {
        score += 20;
        reasons.push("same service".to_owned());
    }
    let ke_words = significant_words(&format!("{} {} {}", ke.title, ke.root_cause, ke.workaround));
    let shared: Vec<String> = significant_words(incident.text)
        .intersection(&ke_words)
        .cloned()
        .collect();
    if !shared.is_empty() {
        score += 10 * shared.len().min(5) as u32;
        reasons.push(format!("shared words: {}", shared.join(", ")));
    }
    let fits = linked || shared.len() >= 2 || (!shared.is_empty() && (same_ci || same_service));
    fits.then(|| KnownErrorMatch {
        message: format!("This matches {}; workaround: {}", ke.number, ke.workaround),
        known_error: ke.clone(),
        score,
        reasons,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ke() -> KnownError {
        KnownError {
            number: "KE-000001".into(),
            problem_id: 5,
            problem_number: "PRB-000001".into(),
            title: "Mail server disk fills up".into(),
            root_cause: "Log rotation disabled after upgrade".into(),
            workaround: "Delete old logs and restart the mail service".into(),
            status: Status::KnownError,
            service_id: Some(1),
            ci_id: Some(2),
        }
    }

    fn facts(text: &str) -> IncidentFacts<'_> {
        IncidentFacts {
            problem_id: None,
            service_id: None,
            ci_id: None,
            text,
        }
    }

    #[test]
    fn similar_incidents_match_and_unrelated_ones_do_not() {
        let m = match_known_error(facts("Cannot send mail: disk full on server"), &ke()).unwrap();
        assert!(m.reasons.iter().any(|r| r.contains("disk")), "{m:?}");
        assert!(
            m.message
                .starts_with("This matches KE-000001; workaround: Delete")
        );
        assert!(match_known_error(facts("Printer jammed on floor 3"), &ke()).is_none());
        // One shared word is not enough alone, but is on the same service.
        assert!(match_known_error(facts("mail is slow"), &ke()).is_none());
        let same_service = IncidentFacts {
            service_id: Some(1),
            ..facts("mail is slow")
        };
        assert!(match_known_error(same_service, &ke()).is_some());
        let linked = IncidentFacts {
            problem_id: Some(5),
            ..facts("nothing alike")
        };
        assert_eq!(match_known_error(linked, &ke()).unwrap().score, 100);
    }

    #[test]
    fn a_known_error_keeps_its_analysis() {
        let current = Analysis {
            root_cause: Some("c".into()),
            workaround: Some("w".into()),
        };
        let clear = AnalysisInput {
            workaround: Some(None),
            ..Default::default()
        };
        assert!(clear.clone().apply(&current, Status::KnownError).is_err());
        assert_eq!(
            clear
                .apply(&current, Status::Investigating)
                .unwrap()
                .workaround,
            None
        );
    }
}
