//! The mapping file of a history import: how another service desk's CSV export becomes
//! Steward records. It is TOML and is checked as a whole, so a bad mapping names every bad
//! key at once, and checked again against the file's header before any row is read.
use super::vocabulary;
use crate::foundation::validation::{Errors, FieldError, Invalid};
use crate::resolution::ticket::TicketKind;
use jiff::tz::TimeZone;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// How the rows of one record relate to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowMode {
    /// Each row is the whole record at one moment (ServiceNow's audit export): the last row
    /// wins, a value missing from a later row was cleared, earlier rows become the timeline.
    Snapshot,
    /// Each row is one change: a value missing from a row is unchanged.
    Event,
}

/// A Steward field an import can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Number,
    Title,
    Description,
    Status,
    PendingReason,
    Impact,
    Urgency,
    Priority,
    Category,
    Channel,
    Team,
    Service,
    Organization,
    OpenedAt,
    UpdatedAt,
    ResolvedAt,
    ClosedAt,
    ReassignmentCount,
    ReopenCount,
    MadeSla,
    ResolutionCode,
    ResolutionNotes,
    Actor,
}

impl Field {
    const ALL: [(&'static str, Field); 23] = [
        ("number", Field::Number),
        ("title", Field::Title),
        ("description", Field::Description),
        ("status", Field::Status),
        ("pending_reason", Field::PendingReason),
        ("impact", Field::Impact),
        ("urgency", Field::Urgency),
        ("priority", Field::Priority),
        ("category", Field::Category),
        ("channel", Field::Channel),
        ("team", Field::Team),
        ("service", Field::Service),
        ("organization", Field::Organization),
        ("opened_at", Field::OpenedAt),
        ("updated_at", Field::UpdatedAt),
        ("resolved_at", Field::ResolvedAt),
        ("closed_at", Field::ClosedAt),
        ("reassignment_count", Field::ReassignmentCount),
        ("reopen_count", Field::ReopenCount),
        ("made_sla", Field::MadeSla),
        ("resolution_code", Field::ResolutionCode),
        ("resolution_notes", Field::ResolutionNotes),
        ("actor", Field::Actor),
    ];

    pub fn parse(name: &str) -> Option<Field> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Fields whose text may be built from several columns with a `{column}` template.
    fn takes_template(self) -> bool {
        matches!(self, Field::Title | Field::Description)
    }
}

/// Where a field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Column(String),
    /// Literal text with `{column}` placeholders.
    Template(Vec<Piece>),
    /// Several columns read as one value, their cells joined by `|` (a missing cell is
    /// empty), so a value map can be keyed on both: `"Waiting|Customer" = "pending"`.
    Columns(Vec<String>),
}

/// What separates the cells of a field read from several columns.
pub const JOIN: char = '|';

/// The value-map key that catches every source value the map does not list.
pub const ANY: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Column(String),
}

impl Source {
    fn parse(text: &str) -> Result<Source, String> {
        if !text.contains('{') {
            return Ok(Source::Column(text.to_owned()));
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_owned()));
            }
            let close = rest[open..]
                .find('}')
                .ok_or_else(|| format!("unclosed `{{` in template {text:?}"))?;
            let column = rest[open + 1..open + close].trim();
            if column.is_empty() {
                return Err(format!("empty `{{}}` in template {text:?}"));
            }
            pieces.push(Piece::Column(column.to_owned()));
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_owned()));
        }
        Ok(Source::Template(pieces))
    }

    pub fn columns(&self) -> Vec<&str> {
        match self {
            Source::Column(c) => vec![c.as_str()],
            Source::Template(pieces) => pieces
                .iter()
                .filter_map(|p| match p {
                    Piece::Column(c) => Some(c.as_str()),
                    Piece::Text(_) => None,
                })
                .collect(),
            Source::Columns(c) => c.iter().map(String::as_str).collect(),
        }
    }
}

/// A field's source as written: one column (or a template), or a list of columns.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SourceToml {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingToml {
    /// A preset this mapping starts from (read before deserializing; ignored here).
    #[serde(default)]
    #[allow(dead_code)]
    extends: Option<String>,
    source: String,
    kind: Option<String>,
    key: String,
    rows: String,
    order_by: Option<String>,
    missing: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    timestamp_formats: Vec<String>,
    fields: BTreeMap<String, SourceToml>,
    #[serde(default)]
    optional_fields: Vec<String>,
    #[serde(default)]
    values: BTreeMap<String, BTreeMap<String, String>>,
    #[serde(default)]
    attributes: Vec<String>,
    #[serde(default)]
    create_teams: bool,
    #[serde(default)]
    create_organizations: bool,
}

/// A checked mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Recorded with every imported record; with the key it makes re-imports idempotent.
    pub source: String,
    pub kind: TicketKind,
    pub key: String,
    pub mode: RowMode,
    /// Orders the rows of a record (required for events); file order otherwise.
    pub order_by: Option<String>,
    /// The token that means "no value" (besides an empty cell).
    pub missing: String,
    pub zone: TimeZone,
    /// strftime formats tried in turn; RFC 3339 is always accepted.
    pub formats: Vec<String>,
    pub fields: BTreeMap<Field, Source>,
    /// Source value → Steward value, per field.
    pub values: HashMap<Field, HashMap<String, String>>,
    /// Columns kept as custom attributes, by their column name.
    pub attributes: Vec<String>,
    /// Create a team for each assignment group not yet known, instead of refusing the row.
    pub create_teams: bool,
    /// Create an organization for each name not yet known, instead of refusing the record.
    pub create_organizations: bool,
    /// Fields read only when the file has their columns (a preset's optional columns).
    pub optional: Vec<Field>,
}

pub const SOURCE_MAX: usize = 100;

/// 1-based line and column (in characters) of a byte offset, as an editor shows them.
fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..text.floor_char_boundary(offset.min(text.len()))];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

/// Refuses, before any row is read, a value map whose Steward side is not a value of the
/// field (an empty value means "no value" and is always allowed).
fn check_values(
    e: &mut Errors,
    at: &str,
    field: Field,
    kind: TicketKind,
    map: &BTreeMap<String, String>,
) {
    for (from, to) in map {
        if to.is_empty() || vocabulary::accepts(field, kind, to) {
            continue;
        }
        let allowed = vocabulary::allowed(field, kind).unwrap_or_default();
        e.push(FieldError::new(
            format!("{at}.{from:?}"),
            format!(
                "{to:?} is not a Steward {} value; allowed: {}",
                field.name(),
                allowed.join(", ")
            ),
        ));
    }
}

/// The text of a preset shipped with Steward.
fn preset_text(name: &str) -> Option<&'static str> {
    Some(match name {
        "servicenow-incident" => include_str!("../../../presets/servicenow-incident.toml"),
        "event-log" => include_str!("../../../presets/event-log.toml"),
        "jira-service-management" => include_str!("../../../presets/jira-service-management.toml"),
        "zammad" => include_str!("../../../presets/zammad.toml"),
        "glpi" => include_str!("../../../presets/glpi.toml"),
        "request-tracker" => include_str!("../../../presets/request-tracker.toml"),
        _ => return None,
    })
}

/// Lays a mapping over the preset it extends: tables merge key by key, anything else
/// (a column, a list) replaces the preset's.
fn overlay(base: &mut toml::Table, over: toml::Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => overlay(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Refuses a key of a several-column value map that does not name one value per column.
fn check_keys(e: &mut Errors, at: &str, columns: &[String], map: &BTreeMap<String, String>) {
    for from in map.keys() {
        if from == ANY || from.split(JOIN).count() == columns.len() {
            continue;
        }
        e.push(FieldError::new(
            format!("{at}.{from:?}"),
            format!(
                "the field reads {} columns ({}), so each key names {} values joined by \"{JOIN}\", e.g. \"{}\"",
                columns.len(),
                columns.join(", "),
                columns.len(),
                columns.iter().map(|c| c.to_uppercase()).collect::<Vec<_>>().join(&JOIN.to_string())
            ),
        ));
    }
}

impl Mapping {
    /// Parses and checks a mapping file; every problem is named by its TOML key.
    pub fn parse(text: &str) -> Result<Mapping, Invalid> {
        let syntax = |e: toml::de::Error| {
            let at = e
                .span()
                .map(|span| {
                    let (line, column) = line_and_column(text, span.start);
                    format!(" at line {line}, column {column}")
                })
                .unwrap_or_default();
            Invalid::one(
                "mapping",
                format!("not a valid mapping file{at}: {}", e.message().trim()),
            )
        };
        let table: toml::Table = toml::from_str(text).map_err(syntax)?;
        let raw: MappingToml = match table.get("extends") {
            Some(toml::Value::String(name)) => {
                let base = preset_text(name).ok_or_else(|| {
                    Invalid::one(
                        "extends",
                        format!(
                            "no preset named {name:?} (presets: {})",
                            Mapping::PRESETS.join(", ")
                        ),
                    )
                })?;
                let mut merged: toml::Table = toml::from_str(base)
                    .map_err(|e| Invalid::one("extends", format!("preset {name}: {e}")))?;
                overlay(&mut merged, table);
                merged.remove("extends");
                merged.try_into().map_err(|e: toml::de::Error| {
                    Invalid::one(
                        "mapping",
                        format!("not a valid mapping file: {}", e.message().trim()),
                    )
                })?
            }
            Some(_) => return Err(Invalid::one("extends", "the name of a preset")),
            None => Self::raw(text)?,
        };
        Self::check(raw)
    }

    /// Reads the mapping's keys, naming the line and column of a mistake.
    fn raw(text: &str) -> Result<MappingToml, Invalid> {
        toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|span| {
                    let (line, column) = line_and_column(text, span.start);
                    format!(" at line {line}, column {column}")
                })
                .unwrap_or_default();
            Invalid::one(
                "mapping",
                format!("not a valid mapping file{at}: {}", e.message().trim()),
            )
        })
    }

    fn check(raw: MappingToml) -> Result<Mapping, Invalid> {
        let mut e = Errors::new();
        let source = raw.source.trim().to_owned();
        if source.is_empty() || source.len() > SOURCE_MAX {
            e.push(FieldError::new(
                "source",
                format!("must be 1 to {SOURCE_MAX} characters"),
            ));
        }
        let kind = match raw.kind.as_deref() {
            None => Some(TicketKind::Incident),
            Some(k) => e
                .take(TicketKind::parse(k).ok_or_else(|| {
                    FieldError::new("kind", "must be incident, request or problem")
                })),
        };
        let mode = match raw.rows.as_str() {
            "snapshot" => Some(RowMode::Snapshot),
            "event" => Some(RowMode::Event),
            _ => {
                e.push(FieldError::new("rows", "must be \"snapshot\" or \"event\""));
                None
            }
        };
        if mode == Some(RowMode::Event) && raw.order_by.is_none() {
            e.push(FieldError::new(
                "order_by",
                "event rows need the timestamp column that orders them",
            ));
        }
        let zone = match raw.time_zone.as_deref() {
            None => Some(TimeZone::UTC),
            Some(z) => e.take(
                TimeZone::get(z)
                    .map_err(|_| FieldError::new("time_zone", format!("unknown time zone {z:?}"))),
            ),
        };
        for (i, f) in raw.timestamp_formats.iter().enumerate() {
            if !f.contains('%') {
                e.push(FieldError::new(
                    format!("timestamp_formats[{i}]"),
                    "a strftime format such as \"%d/%m/%Y %H:%M\"",
                ));
            }
        }
        let mut fields = BTreeMap::new();
        for (name, column) in &raw.fields {
            let at = format!("fields.{name}");
            let Some(field) = Field::parse(name) else {
                e.push(FieldError::new(at, "not a field an import can fill"));
                continue;
            };
            let column = match column {
                SourceToml::One(c) => c,
                SourceToml::Many(list) => {
                    if list.len() < 2 || list.iter().any(|c| c.trim().is_empty()) {
                        e.push(FieldError::new(
                            at,
                            "a list of columns names two or more columns",
                        ));
                    } else {
                        fields.insert(field, Source::Columns(list.clone()));
                    }
                    continue;
                }
            };
            match Source::parse(column) {
                Ok(Source::Template(_)) if !field.takes_template() => e.push(FieldError::new(
                    at,
                    "only title and description take a template",
                )),
                Ok(source) => {
                    fields.insert(field, source);
                }
                Err(m) => e.push(FieldError::new(at, m)),
            }
        }
        // Event rows derive the opening from their first event's time.
        let required: &[Field] = match mode {
            Some(RowMode::Event) => &[Field::Status],
            _ => &[Field::Status, Field::OpenedAt],
        };
        for &required in required {
            if !fields.contains_key(&required) {
                e.push(FieldError::new(
                    format!("fields.{}", required.name()),
                    "required",
                ));
            }
        }
        let mut values = HashMap::new();
        for (name, map) in raw.values {
            let at = format!("values.{name}");
            match Field::parse(&name) {
                Some(field) if fields.contains_key(&field) => {
                    if let Some(kind) = kind {
                        check_values(&mut e, &at, field, kind, &map);
                    }
                    if let Some(Source::Columns(columns)) = fields.get(&field) {
                        check_keys(&mut e, &at, columns, &map);
                    }
                    values.insert(field, map.into_iter().collect());
                }
                Some(_) => e.push(FieldError::new(at, "this field is not mapped in [fields]")),
                None => e.push(FieldError::new(at, "not a field an import can fill")),
            }
        }
        let mut optional = Vec::new();
        for (i, name) in raw.optional_fields.iter().enumerate() {
            match Field::parse(name) {
                Some(Field::Status) => e.push(FieldError::new(
                    format!("optional_fields[{i}]"),
                    "status is always required",
                )),
                Some(f) if fields.contains_key(&f) => optional.push(f),
                Some(_) => e.push(FieldError::new(
                    format!("optional_fields[{i}]"),
                    "this field is not mapped in [fields]",
                )),
                None => e.push(FieldError::new(
                    format!("optional_fields[{i}]"),
                    "not a field an import can fill",
                )),
            }
        }
        e.finish()?;
        Ok(Mapping {
            source,
            kind: kind.unwrap_or(TicketKind::Incident),
            key: raw.key,
            mode: mode.unwrap_or(RowMode::Snapshot),
            order_by: raw.order_by,
            missing: raw.missing.unwrap_or_default(),
            zone: zone.unwrap_or(TimeZone::UTC),
            formats: raw.timestamp_formats,
            fields,
            values,
            attributes: raw.attributes,
            create_teams: raw.create_teams,
            create_organizations: raw.create_organizations,
            optional,
        })
    }

    /// A mapping shipped with Steward, by name.
    pub fn preset(name: &str) -> Option<Mapping> {
        Mapping::parse(preset_text(name)?).ok()
    }

    pub const PRESETS: &'static [&'static str] = &[
        "servicenow-incident",
        "event-log",
        "jira-service-management",
        "zammad",
        "glpi",
        "request-tracker",
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields_of(e: Invalid) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn the_preset_is_a_valid_mapping() {
        let m = Mapping::preset("servicenow-incident").expect("preset parses");
        assert_eq!(m.key, "number");
        assert_eq!(m.mode, RowMode::Snapshot);
        assert!(m.fields.contains_key(&Field::Status));
    }

    #[test]
    fn every_preset_is_a_valid_mapping() {
        for name in Mapping::PRESETS {
            let text = match *name {
                "jira-service-management" => {
                    include_str!("../../../presets/jira-service-management.toml")
                }
                "zammad" => include_str!("../../../presets/zammad.toml"),
                "glpi" => include_str!("../../../presets/glpi.toml"),
                "request-tracker" => include_str!("../../../presets/request-tracker.toml"),
                _ => continue,
            };
            if let Err(e) = Mapping::parse(text) {
                panic!("{name}: {e:?}");
            }
        }
    }

    #[test]
    fn every_bad_key_is_named() {
        let text = r#"
            source = "x"
            key = "id"
            rows = "events"
            time_zone = "Mars/Olympus"
            timestamp_formats = ["dd/mm"]
            [fields]
            colour = "c"
            priority = "{a} {b}"
            [values]
            impact = { "1" = "high" }
        "#;
        let fields = fields_of(Mapping::parse(text).unwrap_err());
        for f in [
            "rows",
            "time_zone",
            "timestamp_formats[0]",
            "fields.colour",
            "fields.priority",
            "fields.status",
            "fields.opened_at",
            "values.impact",
        ] {
            assert!(
                fields.contains(&f.to_owned()),
                "{f} missing from {fields:?}"
            );
        }
    }

    #[test]
    fn events_need_an_order() {
        let text = r#"
            source = "x"
            key = "id"
            rows = "event"
            [fields]
            status = "s"
            opened_at = "o"
        "#;
        assert_eq!(
            fields_of(Mapping::parse(text).unwrap_err()),
            vec!["order_by"]
        );
    }

    #[test]
    fn toml_syntax_errors_are_one_clear_error() {
        let e = Mapping::parse("source = ").unwrap_err();
        assert_eq!(e.0[0].field, "mapping");
    }

    #[test]
    fn toml_syntax_errors_give_line_and_column() {
        let e = Mapping::parse("source = \"x\"\nkey = \"id\"\nrows = snapshot\n").unwrap_err();
        assert!(
            e.0[0].message.contains("at line 3, column 8"),
            "{:?}",
            e.0[0]
        );
    }

    #[test]
    fn value_maps_are_checked_against_stewards_values() {
        let text = r#"
            source = "x"
            key = "id"
            rows = "snapshot"
            [fields]
            status = "s"
            opened_at = "o"
            impact = "i"
            [values.status]
            "Open" = "new"
            "Resolved" = "solved"
            "Gone" = ""
            [values.impact]
            "1" = "High"
            "2" = "huge"
        "#;
        let e = Mapping::parse(text).unwrap_err();
        let named: Vec<String> =
            e.0.iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(
            named[0].starts_with("values.impact.\"2\": \"huge\" is not a Steward impact value; allowed: high, medium, low"),
            "{named:?}"
        );
        assert!(
            named[1].starts_with("values.status.\"Resolved\": \"solved\" is not a Steward status value; allowed: new, assigned"),
            "{named:?}"
        );
    }

    #[test]
    fn templates_split_into_text_and_columns() {
        let s = Source::parse("{category} / {subcategory}").unwrap();
        assert_eq!(s.columns(), vec!["category", "subcategory"]);
        assert!(Source::parse("{open").is_err());
    }
}
