//! Service continuity (ISO/IEC 20000-1 8.7.2): a service's continuity plans — when to invoke
//! them, who does what, how to recover and return to normal, the recovery time and recovery
//! point objectives (RTO, RPO) — kept in versions that a manager approves, and the tests of
//! those plans with what they achieved against the objectives.
//!
//! **When a test is due.** A plan is tested every `test_interval_days` (of the version in
//! force, the approved one). The next test is due that many days after the last test of the
//! plan (any version, any result), or, when it was never tested, after the plan was first
//! approved. A plan never approved has nothing in force, so nothing is due. A plan is *test
//! overdue* from the day after its due date (UTC).
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

text_enum!(
    /// A version is drafted, approved (the one in force), then superseded by a later approval.
    PlanStatus { Draft = "draft", Approved = "approved", Superseded = "superseded" }
);

text_enum!(
    TestResult {
        Passed = "passed",
        PassedWithDeficiencies = "passed_with_deficiencies",
        Failed = "failed"
    }
);

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 50_000;
pub const DEFAULT_TEST_INTERVAL_DAYS: i64 = 365;
/// Ten years: a longer objective or interval is a typing mistake.
const MAX_SECONDS: i64 = 3650 * 86_400;
const MAX_INTERVAL_DAYS: i64 = 3650;

/// A duration as sent: whole seconds, or text people write (`4h`, `90m`, `1h 30m`, `2d`,
/// `PT4H`).
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum DurationInput {
    Seconds(i64),
    Text(String),
}

/// Whole seconds from a duration as people write it: numbers with units `d`, `h`, `m`, `s`
/// (or `days`, `hours`, `min`, `minutes`, `sec`…), or ISO 8601 (`PT4H`). A day is 24 hours.
pub fn parse_duration(field: &str, text: &str) -> Result<i64, FieldError> {
    let bad = || {
        FieldError::new(
            field,
            "must be a duration like 30m, 4h, 1h 30m or 2d (d, h, m, s)",
        )
    };
    let t = text.trim().to_ascii_lowercase();
    if t.starts_with('-') {
        return Err(FieldError::new(field, "must not be negative"));
    }
    if t.starts_with('p') {
        let d: SignedDuration = t.to_uppercase().parse().map_err(|_| bad())?;
        return seconds(field, d.as_secs());
    }
    let mut total: i64 = 0;
    let mut rest = t.as_str();
    let mut any = false;
    loop {
        rest = rest.trim_start_matches([' ', ',']);
        if rest.is_empty() {
            break;
        }
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(bad());
        }
        let n: i64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = rest[digits..].trim_start();
        let letters = rest.len()
            - rest
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .len();
        let unit = match &rest[..letters] {
            "d" | "day" | "days" => 86_400,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "" => {
                return Err(FieldError::new(
                    field,
                    "needs a unit, for example 30m, 4h or 2d",
                ));
            }
            _ => return Err(bad()),
        };
        rest = &rest[letters..];
        total = n
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
        any = true;
    }
    if !any {
        return Err(FieldError::new(field, "must not be empty"));
    }
    seconds(field, total)
}

fn seconds(field: &str, s: i64) -> Result<i64, FieldError> {
    if s < 0 {
        Err(FieldError::new(field, "must not be negative"))
    } else if s > MAX_SECONDS {
        Err(FieldError::new(field, "must be at most 3650 days"))
    } else {
        Ok(s)
    }
}

impl DurationInput {
    pub fn seconds(&self, field: &str) -> Result<i64, FieldError> {
        match self {
            DurationInput::Seconds(s) => seconds(field, *s),
            DurationInput::Text(t) => parse_duration(field, t),
        }
    }
}

/// Seconds as people read them, in the form [`parse_duration`] reads back: `4h`, `1h 30m`,
/// `2d 6h`, `0m`.
pub fn format_duration(seconds: i64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (s, "s")]
        .iter()
        .filter(|(n, _)| *n != 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    if parts.is_empty() {
        "0m".into()
    } else {
        parts.join(" ")
    }
}

/// What a version of a plan says; every edit of an approved plan makes a new version of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanContent {
    pub title: String,
    pub invocation_criteria: Option<String>,
    pub roles_contacts: Option<String>,
    pub recovery_steps: Option<String>,
    pub rto_seconds: i64,
    pub rpo_seconds: i64,
    pub return_to_normal: Option<String>,
    pub test_interval_days: i64,
    pub owner_id: i64,
}

impl PlanContent {
    /// A plan is approved only when it says when it is invoked, who does what, how the
    /// service recovers and how it returns to normal (8.7.2).
    pub fn check_complete(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        for (field, value) in [
            ("invocation_criteria", &self.invocation_criteria),
            ("roles_contacts", &self.roles_contacts),
            ("recovery_steps", &self.recovery_steps),
            ("return_to_normal", &self.return_to_normal),
        ] {
            if value.is_none() {
                e.push(FieldError::new(
                    field,
                    "is needed before the plan is approved",
                ));
            }
        }
        e.finish()
    }
}

/// One version of a plan, as read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PlanVersion {
    pub version: i64,
    pub status: PlanStatus,
    pub title: String,
    /// When the plan is invoked.
    pub invocation_criteria: Option<String>,
    /// Who does what, and how to reach them.
    pub roles_contacts: Option<String>,
    pub recovery_steps: Option<String>,
    /// Recovery time objective.
    pub rto_seconds: i64,
    /// The RTO as people write it (`4h`).
    pub rto: String,
    /// Recovery point objective: the data loss accepted.
    pub rpo_seconds: i64,
    pub rpo: String,
    pub return_to_normal: Option<String>,
    pub test_interval_days: i64,
    pub owner_id: i64,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub approved_by: Option<i64>,
    pub approved_at: Option<String>,
}

impl PlanVersion {
    pub fn content(&self) -> PlanContent {
        PlanContent {
            title: self.title.clone(),
            invocation_criteria: self.invocation_criteria.clone(),
            roles_contacts: self.roles_contacts.clone(),
            recovery_steps: self.recovery_steps.clone(),
            rto_seconds: self.rto_seconds,
            rpo_seconds: self.rpo_seconds,
            return_to_normal: self.return_to_normal.clone(),
            test_interval_days: self.test_interval_days,
            owner_id: self.owner_id,
        }
    }
}

/// A plan: its latest version's content (a draft awaiting approval, or the approved one) and
/// when it is next tested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContinuityPlan {
    pub id: i64,
    pub service_id: i64,
    pub service_name: String,
    /// The latest version.
    #[serde(flatten)]
    pub latest: PlanVersion,
    /// The version in force; none before the first approval.
    pub approved_version: Option<i64>,
    /// `YYYY-MM-DD` of the last test of any version.
    pub last_tested_on: Option<String>,
    /// `YYYY-MM-DD`: the last test (of any version, whatever its result) plus the approved
    /// version's test interval; while never tested, the first approval plus it; none while no
    /// version was ever approved.
    pub next_test_due: Option<String>,
    /// From the day after `next_test_due` (UTC).
    pub test_overdue: bool,
}

/// A plan with every version (newest first) and its tests (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContinuityPlanDetail {
    #[serde(flatten)]
    pub plan: ContinuityPlan,
    pub versions: Vec<PlanVersion>,
    pub tests: Vec<ContinuityTest>,
}

/// When a plan's next test is due: see the module documentation.
pub fn next_test_due(
    last_tested_on: Option<Date>,
    first_approved_at: Option<Timestamp>,
    interval_days: i64,
) -> Option<Date> {
    let from = match (last_tested_on, first_approved_at) {
        (Some(d), _) => d,
        (None, Some(t)) => t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date(),
        (None, None) => return None,
    };
    from.checked_add(interval_days.days()).ok()
}

/// Whether `today` (UTC) is past the due date.
pub fn test_overdue(next_due: Option<Date>, today: Date) -> bool {
    next_due.is_some_and(|due| today > due)
}

/// Body of `POST /api/v1/services/{id}/continuity-plans`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinuityPlanInput {
    pub title: String,
    pub invocation_criteria: Option<String>,
    pub roles_contacts: Option<String>,
    pub recovery_steps: Option<String>,
    /// Seconds, or text: `4h`, `90m`, `1d`.
    #[schema(value_type = String)]
    pub rto: DurationInput,
    #[schema(value_type = String)]
    pub rpo: DurationInput,
    pub return_to_normal: Option<String>,
    /// Days between tests; 365 when left out.
    pub test_interval_days: Option<i64>,
    pub owner_id: i64,
}

/// Body of `PATCH /api/v1/services/{id}/continuity-plans/{plan}`: what changes; `null` clears
/// a text. An approved plan keeps its version and gets a new draft; a draft is edited.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinuityPlanPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub invocation_criteria: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub roles_contacts: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub recovery_steps: Option<Option<String>>,
    #[schema(value_type = Option<String>)]
    pub rto: Option<DurationInput>,
    #[schema(value_type = Option<String>)]
    pub rpo: Option<DurationInput>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub return_to_normal: Option<Option<String>>,
    pub test_interval_days: Option<i64>,
    pub owner_id: Option<i64>,
}

fn text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    validation::optional_text(field, value, TEXT_MAX)
}

fn interval(days: i64) -> Result<i64, FieldError> {
    if (1..=MAX_INTERVAL_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(FieldError::new(
            "test_interval_days",
            "must be a number of days from 1 to 3650",
        ))
    }
}

impl ContinuityPlanInput {
    pub fn parse(&self) -> Result<PlanContent, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, TITLE_MAX));
        let invocation_criteria = e
            .take(text(
                "invocation_criteria",
                self.invocation_criteria.as_deref(),
            ))
            .flatten();
        let roles_contacts = e
            .take(text("roles_contacts", self.roles_contacts.as_deref()))
            .flatten();
        let recovery_steps = e
            .take(text("recovery_steps", self.recovery_steps.as_deref()))
            .flatten();
        let rto = e.take(self.rto.seconds("rto"));
        let rpo = e.take(self.rpo.seconds("rpo"));
        let return_to_normal = e
            .take(text("return_to_normal", self.return_to_normal.as_deref()))
            .flatten();
        let days = e.take(interval(
            self.test_interval_days
                .unwrap_or(DEFAULT_TEST_INTERVAL_DAYS),
        ));
        e.finish()?;
        Ok(PlanContent {
            title: title.unwrap_or_default(),
            invocation_criteria,
            roles_contacts,
            recovery_steps,
            rto_seconds: rto.unwrap_or_default(),
            rpo_seconds: rpo.unwrap_or_default(),
            return_to_normal,
            test_interval_days: days.unwrap_or(DEFAULT_TEST_INTERVAL_DAYS),
            owner_id: self.owner_id,
        })
    }
}

impl ContinuityPlanPatch {
    pub fn apply(&self, current: &PlanContent) -> Result<PlanContent, Invalid> {
        let mut e = Errors::new();
        let mut next = current.clone();
        if let Some(t) = &self.title
            && let Some(t) = e.take(validation::text("title", t, 1, TITLE_MAX))
        {
            next.title = t;
        }
        for (field, patch, slot) in [
            (
                "invocation_criteria",
                &self.invocation_criteria,
                &mut next.invocation_criteria,
            ),
            (
                "roles_contacts",
                &self.roles_contacts,
                &mut next.roles_contacts,
            ),
            (
                "recovery_steps",
                &self.recovery_steps,
                &mut next.recovery_steps,
            ),
            (
                "return_to_normal",
                &self.return_to_normal,
                &mut next.return_to_normal,
            ),
        ] {
            if let Some(value) = patch
                && let Some(v) = e.take(text(field, value.as_deref()))
            {
                *slot = v;
            }
        }
        if let Some(d) = &self.rto
            && let Some(s) = e.take(d.seconds("rto"))
        {
            next.rto_seconds = s;
        }
        if let Some(d) = &self.rpo
            && let Some(s) = e.take(d.seconds("rpo"))
        {
            next.rpo_seconds = s;
        }
        if let Some(days) = self.test_interval_days
            && let Some(d) = e.take(interval(days))
        {
            next.test_interval_days = d;
        }
        if let Some(owner) = self.owner_id {
            next.owner_id = owner;
        }
        e.finish()?;
        Ok(next)
    }
}

/// A test of a plan, as read: what it achieved against the tested version's objectives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContinuityTest {
    pub id: i64,
    pub plan_id: i64,
    /// The plan version tested.
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub tested_on: String,
    pub scenario: String,
    pub achieved_recovery_seconds: Option<i64>,
    pub achieved_recovery: Option<String>,
    pub achieved_data_loss_seconds: Option<i64>,
    pub achieved_data_loss: Option<String>,
    /// The tested version's objectives.
    pub rto_seconds: i64,
    pub rpo_seconds: i64,
    /// Whether the service recovered within the RTO; none when not measured.
    pub recovery_met: Option<bool>,
    /// Whether the data lost stayed within the RPO; none when not measured.
    pub data_loss_met: Option<bool>,
    pub result: TestResult,
    pub deficiencies: Option<String>,
    pub follow_up_actions: Option<String>,
    pub recorded_by: Option<i64>,
    pub created_at: String,
}

impl ContinuityTest {
    /// Fills in the durations as text and whether the objectives were met.
    pub fn judged(mut self) -> Self {
        self.achieved_recovery = self.achieved_recovery_seconds.map(format_duration);
        self.achieved_data_loss = self.achieved_data_loss_seconds.map(format_duration);
        self.recovery_met = self
            .achieved_recovery_seconds
            .map(|s| s <= self.rto_seconds);
        self.data_loss_met = self
            .achieved_data_loss_seconds
            .map(|s| s <= self.rpo_seconds);
        self
    }
}

/// Body of `POST /api/v1/services/{id}/continuity-plans/{plan}/tests`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContinuityTestInput {
    /// The version tested; the approved one when left out (the latest when none is).
    pub version: Option<i64>,
    /// `YYYY-MM-DD`, not in the future.
    pub tested_on: String,
    pub scenario: String,
    /// How long recovery took: seconds, or text (`3h 20m`). Leave out when not measured.
    #[schema(value_type = Option<String>)]
    pub achieved_recovery: Option<DurationInput>,
    /// How much data was lost, as time: seconds, or text (`10m`).
    #[schema(value_type = Option<String>)]
    pub achieved_data_loss: Option<DurationInput>,
    pub result: TestResult,
    /// Needed unless the test passed.
    pub deficiencies: Option<String>,
    pub follow_up_actions: Option<String>,
}

/// A checked test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestDraft {
    pub tested_on: Date,
    pub scenario: String,
    pub achieved_recovery_seconds: Option<i64>,
    pub achieved_data_loss_seconds: Option<i64>,
    pub result: TestResult,
    pub deficiencies: Option<String>,
    pub follow_up_actions: Option<String>,
}

/// The latest date that is today somewhere on earth (UTC+14), so that nobody's today is
/// refused as the future.
pub fn latest_today(now: Timestamp) -> Date {
    (now + SignedDuration::from_hours(14))
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
}

pub fn parse_date(field: &str, value: &str) -> Result<Date, FieldError> {
    let v = value.trim();
    v.parse::<Date>()
        .ok()
        .filter(|_| v.len() == 10)
        .ok_or_else(|| FieldError::new(field, "must be a date written YYYY-MM-DD"))
}

impl ContinuityTestInput {
    pub fn parse(&self, now: Timestamp) -> Result<TestDraft, Invalid> {
        let mut e = Errors::new();
        let tested_on = e.take(parse_date("tested_on", &self.tested_on).and_then(|d| {
            if d > latest_today(now) {
                Err(FieldError::new("tested_on", "must not be in the future"))
            } else {
                Ok(d)
            }
        }));
        let scenario = e.take(validation::text("scenario", &self.scenario, 1, TEXT_MAX));
        let recovery = self
            .achieved_recovery
            .as_ref()
            .and_then(|d| e.take(d.seconds("achieved_recovery")));
        let loss = self
            .achieved_data_loss
            .as_ref()
            .and_then(|d| e.take(d.seconds("achieved_data_loss")));
        let deficiencies = e
            .take(text("deficiencies", self.deficiencies.as_deref()))
            .flatten();
        if self.result != TestResult::Passed && deficiencies.is_none() {
            e.push(FieldError::new(
                "deficiencies",
                "say what fell short when the test did not simply pass",
            ));
        }
        let follow_up_actions = e
            .take(text("follow_up_actions", self.follow_up_actions.as_deref()))
            .flatten();
        e.finish()?;
        Ok(TestDraft {
            tested_on: tested_on.unwrap_or_default(),
            scenario: scenario.unwrap_or_default(),
            achieved_recovery_seconds: recovery,
            achieved_data_loss_seconds: loss,
            result: self.result,
            deficiencies,
            follow_up_actions,
        })
    }
}

/// What an exported plan shows, with people named.
#[derive(Debug, Clone)]
pub struct PlanExport {
    pub service_name: String,
    pub plan_id: i64,
    pub version: PlanVersion,
    pub owner: String,
    pub approved_by: Option<String>,
    /// Which version is in force, when it is not this one.
    pub approved_version: Option<i64>,
    pub last_tested_on: Option<String>,
    pub next_test_due: Option<String>,
    /// `2026-03-02 10:00 UTC`.
    pub exported_at: String,
}

impl PlanExport {
    /// "Approved version 3", "Draft version 4 (version 3 is in force)".
    pub fn status_line(&self) -> String {
        let v = &self.version;
        match (v.status, self.approved_version) {
            (PlanStatus::Approved, _) => format!(
                "Approved version {}{}",
                v.version,
                match (&self.approved_by, &v.approved_at) {
                    (Some(by), Some(at)) => format!(", approved by {by} on {}", utc_minutes(at)),
                    _ => String::new(),
                }
            ),
            (PlanStatus::Draft, Some(a)) => format!(
                "DRAFT version {}, not approved: version {a} is the one in force",
                v.version
            ),
            (PlanStatus::Draft, None) => {
                format!("DRAFT version {}, not approved", v.version)
            }
            (PlanStatus::Superseded, a) => format!(
                "Superseded version {}{}",
                v.version,
                a.map(|a| format!(": version {a} is the one in force"))
                    .unwrap_or_default()
            ),
        }
    }

    /// The sections in order: (heading, text).
    pub fn sections(&self) -> [(&'static str, Option<&str>); 4] {
        let v = &self.version;
        [
            ("Invocation criteria", v.invocation_criteria.as_deref()),
            ("Roles and contacts", v.roles_contacts.as_deref()),
            ("Recovery steps", v.recovery_steps.as_deref()),
            ("Return to normal", v.return_to_normal.as_deref()),
        ]
    }

    pub fn file_name(&self, extension: &str) -> String {
        let slug: String = self
            .service_name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let slug = slug
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        format!(
            "continuity-plan-{}-{}-v{}.{extension}",
            if slug.is_empty() { "service" } else { &slug },
            self.plan_id,
            self.version.version
        )
    }

    /// The plan as Markdown. Its texts are people's words: `&`, `<` and `>` are written as
    /// HTML entities, so a Markdown viewer shows them and never runs them as HTML.
    pub fn markdown(&self) -> String {
        let v = &self.version;
        let mut out = String::new();
        out.push_str(&format!(
            "# Continuity plan: {}\n\n",
            md(&v.title).replace('\n', " ")
        ));
        out.push_str(&format!("- Service: {}\n", md(&self.service_name)));
        out.push_str(&format!("- Status: {}\n", md(&self.status_line())));
        out.push_str(&format!("- Owner: {}\n", md(&self.owner)));
        out.push_str(&format!(
            "- Recovery time objective (RTO): {}\n",
            format_duration(v.rto_seconds)
        ));
        out.push_str(&format!(
            "- Recovery point objective (RPO): {}\n",
            format_duration(v.rpo_seconds)
        ));
        out.push_str(&format!(
            "- Tested every {} days; last tested: {}; next test due: {}\n",
            v.test_interval_days,
            self.last_tested_on.as_deref().unwrap_or("never"),
            self.next_test_due.as_deref().unwrap_or("once approved")
        ));
        out.push_str(&format!("- Exported: {}\n", self.exported_at));
        for (heading, text) in self.sections() {
            out.push_str(&format!("\n## {heading}\n\n"));
            match text {
                Some(t) => {
                    out.push_str(&md(t));
                    out.push('\n');
                }
                None => out.push_str("_Not written yet._\n"),
            }
        }
        out
    }
}

/// An RFC 3339 instant as people read it in a file with no time zone of its own:
/// `2026-03-02 10:00 UTC`.
pub fn utc_minutes(rfc3339: &str) -> String {
    rfc3339
        .parse::<Timestamp>()
        .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// People's text for Markdown: HTML-significant characters as entities.
fn md(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them_and_back() {
        for (text, secs) in [
            ("4h", 14_400),
            ("90m", 5400),
            ("1h 30m", 5400),
            ("1h30m", 5400),
            ("2 days", 172_800),
            ("45 min", 2700),
            ("PT4H", 14_400),
            ("0m", 0),
        ] {
            assert_eq!(parse_duration("rto", text), Ok(secs), "{text}");
        }
        for bad in ["", "-5m", "4", "soon", "4 weeks", "4h -"] {
            assert!(parse_duration("rto", bad).is_err(), "{bad}");
        }
        for secs in [0, 59, 60, 5400, 14_400, 86_400 + 3600, 3 * 86_400 + 61] {
            assert_eq!(
                parse_duration("x", &format_duration(secs)),
                Ok(secs),
                "{secs}"
            );
        }
        assert_eq!(format_duration(5400), "1h 30m");
        assert_eq!(
            DurationInput::Seconds(-1).seconds("rpo").unwrap_err().field,
            "rpo"
        );
    }

    #[test]
    fn a_test_is_due_an_interval_after_the_last_test_or_the_first_approval() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let approved: Timestamp = "2026-01-10T23:00:00Z".parse().unwrap();
        assert_eq!(next_test_due(None, None, 365), None);
        assert_eq!(
            next_test_due(None, Some(approved), 30),
            Some(d("2026-02-09"))
        );
        assert_eq!(
            next_test_due(Some(d("2026-03-01")), Some(approved), 30),
            Some(d("2026-03-31"))
        );
        assert!(!test_overdue(Some(d("2026-03-31")), d("2026-03-31")));
        assert!(test_overdue(Some(d("2026-03-31")), d("2026-04-01")));
        assert!(!test_overdue(None, d("2099-01-01")));
    }

    #[test]
    fn a_test_names_its_bad_fields() {
        let now: Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
        let input = ContinuityTestInput {
            version: None,
            tested_on: "2026-03-05".into(),
            scenario: " ".into(),
            achieved_recovery: Some(DurationInput::Seconds(-3)),
            achieved_data_loss: Some(DurationInput::Text("10m".into())),
            result: TestResult::Failed,
            deficiencies: None,
            follow_up_actions: None,
        };
        let fields: Vec<String> = input
            .parse(now)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["tested_on", "scenario", "achieved_recovery", "deficiencies"]
        );
        // Tomorrow in UTC is already today east of it.
        let ok = ContinuityTestInput {
            tested_on: "2026-03-03".into(),
            scenario: "Data centre loses power".into(),
            achieved_recovery: None,
            result: TestResult::Passed,
            ..input
        };
        assert_eq!(ok.parse(now).unwrap().achieved_data_loss_seconds, Some(600));
    }

    #[test]
    fn markdown_escapes_html() {
        let v = PlanVersion {
            version: 1,
            status: PlanStatus::Draft,
            title: "Mail <b>".into(),
            invocation_criteria: Some("<script>alert(1)</script>".into()),
            roles_contacts: None,
            recovery_steps: None,
            rto_seconds: 3600,
            rto: "1h".into(),
            rpo_seconds: 0,
            rpo: "0m".into(),
            return_to_normal: None,
            test_interval_days: 365,
            owner_id: 1,
            created_by: None,
            created_at: String::new(),
            updated_at: String::new(),
            approved_by: None,
            approved_at: None,
        };
        let e = PlanExport {
            service_name: "Mail & Chat".into(),
            plan_id: 7,
            version: v,
            owner: "Ann".into(),
            approved_by: None,
            approved_version: None,
            last_tested_on: None,
            next_test_due: None,
            exported_at: "now".into(),
        };
        let md = e.markdown();
        assert!(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{md}");
        assert!(!md.contains("<script>"));
        assert!(md.contains("RTO): 1h"));
        assert_eq!(e.file_name("md"), "continuity-plan-mail-chat-7-v1.md");
        assert_eq!(
            utc_minutes("2026-03-02T10:00:59.123456Z"),
            "2026-03-02 10:00 UTC"
        );
    }
}
