//! The register of documented information (ISO/IEC 20000-1 7.5): each document of the SMS with
//! its kind, owner, clause and review cycle, and its versions — text or an uploaded file, a
//! draft until approved, an approved version never changing again. The service management plan
//! (6.3) is the one active document of kind `service_management_plan`.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// What 7.5.4 names as SMS documented information, and `other`.
    DocumentKind {
        SmsScope = "sms_scope",
        Policy = "policy",
        Objectives = "objectives",
        ServiceManagementPlan = "service_management_plan",
        ChangePolicy = "change_policy",
        SecurityPolicy = "security_policy",
        ContinuityPlan = "continuity_plan",
        Process = "process",
        Procedure = "procedure",
        ServiceRequirements = "service_requirements",
        Catalogue = "catalogue",
        Sla = "sla",
        SupplierContract = "supplier_contract",
        InternalAgreement = "internal_agreement",
        Other = "other"
    }
);

text_enum!(
    /// active → withdrawn (final).
    DocumentStatus { Active = "active", Withdrawn = "withdrawn" }
);

text_enum!(
    /// draft → approved; an approved version never changes.
    VersionStatus { Draft = "draft", Approved = "approved" }
);

text_enum!(
    TextFormat { Markdown = "markdown", Plain = "plain" }
);

pub const DEFAULT_REVIEW_MONTHS: i64 = 12;
pub const TEXT_MAX: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Document {
    pub id: i64,
    pub title: String,
    pub kind: DocumentKind,
    pub owner_id: Option<i64>,
    /// The clause the document serves, e.g. `8.5.1.1`.
    pub clause: Option<String>,
    pub review_interval_months: i64,
    /// `YYYY-MM-DD`.
    pub review_due_on: Option<String>,
    pub last_reviewed_on: Option<String>,
    pub status: DocumentStatus,
    pub withdrawn_at: Option<String>,
    pub withdrawn_reason: Option<String>,
    /// No version yet: a slot waiting for its content.
    pub placeholder: bool,
    /// The label of the latest approved version: the one in force.
    pub current_version: Option<String>,
    /// The label of the newest version, approved or not.
    pub latest_version: Option<String>,
    /// Active and its review date has passed (filled on reading, by today's date).
    pub review_overdue: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Document {
    /// Fills in what depends on today (`YYYY-MM-DD` compare as text).
    pub fn with_today(mut self, today: &str) -> Self {
        self.review_overdue = self.status == DocumentStatus::Active
            && self.review_due_on.as_deref().is_some_and(|d| d < today);
        self
    }
}

/// One version; a file version carries its metadata here and its bytes behind `…/file`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DocumentVersion {
    pub id: i64,
    pub document_id: i64,
    /// `1.0`, `1.1`, … computed, never typed.
    pub label: String,
    pub status: VersionStatus,
    pub format: Option<TextFormat>,
    pub text: Option<String>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    pub change_note: Option<String>,
    pub created_by: Option<i64>,
    pub created_by_name: String,
    pub created_at: String,
    pub approved_by: Option<i64>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<String>,
}

/// A document with its versions, newest first, and the one in force.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DocumentDetail {
    #[serde(flatten)]
    pub document: Document,
    pub current: Option<DocumentVersion>,
    pub versions: Vec<DocumentVersion>,
}

/// Body of `POST /api/v1/system/documents` (`title`, `kind` and `owner_id` required) and of
/// `PATCH` (what changes; `null` clears `clause`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentInput {
    pub title: Option<String>,
    pub kind: Option<DocumentKind>,
    pub owner_id: Option<i64>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub clause: Option<Option<String>>,
    /// 1 to 60; default 12.
    pub review_interval_months: Option<i64>,
    /// `YYYY-MM-DD`; default: the interval from today.
    pub review_due_on: Option<String>,
}

/// A clause number: 4 to 10, then dotted numbers (`8.5.1.1`).
pub fn clause(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let mut parts = v.split('.');
    let head_ok = parts
        .next()
        .and_then(|h| h.parse::<u8>().ok())
        .is_some_and(|h| (4..=10).contains(&h));
    let rest_ok =
        parts.all(|p| !p.is_empty() && p.len() <= 2 && p.bytes().all(|b| b.is_ascii_digit()));
    if head_ok && rest_ok {
        Ok(v.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "a clause of ISO/IEC 20000-1 like 7.5 or 8.5.1.1",
        ))
    }
}

fn date(field: &str, v: &str) -> Result<Date, FieldError> {
    v.trim()
        .parse::<Date>()
        .map_err(|_| FieldError::new(field, "a date written YYYY-MM-DD"))
}

/// `date` moved on by `months` (the last day of a shorter month when needed).
pub fn add_months(date: Date, months: i64) -> Date {
    date.checked_add(months.months()).unwrap_or(date)
}

impl DocumentInput {
    /// The document this input makes of `current` (none: a new one), as of `today`. The
    /// caller checks that the owner exists.
    pub fn apply(self, current: Option<&Document>, today: Date) -> Result<Document, Invalid> {
        let mut e = Errors::new();
        let mut next = current.cloned().unwrap_or_else(|| Document {
            id: 0,
            title: String::new(),
            kind: DocumentKind::Other,
            owner_id: None,
            clause: None,
            review_interval_months: DEFAULT_REVIEW_MONTHS,
            review_due_on: None,
            last_reviewed_on: None,
            status: DocumentStatus::Active,
            withdrawn_at: None,
            withdrawn_reason: None,
            placeholder: true,
            current_version: None,
            latest_version: None,
            review_overdue: false,
            created_at: String::new(),
            updated_at: String::new(),
        });
        match (self.title, current) {
            (Some(t), _) => {
                if let Some(t) = e.take(validation::text("title", &t, 1, 200)) {
                    next.title = t;
                }
            }
            (None, None) => e.push(FieldError::new("title", "is required")),
            (None, Some(_)) => {}
        }
        match (self.kind, current) {
            (Some(k), _) => next.kind = k,
            (None, None) => e.push(FieldError::new(
                "kind",
                format!("is required: {}", DocumentKind::choices()),
            )),
            (None, Some(_)) => {}
        }
        match (self.owner_id, current) {
            (Some(o), _) => next.owner_id = Some(o),
            (None, None) => e.push(FieldError::new("owner_id", "every document has an owner")),
            (None, Some(_)) => {}
        }
        if let Some(c) = self.clause {
            next.clause = match c.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(c) => e.take(clause("clause", c)),
            };
        }
        if let Some(m) = self.review_interval_months {
            if (1..=60).contains(&m) {
                next.review_interval_months = m;
            } else {
                e.push(FieldError::new("review_interval_months", "1 to 60 months"));
            }
        }
        match self.review_due_on.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => {
                if let Some(d) = e.take(date("review_due_on", d)) {
                    next.review_due_on = Some(d.to_string());
                }
            }
            _ if current.is_none() => {
                next.review_due_on =
                    Some(add_months(today, next.review_interval_months).to_string());
            }
            _ => {}
        }
        e.finish()?;
        Ok(next)
    }
}

/// Body of `POST /api/v1/system/documents/{id}/versions` as JSON: a text version. (A file
/// version is the request body itself, with `?name=` and `?change_note=`.)
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextVersionInput {
    pub text: String,
    /// markdown (default) or plain.
    pub format: Option<TextFormat>,
    pub change_note: Option<String>,
    /// Start a new major version (`2.0` after `1.3`) instead of the next minor one.
    #[serde(default)]
    pub major: bool,
}

impl TextVersionInput {
    /// (text, format, change note), checked.
    pub fn check(&self) -> Result<(String, TextFormat, Option<String>), Invalid> {
        let mut e = Errors::new();
        let text = e.take(validation::text("text", &self.text, 1, TEXT_MAX));
        let note = e.take(change_note(self.change_note.as_deref())).flatten();
        e.finish()?;
        Ok((
            text.unwrap_or_default(),
            self.format.unwrap_or(TextFormat::Markdown),
            note,
        ))
    }
}

pub fn change_note(v: Option<&str>) -> Result<Option<String>, FieldError> {
    validation::optional_text("change_note", v, 2000)
}

/// The label after `previous` (none: the first, `1.0`): the next minor, or with `major` the
/// next major.
pub fn next_label(previous: Option<&str>, major: bool) -> String {
    let (a, b) = previous
        .and_then(|p| p.split_once('.'))
        .and_then(|(a, b)| Some((a.parse::<u32>().ok()?, b.parse::<u32>().ok()?)))
        .map_or((1, 0), |(a, b)| if major { (a + 1, 0) } else { (a, b + 1) });
    if previous.is_none() {
        return "1.0".into();
    }
    format!("{a}.{b}")
}

/// Body of `POST /api/v1/system/documents/{id}/review`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = DocumentReviewInput)]
pub struct ReviewInput {
    /// `YYYY-MM-DD`; default today (UTC). Not in the future.
    pub reviewed_on: Option<String>,
}

impl ReviewInput {
    pub fn date(&self, today: Date) -> Result<Date, Invalid> {
        let d = match self.reviewed_on.as_deref().map(str::trim) {
            Some(d) if !d.is_empty() => date("reviewed_on", d).map_err(|e| Invalid(vec![e]))?,
            _ => today,
        };
        if d > today {
            return Err(Invalid::one("reviewed_on", "must not be in the future"));
        }
        Ok(d)
    }
}

/// Body of `POST /api/v1/system/documents/{id}/withdraw`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub reason: Option<String>,
}

/// The service management plan's state, for the evidence map.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanFigure {
    /// It has an approved version.
    pub approved: bool,
    pub review_due_on: Option<String>,
}

/// Figures on documented information and competence for the evidence map (7.2, 7.5, 6.3).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DocumentFigures {
    /// Active (not withdrawn) documents.
    pub documents_total: i64,
    /// Active documents with no version yet.
    pub documents_placeholder: i64,
    /// Active documents with no approved version (placeholders included).
    pub documents_unapproved: i64,
    /// Active documents whose review date is before today.
    pub documents_review_overdue: i64,
    /// The active service management plan, if there is one.
    pub plan: Option<PlanFigure>,
    /// Active users who are members of at least one team.
    pub team_members_total: i64,
    /// Of those, the ones with no competence in force (none recorded, or all expired).
    pub team_members_without_competence: i64,
    /// Competence entries whose expiry date is before today.
    pub competences_expired: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_computed() {
        assert_eq!(next_label(None, false), "1.0");
        assert_eq!(next_label(None, true), "1.0");
        assert_eq!(next_label(Some("1.0"), false), "1.1");
        assert_eq!(next_label(Some("1.9"), false), "1.10");
        assert_eq!(next_label(Some("1.3"), true), "2.0");
    }

    #[test]
    fn clauses_and_review_dates_are_checked() {
        assert!(clause("c", "8.5.1.1").is_ok());
        assert!(clause("c", "7.5").is_ok());
        assert!(clause("c", "11.1").is_err());
        assert!(clause("c", "8..1").is_err());
        let today: Date = "2026-01-31".parse().unwrap();
        let d = DocumentInput {
            title: Some("Change policy".into()),
            kind: Some(DocumentKind::ChangePolicy),
            owner_id: Some(1),
            review_interval_months: Some(1),
            ..Default::default()
        }
        .apply(None, today)
        .unwrap();
        assert_eq!(d.review_due_on.as_deref(), Some("2026-02-28"));
        let err = DocumentInput {
            review_interval_months: Some(0),
            clause: Some(Some("x".into())),
            ..Default::default()
        }
        .apply(None, today)
        .unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "kind",
                "owner_id",
                "clause",
                "review_interval_months"
            ]
        );
        assert!(
            d.clone().with_today("2026-03-01").review_overdue
                && !d.clone().with_today("2026-02-28").review_overdue
        );
    }
}
