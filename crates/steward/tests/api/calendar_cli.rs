//! `steward calendar due|elapsed`: the real binary, no database.
use crate::support::temp_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BERLIN: &str = r#"{"name": "Berlin office", "time_zone": "Europe/Berlin",
 "hours": {"mon": [["09:00","17:00"]], "tue": [["09:00","17:00"]], "wed": [["09:00","17:00"]],
           "thu": [["09:00","17:00"]], "fri": [["09:00","17:00"]], "sat": [], "sun": []},
 "holidays": ["2026-12-25", "2026-12-26"]}"#;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

fn steward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(args)
        // A calendar check reads no configuration and opens no database.
        .env("STEWARD_CONFIG", "/nonexistent/steward.toml")
        .env("STEWARD_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .output()
        .expect("run steward")
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

/// Fails with a message on stderr, never a panic.
fn refused(o: &Output) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        !o.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.trim().is_empty());
    err
}

#[test]
fn due_and_elapsed_print_what_an_administrator_checks() {
    let dir = temp_dir("calendar");
    let cal = write(&dir, "berlin.json", BERLIN);
    let cal = cal.to_str().unwrap();
    // Friday 16:00 + 8h: one hour on Friday, seven on Monday after the DST change.
    for duration in ["8h", "480m", "28800s", "7h60m"] {
        let o = steward(&[
            "calendar",
            "due",
            "--calendar",
            cal,
            "--start",
            "2026-03-27T16:00:00+01:00",
            "--duration",
            duration,
        ]);
        assert_eq!(ok(&o), "2026-03-30T14:00:00Z", "{duration}");
    }
    let o = steward(&[
        "calendar",
        "due",
        "--calendar",
        cal,
        "--start",
        "2026-03-27T15:00:00Z",
        "--duration",
        "1h30m",
    ]);
    assert_eq!(ok(&o), "2026-03-30T07:30:00Z");
    let o = steward(&[
        "calendar",
        "elapsed",
        "--calendar",
        cal,
        "--from",
        "2026-03-27T16:00:00+01:00",
        "--to",
        "2026-03-30T14:00:00Z",
    ]);
    assert_eq!(ok(&o), "28800");
    // Christmas falls on Friday and Saturday in 2026.
    let o = steward(&[
        "calendar",
        "elapsed",
        "--calendar",
        cal,
        "--from",
        "2026-12-24T00:00:00+01:00",
        "--to",
        "2026-12-29T00:00:00+01:00",
    ]);
    assert_eq!(ok(&o), (16 * 3600).to_string());
    // Holidays from an iCalendar file join the calendar's own.
    let ics = write(
        &dir,
        "holidays.ics",
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20261224\r\nSUMMARY:Christmas\r\n  Eve\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    );
    let o = steward(&[
        "calendar",
        "elapsed",
        "--calendar",
        cal,
        "--holidays-ics",
        ics.to_str().unwrap(),
        "--from",
        "2026-12-24T00:00:00+01:00",
        "--to",
        "2026-12-29T00:00:00+01:00",
    ]);
    assert_eq!(ok(&o), (8 * 3600).to_string());
}

#[test]
fn bad_input_is_explained_on_stderr() {
    let dir = temp_dir("calendar-bad");
    let cal = write(&dir, "berlin.json", BERLIN);
    let cal = cal.to_str().unwrap();
    let due = |calendar: &str, start: &str, duration: &str| {
        steward(&[
            "calendar",
            "due",
            "--calendar",
            calendar,
            "--start",
            start,
            "--duration",
            duration,
        ])
    };
    let start = "2026-03-27T16:00:00+01:00";

    let err = refused(&due(cal, start, "eight hours"));
    assert!(err.contains("--duration") && err.contains("1h30m"), "{err}");
    let err = refused(&due(cal, "2026-03-27T16:00:00", "8h"));
    assert!(err.contains("--start") && err.contains("RFC 3339"), "{err}");
    let err = refused(&due(cal, "tomorrow", "8h"));
    assert!(err.contains("--start"), "{err}");
    let missing = dir.join("missing.json");
    let err = refused(&due(missing.to_str().unwrap(), start, "8h"));
    assert!(err.contains("missing.json"), "{err}");
    let broken = write(&dir, "broken.json", "{\"name\": ");
    let err = refused(&due(broken.to_str().unwrap(), start, "8h"));
    assert!(err.contains("not a calendar in JSON"), "{err}");
    let invalid = write(
        &dir,
        "invalid.json",
        r#"{"name": "x", "time_zone": "Mars/Olympus", "hours": {"tue": [["09:00","12:00"],["11:00","17:00"]]}, "holidays": ["2026-13-01"]}"#,
    );
    let err = refused(&due(invalid.to_str().unwrap(), start, "8h"));
    for field in ["time_zone", "hours.tue[1]", "holidays[0]"] {
        assert!(err.contains(field), "{field} not named: {err}");
    }
    let unknown = write(
        &dir,
        "unknown.json",
        r#"{"name": "x", "time_zone": "UTC", "hours": {}, "open": true}"#,
    );
    let err = refused(&due(unknown.to_str().unwrap(), start, "8h"));
    assert!(err.contains("open"), "{err}");
    let closed = write(
        &dir,
        "closed.json",
        r#"{"name": "closed", "time_zone": "UTC", "hours": {}}"#,
    );
    let err = refused(&due(closed.to_str().unwrap(), start, "8h"));
    assert!(err.contains("no working time"), "{err}");
    let ics = write(
        &dir,
        "bad.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:2026\nEND:VEVENT\nEND:VCALENDAR\n",
    );
    let o = steward(&[
        "calendar",
        "elapsed",
        "--calendar",
        cal,
        "--holidays-ics",
        ics.to_str().unwrap(),
        "--from",
        start,
        "--to",
        start,
    ]);
    let err = refused(&o);
    assert!(err.contains("line 3"), "{err}");
    // Missing flags are clap's usage errors.
    let err = refused(&steward(&["calendar", "due", "--calendar", cal]));
    assert!(err.contains("--start"), "{err}");
}
