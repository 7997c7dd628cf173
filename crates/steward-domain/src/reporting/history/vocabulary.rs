//! The Steward values a mapped field takes: the one list that checks a mapping's value maps
//! when it loads and that `steward import csv --help` prints, so the two cannot disagree.
use super::mapping::Field;
use crate::resolution::ticket::{Channel, Level, TicketKind};
use crate::resolution::workflow::{PendingReason, Status};

/// The impact value of a major incident: high impact and the major-incident flag.
pub const MAJOR: &str = "major";

/// The values `field` accepts on a record of `kind`; `None` for free text, names and times.
pub fn allowed(field: Field, kind: TicketKind) -> Option<Vec<&'static str>> {
    let values = match field {
        Field::Status => Status::of_kind(kind).iter().map(|s| s.as_str()).collect(),
        Field::PendingReason => PendingReason::ALL.iter().map(|r| r.as_str()).collect(),
        Field::Impact => {
            let mut v: Vec<&'static str> = Level::ALL.iter().map(|l| l.as_str()).collect();
            if kind == TicketKind::Incident {
                v.push(MAJOR);
            }
            v
        }
        Field::Urgency => Level::ALL.iter().map(|l| l.as_str()).collect(),
        Field::Priority => vec!["1", "2", "3", "4", "5", "P1", "P2", "P3", "P4", "P5"],
        Field::Channel => Channel::ALL.iter().map(|c| c.as_str()).collect(),
        Field::MadeSla => vec!["true", "false", "yes", "no", "1", "0"],
        _ => return None,
    };
    Some(values)
}

/// Whether `value` is one of `field`'s values, as the row reader will read it: impact,
/// urgency and made_sla ignore case, priority takes `P1` or `p1` as well as `1`.
pub fn accepts(field: Field, kind: TicketKind, value: &str) -> bool {
    let Some(values) = allowed(field, kind) else {
        return true;
    };
    match field {
        Field::Impact | Field::Urgency | Field::MadeSla | Field::Priority => {
            values.iter().any(|v| v.eq_ignore_ascii_case(value))
        }
        _ => values.contains(&value),
    }
}

/// Every coded field with its values, one per line, for `--help` and the README.
pub fn help() -> String {
    let mut out =
        String::from("Steward values for mapped fields (the right-hand side of [values.FIELD]):\n");
    for field in [
        Field::Status,
        Field::PendingReason,
        Field::Impact,
        Field::Urgency,
        Field::Priority,
        Field::Channel,
        Field::MadeSla,
    ] {
        if field == Field::Status {
            for kind in TicketKind::ALL {
                let values = allowed(field, *kind).unwrap_or_default();
                out.push_str(&format!(
                    "  status ({}): {}\n",
                    kind.as_str(),
                    values.join(", ")
                ));
            }
            continue;
        }
        // Listed for every kind; an incident's extra impact value on a line of its own.
        let values = allowed(field, TicketKind::Request).unwrap_or_default();
        out.push_str(&format!("  {}: {}\n", field.name(), values.join(", ")));
        if field == Field::Impact {
            out.push_str(&format!(
                "  impact (incident): also {MAJOR} (high impact and the major-incident flag)\n"
            ));
        }
    }
    out.push_str("An empty value (\"\") means \"no value\" for that source value; the key \"*\" catches\nevery source value the map does not list; a field read from several columns\n(status = [\"state\", \"reason\"]) is keyed on their values joined by \"|\" (\"Waiting|Customer\").\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_as_the_rows_are_read() {
        assert!(accepts(Field::Status, TicketKind::Incident, "resolved"));
        assert!(!accepts(Field::Status, TicketKind::Incident, "solved"));
        // A problem status is not an incident status.
        assert!(!accepts(Field::Status, TicketKind::Incident, "known_error"));
        assert!(accepts(Field::Status, TicketKind::Problem, "known_error"));
        assert!(accepts(Field::Impact, TicketKind::Incident, "High"));
        assert!(accepts(Field::Priority, TicketKind::Incident, "p2"));
        assert!(!accepts(Field::Priority, TicketKind::Incident, "6"));
        assert!(accepts(Field::Category, TicketKind::Incident, "anything"));
        // Only an incident can be major.
        assert!(accepts(Field::Impact, TicketKind::Incident, "major"));
        assert!(!accepts(Field::Impact, TicketKind::Request, "major"));
    }

    #[test]
    fn the_help_lists_every_coded_field() {
        let h = help();
        for line in [
            "status (incident): new, assigned, in_progress, pending, resolved, closed, cancelled",
            "pending_reason: customer, supplier, change",
            "impact: high, medium, low\n",
            "impact (incident): also major (high impact and the major-incident flag)",
            "channel: portal, email, phone, api, monitoring",
        ] {
            assert!(h.contains(line), "{line} missing from {h}");
        }
    }
}
