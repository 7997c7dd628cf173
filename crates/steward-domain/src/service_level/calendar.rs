//! Business calendars (ISO/IEC 20000-1 8.3.3): when the clock of a service level target runs.
//!
//! A calendar has an IANA time zone, working intervals per weekday in local wall time (several
//! per day; `"24:00"` is the next local midnight) and holidays as local dates, on which there is
//! no business time at all.
//!
//! # Semantics
//!
//! The working intervals of a local date are turned into instants one by one: a local time
//! maps to the first instant at which the zone's clock shows that time or a later one. So a
//! local time in a DST gap moves forward to the end of the gap (the instant of the
//! transition), and an ambiguous local time (a fold) takes the earlier of its two instants.
//! This mapping never goes backwards, so splitting an interval in two never changes its
//! length. (jiff's `Disambiguation::Compatible` also takes the earlier instant of a fold, but
//! moves a gap time forward by the length of the gap, 02:30 to 03:30, which is not monotonic:
//! `[02:30, 03:00)` would end before it starts.)
//!
//! Equivalently: an instant is business time when the latest wall-clock time the zone has
//! shown up to that instant falls in a working interval of its local date, and that date is
//! not a holiday. The property tests check the calendar against a reference that walks minute
//! by minute with exactly that rule.
//!
//! Business time is counted in real seconds, so a 24×7 calendar has 23 hours on the day
//! clocks go forward and 25 on the day they go back.
//!
//! * [`Calendar::due`]: the earliest instant `T ≥ S` with exactly `D` seconds of business time
//!   in `[S, T]`. `due(S, 0) == S`, even outside working hours.
//! * [`Calendar::elapsed`]: the business time in `[from, to)`, in whole seconds (the exact
//!   value is [`Calendar::elapsed_exact`]); negative when `to` is before `from`, so
//!   `elapsed(a, c) == elapsed(a, b) + elapsed(b, c)` for any `a`, `b`, `c`.
//!
//! Both walk day by day over the working intervals (and week by week when a whole week has no
//! holiday and no DST transition), never minute by minute: a deadline costs a few time zone
//! look-ups.
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::{SignedDuration, Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 200;
/// Working intervals per weekday.
pub const INTERVALS_MAX: usize = 48;
pub const HOLIDAYS_MAX: usize = 10_000;
/// The longest holiday an iCalendar event may span.
pub const ICS_EVENT_DAYS_MAX: i32 = 366;

const NS: i128 = 1_000_000_000;
const DAY_SECONDS: u32 = 86_400;
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The JSON form of a calendar, as the API and the CLI read and write it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Berlin office", "time_zone": "Europe/Berlin",
    "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "12:00"], ["13:00", "17:00"]],
              "wed": [], "thu": [], "fri": [], "sat": [], "sun": []},
    "holidays": ["2026-12-25", "2026-12-26"]}))]
pub struct CalendarSpec {
    /// 1–200 characters.
    pub name: String,
    /// An IANA time zone such as `Europe/Berlin`.
    pub time_zone: String,
    pub hours: WeekHours,
    /// Local dates `YYYY-MM-DD` without business time; duplicates are dropped.
    #[serde(default)]
    pub holidays: Vec<String>,
}

/// Working intervals per weekday: `[start, end]` pairs of local `HH:MM` times, in order and
/// not overlapping (touching is fine); `"24:00"` ends an interval at the next local midnight.
/// A weekday left out has no working time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WeekHours {
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub mon: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub tue: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub wed: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub thu: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub fri: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub sat: Vec<[String; 2]>,
    #[serde(default)]
    #[schema(value_type = Vec<Vec<String>>)]
    pub sun: Vec<[String; 2]>,
}

impl WeekHours {
    fn days(&self) -> [&Vec<[String; 2]>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }

    fn days_mut(&mut self) -> [&mut Vec<[String; 2]>; 7] {
        [
            &mut self.mon,
            &mut self.tue,
            &mut self.wed,
            &mut self.thu,
            &mut self.fri,
            &mut self.sat,
            &mut self.sun,
        ]
    }
}

/// Why a deadline or an elapsed time cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("the calendar has no working time, so no deadline is ever reached")]
    NoWorkingTime,
    #[error("the duration must not be negative")]
    NegativeDuration,
    #[error("the result lies outside the supported range of dates")]
    OutOfRange,
}

/// One working interval of a weekday, in seconds after local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Interval {
    start: u32,
    /// Up to 86,400: the next local midnight.
    end: u32,
}

/// A validated calendar, ready to compute deadlines.
#[derive(Debug, Clone)]
pub struct Calendar {
    name: String,
    zone_name: String,
    zone: TimeZone,
    /// Monday first.
    week: [Vec<Interval>; 7],
    /// Nominal working seconds of a week without holidays or DST transitions.
    week_seconds: i64,
    /// Sorted, without duplicates.
    holidays: Vec<Date>,
}

impl CalendarSpec {
    /// As [`CalendarSpec::parse`], and refuses a calendar with no working hour in its week: stored
    /// under an SLA it would stop every clock on it for good.
    pub fn parse_to_store(&self) -> Result<Calendar, Invalid> {
        let never_open = self.hours.days().iter().all(|d| d.is_empty());
        let closed = FieldError::new(
            "hours",
            "give working hours for at least one day: a calendar that is never open stops every clock on it",
        );
        match (self.parse(), never_open) {
            (Ok(c), false) => Ok(c),
            (Ok(_), true) => Err(Invalid(vec![closed])),
            (Err(mut e), true) => {
                e.0.push(closed);
                Err(e)
            }
            (Err(e), false) => Err(e),
        }
    }

    /// Validates every field, naming each offending one (`hours.tue[1]`, `holidays[0]`).
    pub fn parse(&self) -> Result<Calendar, Invalid> {
        let mut errors = Errors::new();
        let name = errors.take(validation::text("name", &self.name, 1, NAME_MAX));
        let zone = errors.take(time_zone(&self.time_zone));
        let mut week: [Vec<Interval>; 7] = Default::default();
        for (day, (key, intervals)) in WEEKDAYS.iter().zip(self.hours.days()).enumerate() {
            week[day] = day_intervals(key, intervals, &mut errors);
        }
        let holidays = holidays(&self.holidays, &mut errors);
        errors.finish()?;
        let (Some(name), Some(zone)) = (name, zone) else {
            unreachable!("a field without a value has an error")
        };
        // The database's spelling of the zone (it finds `europe/berlin` too).
        let zone_name = zone.iana_name().unwrap_or(self.time_zone.trim()).to_owned();
        Ok(Calendar::new(name, zone_name, zone, week, holidays))
    }
}

fn time_zone(name: &str) -> Result<TimeZone, FieldError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(FieldError::new("time_zone", "must not be empty"));
    }
    jiff::tz::db().get(name).map_err(|_| {
        FieldError::new(
            "time_zone",
            format!("{name:?} is not an IANA time zone (like Europe/Berlin or America/New_York)"),
        )
    })
}

/// `HH:MM` from `00:00` to `24:00`, as seconds after midnight.
fn clock(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let hours = u32::from(b[0] - b'0') * 10 + u32::from(b[1] - b'0');
    let minutes = u32::from(b[3] - b'0') * 10 + u32::from(b[4] - b'0');
    let seconds = hours * 3600 + minutes * 60;
    (minutes < 60 && seconds <= DAY_SECONDS).then_some(seconds)
}

fn day_intervals(key: &str, intervals: &[[String; 2]], errors: &mut Errors) -> Vec<Interval> {
    if intervals.len() > INTERVALS_MAX {
        errors.push(FieldError::new(
            format!("hours.{key}"),
            format!("must list at most {INTERVALS_MAX} intervals"),
        ));
        return Vec::new();
    }
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    let mut previous_end = None;
    for (i, [start, end]) in intervals.iter().enumerate() {
        let field = format!("hours.{key}[{i}]");
        let (Some(s), Some(e)) = (clock(start.trim()), clock(end.trim())) else {
            errors.push(FieldError::new(
                field,
                format!(
                    "must be a pair of local times HH:MM from 00:00 to 24:00 (got [{start:?}, {end:?}])"
                ),
            ));
            previous_end = None;
            continue;
        };
        if e <= s {
            errors.push(FieldError::new(field, "must end after it starts"));
        } else if previous_end.is_some_and(|p| s < p) {
            errors.push(FieldError::new(
                field,
                format!(
                    "overlaps hours.{key}[{}] or comes before it: list the intervals in order, without overlap",
                    i - 1
                ),
            ));
        } else {
            out.push(Interval { start: s, end: e });
        }
        previous_end = Some(e);
    }
    out
}

/// `YYYY-MM-DD`, strictly.
fn local_date(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    let shaped = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shaped {
        return None;
    }
    text.parse().ok()
}

fn holidays(texts: &[String], errors: &mut Errors) -> Vec<Date> {
    if texts.len() > HOLIDAYS_MAX {
        errors.push(FieldError::new(
            "holidays",
            format!("must list at most {HOLIDAYS_MAX} dates"),
        ));
        return Vec::new();
    }
    let mut dates = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        match local_date(text.trim()) {
            Some(d) => dates.push(d),
            None => errors.push(FieldError::new(
                format!("holidays[{i}]"),
                format!("must be a date YYYY-MM-DD (got {text:?})"),
            )),
        }
    }
    dates
}

/// Formats seconds after midnight as `HH:MM` (`24:00` for the next midnight).
fn clock_text(seconds: u32) -> String {
    format!("{:02}:{:02}", seconds / 3600, seconds % 3600 / 60)
}

/// Mutable state of a walk over the local dates of a calendar: the date and the index of the
/// first holiday on or after it.
struct Walk {
    date: Date,
    holiday: usize,
}

impl Calendar {
    fn new(
        name: String,
        zone_name: String,
        zone: TimeZone,
        week: [Vec<Interval>; 7],
        mut holidays: Vec<Date>,
    ) -> Self {
        holidays.sort_unstable();
        holidays.dedup();
        let week_seconds = week
            .iter()
            .flatten()
            .map(|i| i64::from(i.end - i.start))
            .sum();
        Self {
            name,
            zone_name,
            zone,
            week,
            week_seconds,
            holidays,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The local dates without business time, in order.
    pub fn holidays(&self) -> &[Date] {
        &self.holidays
    }

    /// Nominal working seconds of a week without holidays or DST transitions.
    pub fn week_seconds(&self) -> i64 {
        self.week_seconds
    }

    /// Adds holidays, e.g. those of an iCalendar file (see [`holidays_from_ics`]).
    pub fn add_holidays(&mut self, dates: impl IntoIterator<Item = Date>) {
        self.holidays.extend(dates);
        self.holidays.sort_unstable();
        self.holidays.dedup();
    }

    /// The JSON form, normalized: trimmed, holidays sorted and without duplicates.
    pub fn spec(&self) -> CalendarSpec {
        let mut hours = WeekHours::default();
        for (day, out) in hours.days_mut().into_iter().enumerate() {
            *out = self.week[day]
                .iter()
                .map(|i| [clock_text(i.start), clock_text(i.end)])
                .collect();
        }
        CalendarSpec {
            name: self.name.clone(),
            time_zone: self.zone_name.clone(),
            hours,
            holidays: self.holidays.iter().map(Date::to_string).collect(),
        }
    }

    /// The deadline for `seconds` of business time from `start`: the earliest instant
    /// `T ≥ start` with exactly that much business time in `[start, T]`.
    pub fn due(&self, start: Timestamp, seconds: i64) -> Result<Timestamp, CalendarError> {
        if seconds < 0 {
            return Err(CalendarError::NegativeDuration);
        }
        if seconds == 0 {
            return Ok(start);
        }
        if self.week_seconds == 0 {
            return Err(CalendarError::NoWorkingTime);
        }
        let s = start.as_nanosecond();
        let mut remaining = i128::from(seconds) * NS;
        let mut walk = self.walk_from(start);
        // The first date may have begun before `start`; later ones begin at their midnight.
        if let Some(t) = self.due_on(&walk, s, &mut remaining)? {
            return Ok(t);
        }
        self.next_day(&mut walk)?;
        let week = i128::from(self.week_seconds) * NS;
        loop {
            while remaining > week && self.plain_week(&walk)? {
                remaining -= week;
                self.skip_week(&mut walk)?;
            }
            if let Some(t) = self.due_on(&walk, s, &mut remaining)? {
                return Ok(t);
            }
            self.next_day(&mut walk)?;
        }
    }

    /// Business time in `[from, to)` in whole seconds (rounded toward zero); negative when `to`
    /// is before `from`.
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> Result<i64, CalendarError> {
        Ok(self.elapsed_exact(from, to)?.as_secs())
    }

    /// Business time in `[from, to)`, to the nanosecond; negative when `to` is before `from`.
    pub fn elapsed_exact(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SignedDuration, CalendarError> {
        if to < from {
            return Ok(-self.elapsed_exact(to, from)?);
        }
        let (f, t) = (from.as_nanosecond(), to.as_nanosecond());
        let mut total: i128 = 0;
        let mut walk = self.walk_from(from);
        let week = i128::from(self.week_seconds) * NS;
        let mut first = true;
        loop {
            let midnight = self.instant(walk.date, 0)?;
            if midnight >= t {
                break;
            }
            // A whole week (which has 167 to 169 hours) may fit before `to`.
            if !first && t - midnight >= 166 * 3600 * NS && self.plain_week(&walk)? {
                let after = walk
                    .date
                    .checked_add(7.days())
                    .map_err(|_| CalendarError::OutOfRange)?;
                if self.instant(after, 0)? <= t {
                    total += week;
                    self.skip_week(&mut walk)?;
                    continue;
                }
            }
            first = false;
            if !self.is_holiday(&walk) {
                for i in self.intervals(walk.date) {
                    let a = self.instant(walk.date, i.start)?.max(f);
                    let b = self.instant(walk.date, i.end)?.min(t);
                    if b > a {
                        total += b - a;
                    }
                }
            }
            self.next_day(&mut walk)?;
        }
        let secs = i64::try_from(total / NS).map_err(|_| CalendarError::OutOfRange)?;
        let nanos = i32::try_from(total % NS).map_err(|_| CalendarError::OutOfRange)?;
        Ok(SignedDuration::new(secs, nanos))
    }

    /// Consumes the business time of the walk's date from `s` on; the deadline if it is reached.
    #[inline]
    fn due_on(
        &self,
        walk: &Walk,
        s: i128,
        remaining: &mut i128,
    ) -> Result<Option<Timestamp>, CalendarError> {
        if self.is_holiday(walk) {
            return Ok(None);
        }
        for i in self.intervals(walk.date) {
            let b = self.instant(walk.date, i.end)?;
            if b <= s {
                continue;
            }
            let a = self.instant(walk.date, i.start)?.max(s);
            let length = b - a;
            if *remaining <= length {
                return Timestamp::from_nanosecond(a + *remaining)
                    .map(Some)
                    .map_err(|_| CalendarError::OutOfRange);
            }
            *remaining -= length;
        }
        Ok(None)
    }

    fn walk_from(&self, t: Timestamp) -> Walk {
        let date = self.zone.to_datetime(t).date();
        Walk {
            date,
            holiday: self.holidays.partition_point(|h| *h < date),
        }
    }

    #[inline]
    fn is_holiday(&self, walk: &Walk) -> bool {
        self.holidays.get(walk.holiday) == Some(&walk.date)
    }

    #[inline]
    fn intervals(&self, date: Date) -> &[Interval] {
        &self.week[date.weekday().to_monday_zero_offset() as usize]
    }

    fn next_day(&self, walk: &mut Walk) -> Result<(), CalendarError> {
        walk.date = walk
            .date
            .tomorrow()
            .map_err(|_| CalendarError::OutOfRange)?;
        while self
            .holidays
            .get(walk.holiday)
            .is_some_and(|h| *h < walk.date)
        {
            walk.holiday += 1;
        }
        Ok(())
    }

    fn skip_week(&self, walk: &mut Walk) -> Result<(), CalendarError> {
        walk.date = walk
            .date
            .checked_add(7.days())
            .map_err(|_| CalendarError::OutOfRange)?;
        while self
            .holidays
            .get(walk.holiday)
            .is_some_and(|h| *h < walk.date)
        {
            walk.holiday += 1;
        }
        Ok(())
    }

    /// Whether the seven local dates from the walk's date on have their nominal business time:
    /// no holiday among them and no change of UTC offset between their midnights.
    fn plain_week(&self, walk: &Walk) -> Result<bool, CalendarError> {
        let after = walk
            .date
            .checked_add(7.days())
            .map_err(|_| CalendarError::OutOfRange)?;
        if self.holidays.get(walk.holiday).is_some_and(|h| *h < after) {
            return Ok(false);
        }
        let begin = self.instant(walk.date, 0)?;
        let end = self.instant(after, 0)?;
        // A transition exactly at the first midnight counts: where the clock jumps at midnight
        // (America/Santiago), the local midnight is the transition itself and the day is short.
        let from = Timestamp::from_nanosecond(begin - 1).map_err(|_| CalendarError::OutOfRange)?;
        Ok(self
            .zone
            .following(from)
            .next()
            .is_none_or(|tr| tr.timestamp().as_nanosecond() >= end))
    }

    /// The first instant (in nanoseconds since the Unix epoch) at which the zone's clock shows
    /// `seconds` after the local midnight that begins `date`, or a later time.
    #[inline]
    fn instant(&self, date: Date, seconds: u32) -> Result<i128, CalendarError> {
        let (date, seconds) = if seconds >= DAY_SECONDS {
            (
                date.tomorrow().map_err(|_| CalendarError::OutOfRange)?,
                seconds - DAY_SECONDS,
            )
        } else {
            (date, seconds)
        };
        // Every working boundary is a whole minute; `seconds` < 86,400.
        let time = Time::new(
            (seconds / 3600) as i8,
            (seconds % 3600 / 60) as i8,
            (seconds % 60) as i8,
            0,
        )
        .map_err(|_| CalendarError::OutOfRange)?;
        let dt = DateTime::from_parts(date, time);
        let ambiguous = self.zone.to_ambiguous_timestamp(dt);
        let t = match ambiguous.offset() {
            AmbiguousOffset::Unambiguous { offset }
            | AmbiguousOffset::Fold { before: offset, .. } => offset
                .to_timestamp(dt)
                .map_err(|_| CalendarError::OutOfRange)?,
            AmbiguousOffset::Gap { after, .. } => {
                // With the offset after the gap, the time lands before the transition; the
                // transition itself is the first instant the clock shows this time or later.
                let earlier = after
                    .to_timestamp(dt)
                    .map_err(|_| CalendarError::OutOfRange)?;
                self.zone
                    .following(earlier)
                    .next()
                    .map(|tr| tr.timestamp())
                    .ok_or(CalendarError::OutOfRange)?
            }
        };
        Ok(t.as_nanosecond())
    }
}

/// A duration of business time as whole seconds: `28800s`, `90m`, `8h`, `1h30m` (jiff's
/// friendly format, which also takes `8 hours` or `1.5h`) or ISO 8601 (`PT8H`). Days are
/// refused (a day is not 24 hours of business time), as are negative durations and fractions
/// of a second.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let duration: SignedDuration = text
        .trim()
        .parse()
        .map_err(|e| format!("{text:?} is not a duration like 8h, 90m, 1h30m or 28800s ({e})"))?;
    if duration.is_negative() {
        return Err(format!("{text:?} is negative; a duration must not be"));
    }
    if duration.subsec_nanos() != 0 {
        return Err(format!("{text:?} must be a whole number of seconds"));
    }
    Ok(duration.as_secs())
}

/// The local dates of the events of an iCalendar (RFC 5545) file, sorted and without
/// duplicates: an all-day event (`DTSTART;VALUE=DATE:20261225`) gives its dates up to its
/// `DTEND` (exclusive) or over its `DURATION` in days or weeks; an event with a date-time
/// gives the dates it touches as written (an end at midnight excluded). Cancelled events are
/// left out. Recurring events (`RRULE`, `RDATE`) are refused rather than half-read: export
/// their occurrences.
pub fn holidays_from_ics(text: &str) -> Result<Vec<Date>, Invalid> {
    let mut errors = Errors::new();
    let mut dates = Vec::new();
    // Components we are inside, innermost last; properties count only directly in a VEVENT.
    let mut stack: Vec<String> = Vec::new();
    let mut event = IcsEvent::default();
    for (line_no, line) in unfold(text) {
        let field = format!("line {line_no}");
        let Some(prop) = content_line(&line) else {
            errors.push(FieldError::new(
                field,
                "is not an iCalendar content line NAME:VALUE",
            ));
            continue;
        };
        match prop.name.as_str() {
            "BEGIN" => {
                let component = prop.value.trim().to_ascii_uppercase();
                if component == "VEVENT" && !stack.iter().any(|c| c == "VEVENT") {
                    event = IcsEvent {
                        line: line_no,
                        ..Default::default()
                    };
                }
                stack.push(component);
            }
            "END" => {
                let component = prop.value.trim().to_ascii_uppercase();
                if stack.last() != Some(&component) {
                    errors.push(FieldError::new(
                        field,
                        format!("END:{component} does not close the open component"),
                    ));
                    return Err(Invalid(finish(errors)));
                }
                stack.pop();
                if component == "VEVENT" && !stack.iter().any(|c| c == "VEVENT") {
                    match std::mem::take(&mut event).dates() {
                        Ok(d) => dates.extend(d),
                        Err(e) => errors.push(e),
                    }
                }
            }
            _ if stack.last().map(String::as_str) == Some("VEVENT") => {
                event.property(prop, &field, &mut errors);
            }
            _ => {}
        }
    }
    if let Some(open) = stack.last() {
        errors.push(FieldError::new("file", format!("ends inside BEGIN:{open}")));
    }
    errors.finish()?;
    dates.sort_unstable();
    dates.dedup();
    Ok(dates)
}

fn finish(errors: Errors) -> Vec<FieldError> {
    match errors.finish() {
        Ok(()) => Vec::new(),
        Err(Invalid(e)) => e,
    }
}

/// Logical lines with their first physical line number: a line that begins with a space or a
/// tab continues the one before (RFC 5545 3.1). Blank lines are skipped.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some((_, last)) = lines.last_mut()
        {
            last.push_str(rest);
            continue;
        }
        if !raw.trim().is_empty() {
            lines.push((i + 1, raw.to_owned()));
        }
    }
    lines
}

struct ContentLine {
    /// Upper case.
    name: String,
    /// Upper-case names with their values, quotes removed.
    params: Vec<(String, String)>,
    value: String,
}

/// `NAME *(";" PARAM "=" VALUE) ":" VALUE`, where a quoted parameter value may hold `:` and `;`.
fn content_line(line: &str) -> Option<ContentLine> {
    let mut in_quotes = false;
    let mut colon = None;
    let mut cuts = Vec::new();
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => cuts.push(i),
            ':' if !in_quotes => {
                colon = Some(i);
                break;
            }
            _ => {}
        }
    }
    let colon = colon?;
    let head = &line[..colon];
    let name_end = cuts.first().copied().unwrap_or(colon);
    let name = head[..name_end].trim().to_ascii_uppercase();
    if name.is_empty() {
        return None;
    }
    let mut params = Vec::new();
    for (k, &cut) in cuts.iter().enumerate() {
        let end = cuts.get(k + 1).copied().unwrap_or(colon);
        let (key, value) = line[cut + 1..end].split_once('=')?;
        params.push((
            key.trim().to_ascii_uppercase(),
            value.trim().trim_matches('"').to_owned(),
        ));
    }
    Some(ContentLine {
        name,
        params,
        value: line[colon + 1..].to_owned(),
    })
}

/// A DTSTART or DTEND value: a date, or a date-time as written (its zone does not matter
/// for the dates it touches).
#[derive(Debug, Clone, Copy)]
enum IcsWhen {
    Date(Date),
    DateTime(DateTime),
}

impl IcsWhen {
    fn parse(prop: &ContentLine) -> Option<Self> {
        let value = prop.value.trim();
        let is_date = prop
            .params
            .iter()
            .any(|(k, v)| k == "VALUE" && v.eq_ignore_ascii_case("DATE"))
            || value.len() == 8;
        let b = value.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<i16> {
            let s = value.get(r)?;
            if s.bytes().all(|c| c.is_ascii_digit()) {
                s.parse().ok()
            } else {
                None
            }
        };
        let date = Date::new(digits(0..4)?, digits(4..6)? as i8, digits(6..8)? as i8).ok()?;
        if is_date {
            return (value.len() == 8).then_some(IcsWhen::Date(date));
        }
        let utc = b.len() == 16 && b[15] == b'Z';
        if !(b.len() == 15 || utc) || b[8] != b'T' {
            return None;
        }
        let time = Time::new(
            digits(9..11)? as i8,
            digits(11..13)? as i8,
            // A leap second (60) counts as the last second of its minute.
            digits(13..15)?.min(59) as i8,
            0,
        )
        .ok()?;
        Some(IcsWhen::DateTime(DateTime::from_parts(date, time)))
    }
}

#[derive(Debug, Default)]
struct IcsEvent {
    line: usize,
    start: Option<IcsWhen>,
    end: Option<IcsWhen>,
    /// From a DURATION of days or weeks.
    days: Option<i32>,
    cancelled: bool,
    recurring: bool,
    /// A DTSTART or DTEND could not be read (and was reported).
    broken: bool,
}

impl IcsEvent {
    fn property(&mut self, prop: ContentLine, field: &str, errors: &mut Errors) {
        match prop.name.as_str() {
            "DTSTART" | "DTEND" => match IcsWhen::parse(&prop) {
                Some(when) if prop.name == "DTSTART" => self.start = Some(when),
                Some(when) => self.end = Some(when),
                None => {
                    self.broken = true;
                    errors.push(FieldError::new(
                        field,
                        format!(
                            "{} must be a date YYYYMMDD or a date-time YYYYMMDDTHHMMSS (got {:?})",
                            prop.name,
                            prop.value.trim()
                        ),
                    ));
                }
            },
            "DURATION" => self.days = ics_days(prop.value.trim()),
            "STATUS" => self.cancelled = prop.value.trim().eq_ignore_ascii_case("CANCELLED"),
            "RRULE" | "RDATE" => self.recurring = true,
            _ => {}
        }
    }

    fn dates(self) -> Result<Vec<Date>, FieldError> {
        let field = format!("line {}", self.line);
        if self.recurring {
            return Err(FieldError::new(
                field,
                "is a recurring event (RRULE or RDATE), which is not supported: export the occurrences as single events",
            ));
        }
        if self.broken {
            return Ok(Vec::new());
        }
        let Some(start) = self.start else {
            return Err(FieldError::new(field, "this event has no DTSTART"));
        };
        if self.cancelled {
            return Ok(Vec::new());
        }
        let first = match start {
            IcsWhen::Date(d) => d,
            IcsWhen::DateTime(dt) => dt.date(),
        };
        // The first date after the event.
        let after = match (self.end, self.days) {
            (Some(IcsWhen::Date(d)), _) => d,
            (Some(IcsWhen::DateTime(dt)), _) if dt.time() == Time::midnight() => dt.date(),
            (Some(IcsWhen::DateTime(dt)), _) => dt.date().tomorrow().unwrap_or(dt.date()),
            (None, Some(days)) => first.checked_add(days.days()).unwrap_or(first),
            (None, None) => first.tomorrow().unwrap_or(first),
        };
        let days = (after - first).get_days();
        if days > ICS_EVENT_DAYS_MAX {
            return Err(FieldError::new(
                field,
                format!(
                    "this event spans {days} days; at most {ICS_EVENT_DAYS_MAX} are taken as holidays"
                ),
            ));
        }
        let mut dates = vec![first];
        let mut d = first;
        while let Ok(next) = d.tomorrow() {
            if next >= after {
                break;
            }
            dates.push(next);
            d = next;
        }
        Ok(dates)
    }
}

/// `P2D`, `P1W` (an all-day event's DURATION) as days; anything else is not a number of days.
fn ics_days(value: &str) -> Option<i32> {
    let rest = value.strip_prefix('+').unwrap_or(value).strip_prefix('P')?;
    let (number, unit) = rest.split_at(rest.len().checked_sub(1)?);
    let n: i32 = number.parse().ok()?;
    match unit {
        "D" => Some(n),
        "W" => n.checked_mul(7),
        _ => None,
    }
}

mod timeline;
pub use timeline::Timeline;

#[cfg(test)]
mod tests;

impl crate::service_level::clock::BusinessTime for Calendar {
    fn due(&self, start: Timestamp, seconds: i64) -> Option<Timestamp> {
        Calendar::due(self, start, seconds).ok()
    }

    fn elapsed(&self, from: Timestamp, to: Timestamp) -> i64 {
        Calendar::elapsed(self, from, to).unwrap_or(0).max(0)
    }
}

/// A stored calendar as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StoredCalendar {
    pub id: i64,
    /// Increases with every change.
    pub version: i64,
    #[serde(flatten)]
    pub calendar: CalendarSpec,
    /// The latest recomputes of deadlines its changes asked for, newest first (none shown
    /// when it never changed under open tickets).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recomputes: Vec<crate::service_level::recompute::ClockRecompute>,
}
