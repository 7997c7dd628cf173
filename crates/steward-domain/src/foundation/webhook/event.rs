//! Events as webhooks see them: an audit entry named `record_type.action` (`incident.created`,
//! `problem.updated`, `incident.transition`), matched against a subscription's event patterns
//! and conditions, and the JSON body sent for it.
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The event type of an audit entry: the record type and the action, with the three plain
/// verbs in the past tense as receivers expect (`create` → `created`).
pub fn event_type(record_type: &str, action: &str) -> String {
    let verb = match action {
        "create" => "created",
        "update" => "updated",
        "delete" => "deleted",
        other => other,
    };
    format!("{record_type}.{verb}")
}

/// Whether `pattern` (`incident.created`, `incident.*` or `*`) names `event`.
pub fn pattern_matches(pattern: &str, event: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(".*") {
        Some(record) => event.split_once('.').is_some_and(|(r, _)| r == record),
        None => pattern == event,
    }
}

/// Whether `pattern` is well formed: `*`, or `record.action` / `record.*` of lowercase
/// letters, digits and underscores.
pub fn pattern_valid(pattern: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    };
    pattern == "*"
        || pattern
            .split_once('.')
            .is_some_and(|(r, a)| word(r) && (a == "*" || word(a)))
}

/// One condition of a subscription's filter: the record's `field` (a top-level key, or a
/// dotted path) holds one of `values`. Values compare as text, ignoring case, so `priority =
/// P1` matches `"p1"` and `service_id = 3` matches `3`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub values: Vec<String>,
}

fn lookup<'a>(record: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(record, |v, key| v.get(key))
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.to_lowercase()),
        other => Some(other.to_string().to_lowercase()),
    }
}

impl Condition {
    pub fn holds(&self, record: &Value) -> bool {
        let Some(actual) = lookup(record, &self.field) else {
            return false;
        };
        let matches = |v: &Value| {
            as_text(v).is_some_and(|a| self.values.iter().any(|w| w.trim().to_lowercase() == a))
        };
        match actual {
            // A list field (tags, customers) matches when any element does.
            Value::Array(items) => items.iter().any(matches),
            v => matches(v),
        }
    }
}

/// Whether every condition holds (no conditions: every record).
pub fn conditions_hold(conditions: &[Condition], record: &Value) -> bool {
    conditions.iter().all(|c| c.holds(record))
}

/// The filter as text, one condition a line: `priority = p1, p2`.
pub fn conditions_text(conditions: &[Condition]) -> String {
    conditions
        .iter()
        .map(|c| format!("{} = {}", c.field, c.values.join(", ")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Reads the text form back (blank lines skipped); a bad line is named by its number.
pub fn parse_conditions_text(text: &str) -> Result<Vec<Condition>, String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((field, values)) = line.split_once('=') else {
            return Err(format!(
                "line {}: write field = value, value (got {line:?})",
                n + 1
            ));
        };
        out.push(Condition {
            field: field.trim().to_owned(),
            values: values
                .split(',')
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect(),
        });
    }
    Ok(out)
}

/// The body POSTed for one event. `id` is the audit seq: receivers deduplicate by it, since a
/// retry or a redelivery sends the same event again.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub id: i64,
    #[serde(rename = "type")]
    pub event_type: String,
    /// RFC 3339, when the change was recorded.
    pub occurred_at: String,
    pub record_type: String,
    pub record_id: String,
    pub action: String,
    pub actor: String,
    /// The record after the change (before it, for a deletion).
    #[schema(value_type = Object)]
    pub record: Value,
    /// The record before the change, when there was one.
    #[schema(value_type = Object)]
    pub previous: Value,
}

impl Event {
    /// What a subscription's conditions look at: the record after the change, or before it
    /// when the change deleted it.
    pub fn subject(after: &Value, before: &Value) -> Value {
        if after.is_null() {
            before.clone()
        } else {
            after.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn types_and_patterns() {
        assert_eq!(event_type("incident", "create"), "incident.created");
        assert_eq!(event_type("incident", "transition"), "incident.transition");
        assert!(pattern_matches("incident.*", "incident.updated"));
        assert!(!pattern_matches("incident.*", "problem.updated"));
        assert!(!pattern_matches("incident.*", "incidents.updated"));
        assert!(pattern_matches("*", "problem.created"));
        assert!(pattern_matches("problem.created", "problem.created"));
        assert!(pattern_valid("incident.*") && pattern_valid("*") && pattern_valid("a_b.c1"));
        assert!(
            !pattern_valid("Incident.created")
                && !pattern_valid("incident")
                && !pattern_valid("a.b.c")
        );
    }

    #[test]
    fn conditions_compare_as_text_ignoring_case() {
        let record = json!({"priority": "p1", "service_id": 3, "tags": ["vip"], "team": {"id": 2}});
        let c = |f: &str, v: &[&str]| Condition {
            field: f.into(),
            values: v.iter().map(|s| (*s).to_owned()).collect(),
        };
        assert!(c("priority", &["P1", "P2"]).holds(&record));
        assert!(c("service_id", &["3"]).holds(&record));
        assert!(c("tags", &["VIP"]).holds(&record));
        assert!(c("team.id", &["2"]).holds(&record));
        assert!(!c("priority", &["p3"]).holds(&record));
        assert!(!c("missing", &["x"]).holds(&record));
        assert!(conditions_hold(&[], &record));
    }

    proptest! {
        #[test]
        fn the_text_form_round_trips(
            conditions in proptest::collection::vec(
                ("[a-z_]{1,12}", proptest::collection::vec("[a-z0-9]{1,8}", 1..4))
                    .prop_map(|(field, values)| Condition { field, values }),
                0..5)
        ) {
            let text = conditions_text(&conditions);
            prop_assert_eq!(parse_conditions_text(&text).unwrap(), conditions);
        }

        #[test]
        fn a_record_pattern_matches_exactly_its_record_type(
            record in "[a-z_]{1,10}", other in "[a-z_]{1,10}", action in "[a-z_]{1,10}"
        ) {
            let event = event_type(&other, &action);
            prop_assert_eq!(pattern_matches(&format!("{record}.*"), &event), record == other);
            prop_assert!(pattern_matches("*", &event));
        }
    }
}
