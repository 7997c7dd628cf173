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
    let events: Vec<_> = rec.history.iter().map(|e| e.event).collect();
    assert_eq!(
        events,
        vec!["created", "transition", "assignment", "transition"]
    );
    assert_eq!(rec.history[3].to.as_deref(), Some("resolved"));
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
