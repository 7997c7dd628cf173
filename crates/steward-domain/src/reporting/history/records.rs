//! Rows of an export become records: each row is read into typed values (or refused with its
//! line number), then the rows of one key are folded into the record and its timeline.
use super::mapping::{ANY, Field, JOIN, Mapping, Piece, RowMode, Source};
use super::vocabulary;
use crate::foundation::validation::{Errors, FieldError, Invalid};
use crate::resolution::ticket::{Channel, Level, Priority, TicketKind};
use crate::resolution::workflow::{PendingReason, Status};
use jiff::Timestamp;
use jiff::civil::DateTime;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};

/// A row that cannot be imported, by its line in the file (the header is line 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct RowError {
    pub line: u64,
    pub message: String,
}

/// One row's values, typed. `None` is a missing value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Values {
    pub number: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub status: Option<Status>,
    pub pending_reason: Option<PendingReason>,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    pub priority: Option<Priority>,
    pub category: Option<String>,
    pub channel: Option<Channel>,
    pub team: Option<String>,
    pub service: Option<String>,
    pub organization: Option<String>,
    pub opened_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub reassignment_count: Option<i64>,
    pub reopen_count: Option<i64>,
    pub made_sla: Option<bool>,
    pub resolution_code: Option<String>,
    pub resolution_notes: Option<String>,
    pub actor: Option<String>,
    /// Set by an impact value that means a major incident.
    pub major: Option<bool>,
}

impl Values {
    /// An event row changes only what it names.
    fn merge(&mut self, newer: Values) {
        macro_rules! keep {
            ($($f:ident),*) => { $( if newer.$f.is_some() { self.$f = newer.$f; } )* };
        }
        keep!(
            number,
            title,
            description,
            status,
            pending_reason,
            impact,
            urgency,
            priority,
            category,
            channel,
            team,
            service,
            organization,
            opened_at,
            updated_at,
            resolved_at,
            closed_at,
            reassignment_count,
            reopen_count,
            made_sla,
            resolution_code,
            resolution_notes,
            actor,
            major
        );
    }

    /// The fields a newer state changed, by name, with their old and new values as text:
    /// the timeline says what a row did even when neither status nor team moved.
    fn changes(&self, newer: &Values) -> Vec<Change> {
        let mut out = Vec::new();
        macro_rules! text {
            ($($f:ident => $show:expr),* $(,)?) => { $(
                if self.$f != newer.$f {
                    out.push(Change {
                        name: stringify!($f).to_owned(),
                        from: self.$f.as_ref().map($show),
                        to: newer.$f.as_ref().map($show),
                    });
                }
            )* };
        }
        text!(
            title => String::clone,
            description => String::clone,
            pending_reason => |p: &PendingReason| p.as_str().to_owned(),
            impact => |l: &Level| l.as_str().to_owned(),
            urgency => |l: &Level| l.as_str().to_owned(),
            priority => |p: &Priority| String::from(*p),
            category => String::clone,
            channel => |c: &Channel| c.as_str().to_owned(),
            service => String::clone,
            organization => String::clone,
            resolution_code => String::clone,
            resolution_notes => String::clone,
        );
        out
    }
}

/// One field or attribute a row changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub name: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One row read.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub key: String,
    order: Option<i64>,
    values: Values,
    attributes: Vec<Option<String>>,
    digest: [u8; 32],
}

#[derive(Debug, Clone)]
enum Bound {
    Column(usize),
    Template(Vec<BoundPiece>),
    Columns(Vec<usize>),
}

#[derive(Debug, Clone)]
enum BoundPiece {
    Text(String),
    Column(usize),
}

/// A mapping bound to a file's header: columns are found once, by position.
#[derive(Debug, Clone)]
pub struct Reader {
    mapping: Mapping,
    key: usize,
    order: Option<usize>,
    fields: Vec<(Field, Bound)>,
    attributes: Vec<(String, usize)>,
}

impl Reader {
    /// Refuses a mapping that names columns the file does not have.
    pub fn new(mapping: Mapping, header: &[&str]) -> Result<Reader, Invalid> {
        let index: HashMap<&str, usize> = header.iter().enumerate().map(|(i, h)| (*h, i)).collect();
        let mut e = Errors::new();
        let mut find = |at: String, column: &str| -> Option<usize> {
            let found = index.get(column).copied();
            if found.is_none() {
                e.push(FieldError::new(
                    at,
                    format!("the file has no column {column:?}"),
                ));
            }
            found
        };
        let key = find("key".into(), &mapping.key);
        let order = mapping
            .order_by
            .as_deref()
            .map(|c| find("order_by".into(), c));
        let mut fields = Vec::new();
        for (field, source) in &mapping.fields {
            let at = format!("fields.{}", field.name());
            if mapping.optional.contains(field)
                && source.columns().iter().any(|c| !index.contains_key(c))
            {
                // An optional field whose columns the file lacks is simply not read.
                continue;
            }
            let bound = match source {
                Source::Columns(columns) => {
                    let found: Vec<Option<usize>> =
                        columns.iter().map(|c| find(at.clone(), c)).collect();
                    found
                        .into_iter()
                        .collect::<Option<Vec<_>>>()
                        .map(Bound::Columns)
                }
                Source::Column(c) => find(at, c).map(Bound::Column),
                Source::Template(pieces) => {
                    let mut bound = Vec::new();
                    for p in pieces {
                        match p {
                            Piece::Text(t) => bound.push(BoundPiece::Text(t.clone())),
                            Piece::Column(c) => {
                                if let Some(i) = find(at.clone(), c) {
                                    bound.push(BoundPiece::Column(i));
                                }
                            }
                        }
                    }
                    Some(Bound::Template(bound))
                }
            };
            if let Some(b) = bound {
                fields.push((*field, b));
            }
        }
        let mut attributes = Vec::new();
        for (i, column) in mapping.attributes.iter().enumerate() {
            if let Some(at) = find(format!("attributes[{i}]"), column) {
                attributes.push((column.clone(), at));
            }
        }
        e.finish().map_err(|mut invalid| {
            // Say what the file does have, so the mapping can be fixed without opening it.
            invalid.0.push(FieldError::new(
                "header",
                format!("the file's columns are: {}", header.join(", ")),
            ));
            invalid
        })?;
        Ok(Reader {
            key: key.unwrap_or_default(),
            order: order.flatten(),
            fields,
            attributes,
            mapping,
        })
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    /// The cell's text, or `None` when it is empty or the missing-value token.
    fn cell<'a>(&self, cells: &[&'a str], at: usize) -> Option<&'a str> {
        let v = cells.get(at).map(|c| c.trim()).unwrap_or("");
        (!v.is_empty() && v != self.mapping.missing).then_some(v)
    }

    fn timestamp(&self, text: &str) -> Result<i64, String> {
        if let Ok(ts) = text.parse::<Timestamp>() {
            return Ok(ts.as_microsecond());
        }
        for format in &self.mapping.formats {
            if let Ok(local) = DateTime::strptime(format, text) {
                // A local time in a DST gap moves forward; an ambiguous one takes the earlier.
                return self
                    .mapping
                    .zone
                    .to_ambiguous_timestamp(local)
                    .compatible()
                    .map(|t| t.as_microsecond())
                    .map_err(|e| format!("{text:?} is not a valid local time: {e}"));
            }
        }
        Err(format!(
            "{text:?} is not a timestamp in the mapping's formats ({})",
            if self.mapping.formats.is_empty() {
                "RFC 3339".to_owned()
            } else {
                self.mapping.formats.join(", ")
            }
        ))
    }

    /// Reads one row; `line` names it in errors.
    pub fn row(&self, line: u64, cells: &[&str]) -> Result<Row, RowError> {
        let fail = |message: String| RowError { line, message };
        let key = self
            .cell(cells, self.key)
            .ok_or_else(|| fail(format!("the key column {:?} is empty", self.mapping.key)))?
            .to_owned();
        let order = match self.order {
            None => None,
            Some(at) => match self.cell(cells, at) {
                Some(t) => Some(self.timestamp(t).map_err(|m| {
                    fail(format!(
                        "{}: {m}",
                        self.mapping.order_by.as_deref().unwrap_or("")
                    ))
                })?),
                None => None,
            },
        };
        let mut values = Values::default();
        for (field, bound) in &self.fields {
            let (text, column) = match bound {
                Bound::Column(at) => (
                    self.cell(cells, *at).map(str::to_owned),
                    cells_name(self, *field),
                ),
                Bound::Template(pieces) => (self.render(cells, pieces), cells_name(self, *field)),
                Bound::Columns(at) => (self.joined(cells, at), cells_name(self, *field)),
            };
            let Some(text) = text else { continue };
            let mapped = match self.mapping.values.get(field) {
                Some(map) => match lookup(map, &text) {
                    Some(v) if v.is_empty() => continue,
                    Some(v) => v.clone(),
                    None if is_coded(*field) => {
                        return Err(fail(format!(
                            "{column}: unknown value {text:?} (the mapping's values.{} does not list it)",
                            field.name()
                        )));
                    }
                    None => text,
                },
                None => text,
            };
            self.set(&mut values, *field, mapped)
                .map_err(|m| fail(format!("{column}: {m}")))?;
        }
        let attributes = self
            .attributes
            .iter()
            .map(|(_, at)| self.cell(cells, *at).map(str::to_owned))
            .collect();
        let mut digest = Sha256::new();
        for c in cells {
            digest.update(c.as_bytes());
            digest.update([0x1f]);
        }
        Ok(Row {
            line,
            key,
            order,
            values,
            attributes,
            digest: digest.finalize().into(),
        })
    }

    /// The cells of a several-column field joined by `|`; `None` when all are missing.
    fn joined(&self, cells: &[&str], columns: &[usize]) -> Option<String> {
        let parts: Vec<Option<&str>> = columns.iter().map(|at| self.cell(cells, *at)).collect();
        parts.iter().any(Option::is_some).then(|| {
            parts
                .iter()
                .map(|p| p.unwrap_or(""))
                .collect::<Vec<_>>()
                .join(&JOIN.to_string())
        })
    }

    fn render(&self, cells: &[&str], pieces: &[BoundPiece]) -> Option<String> {
        let mut out = String::new();
        let mut any = false;
        for p in pieces {
            match p {
                BoundPiece::Text(t) => out.push_str(t),
                BoundPiece::Column(at) => {
                    if let Some(v) = self.cell(cells, *at) {
                        out.push_str(v);
                        any = true;
                    }
                }
            }
        }
        any.then(|| out.trim().to_owned())
    }

    fn set(&self, v: &mut Values, field: Field, text: String) -> Result<(), String> {
        let level = |t: &str| {
            Level::parse(&t.to_ascii_lowercase())
                .ok_or_else(|| format!("{t:?} is not high, medium or low"))
        };
        let count = |t: &str| {
            t.parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| format!("{t:?} is not a count"))
        };
        match field {
            Field::Number => v.number = Some(text),
            Field::Title => v.title = Some(text),
            Field::Description => v.description = Some(text),
            Field::Status => {
                v.status =
                    Some(Status::parse(&text).ok_or_else(|| {
                        format!("{text:?} is not a status ({})", Status::choices())
                    })?)
            }
            Field::PendingReason => {
                v.pending_reason = Some(PendingReason::parse(&text).ok_or_else(|| {
                    format!(
                        "{text:?} is not a pending reason ({})",
                        PendingReason::choices()
                    )
                })?)
            }
            Field::Impact if text.eq_ignore_ascii_case(vocabulary::MAJOR) => {
                v.impact = Some(Level::High);
                v.major = Some(true);
            }
            Field::Impact => v.impact = Some(level(&text)?),
            Field::Urgency => v.urgency = Some(level(&text)?),
            Field::Priority => {
                let n = text.trim_start_matches(['P', 'p']);
                v.priority = Some(
                    n.parse::<u8>()
                        .ok()
                        .and_then(Priority::new)
                        .ok_or_else(|| format!("{text:?} is not a priority 1 to 5"))?,
                )
            }
            Field::Category => v.category = Some(text),
            Field::Channel => {
                v.channel =
                    Some(Channel::parse(&text).ok_or_else(|| {
                        format!("{text:?} is not a channel ({})", Channel::choices())
                    })?)
            }
            Field::Team => v.team = Some(text),
            Field::Service => v.service = Some(text),
            Field::Organization => v.organization = Some(text),
            Field::OpenedAt => v.opened_at = Some(self.timestamp(&text)?),
            Field::UpdatedAt => v.updated_at = Some(self.timestamp(&text)?),
            Field::ResolvedAt => v.resolved_at = Some(self.timestamp(&text)?),
            Field::ClosedAt => v.closed_at = Some(self.timestamp(&text)?),
            Field::ReassignmentCount => v.reassignment_count = Some(count(&text)?),
            Field::ReopenCount => v.reopen_count = Some(count(&text)?),
            Field::MadeSla => {
                v.made_sla = Some(match text.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" => true,
                    "false" | "no" | "0" => false,
                    _ => return Err(format!("{text:?} is not true or false")),
                })
            }
            Field::ResolutionCode => v.resolution_code = Some(text),
            Field::ResolutionNotes => v.resolution_notes = Some(text),
            Field::Actor => v.actor = Some(text),
        }
        Ok(())
    }

    /// Whether the mapping reads `field` (explicitly mapped fields win over derived ones).
    fn maps(&self, field: Field) -> bool {
        self.fields.iter().any(|(f, _)| *f == field)
    }

    /// Folds the rows of one key (in file order) into a record. Each row leaves one step on
    /// the timeline. Event rows also derive what a snapshot would state: the opening (first
    /// event), the resolution and closure (transitions into them, cleared on a reopen) and
    /// the reassignment and reopen counts, unless the mapping maps those fields.
    pub fn assemble(&self, mut rows: Vec<Row>) -> Result<ImportedRecord, RowError> {
        let first_line = rows.first().map(|r| r.line).unwrap_or(0);
        let key = rows.first().map(|r| r.key.clone()).unwrap_or_default();
        if self.order.is_some() {
            // Stable: rows with the same instant keep their file order.
            rows.sort_by_key(|r| r.order.unwrap_or(i64::MIN));
        }
        let events = self.mapping.mode == RowMode::Event;
        let derive = |field: Field| events && !self.maps(field);
        let mut state = Values::default();
        let mut history: Vec<HistoryEvent> = Vec::new();
        let mut derived = Derived::default();
        let mut major = false;
        let mut digest = Sha256::new();
        let mut attributes: Vec<Option<String>> = vec![None; self.attributes.len()];
        let count = rows.len();
        let last_line = rows.last().map(|r| r.line).unwrap_or(first_line);
        for (i, row) in rows.into_iter().enumerate() {
            digest.update(row.digest);
            let before = state.clone();
            let row_updated = row.values.updated_at;
            major |= row.values.major == Some(true);
            match self.mapping.mode {
                RowMode::Snapshot => state = row.values,
                RowMode::Event => {
                    // The opening happened once: the earliest value any row gives.
                    let opened = match (state.opened_at, row.values.opened_at) {
                        (Some(a), Some(b)) => Some(a.min(b)),
                        (a, b) => a.or(b),
                    };
                    state.merge(row.values);
                    state.opened_at = opened;
                    // A pending reason holds only while the record is pending.
                    if state.status != Some(Status::Pending) {
                        state.pending_reason = None;
                    }
                }
            }
            let mut changes = before.changes(&state);
            for (((name, _), slot), value) in self
                .attributes
                .iter()
                .zip(attributes.iter_mut())
                .zip(row.attributes)
            {
                if value.is_some() || !events {
                    if *slot != value {
                        changes.push(Change {
                            name: name.clone(),
                            from: slot.clone(),
                            to: value.clone(),
                        });
                    }
                    *slot = value;
                }
            }
            derived.reassignments_seen = derived
                .reassignments_seen
                .max(state.reassignment_count.unwrap_or(0));
            derived.reopens_seen = derived.reopens_seen.max(state.reopen_count.unwrap_or(0));
            // An event happened at its own time; a snapshot row at its update time.
            let at = if events {
                row.order.or(row_updated).or(state.updated_at)
            } else {
                state.updated_at.or(row.order)
            }
            .or(state.opened_at)
            .unwrap_or_default();
            derived.first_at = Some(derived.first_at.map_or(at, |f| f.min(at)));
            derived.last_at = Some(derived.last_at.map_or(at, |l| l.max(at)));
            let actor = state
                .actor
                .clone()
                .unwrap_or_else(|| self.mapping.source.clone());
            derived.step(&before, &state, at);
            let event = if i == 0 {
                "created"
            } else if before.status != state.status {
                "transition"
            } else if before.team != state.team {
                "assignment"
            } else {
                "edited"
            };
            if i > 0 && before.team != state.team && event == "transition" {
                // One step per row: the team it moved to goes with the transition.
                changes.push(Change {
                    name: "team".into(),
                    from: before.team.clone(),
                    to: state.team.clone(),
                });
            }
            history.push(HistoryEvent {
                at,
                actor,
                event,
                from: (event == "transition")
                    .then(|| before.status.map(|s| s.as_str().to_owned()))
                    .flatten(),
                to: matches!(event, "created" | "transition")
                    .then(|| state.status.map(|s| s.as_str().to_owned()))
                    .flatten(),
                team: state.team.clone(),
                status: state.status,
                pending_reason: state.pending_reason,
                changes: if i == 0 { Vec::new() } else { changes },
            });
        }
        let fail = |message: String| RowError {
            line: last_line,
            message,
        };
        let status = state
            .status
            .ok_or_else(|| fail(format!("record {key}: no status on its last row")))?;
        let opened_at = if derive(Field::OpenedAt) {
            derived.first_at
        } else {
            state.opened_at
        }
        .ok_or_else(|| fail(format!("record {key}: no opened_at")))?;
        if let Some(created) = history.first_mut() {
            created.at = created.at.min(opened_at);
            if !events {
                created.at = opened_at;
            }
        }
        let resolved_at = if derive(Field::ResolvedAt) {
            derived.resolved_at
        } else {
            state.resolved_at
        };
        let closed_at = if derive(Field::ClosedAt) {
            derived.closed_at
        } else {
            state.closed_at
        };
        let updated_at = if derive(Field::UpdatedAt) {
            derived.last_at
        } else {
            state.updated_at
        };
        // The counts come from the history whenever the mapping does not map them: successive
        // snapshot rows show team changes and reopens as event rows do.
        let reassignment_count = if !self.maps(Field::ReassignmentCount) {
            derived.reassignments
        } else {
            derived.reassignments_seen
        };
        let reopen_count = if !self.maps(Field::ReopenCount) {
            derived.reopens
        } else {
            derived.reopens_seen
        };
        let mut warnings = Vec::new();
        if status == Status::Closed && closed_at.is_none() {
            // Imported as is it would count as closed with no time to close: say so.
            warnings.push(fail(format!(
                "record {key}: status closed but no closed time (closed_at), so it is missing from the time-to-close figures"
            )));
        }
        if status == Status::Resolved && resolved_at.is_none() {
            // It would count neither as resolved nor in the time to resolve, yet not as open.
            warnings.push(fail(format!(
                "record {key}: status resolved but no resolved time (resolved_at), so it is missing from the resolved counts and the time-to-resolve figures"
            )));
        }
        let number = state.number.clone().unwrap_or_else(|| key.clone());
        let attributes = self
            .attributes
            .iter()
            .zip(attributes)
            .filter_map(|((name, _), v)| v.map(|v| (name.clone(), serde_json::Value::String(v))))
            .collect();
        Ok(ImportedRecord {
            title: state.title.clone().unwrap_or_else(|| number.clone()),
            number,
            description: state.description,
            status,
            pending_reason: state.pending_reason,
            impact: state.impact.unwrap_or(Level::Medium),
            urgency: state.urgency.unwrap_or(Level::Medium),
            priority: state.priority,
            category: state.category,
            channel: state.channel.unwrap_or(Channel::Api),
            team: state.team,
            service: state.service,
            organization: state.organization,
            updated_at: updated_at.unwrap_or(opened_at).max(opened_at),
            opened_at,
            resolved_at,
            closed_at,
            reassignment_count,
            reopen_count,
            made_sla: state.made_sla,
            resolution_code: state.resolution_code,
            resolution_notes: state.resolution_notes,
            major: major && self.mapping.kind == TicketKind::Incident,
            acknowledged_at: history
                .iter()
                .find(|e| e.status.is_some_and(|s| s != Status::New))
                .map(|e| e.at),
            attributes,
            history,
            warnings,
            first_line,
            rows: count,
            digest: hex::encode(digest.finalize()),
            key,
        })
    }
}

/// What a record's history says, step by step, for the fields event rows derive.
#[derive(Debug, Default)]
struct Derived {
    first_at: Option<i64>,
    last_at: Option<i64>,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    /// Team changes after the first team.
    reassignments: i64,
    /// Moves from resolved or closed back to an open status.
    reopens: i64,
    /// The most the source's own counts said on any row.
    reassignments_seen: i64,
    reopens_seen: i64,
}

impl Derived {
    /// As a live record is stamped: resolved when it enters a status with a resolution,
    /// closed when it enters a final one; a reopen clears both.
    fn step(&mut self, before: &Values, after: &Values, at: i64) {
        if before.team.is_some() && after.team.is_some() && before.team != after.team {
            self.reassignments += 1;
        }
        let Some(to) = after.status else { return };
        if before.status == Some(to) {
            return;
        }
        let was_done = before
            .status
            .is_some_and(|s| s.has_resolution() || s.is_final());
        if was_done && to.is_open() {
            self.reopens += 1;
        }
        if to.has_resolution() {
            self.resolved_at = self.resolved_at.or(Some(at));
        } else {
            self.resolved_at = None;
        }
        if to.is_final() {
            self.closed_at = self.closed_at.or(Some(at));
        } else if to.is_open() {
            self.closed_at = None;
        }
    }
}

/// A source value's Steward value: the value itself, else (for several columns) the first
/// cells with `*` for the rest (`"Waiting|*"`), else the catch-all `"*"`.
fn lookup<'m>(map: &'m HashMap<String, String>, text: &str) -> Option<&'m String> {
    if let Some(v) = map.get(text) {
        return Some(v);
    }
    // Logs spell the same activity in different cases ("Resolved", "resolved").
    if let Some((_, v)) = map.iter().find(|(k, _)| k.eq_ignore_ascii_case(text)) {
        return Some(v);
    }
    let parts: Vec<&str> = text.split(JOIN).collect();
    for kept in (1..parts.len()).rev() {
        let mut key = parts[..kept].join(&JOIN.to_string());
        for _ in kept..parts.len() {
            key.push(JOIN);
            key.push_str(ANY);
        }
        if let Some(v) = map.get(&key) {
            return Some(v);
        }
    }
    map.get(ANY)
}

/// The column a field reads, for error messages.
fn cells_name(r: &Reader, field: Field) -> String {
    match r.mapping.fields.get(&field) {
        Some(Source::Column(c)) => c.clone(),
        Some(Source::Columns(c)) => c.join(&JOIN.to_string()),
        _ => field.name().to_owned(),
    }
}

/// Fields whose values must be one of a fixed set: an unlisted value is a bad row rather
/// than a value passed through.
fn is_coded(field: Field) -> bool {
    matches!(
        field,
        Field::Status
            | Field::PendingReason
            | Field::Impact
            | Field::Urgency
            | Field::Priority
            | Field::Channel
            | Field::MadeSla
    )
}

/// A step of an imported record's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEvent {
    pub at: i64,
    pub actor: String,
    /// `created`, `transition` or `assignment`, as on Steward's own timeline.
    pub event: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
    pub team: Option<String>,
    /// The record's status, pending reason and team after this step.
    pub status: Option<Status>,
    pub pending_reason: Option<PendingReason>,
    /// The fields and attributes this row changed (besides status and team, named above).
    pub changes: Vec<Change>,
}

/// A record as imported: its last state, what it went through, and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedRecord {
    /// The source system's key (and, unless mapped otherwise, the number kept in Steward).
    pub key: String,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub status: Status,
    pub pending_reason: Option<PendingReason>,
    pub impact: Level,
    pub urgency: Level,
    /// `None`: derived from impact and urgency by the priority matrix.
    pub priority: Option<Priority>,
    pub category: Option<String>,
    pub channel: Channel,
    pub team: Option<String>,
    pub service: Option<String>,
    pub organization: Option<String>,
    pub opened_at: i64,
    pub updated_at: i64,
    pub resolved_at: Option<i64>,
    pub closed_at: Option<i64>,
    /// The most the source counted on any row: a reassignment that happened stays counted.
    pub reassignment_count: i64,
    pub reopen_count: i64,
    /// The source system's own verdict on its SLA, kept for records no Steward SLA governs.
    pub made_sla: Option<bool>,
    pub resolution_code: Option<String>,
    pub resolution_notes: Option<String>,
    /// An impact value meaning "major" was seen: the record is a major incident.
    pub major: bool,
    pub attributes: serde_json::Map<String, serde_json::Value>,
    pub history: Vec<HistoryEvent>,
    /// Imported, but not as the source meant it (closed without a closed time): reported.
    pub warnings: Vec<RowError>,
    pub first_line: u64,
    pub rows: usize,
    /// When the record first left `new` (for MTTA).
    pub acknowledged_at: Option<i64>,
    /// SHA-256 of the record's rows: an unchanged record is skipped on re-import.
    pub digest: String,
}

/// Groups rows by key in the order keys first appear.
#[derive(Debug, Default)]
pub struct Grouped {
    order: Vec<String>,
    rows: HashMap<String, Vec<Row>>,
}

impl Grouped {
    pub fn push(&mut self, row: Row) {
        match self.rows.get_mut(&row.key) {
            Some(v) => v.push(row),
            None => {
                self.order.push(row.key.clone());
                self.rows.insert(row.key.clone(), vec![row]);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The rows of each key, in first-appearance order.
    pub fn into_groups(mut self) -> impl Iterator<Item = Vec<Row>> {
        let order = std::mem::take(&mut self.order);
        order
            .into_iter()
            .map(move |k| self.rows.remove(&k).unwrap_or_default())
    }
}

/// Counts for a summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub by_status: BTreeMap<String, u64>,
}
