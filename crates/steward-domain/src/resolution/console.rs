//! The agent console's questions: which queue, which filters, which order, which page. One
//! query type read from a query string serves the web console, the API and saved views, so a
//! saved view is exactly the link it was saved from.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{Errors, FieldError, Invalid};
use crate::resolution::ticket::{AssignInput, TicketKind};
use crate::resolution::workflow::{Status, TransitionInput};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

text_enum!(
    /// A work queue: a standing question about open records.
    Queue {
        Mine = "mine",
        Team = "team",
        Unassigned = "unassigned",
        Breaching = "breaching",
        Major = "major",
        Problems = "problems",
        All = "all",
    }
);

impl Queue {
    pub fn label(self) -> &'static str {
        match self {
            Queue::Mine => "My work",
            Queue::Team => "My teams",
            Queue::Unassigned => "Unassigned",
            Queue::Breaching => "Breaching soon",
            Queue::Major => "Major incidents",
            Queue::Problems => "Problems",
            Queue::All => "All open",
        }
    }
}

text_enum!(
    /// The order of a queue.
    ConsoleSort {
        Newest = "newest",
        Oldest = "oldest",
        Priority = "priority",
        SlaDue = "sla_due",
        Updated = "updated",
    }
);

impl ConsoleSort {
    pub fn label(self) -> &'static str {
        match self {
            ConsoleSort::Newest => "Newest first",
            ConsoleSort::Oldest => "Oldest first",
            ConsoleSort::Priority => "Priority",
            ConsoleSort::SlaDue => "SLA due soonest",
            ConsoleSort::Updated => "Recently updated",
        }
    }
}

/// Records past their SLA warning point, or due within this, are "breaching soon".
pub const BREACH_HORIZON: SignedDuration = SignedDuration::from_hours(1);

/// Rows on one console page.
pub const PAGE_SIZE: u32 = 50;

/// Counts stop here ("1000+"): beyond it nobody reads the exact figure, and counting a large
/// queue would cost more than the page itself.
pub const COUNT_CAP: i64 = 1000;

/// Narrowing of a queue, each optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsoleFilter {
    pub kind: Option<TicketKind>,
    pub status: Option<Status>,
    pub priority: Option<u8>,
    pub team: Option<i64>,
    pub assignee: Option<i64>,
    pub service: Option<i64>,
}

/// One console question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleQuery {
    pub queue: Queue,
    pub filter: ConsoleFilter,
    pub sort: ConsoleSort,
    /// 1-based.
    pub page: u32,
}

impl Default for ConsoleQuery {
    fn default() -> Self {
        Self {
            queue: Queue::Mine,
            filter: ConsoleFilter::default(),
            sort: ConsoleSort::Newest,
            page: 1,
        }
    }
}

fn id(field: &str, value: &str) -> Result<i64, FieldError> {
    value
        .parse::<i64>()
        .ok()
        .filter(|v| *v > 0)
        .ok_or_else(|| FieldError::new(field, "must be a record id (a positive whole number)"))
}

fn choice<T>(
    field: &str,
    value: &str,
    parse: fn(&str) -> Option<T>,
    choices: String,
) -> Result<T, FieldError> {
    parse(value).ok_or_else(|| FieldError::new(field, format!("must be one of: {choices}")))
}

impl ConsoleQuery {
    /// Reads a query string's pairs; empty values mean "any". Unknown keys are refused, so a
    /// mistyped filter never silently shows everything.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, Invalid> {
        let mut q = ConsoleQuery::default();
        let mut errors = Errors::new();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key {
                "queue" => {
                    if let Some(v) = errors.take(choice(key, value, Queue::parse, Queue::choices()))
                    {
                        q.queue = v;
                    }
                }
                "sort" => {
                    if let Some(v) = errors.take(choice(
                        key,
                        value,
                        ConsoleSort::parse,
                        ConsoleSort::choices(),
                    )) {
                        q.sort = v;
                    }
                }
                "kind" => {
                    q.filter.kind =
                        errors.take(choice(key, value, TicketKind::parse, TicketKind::choices()));
                }
                "status" => {
                    q.filter.status =
                        errors.take(choice(key, value, Status::parse, Status::choices()));
                }
                "priority" => {
                    q.filter.priority = errors.take(
                        value
                            .parse::<u8>()
                            .ok()
                            .filter(|p| (1..=5).contains(p))
                            .ok_or_else(|| FieldError::new(key, "must be 1 to 5")),
                    );
                }
                "team" => q.filter.team = errors.take(id(key, value)),
                "assignee" => q.filter.assignee = errors.take(id(key, value)),
                "service" => q.filter.service = errors.take(id(key, value)),
                "page" => {
                    if let Some(p) = errors.take(
                        value
                            .parse::<u32>()
                            .ok()
                            .filter(|p| (1..=100_000).contains(p))
                            .ok_or_else(|| FieldError::new(key, "must be a page number from 1")),
                    ) {
                        q.page = p;
                    }
                }
                _ => errors.push(FieldError::new(key, "is not a console filter")),
            }
        }
        if let Some(status) = q.filter.status
            && !status.is_open()
        {
            errors.push(FieldError::new(
                "status",
                "the console lists open records only; search finds resolved and closed ones",
            ));
        }
        errors.finish().map(|()| q)
    }

    /// The query string that reads back as this query (page left out unless past the first),
    /// with values in a fixed order so equal questions give equal links.
    pub fn to_query_string(&self) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("queue", self.queue.as_str().into())];
        let f = &self.filter;
        if let Some(k) = f.kind {
            pairs.push(("kind", k.as_str().into()));
        }
        if let Some(s) = f.status {
            pairs.push(("status", s.as_str().into()));
        }
        if let Some(p) = f.priority {
            pairs.push(("priority", p.to_string()));
        }
        for (key, value) in [
            ("team", f.team),
            ("assignee", f.assignee),
            ("service", f.service),
        ] {
            if let Some(v) = value {
                pairs.push((key, v.to_string()));
            }
        }
        if self.sort != ConsoleSort::Newest {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if self.page > 1 {
            pairs.push(("page", self.page.to_string()));
        }
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The same question on another page.
    pub fn on_page(&self, page: u32) -> Self {
        Self {
            page: page.max(1),
            ..self.clone()
        }
    }

    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(PAGE_SIZE)
    }
}

/// One line of a queue: what an agent scans to pick the next record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConsoleItem {
    pub id: i64,
    pub kind: TicketKind,
    pub number: String,
    pub title: String,
    pub status: Status,
    pub priority: u8,
    pub major: bool,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub service_id: Option<i64>,
    pub opened_at: String,
    pub updated_at: String,
    /// The earliest deadline of a running SLA clock; none when no clock runs.
    pub sla_due_at: Option<String>,
}

/// A count that stops at [`COUNT_CAP`]: `capped` means "at least `n`".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CappedCount {
    pub n: i64,
    pub capped: bool,
}

impl CappedCount {
    /// From a count taken with `LIMIT COUNT_CAP + 1`.
    pub fn from_limited(n: i64) -> Self {
        Self {
            n: n.min(COUNT_CAP),
            capped: n > COUNT_CAP,
        }
    }
}

impl std::fmt::Display for CappedCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}", self.n, if self.capped { "+" } else { "" })
    }
}

/// A saved console view: a name for a console question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SavedView {
    pub id: i64,
    pub name: String,
    /// The console query string, as [`ConsoleQuery::to_query_string`] writes it.
    pub query: String,
}

/// One console page with the size of every queue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConsoleView {
    pub items: Vec<ConsoleItem>,
    /// Whether another page follows.
    pub more: bool,
    /// The records of this queue under this filter.
    pub total: CappedCount,
    /// Every queue's size, unfiltered, in the order of [`Queue::ALL`].
    pub queues: Vec<QueueCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueCount {
    pub queue: Queue,
    pub label: &'static str,
    pub count: CappedCount,
}

/// The most records one bulk action changes.
pub const BULK_MAX: usize = 200;

/// A record a bulk action names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkTarget {
    pub kind: TicketKind,
    pub id: i64,
}

/// Body of `POST /api/v1/console/bulk`: the records, and one action for all of them.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkInput {
    pub records: Vec<BulkTarget>,
    pub assign: Option<AssignInput>,
    pub transition: Option<TransitionInput>,
}

/// What one bulk action does to each record.
#[derive(Debug, Clone)]
pub enum BulkAction {
    Assign(AssignInput),
    Transition(TransitionInput),
}

impl BulkInput {
    pub fn parse(self) -> Result<(Vec<BulkTarget>, BulkAction), Invalid> {
        let mut errors = Errors::new();
        if self.records.is_empty() {
            errors.push(FieldError::new("records", "choose at least one record"));
        }
        if self.records.len() > BULK_MAX {
            errors.push(FieldError::new(
                "records",
                format!("at most {BULK_MAX} records at a time"),
            ));
        }
        const ONE_ACTION: &str = "give either an assignment or a transition";
        let action = match (self.assign, self.transition) {
            (Some(a), None) => Some(BulkAction::Assign(a)),
            (None, Some(t)) => Some(BulkAction::Transition(t)),
            _ => None,
        };
        if action.is_none() {
            errors.push(FieldError::new("action", ONE_ACTION));
        }
        errors.finish()?;
        let action = action.ok_or_else(|| Invalid::one("action", ONE_ACTION))?;
        let mut records = self.records;
        records.dedup();
        Ok((records, action))
    }
}

/// How a bulk action went for one record: changed, or why not. Each record is its own
/// transaction, so one refusal leaves the others changed and itself untouched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub kind: TicketKind,
    pub id: i64,
    pub number: Option<String>,
    pub changed: bool,
    pub error: Option<String>,
}

/// A saved view's name: what the agent sees in the list of views.
pub fn parse_view_name(name: &str) -> Result<String, Invalid> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Invalid::one("name", "must not be empty"));
    }
    if name.chars().count() > 80 {
        return Err(Invalid::one("name", "must be at most 80 characters"));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<ConsoleQuery, Invalid> {
        ConsoleQuery::parse(s.split('&').filter_map(|p| p.split_once('=')))
    }

    #[test]
    fn a_query_string_reads_back_as_itself() {
        let q = parse("queue=team&kind=incident&priority=2&team=3&sort=sla_due&page=4").unwrap();
        assert_eq!(q.queue, Queue::Team);
        assert_eq!(q.filter.priority, Some(2));
        assert_eq!(q.offset(), 150);
        assert_eq!(parse(&q.to_query_string()).unwrap(), q);
    }

    #[test]
    fn empty_values_mean_any_and_bad_ones_are_named() {
        assert_eq!(parse("queue=&kind=").unwrap(), ConsoleQuery::default());
        let err = parse("queue=nope&priority=9&team=x&colour=red").unwrap_err();
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["queue", "priority", "team", "colour"]);
    }

    #[test]
    fn closed_statuses_are_not_console_filters() {
        let err = parse("status=closed").unwrap_err();
        assert_eq!(err.0[0].field, "status");
        assert!(parse("status=pending").is_ok());
    }

    #[test]
    fn view_names_are_trimmed_and_bounded() {
        assert_eq!(parse_view_name("  P1 mine ").unwrap(), "P1 mine");
        assert!(parse_view_name(" ").is_err());
        assert!(parse_view_name(&"x".repeat(81)).is_err());
    }
}
