//! Service level agreements (ISO/IEC 20000-1 8.3.3): per-priority response and resolution
//! targets on a calendar, pause rules, a warning threshold, workload limits, exceptions and a
//! review cycle — and the rule that picks the SLA for a record (most specific wins, and the
//! choice is explained).
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use crate::resolution::ticket::{Channel, Priority};
use crate::service_level::clock::PauseRule;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

text_enum!(
    /// What stops the response clock.
    ResponseOn { FirstPublicReply = "first_public_reply", Assignment = "assignment" }
);

text_enum!(
    /// What an SLA-engine record agrees with whom: a service level agreement with customers
    /// of a service, an operational level agreement with an internal team (its clocks run
    /// while the team holds a ticket), or an underpinning contract with a supplier (its clocks
    /// run while the ticket is engaged with the supplier).
    SlaLevel { Sla = "sla", Ola = "ola", UnderpinningContract = "underpinning_contract" }
);

impl SlaLevel {
    /// How a message names the level.
    pub fn label(self) -> &'static str {
        match self {
            SlaLevel::Sla => "SLA",
            SlaLevel::Ola => "OLA",
            SlaLevel::UnderpinningContract => "underpinning contract",
        }
    }
}

fn default_level() -> SlaLevel {
    SlaLevel::Sla
}

/// A priority's targets, in business seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    pub response_seconds: i64,
    pub resolution_seconds: i64,
}

/// At most this many records a month per customer organization; beyond it the breach is
/// reported and, if `suspend_targets`, targets do not apply to the excess.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadLimit {
    pub per_month: i64,
    #[serde(default)]
    pub suspend_targets: bool,
}

/// A machine-checkable exception: targets do not apply to records that match every given
/// field (for example, the category the desk uses for incidents caused by the customer's own
/// changes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRule {
    pub category: Option<String>,
    pub channel: Option<Channel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    pub text: String,
    pub rule: Option<ExceptionRule>,
}

impl Exception {
    /// Whether the exception covers a ticket of this category that came in by this channel.
    pub fn applies_to(&self, category: Option<&str>, channel: Channel) -> bool {
        let Some(rule) = &self.rule else {
            return false;
        };
        let category_ok = rule
            .category
            .as_ref()
            .is_none_or(|c| category.is_some_and(|tc| tc.eq_ignore_ascii_case(c)));
        let channel_ok = rule.channel.is_none_or(|c| c == channel);
        (rule.category.is_some() || rule.channel.is_some()) && category_ok && channel_ok
    }
}

text_enum!(
    /// A threshold a clock can pass: the warning point or the deadline.
    AlertKind { Warning = "warning", Breach = "breach" }
);

/// What an escalation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "snake_case", tag = "do")]
pub enum EscalationAction {
    NotifyUser {
        user_id: i64,
    },
    NotifyTeam {
        team_id: i64,
    },
    /// One step more urgent (P3 → P2), never beyond P1.
    RaisePriority,
    Reassign {
        team_id: i64,
    },
}

/// An escalation rule: when a clock (of `metric`, or either) passes `on`, do `action`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Escalation {
    pub on: AlertKind,
    pub metric: Option<crate::service_level::clock::ClockMetric>,
    pub action: EscalationAction,
}

impl Escalation {
    pub fn fires(&self, on: AlertKind, metric: crate::service_level::clock::ClockMetric) -> bool {
        self.on == on && self.metric.is_none_or(|m| m == metric)
    }
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notice {
    pub id: i64,
    pub user_id: Option<i64>,
    pub team_id: Option<i64>,
    pub ticket_id: Option<i64>,
    /// The kind of that ticket (`incident`, `request`, `problem`), for a link to it.
    pub ticket_kind: Option<String>,
    /// E.g. `sla_warning`, `sla_breach`.
    pub topic: String,
    pub subject: String,
    pub body: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// An SLA as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Sla {
    pub id: i64,
    pub name: String,
    /// `sla`, `ola` or `underpinning_contract`.
    pub level: SlaLevel,
    /// SLAs: the service. OLAs and contracts: if given, only that service's tickets.
    pub service_id: Option<i64>,
    /// OLAs: the team whose work is measured.
    pub team_id: Option<i64>,
    /// Underpinning contracts: the supplier whose work is measured.
    pub supplier_id: Option<i64>,
    /// OLAs and contracts: the agreement record (`/api/v1/agreements`) these targets measure.
    pub agreement_id: Option<i64>,
    /// The customers it covers; empty: every customer of the service.
    pub organization_ids: Vec<i64>,
    /// The business calendar; absent: 24×7.
    pub calendar_id: Option<i64>,
    /// By priority (`P1`…`P5`).
    pub targets: BTreeMap<String, Targets>,
    pub response_on: ResponseOn,
    /// Statuses (and pending reasons) that pause the resolution clock.
    pub pause: Vec<PauseRule>,
    /// Percent of a target after which a warning is raised.
    pub warning_percent: u8,
    pub workload_limit: Option<WorkloadLimit>,
    pub exceptions: Vec<Exception>,
    pub escalations: Vec<Escalation>,
    pub review_interval_days: i64,
    #[schema(value_type = String)]
    pub last_reviewed_on: Date,
    #[schema(value_type = String)]
    pub next_review_on: Date,
    /// Past its review date (as of today, UTC).
    pub review_overdue: bool,
    pub active: bool,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

impl Sla {
    pub fn targets_for(&self, p: Priority) -> Option<Targets> {
        self.targets.get(&String::from(p)).copied()
    }
}

/// The SLA that governs a ticket and its two clocks, as of now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SlaStatus {
    pub sla_id: i64,
    pub name: String,
    /// Why this SLA was chosen.
    pub explanation: String,
    /// False when an exception or a suspended workload limit lifts the targets.
    pub applies: bool,
    /// Absent when the SLA has no target for the ticket's priority or does not apply.
    pub response: Option<crate::service_level::clock::ClockView>,
    pub resolution: Option<crate::service_level::clock::ClockView>,
    /// Whether the SLA's calendar counts time right now (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_service_hours: Option<bool>,
    /// When the calendar next opens (while closed) or closes (while open), if within a week
    /// (on `GET` of one ticket). A running clock counts down only while the hours are open.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub service_hours_change_at: Option<jiff::Timestamp>,
}

/// Body of `POST /api/v1/slas/{id}/simulate`: a period and what to change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimulationInput {
    /// RFC 3339; records resolved from here (inclusive)…
    pub from: String,
    /// …to here (exclusive).
    pub to: String,
    /// Replacement targets by priority (absent: the SLA's own).
    pub targets: Option<BTreeMap<String, Targets>>,
    /// Another stored calendar (absent: the SLA's own; `null`: 24×7).
    #[serde(default, deserialize_with = "crate::foundation::validation::nullable")]
    #[schema(value_type = Option<i64>)]
    pub calendar_id: Option<Option<i64>>,
}

/// Met and breached counts of one clock over a set of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Compliance {
    pub met: i64,
    pub breached: i64,
    /// Records without a target for their priority.
    pub untargeted: i64,
    /// Met as a share of met and breached, in percent (absent with neither).
    pub percent: Option<f64>,
}

impl Compliance {
    pub fn count(&mut self, state: Option<crate::service_level::clock::ClockState>) {
        use crate::service_level::clock::ClockState::*;
        match state {
            Some(Met) | Some(Running) | Some(Paused) => self.met += 1,
            Some(Breached) => self.breached += 1,
            None => self.untargeted += 1,
        }
        let judged = self.met + self.breached;
        self.percent = (judged > 0).then(|| (self.met as f64) * 100.0 / judged as f64);
    }
}

/// Response and resolution compliance of a set of records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ComplianceSet {
    pub response: Compliance,
    pub resolution: Compliance,
}

/// What an SLA achieved over a period, and what it would have under the change.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Simulation {
    pub records: i64,
    pub actual: ComplianceSet,
    pub simulated: ComplianceSet,
}

/// One customer's workload in a month against the SLA's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Workload {
    pub organization_id: i64,
    /// Incidents and requests opened for the service in the month.
    pub records: i64,
    pub limit: Option<i64>,
    pub exceeded: bool,
}

/// Body of `POST /api/v1/slas` and `PUT /api/v1/slas/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlaInput {
    pub name: String,
    /// Default `sla`.
    pub level: Option<SlaLevel>,
    /// Required for an SLA; optional for an OLA or contract (then only that service's tickets).
    pub service_id: Option<i64>,
    /// Required for an OLA.
    pub team_id: Option<i64>,
    /// Required for an underpinning contract.
    pub supplier_id: Option<i64>,
    /// OLAs and contracts: the agreement record of the same kind and party.
    pub agreement_id: Option<i64>,
    #[serde(default)]
    pub organization_ids: Vec<i64>,
    pub calendar_id: Option<i64>,
    pub targets: BTreeMap<String, Targets>,
    pub response_on: Option<ResponseOn>,
    #[serde(default)]
    pub pause: Vec<PauseRule>,
    /// Default 80.
    pub warning_percent: Option<u8>,
    pub workload_limit: Option<WorkloadLimit>,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// What happens when a clock passes its warning point or deadline.
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// Default 365.
    pub review_interval_days: Option<i64>,
    /// Default: today.
    #[schema(value_type = Option<String>)]
    pub last_reviewed_on: Option<Date>,
    pub active: Option<bool>,
}

/// A checked SLA before references are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaDraft {
    pub name: String,
    #[serde(default = "default_level")]
    pub level: SlaLevel,
    pub service_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub supplier_id: Option<i64>,
    #[serde(default)]
    pub agreement_id: Option<i64>,
    pub organization_ids: Vec<i64>,
    pub calendar_id: Option<i64>,
    pub targets: BTreeMap<String, Targets>,
    pub response_on: ResponseOn,
    pub pause: Vec<PauseRule>,
    pub warning_percent: u8,
    pub workload_limit: Option<WorkloadLimit>,
    pub exceptions: Vec<Exception>,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    pub review_interval_days: i64,
    pub last_reviewed_on: Date,
    pub active: bool,
}

/// A year of business time bounds every target.
const TARGET_MAX: i64 = 366 * 24 * 3600;

impl SlaInput {
    pub fn parse(self, today: Date) -> Result<SlaDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text(
            "name",
            &self.name,
            1,
            crate::foundation::people::NAME_MAX,
        ));
        if self.targets.is_empty() {
            e.push(FieldError::new(
                "targets",
                "give targets for at least one priority",
            ));
        }
        for (key, t) in &self.targets {
            let field = format!("targets.{key}");
            if Priority::try_from(key.clone()).is_err() {
                e.push(FieldError::new(&field, "keys are priorities P1–P5"));
            }
            if !(1..=TARGET_MAX).contains(&t.response_seconds) {
                e.push(FieldError::new(
                    format!("{field}.response_seconds"),
                    "must be between 1 second and a year",
                ));
            }
            if !(1..=TARGET_MAX).contains(&t.resolution_seconds) {
                e.push(FieldError::new(
                    format!("{field}.resolution_seconds"),
                    "must be between 1 second and a year",
                ));
            }
            if t.response_seconds > t.resolution_seconds {
                e.push(FieldError::new(
                    format!("{field}.response_seconds"),
                    "must not exceed the resolution target",
                ));
            }
        }
        let warning_percent = self.warning_percent.unwrap_or(80);
        if !(1..=99).contains(&warning_percent) {
            e.push(FieldError::new(
                "warning_percent",
                "must be between 1 and 99",
            ));
        }
        if let Some(w) = self.workload_limit
            && w.per_month < 1
        {
            e.push(FieldError::new(
                "workload_limit.per_month",
                "must be at least 1",
            ));
        }
        for (i, x) in self.exceptions.iter().enumerate() {
            e.take(validation::text(
                &format!("exceptions[{i}].text"),
                &x.text,
                1,
                2000,
            ));
        }
        if self.escalations.len() > 50 {
            e.push(FieldError::new("escalations", "at most 50 rules"));
        }
        let review_interval_days = self.review_interval_days.unwrap_or(365);
        if !(1..=3650).contains(&review_interval_days) {
            e.push(FieldError::new(
                "review_interval_days",
                "must be between 1 and 3650",
            ));
        }
        let level = self.level.unwrap_or(SlaLevel::Sla);
        self.check_level(level, &mut e);
        let mut organization_ids = self.organization_ids;
        organization_ids.sort_unstable();
        organization_ids.dedup();
        e.finish()?;
        let response_on = match level {
            SlaLevel::Sla => self.response_on.unwrap_or(ResponseOn::FirstPublicReply),
            // An OLA's response is a person of the team taking the ticket; a contract's, the
            // supplier acknowledging it.
            SlaLevel::Ola | SlaLevel::UnderpinningContract => ResponseOn::Assignment,
        };
        Ok(SlaDraft {
            name: name.unwrap_or_default(),
            level,
            service_id: self.service_id,
            team_id: self.team_id,
            supplier_id: self.supplier_id,
            agreement_id: self.agreement_id,
            organization_ids,
            calendar_id: self.calendar_id,
            targets: self.targets,
            response_on,
            pause: self.pause,
            warning_percent,
            workload_limit: self.workload_limit,
            exceptions: self.exceptions,
            escalations: self.escalations,
            review_interval_days,
            last_reviewed_on: self.last_reviewed_on.unwrap_or(today),
            active: self.active.unwrap_or(true),
        })
    }
}

impl SlaInput {
    /// Which party each level needs, and what only an SLA has.
    fn check_level(&self, level: SlaLevel, e: &mut Errors) {
        let absent = |e: &mut Errors, field: &str, present: bool, why: &str| {
            if present {
                e.push(FieldError::new(field, why));
            }
        };
        match level {
            SlaLevel::Sla => {
                if self.service_id.is_none() {
                    e.push(FieldError::new("service_id", "is required for an SLA"));
                }
                let why = "is only for an OLA or underpinning contract";
                absent(e, "team_id", self.team_id.is_some(), why);
                absent(e, "supplier_id", self.supplier_id.is_some(), why);
                absent(e, "agreement_id", self.agreement_id.is_some(), why);
            }
            SlaLevel::Ola | SlaLevel::UnderpinningContract => {
                let ola = level == SlaLevel::Ola;
                let (needed, needed_present, other, other_present) = if ola {
                    (
                        "team_id",
                        self.team_id.is_some(),
                        "supplier_id",
                        self.supplier_id.is_some(),
                    )
                } else {
                    (
                        "supplier_id",
                        self.supplier_id.is_some(),
                        "team_id",
                        self.team_id.is_some(),
                    )
                };
                if !needed_present {
                    e.push(FieldError::new(
                        needed,
                        format!("is required for an {}", level.label()),
                    ));
                }
                absent(
                    e,
                    other,
                    other_present,
                    if ola {
                        "must be absent for an OLA (it measures an internal team, not a supplier)"
                    } else {
                        "must be absent for an underpinning contract (it measures a supplier, not a team)"
                    },
                );
                let why = "is only for an SLA with customers";
                absent(
                    e,
                    "organization_ids",
                    !self.organization_ids.is_empty(),
                    why,
                );
                absent(e, "workload_limit", self.workload_limit.is_some(), why);
                absent(
                    e,
                    "response_on",
                    self.response_on.is_some(),
                    "is fixed for an OLA (a person of the team takes the ticket) and a contract (the supplier acknowledges it)",
                );
            }
        }
    }
}

/// The date of the next review and whether it has passed.
pub fn review_due(last: Date, interval_days: i64, today: Date) -> (Date, bool) {
    let next = last
        .checked_add(jiff::Span::new().days(interval_days))
        .unwrap_or(Date::MAX);
    (next, next < today)
}

/// The SLA that governs a record of `service` for `organization`, with why: an active SLA
/// naming the organization beats one for all customers of the service; ties go to the oldest.
pub fn choose(
    slas: &[Sla],
    service: Option<i64>,
    organization: Option<i64>,
) -> Option<(&Sla, String)> {
    let service = service?;
    let specificity = |s: &Sla| {
        if s.organization_ids.is_empty() {
            Some(1)
        } else if organization.is_some_and(|o| s.organization_ids.contains(&o)) {
            Some(2)
        } else {
            None
        }
    };
    slas.iter()
        .filter(|s| s.active && s.level == SlaLevel::Sla && s.service_id == Some(service))
        .filter_map(|s| specificity(s).map(|n| (n, s)))
        .max_by(|(a, x), (b, y)| a.cmp(b).then(y.id.cmp(&x.id)))
        .map(|(n, s)| {
            let why = if n == 2 {
                format!(
                    "{} covers service {service} for organization {}",
                    s.name,
                    organization.unwrap_or_default()
                )
            } else {
                format!("{} covers every customer of service {service}", s.name)
            };
            (s, why)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sla(id: i64, orgs: Vec<i64>) -> Sla {
        let input: SlaInput = serde_json::from_value(json!({
            "name": format!("SLA {id}"), "service_id": 1, "organization_ids": orgs,
            "targets": {"P1": {"response_seconds": 900, "resolution_seconds": 14400}}
        }))
        .unwrap();
        let d = input.parse(Date::constant(2026, 1, 1)).unwrap();
        Sla {
            id,
            name: d.name,
            level: d.level,
            service_id: d.service_id,
            team_id: None,
            supplier_id: None,
            agreement_id: None,
            organization_ids: d.organization_ids,
            calendar_id: None,
            targets: d.targets,
            response_on: d.response_on,
            pause: d.pause,
            warning_percent: d.warning_percent,
            workload_limit: None,
            exceptions: vec![],
            escalations: vec![],
            review_interval_days: 365,
            last_reviewed_on: d.last_reviewed_on,
            next_review_on: d.last_reviewed_on,
            review_overdue: false,
            active: true,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn the_most_specific_sla_wins_and_says_why() {
        let slas = [sla(1, vec![]), sla(2, vec![7]), sla(3, vec![])];
        let (s, why) = choose(&slas, Some(1), Some(7)).unwrap();
        assert_eq!(s.id, 2);
        assert!(why.contains("organization 7"), "{why}");
        assert_eq!(
            choose(&slas, Some(1), Some(8)).unwrap().0.id,
            1,
            "oldest general one"
        );
        assert!(choose(&slas, Some(2), Some(7)).is_none());
        assert!(choose(&slas, None, Some(7)).is_none());
    }

    #[test]
    fn targets_are_checked() {
        let bad: SlaInput = serde_json::from_value(json!({
            "name": "x", "service_id": 1,
            "targets": {"P9": {"response_seconds": 10, "resolution_seconds": 5}},
            "warning_percent": 100
        }))
        .unwrap();
        let Invalid(errors) = bad.parse(Date::constant(2026, 1, 1)).unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "targets.P9",
                "targets.P9.response_seconds",
                "warning_percent"
            ]
        );
    }

    #[test]
    fn reviews_fall_due() {
        let last = Date::constant(2026, 1, 1);
        assert_eq!(
            review_due(last, 30, Date::constant(2026, 2, 1)),
            (Date::constant(2026, 1, 31), true)
        );
        assert!(!review_due(last, 365, Date::constant(2026, 2, 1)).1);
    }
}
