use super::*;
use crate::resolution::workflow::Status;

fn reader(mapping: &str, header: &str) -> Reader {
    let header: Vec<&str> = header.split(',').collect();
    Reader::new(Mapping::parse(mapping).unwrap(), &header).unwrap()
}

fn rows(r: &Reader, lines: &[&str]) -> Vec<Row> {
    lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let cells: Vec<&str> = l.split(',').collect();
            r.row(i as u64 + 2, &cells).unwrap()
        })
        .collect()
}

const SNAPSHOT: &str = r#"
source = "t"
key = "id"
rows = "snapshot"
missing = "?"
timestamp_formats = ["%d/%m/%Y %H:%M"]
attributes = ["who"]
[fields]
status = "state"
opened_at = "opened"
updated_at = "updated"
team = "group"
reassignment_count = "moves"
[values.status]
"Open" = "new"
"Work" = "in_progress"
"Done" = "resolved"
"#;

#[test]
fn snapshot_rows_fold_into_the_last_state_and_a_timeline() {
    let r = reader(SNAPSHOT, "id,state,opened,updated,group,moves,who");
    let rs = rows(
        &r,
        &[
            "A1,Open,1/2/2016 09:05,1/2/2016 09:05,G1,0,x",
            "A1,Work,1/2/2016 09:05,1/2/2016 10:00,G2,1,?",
            "A1,Done,1/2/2016 09:05,2/2/2016 08:30,G2,0,?",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.status, Status::Resolved);
    assert_eq!(rec.number, "A1");
    assert_eq!(rec.team.as_deref(), Some("G2"));
    // The highest count on any row, not the last row's.
    assert_eq!(rec.reassignment_count, 1);
    // Non-padded day and month; the last row wins, so the cleared attribute is gone.
    assert_eq!(
        rec.opened_at,
        "2016-02-01T09:05:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_microsecond()
    );
    assert!(rec.attributes.is_empty());
    // One step per row: the second row's move to G2 goes with its transition.
    let events: Vec<_> = rec.history.iter().map(|e| e.event).collect();
    assert_eq!(events, vec!["created", "transition", "transition"]);
    assert_eq!(rec.history[1].team.as_deref(), Some("G2"));
    assert_eq!(rec.history[2].to.as_deref(), Some("resolved"));
    assert_eq!(rec.rows, 3);
}

#[test]
fn event_rows_change_only_what_they_name_and_sort_by_time() {
    let mapping = SNAPSHOT.replace(
        "rows = \"snapshot\"",
        "rows = \"event\"\norder_by = \"updated\"",
    );
    let r = reader(&mapping, "id,state,opened,updated,group,moves,who");
    let rs = rows(
        &r,
        &[
            "B,Done,?,3/2/2016 10:00,?,?,?",
            "B,Open,1/2/2016 09:00,1/2/2016 09:00,G1,0,x",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.status, Status::Resolved);
    assert_eq!(rec.team.as_deref(), Some("G1"));
    assert_eq!(rec.attributes["who"], "x");
    assert_eq!(rec.history[0].event, "created");
}

#[test]
fn a_bad_row_is_named_by_its_line_and_column() {
    let r = reader(SNAPSHOT, "id,state,opened,updated,group,moves,who");
    let e = r
        .row(7, &["A", "-100", "1/2/2016 09:00", "?", "?", "0", "?"])
        .unwrap_err();
    assert_eq!(e.line, 7);
    assert!(
        e.message.contains("state") && e.message.contains("-100"),
        "{e}"
    );
    let e = r
        .row(8, &["A", "Open", "31/2/2016 09:00", "?", "?", "0", "?"])
        .unwrap_err();
    assert!(e.to_string().starts_with("line 8: opened"), "{e}");
    let e = r
        .row(9, &["A", "Open", "1/2/2016 09:00", "?", "?", "-1", "?"])
        .unwrap_err();
    assert!(e.message.contains("moves"), "{e}");
}

#[test]
fn a_mapping_naming_missing_columns_is_refused_before_any_row() {
    let e = Reader::new(Mapping::parse(SNAPSHOT).unwrap(), &["id", "state"]).unwrap_err();
    let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert!(fields.contains(&"fields.opened_at"), "{fields:?}");
    assert!(fields.contains(&"attributes[0]"), "{fields:?}");
}

#[test]
fn local_times_follow_the_mapping_zone() {
    let mapping = SNAPSHOT.replace(
        "missing = \"?\"",
        "missing = \"?\"\ntime_zone = \"Europe/Berlin\"",
    );
    let r = reader(&mapping, "id,state,opened,updated,group,moves,who");
    // 02:30 on 2016-03-27 does not exist in Berlin: it moves forward to 03:30 CEST.
    let rs = rows(&r, &["C,Open,27/3/2016 02:30,?,?,0,?"]);
    let rec = r.assemble(rs).unwrap();
    assert_eq!(
        rec.opened_at,
        "2016-03-27T01:30:00Z"
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_microsecond()
    );
}

#[test]
fn a_mapping_naming_absent_columns_lists_the_columns_the_file_has() {
    let e = Reader::new(
        Mapping::parse(SNAPSHOT).unwrap(),
        &["id", "state", "opened"],
    )
    .unwrap_err();
    let named: Vec<String> =
        e.0.iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect();
    assert!(
        named.contains(&"fields.updated_at: the file has no column \"updated\"".to_owned()),
        "{named:?}"
    );
    assert_eq!(
        named.last().map(String::as_str),
        Some("header: the file's columns are: id, state, opened")
    );
}

#[test]
fn a_closed_record_without_a_closed_time_is_reported() {
    let mapping = SNAPSHOT.replace("\"Done\" = \"resolved\"", "\"Done\" = \"closed\"");
    let r = reader(&mapping, "id,state,opened,updated,group,moves,who");
    let rs = rows(
        &r,
        &[
            "C1,Open,1/2/2016 09:05,1/2/2016 09:05,G1,0,x",
            "C1,Done,1/2/2016 09:05,1/2/2016 10:00,G1,0,x",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.status, Status::Closed);
    assert_eq!(rec.warnings.len(), 1);
    assert_eq!(rec.warnings[0].line, 3);
    assert!(
        rec.warnings[0]
            .message
            .contains("status closed but no closed time")
    );
}

fn at(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_microsecond()
}

const EVENTS: &str = r#"
source = "log"
key = "case"
rows = "event"
order_by = "time"
attributes = ["owner"]
[fields]
status = "activity"
team = "team"
actor = "who"
[values.status]
"Open" = "new"
"Work" = "in_progress"
"Solve" = "resolved"
"Close" = "closed"
"*" = ""
"#;

const EVENTS_HEADER: &str = "case,activity,time,team,who,owner";

#[test]
fn event_rows_derive_opening_resolution_closure_and_counts() {
    let r = reader(EVENTS, EVENTS_HEADER);
    let rs = rows(
        &r,
        &[
            // Out of order on purpose: the opening is the earliest event, not the last row.
            "K,Solve,2026-01-02T10:00:00Z,B,bo,",
            "K,Open,2026-01-01T09:00:00Z,A,al,ann",
            "K,Work,2026-01-01T10:00:00Z,B,bo,",
            "K,Note,2026-01-02T11:00:00Z,,bo,bob",
            "K,Work,2026-01-03T09:00:00Z,C,cy,",
            "K,Solve,2026-01-04T09:00:00Z,,cy,",
            "K,Close,2026-01-05T09:00:00Z,,cy,",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.opened_at, at("2026-01-01T09:00:00Z"));
    assert_eq!(rec.updated_at, at("2026-01-05T09:00:00Z"));
    // Cleared by the reopen on the 3rd, stamped again on the 4th.
    assert_eq!(rec.resolved_at, Some(at("2026-01-04T09:00:00Z")));
    assert_eq!(rec.closed_at, Some(at("2026-01-05T09:00:00Z")));
    assert_eq!((rec.reassignment_count, rec.reopen_count), (2, 1));
    assert_eq!(rec.status, Status::Closed);
    assert!(rec.warnings.is_empty(), "{:?}", rec.warnings);
    // Every row is a step, with its actor; the owner change is an edit naming the owner.
    assert_eq!(rec.history.len(), 7);
    let steps: Vec<_> = rec
        .history
        .iter()
        .map(|e| (e.event, e.actor.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("created", "al"),
            ("transition", "bo"),
            ("transition", "bo"),
            ("edited", "bo"),
            ("transition", "cy"),
            ("transition", "cy"),
            ("transition", "cy"),
        ]
    );
    let edit = &rec.history[3];
    assert_eq!(edit.changes.len(), 1);
    assert_eq!(edit.changes[0].name, "owner");
    assert_eq!(edit.changes[0].to.as_deref(), Some("bob"));
    assert_eq!(rec.acknowledged_at, Some(at("2026-01-01T10:00:00Z")));
}

#[test]
fn explicitly_mapped_fields_win_over_derived_ones() {
    let mapping = EVENTS.replace(
        "[fields]",
        "[fields]\nopened_at = \"opened\"\nreopen_count = \"reopens\"",
    );
    let r = reader(&mapping, "case,activity,time,team,who,owner,opened,reopens");
    let rs = rows(
        &r,
        &[
            "K,Open,2026-01-02T09:00:00Z,A,al,,2026-01-01T08:00:00Z,0",
            "K,Solve,2026-01-02T10:00:00Z,A,al,,2026-01-01T08:00:00Z,4",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.opened_at, at("2026-01-01T08:00:00Z"));
    assert_eq!(rec.reopen_count, 4);
    assert_eq!(rec.resolved_at, Some(at("2026-01-02T10:00:00Z")));
}

#[test]
fn two_columns_map_to_status_and_pending_reason() {
    let mapping = r#"
source = "t"
key = "id"
rows = "event"
order_by = "time"
[fields]
status = ["state", "reason"]
pending_reason = ["state", "reason"]
impact = "impact"
[values.status]
"Open|" = "new"
"Waiting|Customer" = "pending"
"Waiting|Vendor" = "pending"
"Done|*" = "resolved"
[values.pending_reason]
"Waiting|Customer" = "customer"
"Waiting|Vendor" = "supplier"
"*" = ""
[values.impact]
"1" = "major"
"2" = "high"
"3" = "low"
"#;
    let r = reader(mapping, "id,state,reason,time,impact");
    let rs = rows(
        &r,
        &[
            "M,Open,,2026-01-01T09:00:00Z,2",
            "M,Waiting,Vendor,2026-01-01T10:00:00Z,1",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.status, Status::Pending);
    assert_eq!(
        rec.pending_reason,
        Some(crate::resolution::workflow::PendingReason::Supplier)
    );
    assert!(rec.major);
    assert_eq!(rec.impact, crate::resolution::ticket::Level::High);
    let e = r
        .row(9, &["M", "Waiting", "Mars", "2026-01-01T10:00:00Z", "3"])
        .unwrap_err();
    assert!(
        e.message
            .contains("state|reason: unknown value \"Waiting|Mars\""),
        "{e}"
    );
    // "Done|*" takes any reason.
    let done = r
        .row(10, &["M", "Done", "whatever", "2026-01-01T11:00:00Z", "3"])
        .unwrap();
    let rec = r.assemble(vec![done]).unwrap();
    assert_eq!(rec.status, Status::Resolved);
    assert!(!rec.major);
    // A key that does not name one value per column is refused when the mapping loads.
    let bad = mapping.replace("\"Open|\" = \"new\"", "\"Open\" = \"new\"");
    let e = Mapping::parse(&bad).unwrap_err();
    assert_eq!(e.0[0].field, "values.status.\"Open\"");
    assert!(
        e.0[0]
            .message
            .contains("each key names 2 values joined by \"|\""),
        "{e:?}"
    );
}

#[test]
fn a_resolved_record_without_a_resolved_time_is_reported() {
    let r = reader(SNAPSHOT, "id,state,opened,updated,group,moves,who");
    let rs = rows(
        &r,
        &[
            "R1,Open,1/2/2016 09:05,1/2/2016 09:05,G1,0,x",
            "R1,Done,1/2/2016 09:05,1/2/2016 10:00,G1,0,x",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.status, Status::Resolved);
    assert_eq!(rec.warnings.len(), 1);
    assert_eq!(rec.warnings[0].line, 3);
    assert_eq!(
        rec.warnings[0].message,
        "record R1: status resolved but no resolved time (resolved_at), so it is missing from the resolved counts and the time-to-resolve figures"
    );
}

#[test]
fn the_event_log_preset_reads_a_plain_log_and_skips_absent_optional_columns() {
    let m = Mapping::preset("event-log").expect("preset parses");
    let r = Reader::new(m, &["case_id", "activity", "timestamp", "resource"]).unwrap();
    let rs = rows(
        &r,
        &[
            "c1,Create,2026-01-01 09:00:00,ann",
            "c1,Add comment,2026-01-01 09:30:00,bob",
            "c1,resolved,2026-01-01 10:00:00,bob",
        ],
    );
    let rec = r.assemble(rs).unwrap();
    assert_eq!(rec.status, Status::Resolved);
    assert_eq!(rec.history.len(), 3);
    assert_eq!(rec.resolved_at, Some(at("2026-01-01T10:00:00Z")));
}

#[test]
fn a_mapping_extends_a_preset_with_a_small_value_map() {
    let m = Mapping::parse(
        "extends = \"event-log\"\nsource = \"bpi\"\n[values.status]\n\"Queued|x\" = \"new\"\n\"Awaiting\" = \"pending\"\n",
    )
    .unwrap();
    assert_eq!(m.source, "bpi");
    assert_eq!(m.key, "case_id");
    assert_eq!(m.values[&Field::Status]["Awaiting"], "pending");
    assert_eq!(m.values[&Field::Status]["Resolved"], "resolved");
    let e = Mapping::parse("extends = \"nope\"\n").unwrap_err();
    assert!(
        e.0[0]
            .message
            .contains("presets: servicenow-incident, event-log"),
        "{e:?}"
    );
}
