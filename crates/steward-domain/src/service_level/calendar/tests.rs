use super::*;
use jiff::civil::date;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn calendar(json: serde_json::Value) -> Calendar {
    let spec: CalendarSpec = serde_json::from_value(json).unwrap();
    spec.parse().unwrap()
}

/// Mon–Fri 09:00–17:00 in `zone`.
fn office(zone: &str, holidays: &[&str]) -> Calendar {
    let day = serde_json::json!([["09:00", "17:00"]]);
    calendar(serde_json::json!({
        "name": "office", "time_zone": zone,
        "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
        "holidays": holidays,
    }))
}

/// Every hour of every day in `zone`.
fn always(zone: &str) -> Calendar {
    let day = serde_json::json!([["00:00", "24:00"]]);
    calendar(serde_json::json!({
        "name": "24x7", "time_zone": zone,
        "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": day, "sun": day},
    }))
}

/// One interval on Sundays only.
fn sundays(zone: &str, start: &str, end: &str) -> Calendar {
    calendar(serde_json::json!({
        "name": "sundays", "time_zone": zone, "hours": {"sun": [[start, end]]},
    }))
}

const HOUR: i64 = 3600;

fn fields(e: Invalid) -> Vec<String> {
    e.0.into_iter().map(|f| f.field).collect()
}

#[test]
fn the_issue_example_parses_and_round_trips() {
    let json = serde_json::json!({"name": "Berlin office", "time_zone": "Europe/Berlin",
        "hours": {"mon": [["09:00","17:00"]], "tue": [["09:00","12:00"],["13:00","17:00"]],
                  "wed": [], "thu": [], "fri": [], "sat": [], "sun": []},
        "holidays": ["2026-12-26", "2026-12-25", "2026-12-25"]});
    let cal = calendar(json);
    assert_eq!(cal.name(), "Berlin office");
    assert_eq!(cal.week_seconds(), 8 * HOUR + 7 * HOUR);
    assert_eq!(cal.holidays(), &[date(2026, 12, 25), date(2026, 12, 26)]);
    let spec = cal.spec();
    assert_eq!(
        spec.hours.tue,
        vec![
            ["09:00".to_owned(), "12:00".to_owned()],
            ["13:00".to_owned(), "17:00".to_owned()]
        ]
    );
    assert_eq!(spec.holidays, vec!["2026-12-25", "2026-12-26"]);
    let again = serde_json::to_value(&spec).unwrap();
    let back: CalendarSpec = serde_json::from_value(again).unwrap();
    assert_eq!(back, spec);
}

#[test]
fn missing_weekdays_and_holidays_default_to_none() {
    let cal = calendar(
        serde_json::json!({"name": "n", "time_zone": "UTC", "hours": {"mon": [["09:00", "10:00"]]}}),
    );
    assert_eq!(cal.week_seconds(), HOUR);
    assert!(cal.holidays().is_empty());
    // The zone is kept as the database spells it.
    let cal =
        calendar(serde_json::json!({"name": "n", "time_zone": " europe/berlin ", "hours": {}}));
    assert_eq!(cal.spec().time_zone, "Europe/Berlin");
}

#[test]
fn unknown_fields_are_refused() {
    for json in [
        serde_json::json!({"name": "n", "time_zone": "UTC", "hours": {}, "colour": "red"}),
        serde_json::json!({"name": "n", "time_zone": "UTC", "hours": {"monday": []}}),
        serde_json::json!({"name": "n", "time_zone": "UTC", "hours": {"mon": [["09:00"]]}}),
    ] {
        assert!(
            serde_json::from_value::<CalendarSpec>(json.clone()).is_err(),
            "{json}"
        );
    }
}

#[test]
fn every_bad_field_is_named() {
    let spec: CalendarSpec = serde_json::from_value(serde_json::json!({
        "name": " ", "time_zone": "Europe/Atlantis",
        "hours": {
            "mon": [["09:00", "17:00"], ["16:00", "18:00"]],
            "tue": [["09:00", "12:00"], ["13:00", "12:30"]],
            "wed": [["13:00", "17:00"], ["09:00", "12:00"]],
            "thu": [["9:00", "17:00"]],
            "fri": [["09:00", "24:01"]],
            "sat": [["24:00", "24:00"]],
            "sun": [["08:60", "09:00"]],
        },
        "holidays": ["2026-12-25", "2026-02-30", "25.12.2026", "2026-12-25T00:00"],
    }))
    .unwrap();
    let e = fields(spec.parse().unwrap_err());
    assert_eq!(
        e,
        [
            "name",
            "time_zone",
            "hours.mon[1]",
            "hours.tue[1]",
            "hours.wed[1]",
            "hours.thu[0]",
            "hours.fri[0]",
            "hours.sat[0]",
            "hours.sun[0]",
            "holidays[1]",
            "holidays[2]",
            "holidays[3]"
        ]
    );
}

#[test]
fn touching_intervals_and_a_whole_day_are_fine() {
    let cal = calendar(serde_json::json!({"name": "n", "time_zone": "UTC",
        "hours": {"mon": [["00:00", "12:00"], ["12:00", "24:00"]]}}));
    assert_eq!(cal.week_seconds(), 24 * HOUR);
    assert_eq!(
        cal.spec().hours.mon[1],
        ["12:00".to_owned(), "24:00".to_owned()]
    );
}

#[test]
fn friday_afternoon_plus_eight_hours_crosses_the_weekend_and_the_dst_change() {
    // Sunday 2026-03-29 is the change to summer time in Berlin.
    let cal = office("Europe/Berlin", &[]);
    let start = ts("2026-03-27T16:00:00+01:00");
    let due = cal.due(start, 8 * HOUR).unwrap();
    assert_eq!(due.to_string(), "2026-03-30T14:00:00Z");
    assert_eq!(cal.elapsed(start, due).unwrap(), 8 * HOUR);
    // The Tuesday/lunch break example of the issue.
    let cal = calendar(
        serde_json::json!({"name": "n", "time_zone": "Europe/Berlin",
        "hours": {"tue": [["09:00","12:00"],["13:00","17:00"]]}}),
    );
    let due = cal.due(ts("2026-03-31T11:00:00+02:00"), 2 * HOUR).unwrap();
    assert_eq!(due, ts("2026-03-31T14:00:00+02:00"));
}

#[test]
fn a_24x7_calendar_has_23_and_25_hour_days() {
    for (zone, spring, autumn) in [
        ("Europe/Berlin", date(2026, 3, 29), date(2026, 10, 25)),
        ("America/New_York", date(2026, 3, 8), date(2026, 11, 1)),
        ("Europe/London", date(2026, 3, 29), date(2026, 10, 25)),
    ] {
        let cal = always(zone);
        let tz = cal.time_zone().clone();
        let day = |d: Date| {
            let a = d.to_zoned_datetime(tz.clone()).unwrap().timestamp();
            let b = d
                .tomorrow()
                .unwrap()
                .to_zoned_datetime(tz.clone())
                .unwrap()
                .timestamp();
            cal.elapsed(a, b).unwrap()
        };
        assert_eq!(day(spring), 23 * HOUR, "{zone}");
        assert_eq!(day(autumn), 25 * HOUR, "{zone}");
        assert_eq!(day(date(2026, 6, 1)), 24 * HOUR, "{zone}");
        let a = spring.to_zoned_datetime(tz.clone()).unwrap().timestamp();
        assert_eq!(
            cal.due(a, 24 * HOUR).unwrap(),
            a + SignedDuration::from_hours(24)
        );
    }
}

#[test]
fn whole_weeks_with_a_dst_change_are_not_skipped_as_plain_ones() {
    let cal = always("Europe/Berlin");
    let march = ts("2026-03-01T00:00:00+01:00");
    let april = ts("2026-04-01T00:00:00+02:00");
    assert_eq!(cal.elapsed(march, april).unwrap(), (31 * 24 - 1) * HOUR);
    assert_eq!(cal.due(march, (31 * 24 - 1) * HOUR).unwrap(), april);
    let october = ts("2026-10-01T00:00:00+02:00");
    let november = ts("2026-11-01T00:00:00+01:00");
    assert_eq!(
        cal.elapsed(october, november).unwrap(),
        (31 * 24 + 1) * HOUR
    );
    assert_eq!(cal.due(october, (31 * 24 + 1) * HOUR).unwrap(), november);
    let year = cal.elapsed(
        ts("2026-01-01T00:00:00+01:00"),
        ts("2027-01-01T00:00:00+01:00"),
    );
    assert_eq!(year.unwrap(), 365 * 24 * HOUR);
}

#[test]
fn local_times_in_a_gap_move_forward_and_ambiguous_ones_take_the_earlier_instant() {
    let span = |cal: &Calendar, day: Date| {
        let a = day
            .to_zoned_datetime(cal.time_zone().clone())
            .unwrap()
            .timestamp();
        cal.elapsed(a, a + SignedDuration::from_hours(30)).unwrap()
    };
    let (spring, autumn) = (date(2026, 3, 29), date(2026, 10, 25));
    let berlin = |s, e| sundays("Europe/Berlin", s, e);
    // Across the gap (02:00–03:00 does not exist) and the fold (02:00–03:00 happens twice).
    assert_eq!(span(&berlin("01:00", "04:00"), spring), 2 * HOUR);
    assert_eq!(span(&berlin("01:00", "04:00"), autumn), 4 * HOUR);
    // Inside the gap: both ends move to 03:00.
    assert_eq!(span(&berlin("02:00", "02:30"), spring), 0);
    assert_eq!(span(&berlin("02:15", "03:30"), spring), HOUR / 2);
    // In the fold, 02:00 and 02:30 are the first ones; 03:00 comes after the second pass.
    assert_eq!(span(&berlin("02:00", "02:30"), autumn), HOUR / 2);
    assert_eq!(span(&berlin("02:30", "03:00"), autumn), HOUR + HOUR / 2);
    let cal = berlin("02:30", "04:00");
    let start = autumn
        .to_zoned_datetime(cal.time_zone().clone())
        .unwrap()
        .timestamp();
    assert_eq!(cal.due(start, HOUR).unwrap(), ts("2026-10-25T01:30:00Z"));
    // New York changes at 02:00 too.
    let ny = sundays("America/New_York", "01:30", "03:30");
    assert_eq!(span(&ny, date(2026, 3, 8)), HOUR);
    assert_eq!(span(&ny, date(2026, 11, 1)), 3 * HOUR);
    let start = ts("2026-03-08T01:45:00-05:00");
    assert_eq!(
        ny.due(start, 15 * 60).unwrap(),
        ts("2026-03-08T03:00:00-04:00")
    );
    assert_eq!(
        ny.due(start, 16 * 60).unwrap(),
        ts("2026-03-08T03:01:00-04:00")
    );
}

#[test]
fn twenty_four_hundred_is_the_next_local_midnight() {
    let cal = calendar(
        serde_json::json!({"name": "n", "time_zone": "Europe/Berlin",
        "hours": {"mon": [["22:00", "24:00"]], "tue": [["00:00", "02:00"]]}}),
    );
    let start = ts("2026-06-01T23:00:00+02:00");
    assert_eq!(
        cal.due(start, 2 * HOUR).unwrap(),
        ts("2026-06-02T01:00:00+02:00")
    );
    // A Monday holiday takes its 22:00–24:00 away, not Tuesday's hours.
    let mut cal = cal;
    cal.add_holidays([date(2026, 6, 1)]);
    assert_eq!(
        cal.due(start, 2 * HOUR).unwrap(),
        ts("2026-06-02T02:00:00+02:00")
    );
    // Santiago's clocks go forward at midnight (2026-09-06 00:00 is 01:00): Saturday's
    // 20:00–24:00 ends at the transition, and Sunday starts at 01:00.
    let cal = calendar(
        serde_json::json!({"name": "n", "time_zone": "America/Santiago",
        "hours": {"sat": [["20:00", "24:00"]], "sun": [["00:00", "04:00"]]}}),
    );
    let sat = ts("2026-09-05T20:00:00-04:00");
    assert_eq!(
        cal.elapsed(sat, ts("2026-09-06T12:00:00-03:00")).unwrap(),
        7 * HOUR
    );
    assert_eq!(cal.due(sat, 4 * HOUR).unwrap(), ts("2026-09-06T04:00:00Z"));
    assert_eq!(
        cal.due(sat, 4 * HOUR + 1).unwrap(),
        ts("2026-09-06T04:00:01Z")
    );
}

#[test]
fn holidays_next_to_weekends_are_skipped() {
    let cal = office(
        "Europe/Berlin",
        &[
            "2026-04-03",
            "2026-04-06",
            "2026-12-24",
            "2026-12-25",
            "2026-12-26",
            "2026-12-31",
            "2027-01-01",
        ],
    );
    // Maundy Thursday 16:00 + 2h: Good Friday, the weekend and Easter Monday are skipped.
    let start = ts("2026-04-02T16:00:00+02:00");
    let due = cal.due(start, 2 * HOUR).unwrap();
    assert_eq!(due, ts("2026-04-07T10:00:00+02:00"));
    assert_eq!(cal.elapsed(start, due).unwrap(), 2 * HOUR);
    // Wednesday 23 December 13:00 + 8h ends on Monday 28 December at 13:00.
    let start = ts("2026-12-23T13:00:00+01:00");
    assert_eq!(
        cal.due(start, 8 * HOUR).unwrap(),
        ts("2026-12-28T13:00:00+01:00")
    );
    // From Wednesday 30 December 17:00, the next working hour is on Monday 4 January.
    let start = ts("2026-12-30T17:00:00+01:00");
    assert_eq!(cal.due(start, 1).unwrap(), ts("2027-01-04T09:00:01+01:00"));
    // Starting on a holiday counts nothing on it.
    assert_eq!(
        cal.elapsed(
            ts("2026-12-24T10:00:00+01:00"),
            ts("2026-12-28T10:00:00+01:00")
        )
        .unwrap(),
        HOUR
    );
}

#[test]
fn kolkata_has_a_half_hour_offset_and_no_dst() {
    let cal = office("Asia/Kolkata", &["2026-08-15"]);
    let start = ts("2026-06-01T12:00:00+05:30");
    assert_eq!(
        cal.due(start, 8 * HOUR).unwrap().to_string(),
        "2026-06-02T06:30:00Z"
    );
    // Independence Day 2026 is a Saturday; 14 August is a Friday.
    let start = ts("2026-08-14T16:00:00+05:30");
    assert_eq!(
        cal.due(start, 2 * HOUR).unwrap(),
        ts("2026-08-17T10:00:00+05:30")
    );
    // Forty working days, with week skipping: eight weeks later to the minute.
    let start = ts("2026-09-07T09:00:00+05:30");
    assert_eq!(
        cal.due(start, 40 * 8 * HOUR).unwrap(),
        ts("2026-10-30T17:00:00+05:30")
    );
}

#[test]
fn long_durations_skip_weeks_and_still_count_every_holiday_and_dst_change() {
    let cal = office(
        "Europe/Berlin",
        &["2026-04-03", "2026-04-06", "2026-05-01", "2026-12-25"],
    );
    let start = ts("2026-01-05T09:00:00+01:00");
    for hours in [1, 8, 41, 200, 1000, 2000] {
        let due = cal.due(start, hours * HOUR).unwrap();
        assert_eq!(cal.elapsed(start, due).unwrap(), hours * HOUR, "{hours}h");
        assert!(
            cal.elapsed(start, due - SignedDuration::from_secs(1))
                .unwrap()
                < hours * HOUR
        );
    }
    // 2026 has 261 weekdays, four of them holidays here.
    let year = cal
        .elapsed(
            ts("2026-01-01T00:00:00+01:00"),
            ts("2027-01-01T00:00:00+01:00"),
        )
        .unwrap();
    assert_eq!(year, (261 - 4) * 8 * HOUR);
}

#[test]
fn zero_negative_and_impossible_durations() {
    let cal = office("Europe/Berlin", &[]);
    let saturday = ts("2026-06-06T12:00:00Z");
    assert_eq!(cal.due(saturday, 0).unwrap(), saturday);
    assert_eq!(cal.due(saturday, -1), Err(CalendarError::NegativeDuration));
    let never = calendar(serde_json::json!({"name": "n", "time_zone": "UTC", "hours": {}}));
    assert_eq!(never.due(saturday, 1), Err(CalendarError::NoWorkingTime));
    assert_eq!(never.due(saturday, 0), Ok(saturday));
    assert_eq!(
        never.elapsed(saturday, saturday + SignedDuration::from_hours(1000)),
        Ok(0)
    );
    // A deadline beyond the last representable date is an error, not a hang.
    let late = ts("9999-12-20T00:00:00Z");
    assert_eq!(cal.due(late, 1000 * HOUR), Err(CalendarError::OutOfRange));
}

#[test]
fn elapsed_is_antisymmetric_and_fractions_of_seconds_are_kept() {
    let cal = office("Europe/Berlin", &[]);
    let a = ts("2026-06-01T10:00:00+02:00");
    let b = ts("2026-06-02T10:00:00+02:00");
    assert_eq!(cal.elapsed(a, b).unwrap(), 8 * HOUR);
    assert_eq!(cal.elapsed(b, a).unwrap(), -8 * HOUR);
    assert_eq!(cal.elapsed(a, a).unwrap(), 0);
    // Inside working hours the fraction carries to the deadline.
    let inside = ts("2026-06-01T09:00:00.25+02:00");
    assert_eq!(
        cal.due(inside, HOUR).unwrap(),
        ts("2026-06-01T10:00:00.25+02:00")
    );
    assert_eq!(
        cal.due(inside, 8 * HOUR).unwrap(),
        ts("2026-06-02T09:00:00.25+02:00")
    );
    // Before opening it does not.
    let before = ts("2026-06-01T08:59:59.75+02:00");
    assert_eq!(
        cal.due(before, HOUR).unwrap(),
        ts("2026-06-01T10:00:00+02:00")
    );
    assert_eq!(
        cal.elapsed_exact(inside, ts("2026-06-01T09:00:01+02:00"))
            .unwrap(),
        SignedDuration::from_millis(750)
    );
    assert_eq!(
        cal.elapsed(inside, ts("2026-06-01T09:00:01+02:00"))
            .unwrap(),
        0
    );
}

#[test]
fn durations() {
    for (text, seconds) in [
        ("28800s", 28800),
        ("90m", 5400),
        ("8h", 28800),
        ("1h30m", 5400),
        ("1h30m15s", 5415),
        ("0s", 0),
        (" 2h ", 7200),
        ("1m30s", 90),
        ("1h 30m", 5400),
        ("8 hours", 28800),
        ("1.5h", 5400),
        ("PT8H", 28800),
    ] {
        assert_eq!(parse_duration(text), Ok(seconds), "{text}");
    }
    for bad in [
        "",
        "8",
        "h",
        "1d",
        "P1D",
        "30m1h",
        "1h1h",
        "-1h",
        "1h ago",
        "0.5s",
        "8H",
        "9999999999999999999h",
    ] {
        assert!(parse_duration(bad).is_err(), "{bad} accepted");
    }
}

const ICS: &str = "BEGIN:VCALENDAR\r\n\
VERSION:2.0\r\n\
PRODID:-//Example//Holidays//EN\r\n\
BEGIN:VEVENT\r\n\
UID:1\r\n\
DTSTART;VALUE=DATE:20261225\r\n\
DTEND;VALUE=DATE:20261227\r\n\
SUMMARY:Christmas Day and Boxing D\r\n ay\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
UID:2\r\n\
DTST\r\n\tART;VALUE=DATE:20270101\r\n\
SUMMARY:New Year\r\n\
BEGIN:VALARM\r\n\
TRIGGER:-PT15M\r\n\
DTSTART:19990101T000000\r\n\
END:VALARM\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
DTSTART;TZID=\"W. Europe: Standard; Time\":20260501T080000\r\n\
DTEND;TZID=\"W. Europe: Standard; Time\":20260502T000000\r\n\
SUMMARY:Labour Day\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
DTSTART:20261003T220000Z\r\n\
DTEND:20261004T020000Z\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
DTSTART;VALUE=DATE:20260814\r\n\
DURATION:P1W\r\n\
STATUS:CANCELLED\r\n\
END:VEVENT\r\n\
BEGIN:VEVENT\r\n\
DTSTART:20260406\r\n\
DURATION:P2D\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n";

#[test]
fn ics_events_give_their_dates() {
    let dates = holidays_from_ics(ICS).unwrap();
    let expected = [
        date(2026, 4, 6),
        date(2026, 4, 7),
        date(2026, 5, 1),
        date(2026, 10, 3),
        date(2026, 10, 4),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2027, 1, 1),
    ];
    assert_eq!(dates, expected);
    // Plain LF line ends work too.
    assert_eq!(
        holidays_from_ics(&ICS.replace("\r\n", "\n")).unwrap(),
        expected
    );
    let mut cal = office("Europe/Berlin", &[]);
    cal.add_holidays(dates);
    assert_eq!(cal.holidays().len(), 8);
}

#[test]
fn bad_ics_is_refused_naming_the_line() {
    let bad = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:2026122\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\n\
BEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nRRULE:FREQ=YEARLY\nEND:VEVENT\nthis is not a line\nEND:VCALENDAR\n";
    let e = holidays_from_ics(bad).unwrap_err();
    assert_eq!(
        fields(e.clone()),
        ["line 3", "line 5", "line 8", "line 12"],
        "{e}"
    );
    assert!(e.to_string().contains("recurring"), "{e}");
    assert!(holidays_from_ics("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101\n").is_err());
    assert!(holidays_from_ics("BEGIN:VCALENDAR\nEND:VEVENT\n").is_err());
    assert_eq!(
        holidays_from_ics("BEGIN:VCALENDAR\nEND:VCALENDAR\n").unwrap(),
        []
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const ZONES: [&str; 5] = [
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "America/New_York",
        "Europe/London",
        "America/Santiago",
    ];
    /// 2025-01-01T00:00:00Z and 2029-01-01T00:00:00Z.
    const FROM: i64 = 1_735_689_600;
    const UNTIL: i64 = 1_861_920_000;
    /// The reference looks for a deadline this many minutes ahead at most (and the case is
    /// not checked when it is further).
    const WALK_MAX: i64 = 60 * 24 * 7 * 12;

    fn day() -> impl Strategy<Value = Vec<[String; 2]>> {
        prop_oneof![
            2 => Just(Vec::new()),
            1 => Just(vec![["00:00".to_owned(), "24:00".to_owned()]]),
            6 => proptest::collection::btree_set(0u32..=96, 1..=6).prop_map(|cuts| {
                // Quarter hours, paired in order: touching intervals are allowed.
                let cuts: Vec<u32> = cuts.into_iter().collect();
                cuts.chunks_exact(2)
                    .map(|p| [clock_text(p[0] * 900), clock_text(p[1] * 900)])
                    .collect()
            }),
        ]
    }

    prop_compose! {
        fn arb_calendar()(
            zone in proptest::sample::select(ZONES.to_vec()),
            days in proptest::collection::vec(day(), 7),
            holidays in proptest::collection::vec(0i64..(UNTIL - FROM) / 86400, 0..30),
        ) -> Calendar {
            let mut days = days.into_iter();
            let mut next = || days.next().unwrap();
            let spec = CalendarSpec {
                name: "random".into(),
                time_zone: zone.into(),
                hours: WeekHours {
                    mon: next(), tue: next(), wed: next(), thu: next(), fri: next(), sat: next(), sun: next(),
                },
                holidays: holidays
                    .into_iter()
                    .map(|d| date(2025, 1, 1).checked_add(d.days()).unwrap().to_string())
                    .collect(),
            };
            spec.parse().expect("generated calendars are valid")
        }
    }

    /// A minute in 2025–2028, half of the time within two days of a DST transition.
    fn instant(cal: &Calendar, minute: i64, near_transition: bool) -> Timestamp {
        let t = Timestamp::from_second(FROM + minute * 60).unwrap();
        if near_transition && let Some(tr) = cal.time_zone().following(t).next() {
            let offset = minute % (4 * 24 * 60) - 2 * 24 * 60;
            let near = tr.timestamp().as_second() / 60 * 60 + offset * 60;
            if near < UNTIL {
                return Timestamp::from_second(near).unwrap();
            }
        }
        t
    }

    /// Days after the start's date that are holidays too, so that holidays fall within the
    /// spans under test.
    fn nearby_holidays() -> impl Strategy<Value = Vec<i64>> {
        proptest::collection::vec(0i64..21, 0..4)
    }

    fn add_nearby(cal: &mut Calendar, start: Timestamp, days: Vec<i64>) {
        let first = cal.time_zone().to_datetime(start).date();
        cal.add_holidays(
            days.into_iter()
                .map(|d| first.checked_add(d.days()).unwrap()),
        );
    }

    /// The working minutes of each weekday, read from the JSON form rather than the code.
    fn minute_table(cal: &Calendar) -> Vec<Vec<bool>> {
        let spec = cal.spec();
        spec.hours
            .days()
            .iter()
            .map(|day| {
                let mut minutes = vec![false; 1440];
                for [s, e] in day.iter() {
                    let (s, e) = (clock(s).unwrap() / 60, clock(e).unwrap() / 60);
                    minutes[s as usize..e as usize].fill(true);
                }
                minutes
            })
            .collect()
    }

    /// Walks minute by minute from `start` (a whole minute) until `until`: a minute is working
    /// time when the latest wall-clock time shown so far falls in a working interval of a
    /// date that is not a holiday. Yields the working minutes' starts.
    fn working_minutes(
        cal: &Calendar,
        start: Timestamp,
        until: Timestamp,
    ) -> impl Iterator<Item = Timestamp> + '_ {
        let table = minute_table(cal);
        let tz = cal.time_zone().clone();
        let minute = SignedDuration::from_mins(1);
        // Clocks never go back more than an hour (Lord Howe: half an hour).
        let mut latest = (1..=180)
            .map(|m| tz.to_datetime(start - SignedDuration::from_mins(m)))
            .max()
            .unwrap();
        let mut t = start;
        std::iter::from_fn(move || {
            while t < until {
                latest = latest.max(tz.to_datetime(t));
                let here = t;
                t += minute;
                let weekday = latest.date().weekday().to_monday_zero_offset() as usize;
                let m = i32::from(latest.hour()) * 60 + i32::from(latest.minute());
                if table[weekday][m as usize] && !cal.holidays().contains(&latest.date()) {
                    return Some(here);
                }
            }
            None
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]

        #[test]
        fn due_and_elapsed_agree_with_each_other(
            cal in arb_calendar(),
            minute in 0i64..(UNTIL - FROM) / 60,
            near in any::<bool>(),
            nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
            d1 in 0i64..30 * 3600,
            d2 in 0i64..30 * 3600,
            later in 0i64..3 * 86400,
            nearby in nearby_holidays(),
        ) {
            prop_assume!(cal.week_seconds() > 0);
            let mut cal = cal;
            let s = instant(&cal, minute, near) + SignedDuration::new(0, nanos as i32);
            add_nearby(&mut cal, s, nearby);
            let t1 = cal.due(s, d1).unwrap();
            prop_assert!(t1 >= s);
            prop_assert_eq!(cal.elapsed_exact(s, t1).unwrap(), SignedDuration::from_secs(d1));
            // Earliest: a nanosecond before, the duration is not yet reached.
            if d1 > 0 {
                prop_assert!(cal.elapsed_exact(s, t1 - SignedDuration::new(0, 1)).unwrap() < SignedDuration::from_secs(d1));
            }
            // Monotonic in the duration.
            let t2 = cal.due(s, d2).unwrap();
            prop_assert_eq!(d1.cmp(&d2), t1.cmp(&t2));
            // Monotonic in the start.
            let s2 = s + SignedDuration::from_secs(later);
            prop_assert!(cal.due(s2, d1).unwrap() >= t1);
            // Additive.
            let (a, b) = (cal.elapsed_exact(s, s2).unwrap(), cal.elapsed_exact(s2, t2).unwrap());
            prop_assert_eq!(a + b, cal.elapsed_exact(s, t2).unwrap());
            prop_assert_eq!(cal.elapsed_exact(t2, s).unwrap(), -cal.elapsed_exact(s, t2).unwrap());
        }

        #[test]
        fn a_timeline_measures_what_the_calendar_measures(
            cal in arb_calendar(),
            minutes in proptest::collection::vec((0i64..(UNTIL - FROM) / 60, any::<bool>()), 2..12),
            nanos in proptest::collection::vec(0u32..1_000_000_000, 2..12),
            nearby in nearby_holidays(),
        ) {
            let mut cal = cal;
            let instants: Vec<Timestamp> = minutes
                .iter()
                .zip(nanos.iter().chain(std::iter::repeat(&0)))
                .map(|(&(m, near), &n)| instant(&cal, m, near) + SignedDuration::new(0, n as i32))
                .collect();
            add_nearby(&mut cal, instants[0], nearby);
            let (lo, hi) = (*instants.iter().min().unwrap(), *instants.iter().max().unwrap());
            let line = cal.timeline(lo, hi).unwrap().expect("generated calendars are in order");
            for &a in &instants {
                for &b in &instants {
                    let expected = cal.elapsed(a, b).unwrap().max(0);
                    prop_assert_eq!(line.elapsed(a, b), Some(expected), "{} to {}", a, b);
                }
            }
            // Outside the span it declines rather than guessing.
            let far = hi + SignedDuration::from_hours(24 * 40);
            prop_assert_eq!(line.elapsed(lo, far), None);
        }

        #[test]
        fn due_and_elapsed_agree_with_a_minute_by_minute_walk(
            cal in arb_calendar(),
            minute in 0i64..(UNTIL - FROM) / 60,
            near in any::<bool>(),
            minutes in 1usize..1200,
            span in 0i64..12 * 24 * 60,
            nearby in nearby_holidays(),
        ) {
            prop_assume!(cal.week_seconds() > 0);
            let mut cal = cal;
            let s = instant(&cal, minute, near);
            add_nearby(&mut cal, s, nearby);
            // The deadline is the end of the n-th working minute.
            let horizon = s + SignedDuration::from_mins(WALK_MAX);
            if let Some(last) = working_minutes(&cal, s, horizon).nth(minutes - 1) {
                let expected = last + SignedDuration::from_mins(1);
                prop_assert_eq!(cal.due(s, minutes as i64 * 60).unwrap(), expected);
            }
            let to = s + SignedDuration::from_mins(span);
            let counted = working_minutes(&cal, s, to).count() as i64;
            prop_assert_eq!(cal.elapsed(s, to).unwrap(), counted * 60);
        }
    }
}

#[test]
fn business_hours_say_when_they_next_open_or_close() {
    use crate::service_level::clock::{AlwaysOn, business_hours};
    let cal = office("Europe/Berlin", &[]);
    // Saturday noon in Berlin: closed until Monday 09:00 (07:00 UTC in June).
    let (open, next) = business_hours(&cal, ts("2026-06-06T10:00:00Z"));
    assert!(!open);
    assert_eq!(next, Some(ts("2026-06-08T07:00:00Z")));
    // Monday 10:30 in Berlin: open until 17:00.
    let (open, next) = business_hours(&cal, ts("2026-06-08T08:30:00Z"));
    assert!(open);
    assert_eq!(next, Some(ts("2026-06-08T15:00:00Z")));
    assert_eq!(
        business_hours(&AlwaysOn, ts("2026-06-06T10:00:00Z")),
        (true, None)
    );
}
