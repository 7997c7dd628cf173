//! Customer satisfaction (ISO/IEC 20000-1 8.3.2): when an incident or request is first
//! resolved its requester is offered one survey — a rating from 1 to 5 and an optional
//! comment — answered once, in the portal or by a signed link that expires. A rating at or
//! below the configured threshold is flagged low. No I/O.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

text_enum!(
    /// Where a survey was answered.
    AnsweredVia { Portal = "portal", Link = "link" }
);

text_enum!(
    /// Where a record's survey stands.
    SurveyStatus {
        /// The record was never resolved with a requester to ask.
        NotOffered = "not_offered",
        /// Offered and waiting for the answer.
        Open = "open",
        Answered = "answered",
        /// Offered, not answered in time.
        Expired = "expired",
    }
);

/// The most characters a comment may have.
pub const COMMENT_MAX: usize = 2000;

/// A survey as stored. Instants are microseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Survey {
    pub id: i64,
    pub ticket_id: i64,
    pub requester_id: i64,
    pub offered_at: i64,
    pub expires_at: i64,
    pub answered_at: Option<i64>,
    pub answered_via: Option<AnsweredVia>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    pub low: bool,
}

impl Survey {
    pub fn status(&self, now: i64) -> SurveyStatus {
        if self.answered_at.is_some() {
            SurveyStatus::Answered
        } else if now >= self.expires_at {
            SurveyStatus::Expired
        } else {
            SurveyStatus::Open
        }
    }
}

/// Body of `POST /api/v1/{incidents|requests}/{id}/satisfaction` and
/// `POST /api/v1/surveys/{token}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyAnswer {
    /// 1 (very dissatisfied) to 5 (very satisfied).
    pub rating: Option<i64>,
    /// Optional, at most 2000 characters.
    pub comment: Option<String>,
}

impl SurveyAnswer {
    /// The rating and the trimmed comment (none when empty).
    pub fn parse(&self) -> Result<(i64, Option<String>), Invalid> {
        let mut e = Errors::new();
        let rating = match self.rating {
            None => {
                e.push(FieldError::new("rating", "choose a rating from 1 to 5"));
                None
            }
            Some(r) if !(1..=5).contains(&r) => {
                e.push(FieldError::new(
                    "rating",
                    format!("must be a whole number from 1 to 5 (got {r})"),
                ));
                None
            }
            Some(r) => Some(r),
        };
        let comment = e
            .take(validation::optional_text(
                "comment",
                self.comment.as_deref(),
                COMMENT_MAX,
            ))
            .flatten();
        e.finish()?;
        Ok((rating.unwrap_or_default(), comment))
    }
}

/// Body of `GET`/`PUT /api/v1/settings/satisfaction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SatisfactionSettings {
    /// A rating at or below this (1 to 5) is low: flagged on the survey and written on the
    /// record's timeline. Default 2.
    pub low_rating_threshold: i64,
    /// How many days a survey link stays valid after the record is resolved (1 to 365).
    /// Default 14.
    pub link_valid_days: i64,
}

impl Default for SatisfactionSettings {
    fn default() -> Self {
        Self {
            low_rating_threshold: 2,
            link_valid_days: 14,
        }
    }
}

impl SatisfactionSettings {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        if !(1..=5).contains(&self.low_rating_threshold) {
            e.push(FieldError::new(
                "low_rating_threshold",
                "must be from 1 to 5",
            ));
        }
        if !(1..=365).contains(&self.link_valid_days) {
            e.push(FieldError::new(
                "link_valid_days",
                "must be from 1 to 365 days",
            ));
        }
        e.finish()
    }

    pub fn is_low(&self, rating: i64) -> bool {
        rating <= self.low_rating_threshold
    }
}

/// A record's survey as the API shows it (`GET /api/v1/{incidents|requests}/{id}/satisfaction`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    pub ticket_id: i64,
    pub number: String,
    pub status: SurveyStatus,
    /// RFC 3339, UTC.
    pub offered_at: Option<String>,
    pub expires_at: Option<String>,
    pub answered_at: Option<String>,
    pub answered_via: Option<AnsweredVia>,
    pub rating: Option<i64>,
    pub comment: Option<String>,
    /// At or below the low-rating threshold when it was answered.
    pub low: bool,
    /// Staff who work tickets: the signed link (a path on this server) while the survey is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Whether the one asking may answer now (the requester, while open).
    pub can_answer: bool,
}

/// What the public survey page shows: only the record's number and title.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicSurvey {
    pub number: String,
    pub title: String,
    pub status: SurveyStatus,
    pub expires_at: String,
    pub rating: Option<i64>,
}

/// One answered survey in the managers' list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AnsweredSurvey {
    pub id: i64,
    pub ticket_id: i64,
    pub kind: crate::resolution::ticket::TicketKind,
    pub number: String,
    pub title: String,
    pub requester: String,
    pub organization: Option<String>,
    pub rating: i64,
    pub comment: Option<String>,
    pub low: bool,
    pub answered_at: String,
    pub answered_via: Option<AnsweredVia>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_a_whole_number_from_1_to_5() {
        for bad in [None, Some(0), Some(6), Some(-1)] {
            let err = SurveyAnswer {
                rating: bad,
                comment: None,
            }
            .parse()
            .unwrap_err();
            assert_eq!(err.0[0].field, "rating");
        }
        let (r, c) = SurveyAnswer {
            rating: Some(4),
            comment: Some("  ".into()),
        }
        .parse()
        .unwrap();
        assert_eq!((r, c), (4, None));
        let long = "x".repeat(COMMENT_MAX + 1);
        let err = SurveyAnswer {
            rating: Some(3),
            comment: Some(long),
        }
        .parse()
        .unwrap_err();
        assert_eq!(err.0[0].field, "comment");
    }

    #[test]
    fn status_follows_answer_and_expiry() {
        let mut s = Survey {
            id: 1,
            ticket_id: 1,
            requester_id: 1,
            offered_at: 0,
            expires_at: 100,
            answered_at: None,
            answered_via: None,
            rating: None,
            comment: None,
            low: false,
        };
        assert_eq!(s.status(99), SurveyStatus::Open);
        assert_eq!(s.status(100), SurveyStatus::Expired);
        s.answered_at = Some(50);
        assert_eq!(s.status(200), SurveyStatus::Answered);
    }

    #[test]
    fn the_threshold_is_inclusive_and_checked() {
        let s = SatisfactionSettings::default();
        assert!(s.is_low(2) && !s.is_low(3));
        let bad = SatisfactionSettings {
            low_rating_threshold: 6,
            link_valid_days: 0,
        };
        assert_eq!(bad.check().unwrap_err().0.len(), 2);
    }
}
