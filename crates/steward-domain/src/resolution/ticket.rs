//! The rules every ticket shares (incidents, service requests, problems — ISO/IEC 20000-1
//! 8.6): priority from impact × urgency through an admin-editable matrix, numbers per kind,
//! and the incident lifecycle as a state machine that refuses every transition it does not
//! list.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

text_enum!(
    /// Impact or urgency.
    Level { High = "high", Medium = "medium", Low = "low" }
);

text_enum!(
    /// Which kind of ticket, and so which number series.
    TicketKind { Incident = "incident", Request = "request", Problem = "problem" }
);

impl TicketKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TicketKind::Incident => "INC",
            TicketKind::Request => "REQ",
            TicketKind::Problem => "PRB",
        }
    }

    /// `INC-000001` and so on; wider numbers keep all their digits.
    pub fn number(self, seq: i64) -> String {
        format!("{}-{seq:06}", self.prefix())
    }
}

/// P1 (most urgent) to P5.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "P3")]
pub struct Priority(u8);

impl Priority {
    /// P3, the middle of the scale.
    pub const MIDDLE: Priority = Priority(3);

    pub fn new(n: u8) -> Option<Self> {
        (1..=5).contains(&n).then_some(Self(n))
    }

    pub fn level(self) -> u8 {
        self.0
    }
}

impl TryFrom<String> for Priority {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.strip_prefix('P')
            .and_then(|n| n.parse::<u8>().ok())
            .and_then(Priority::new)
            .ok_or_else(|| format!("{s:?} is not a priority P1–P5"))
    }
}

impl From<Priority> for String {
    fn from(p: Priority) -> Self {
        format!("P{}", p.0)
    }
}

/// Priority by impact (rows) and urgency (columns), each in the order high, medium, low.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityMatrix {
    #[schema(value_type = Vec<Vec<String>>)]
    pub cells: [[Priority; 3]; 3],
}

impl Default for PriorityMatrix {
    /// HH→P1, HM→P2, MH→P2, HL→P3, MM→P3, LH→P3, ML→P4, LM→P4, LL→P5.
    fn default() -> Self {
        let p = |n| Priority(n);
        Self {
            cells: [[p(1), p(2), p(3)], [p(2), p(3), p(4)], [p(3), p(4), p(5)]],
        }
    }
}

fn index(level: Level) -> usize {
    match level {
        Level::High => 0,
        Level::Medium => 1,
        Level::Low => 2,
    }
}

impl PriorityMatrix {
    pub fn priority(&self, impact: Level, urgency: Level) -> Priority {
        self.cells[index(impact)][index(urgency)]
    }

    /// A matrix must not rank a more severe combination below a less severe one: raising
    /// impact or urgency never lowers the priority.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        for i in 0..3 {
            for u in 0..3 {
                let here = self.cells[i][u];
                if i > 0 && self.cells[i - 1][u] > here {
                    e.push(FieldError::new(
                        format!("cells[{}][{u}]", i - 1),
                        "higher impact must not give a lower priority",
                    ));
                }
                if u > 0 && self.cells[i][u - 1] > here {
                    e.push(FieldError::new(
                        format!("cells[{i}][{}]", u - 1),
                        "higher urgency must not give a lower priority",
                    ));
                }
            }
        }
        e.finish()
    }
}

text_enum!(
    /// How a ticket reached the service desk.
    Channel { Portal = "portal", Email = "email", Phone = "phone", Api = "api", Monitoring = "monitoring" }
);

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TicketEvent {
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    /// `created`, `transition` or `assignment`.
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;

/// Body of `POST /api/v1/incidents`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    pub description: Option<String>,
    /// Default `medium`. Customers may set it only where the desk settings allow.
    pub impact: Option<Level>,
    /// Default `medium`. Customers may set it only where the desk settings allow.
    pub urgency: Option<Level>,
    pub service_id: Option<i64>,
    /// The customer organization; a customer's own is always used for customers.
    pub organization_id: Option<i64>,
    /// Who reported it; a customer is always the requester of its own incidents.
    pub requester_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub category: Option<String>,
    /// Default `api` (customers: `portal`).
    pub channel: Option<Channel>,
}

/// A new ticket of any kind, validated, before references are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketDraft {
    pub title: String,
    pub description: Option<String>,
    pub impact: Level,
    pub urgency: Level,
    pub service_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub category: Option<String>,
    pub channel: Channel,
}

impl IncidentInput {
    pub fn parse(self) -> Result<TicketDraft, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, TITLE_MAX));
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                DESCRIPTION_MAX,
            ))
            .flatten();
        let category = e
            .take(validation::optional_text(
                "category",
                self.category.as_deref(),
                crate::foundation::people::NAME_MAX,
            ))
            .flatten();
        e.finish()?;
        Ok(TicketDraft {
            title: title.unwrap_or_default(),
            description,
            impact: self.impact.unwrap_or(Level::Medium),
            urgency: self.urgency.unwrap_or(Level::Medium),
            service_id: self.service_id,
            organization_id: self.organization_id,
            requester_id: self.requester_id,
            ci_id: self.ci_id,
            category,
            channel: self.channel.unwrap_or(Channel::Api),
        })
    }
}

text_enum!(
    /// A ticket field that an edit can change (and that the desk may let customers set).
    TicketField {
        Title = "title",
        Description = "description",
        Impact = "impact",
        Urgency = "urgency",
        Service = "service_id",
        Category = "category",
        Ci = "ci_id",
    }
);

/// Body of `PATCH /api/v1/{incidents,requests,problems}/{id}`: the fields to change. An absent
/// field stays as it is; `null` clears an optional one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<i64>)]
    pub service_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<String>)]
    pub category: Option<Option<String>>,
    #[serde(default, deserialize_with = "validation::nullable")]
    #[schema(value_type = Option<i64>)]
    pub ci_id: Option<Option<i64>>,
}

impl TicketPatch {
    /// The fields this patch sets, in a fixed order.
    pub fn fields(&self) -> Vec<TicketField> {
        [
            (self.title.is_some(), TicketField::Title),
            (self.description.is_some(), TicketField::Description),
            (self.impact.is_some(), TicketField::Impact),
            (self.urgency.is_some(), TicketField::Urgency),
            (self.service_id.is_some(), TicketField::Service),
            (self.category.is_some(), TicketField::Category),
            (self.ci_id.is_some(), TicketField::Ci),
        ]
        .into_iter()
        .filter_map(|(set, f)| set.then_some(f))
        .collect()
    }

    /// Checks the texts as a create does (a blank optional text clears it); an empty patch is
    /// refused.
    pub fn parse(mut self) -> Result<Self, Invalid> {
        let mut e = Errors::new();
        if self.fields().is_empty() {
            e.push(FieldError::new(
                "title",
                "give at least one field to change",
            ));
        }
        if let Some(t) = &self.title {
            self.title = e.take(validation::text("title", t, 1, TITLE_MAX));
        }
        if let Some(d) = &self.description {
            let checked = validation::optional_text("description", d.as_deref(), DESCRIPTION_MAX);
            self.description = e.take(checked);
        }
        if let Some(c) = &self.category {
            let checked = validation::optional_text(
                "category",
                c.as_deref(),
                crate::foundation::people::NAME_MAX,
            );
            self.category = e.take(checked);
        }
        e.finish()?;
        Ok(self)
    }
}

/// Body of `POST /api/v1/{incidents|requests|problems}/{id}/assign`: the team and agent after the change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// Body of `POST /api/v1/incidents/{id}/children` and `POST /api/v1/problems/{id}/incidents`:
/// incidents to link to a major incident or a problem.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkInput {
    pub incident_ids: Vec<i64>,
}

pub const LINKS_MAX: usize = 500;

impl LinkInput {
    /// The ids, without repeats, in the order given.
    pub fn parse(self) -> Result<Vec<i64>, Invalid> {
        if self.incident_ids.is_empty() || self.incident_ids.len() > LINKS_MAX {
            return Err(Invalid::one(
                "incident_ids",
                format!("name between 1 and {LINKS_MAX} incidents"),
            ));
        }
        let mut ids = Vec::new();
        for id in self.incident_ids {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }
}

/// One entry of the work log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    pub at: String,
    pub author_id: Option<i64>,
    pub author: String,
    /// Public replies are shown to the customer; internal notes are not.
    pub public: bool,
    pub body: String,
    pub time_spent_minutes: i64,
}

pub const COMMENT_MAX: usize = 20_000;
/// A day's work, as a sanity bound on one entry.
pub const TIME_SPENT_MAX: i64 = 24 * 60;

/// Body of `POST /api/v1/{incidents|requests|problems}/{id}/comments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub body: String,
    /// A public reply (default) or an internal note. Customers always reply publicly.
    pub public: Option<bool>,
    /// Minutes of work this entry records (staff), 0–1440.
    pub time_spent_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommentDraft {
    pub body: String,
    pub public: bool,
    pub time_spent_minutes: i64,
}

impl CommentInput {
    pub fn parse(self) -> Result<CommentDraft, Invalid> {
        let mut e = Errors::new();
        let body = e.take(validation::text("body", &self.body, 1, COMMENT_MAX));
        let minutes = self.time_spent_minutes.unwrap_or(0);
        if !(0..=TIME_SPENT_MAX).contains(&minutes) {
            e.push(FieldError::new(
                "time_spent_minutes",
                format!("must be between 0 and {TIME_SPENT_MAX}"),
            ));
        }
        e.finish()?;
        Ok(CommentDraft {
            body: body.unwrap_or_default(),
            public: self.public.unwrap_or(true),
            time_spent_minutes: minutes,
        })
    }
}

/// The usernames a work-log entry mentions as `@name` (lower-cased, each once, at most 10): a
/// mention is an `@` at the start or after a space, followed by the characters a username
/// may have; a trailing full stop or comma ends the sentence, not the name.
pub fn mentions(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for word in body.split_whitespace() {
        let Some(rest) = word.strip_prefix('@') else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
            .collect::<String>()
            .trim_end_matches(['.', '-', '@'])
            .to_lowercase();
        if !name.is_empty() && !found.contains(&name) && found.len() < 10 {
            found.push(name);
        }
    }
    found
}

/// Incidents that share a service, a CI or a category within a window: a problem candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProblemCandidate {
    /// `service`, `ci` or `category`.
    pub dimension: String,
    /// The shared service id, CI id or category.
    pub value: String,
    pub incidents: i64,
    pub last_opened_at: String,
}

text_enum!(
    /// What a ticket list is ordered by.
    SortKey { OpenedAt = "opened_at", Priority = "priority", UpdatedAt = "updated_at", Number = "number" }
);

/// A list order: a key, ascending or (written with a leading `-`) descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketSort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for TicketSort {
    /// Newest first.
    fn default() -> Self {
        Self {
            key: SortKey::OpenedAt,
            descending: true,
        }
    }
}

impl TicketSort {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let (descending, name) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        SortKey::parse(name)
            .map(|key| Self { key, descending })
            .ok_or_else(|| {
                FieldError::new(
                    "sort",
                    format!(
                        "{value:?} is not one of {} (each may start with -)",
                        SortKey::choices()
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_found_where_a_person_would_see_them() {
        assert_eq!(
            mentions("@Arne please check with @paula.k. and mail@example.org, thanks @arne"),
            ["arne", "paula.k"]
        );
        assert!(mentions("no one here @ all").is_empty());
    }

    #[test]
    fn the_default_matrix_is_the_documented_one() {
        let m = PriorityMatrix::default();
        let p = |i, u| m.priority(i, u).level();
        use Level::*;
        assert_eq!([p(High, High), p(High, Medium), p(Medium, High)], [1, 2, 2]);
        assert_eq!([p(High, Low), p(Medium, Medium), p(Low, High)], [3, 3, 3]);
        assert_eq!([p(Medium, Low), p(Low, Medium), p(Low, Low)], [4, 4, 5]);
        assert!(m.check().is_ok());
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["cells"][0][0], "P1");
    }

    #[test]
    fn an_inverted_matrix_is_refused() {
        let mut m = PriorityMatrix::default();
        m.cells[0][0] = Priority::new(5).unwrap();
        assert!(m.check().is_err());
        assert!(
            serde_json::from_str::<PriorityMatrix>(
                r#"{"cells":[["P0","P1","P1"],["P1","P1","P1"],["P1","P1","P1"]]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn numbers_are_padded_per_kind() {
        assert_eq!(TicketKind::Incident.number(1), "INC-000001");
        assert_eq!(TicketKind::Problem.number(1_234_567), "PRB-1234567");
    }
}
