//! The change calendar (ISO/IEC 20000-1 8.5.1.3: planned changes are communicated to those
//! concerned): the entries of a window, the days a week or month view shows in the reader's
//! time zone, and the iCalendar (RFC 5545) feed written from the entries.
use crate::delivery::change::{ChangeStatus, ChangeType};
use crate::delivery::change_policy::RiskLevel;
use crate::foundation::page::parse_instant;
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{Errors, FieldError, Invalid};
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

/// The longest window one calendar read covers.
pub const WINDOW_MAX_DAYS: i64 = 400;
/// The most entries one read returns (a window holding more is cut, `truncated`).
pub const ENTRIES_MAX: i64 = 2000;

/// One change in a calendar window: a change with a planned window that overlaps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeCalendarEntry)]
pub struct CalendarEntry {
    pub id: i64,
    /// `CHG-000001`.
    pub number: String,
    pub title: String,
    pub change_type: ChangeType,
    pub status: ChangeStatus,
    pub risk_level: RiskLevel,
    pub planned_start: String,
    pub planned_end: String,
    /// The services the change affects directly.
    pub service_ids: Vec<i64>,
    /// The assigned team.
    pub team_id: Option<i64>,
    /// Warnings about the entry (conflicts with other changes or windows), each in words.
    /// Empty when there is nothing to warn about.
    pub conflicts: Vec<String>,
    /// When the change was last modified.
    pub updated_at: String,
}

/// The answer of `GET /api/v1/changes/calendar`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeCalendar)]
pub struct Calendar {
    pub from: String,
    pub to: String,
    /// Ordered by planned start, then number.
    pub entries: Vec<CalendarEntry>,
    /// More than the limit overlapped the window; only the first are given.
    pub truncated: bool,
}

/// Whether the person has a feed, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeFeedStatus)]
pub struct FeedStatus {
    pub active: bool,
    pub created_at: Option<String>,
}

/// A new feed secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeFeedSecret)]
pub struct FeedSecret {
    pub token: String,
    pub created_at: String,
}

/// A window `[from, to)`, both RFC 3339 instants, `to` after `from`, at most
/// [`WINDOW_MAX_DAYS`] long. Returned as microseconds.
pub fn window(from: &str, to: &str) -> Result<(i64, i64), Invalid> {
    let mut e = Errors::new();
    let f = e.take(parse_instant("from", from));
    let t = e.take(parse_instant("to", to));
    e.finish()?;
    let (f, t) = (f.unwrap_or_default(), t.unwrap_or_default());
    if t <= f {
        return Err(Invalid(vec![FieldError::new("to", "must be after from")]));
    }
    if t.as_second() - f.as_second() > WINDOW_MAX_DAYS * 86_400 {
        return Err(Invalid(vec![FieldError::new(
            "to",
            format!("a window covers at most {WINDOW_MAX_DAYS} days"),
        )]));
    }
    Ok((f.as_microsecond(), t.as_microsecond()))
}

text_enum!(View {
    List = "list",
    Week = "week",
    Month = "month",
});

/// The local dates a view shows for an anchor date: a week is Monday to Sunday; a month is
/// the whole weeks (Monday to Sunday) that cover it; a list covers 28 days from the anchor.
pub fn days(view: View, anchor: Date) -> Vec<Date> {
    let (first, count) = match view {
        View::List => (anchor, 28),
        View::Week => (monday_of(anchor), 7),
        View::Month => {
            let first = anchor.first_of_month();
            let last = anchor.last_of_month();
            let start = monday_of(first);
            let end = monday_of(last) + 6.days();
            (start, (end - start).get_days() + 1)
        }
    };
    (0..count).map(|i| first + i64::from(i).days()).collect()
}

fn monday_of(d: Date) -> Date {
    d - i64::from(d.weekday().to_monday_zero_offset()).days()
}

/// The anchor of the previous and the next view.
pub fn step(view: View, anchor: Date) -> (Date, Date) {
    match view {
        View::List => (anchor - 28.days(), anchor + 28.days()),
        View::Week => (anchor - 7.days(), anchor + 7.days()),
        View::Month => {
            let first = anchor.first_of_month();
            (first - 1.month(), first + 1.month())
        }
    }
}

/// The instants from the first day's local midnight to the midnight after the last day, in
/// the zone: the window to read for the days (a day of a DST change is 23 or 25 hours).
pub fn span(days: &[Date], zone: &TimeZone) -> (Timestamp, Timestamp) {
    let start = |d: Date| {
        d.to_zoned_datetime(zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::UNIX_EPOCH)
    };
    let first = days.first().copied().unwrap_or(Date::ZERO);
    let last = days.last().copied().unwrap_or(Date::ZERO);
    (start(first), start(last.tomorrow().unwrap_or(last)))
}

/// How an entry shows on one local day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayPart {
    /// `20:00–22:00`, `23:00 →` (runs past midnight), `→ 02:00` (began earlier), or
    /// `all day` for a day wholly inside the window.
    pub label: String,
    /// Whether the change begins on this day.
    pub begins: bool,
}

/// The part of `[start, end)` that falls on the local `day` in the zone, if any. A window
/// ending exactly at midnight does not touch the day after.
pub fn on_day(start: Timestamp, end: Timestamp, day: Date, zone: &TimeZone) -> Option<DayPart> {
    let (day_start, day_end) = span(&[day], zone);
    if start >= day_end || end <= day_start {
        return None;
    }
    let hm = |t: Timestamp| {
        t.to_zoned_datetime(zone.clone())
            .strftime("%H:%M")
            .to_string()
    };
    let begins = start >= day_start;
    let ends = end <= day_end;
    let label = match (begins, ends) {
        (true, true) => format!("{}–{}", hm(start), hm(end)),
        (true, false) => format!("{} →", hm(start)),
        (false, true) => format!("→ {}", hm(end)),
        (false, false) => "all day".to_owned(),
    };
    Some(DayPart { label, begins })
}

/// Whether a day is a Saturday or Sunday, for the grid's shading.
pub fn weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// One event of the iCalendar feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedEvent {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: ChangeStatus,
    pub change_type: ChangeType,
    pub risk_level: RiskLevel,
    /// Microseconds.
    pub start: i64,
    pub end: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Grows by one with every recorded change of the record (its audit entries), so a
    /// calendar application replaces its copy.
    pub sequence: i64,
    /// The change's page.
    pub url: Option<String>,
}

/// The UID of a change's event: the change's id and creation instant, stable for its life
/// and distinct between installations.
pub fn uid(id: i64, created_at: i64) -> String {
    format!("change-{id}-{created_at}@steward")
}

/// RFC 5545 STATUS of a change: tentative until scheduled, cancelled when cancelled.
pub fn event_status(s: ChangeStatus) -> &'static str {
    use ChangeStatus::*;
    match s {
        Draft | Assessment | Authorized => "TENTATIVE",
        Scheduled | Implementing | Review | Closed => "CONFIRMED",
        Cancelled => "CANCELLED",
    }
}

/// A UTC DATE-TIME (`20260601T200000Z`).
fn utc(micros: i64) -> String {
    Timestamp::from_microsecond(micros)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string()
}

/// A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped; other
/// control characters, which the format does not allow, dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded so that no physical line exceeds 75 octets (RFC 5545
/// 3.1), never inside a UTF-8 character, each ended by CRLF.
pub fn push_line(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn label(s: &str) -> String {
    let mut t = s.replace('_', " ");
    if let Some(first) = t.get(0..1) {
        let upper = first.to_uppercase();
        t.replace_range(0..1, &upper);
    }
    t
}

/// The feed: a VCALENDAR with one VEVENT per change. Without a METHOD, DTSTAMP is when the
/// event's information was last revised (RFC 5545 3.8.7.2): the change's `updated_at`, so an
/// unchanged calendar reads the same.
pub fn ics(name: &str, events: &[FeedEvent]) -> String {
    let mut out = String::new();
    let mut line = |l: &str| push_line(&mut out, l);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Steward//Change calendar//EN");
    line("CALSCALE:GREGORIAN");
    line(&format!("NAME:{}", escape(name)));
    line(&format!("X-WR-CALNAME:{}", escape(name)));
    line("REFRESH-INTERVAL;VALUE=DURATION:PT15M");
    line("X-PUBLISHED-TTL:PT15M");
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:{}", uid(e.id, e.created_at)));
        line(&format!("DTSTAMP:{}", utc(e.updated_at)));
        line(&format!("CREATED:{}", utc(e.created_at)));
        line(&format!("LAST-MODIFIED:{}", utc(e.updated_at)));
        line(&format!("SEQUENCE:{}", e.sequence.max(0)));
        line(&format!("DTSTART:{}", utc(e.start)));
        line(&format!("DTEND:{}", utc(e.end)));
        line(&format!(
            "SUMMARY:{}",
            escape(&format!("{} {}", e.number, e.title))
        ));
        line(&format!("STATUS:{}", event_status(e.status)));
        let mut description = format!(
            "{} change, risk {}, {}.",
            label(e.change_type.as_str()),
            e.risk_level.as_str().replace('_', " "),
            e.status.as_str()
        );
        if let Some(url) = &e.url {
            description.push('\n');
            description.push_str(url);
            line(&format!("URL:{url}"));
        }
        line(&format!("DESCRIPTION:{}", escape(&description)));
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn folding_keeps_lines_within_75_octets_and_characters_whole() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(80));
        push_line(&mut out, &long);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        // Unfolding (remove CRLF + one space) gives the line back.
        assert_eq!(out.replace("\r\n ", "").trim_end_matches("\r\n"), long);
        let mut short = String::new();
        push_line(&mut short, &"x".repeat(75));
        assert_eq!(short, format!("{}\r\n", "x".repeat(75)));
        let mut just_over = String::new();
        push_line(&mut just_over, &"x".repeat(76));
        assert_eq!(just_over, format!("{}\r\n x\r\n", "x".repeat(75)));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\ne\r"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn statuses_map_to_rfc5545() {
        assert_eq!(event_status(ChangeStatus::Draft), "TENTATIVE");
        assert_eq!(event_status(ChangeStatus::Scheduled), "CONFIRMED");
        assert_eq!(event_status(ChangeStatus::Cancelled), "CANCELLED");
    }

    #[test]
    fn views_cover_whole_weeks() {
        let w = days(View::Week, date(2026, 3, 5)); // a Thursday
        assert_eq!(w.first(), Some(&date(2026, 3, 2)));
        assert_eq!(w.len(), 7);
        let m = days(View::Month, date(2026, 3, 18));
        assert_eq!(m.first(), Some(&date(2026, 2, 23)));
        assert_eq!(m.last(), Some(&date(2026, 4, 5)));
        assert_eq!(m.len() % 7, 0);
        assert_eq!(
            step(View::Month, date(2026, 1, 31)),
            (date(2025, 12, 1), date(2026, 2, 1))
        );
    }

    #[test]
    fn a_change_over_midnight_and_dst_shows_on_both_days() {
        let zone = TimeZone::get("Europe/Berlin").unwrap();
        // 2026-03-29 is the spring-forward day in Berlin: 02:00 local does not exist.
        let start: Timestamp = "2026-03-28T22:30:00Z".parse().unwrap(); // 23:30 CET
        let end: Timestamp = "2026-03-29T01:30:00Z".parse().unwrap(); // 03:30 CEST
        let sat = on_day(start, end, date(2026, 3, 28), &zone).unwrap();
        assert_eq!(sat.label, "23:30 →");
        assert!(sat.begins);
        let sun = on_day(start, end, date(2026, 3, 29), &zone).unwrap();
        assert_eq!(sun.label, "→ 03:30");
        assert!(!sun.begins);
        assert_eq!(on_day(start, end, date(2026, 3, 30), &zone), None);
        // The DST day is 23 hours long.
        let (a, b) = span(&[date(2026, 3, 29)], &zone);
        assert_eq!(b.as_second() - a.as_second(), 23 * 3600);
        // Ending exactly at midnight does not touch the next day.
        let midnight: Timestamp = "2026-03-28T23:00:00Z".parse().unwrap();
        assert_eq!(on_day(start, midnight, date(2026, 3, 29), &zone), None);
    }

    #[test]
    fn the_feed_has_the_parts_a_reader_needs() {
        let e = FeedEvent {
            id: 7,
            number: "CHG-000007".into(),
            title: "Patch, reboot; check".into(),
            status: ChangeStatus::Scheduled,
            change_type: ChangeType::Normal,
            risk_level: RiskLevel::VeryHigh,
            start: 1_780_344_000_000_000,
            end: 1_780_351_200_000_000,
            created_at: 1_000_000,
            updated_at: 2_000_000,
            sequence: 3,
            url: Some("https://desk.example/manage/changes/7/view".into()),
        };
        let text = ics("Changes", &[e]);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("SUMMARY:CHG-000007 Patch\\, reboot\\; check\r\n"));
        assert!(text.contains("UID:change-7-1000000@steward\r\n"));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("STATUS:CONFIRMED\r\n"));
        assert!(text.contains("DTSTART:20260601T200000Z\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn windows_are_checked() {
        assert!(window("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z").is_ok());
        assert_eq!(
            window("2026-02-01T00:00:00Z", "2026-01-01T00:00:00Z")
                .unwrap_err()
                .0[0]
                .field,
            "to"
        );
        assert_eq!(
            window("x", "2026-01-01T00:00:00Z").unwrap_err().0[0].field,
            "from"
        );
        assert!(window("2026-01-01T00:00:00Z", "2028-01-01T00:00:00Z").is_err());
    }
}
