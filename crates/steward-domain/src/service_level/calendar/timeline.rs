//! A calendar's business intervals over a span of dates, laid out once with running totals,
//! so that the business time between any two instants of the span takes two binary searches
//! instead of a walk over the days between them. Reports measure a million durations on one
//! calendar; [`Calendar::elapsed`] walks each of them.
use super::{Calendar, CalendarError, NS, Walk};
use jiff::Timestamp;

/// Business intervals as instants in nanoseconds, in order and not overlapping.
#[derive(Debug, Clone)]
pub struct Timeline {
    starts: Vec<i128>,
    ends: Vec<i128>,
    /// Business time of all intervals before each one.
    before: Vec<i128>,
    /// The instants covered: the midnight the first date begins and the one the last ends.
    first: i128,
    last: i128,
}

impl Calendar {
    /// The business intervals of the dates from the day before `from`'s date to the day after
    /// `to`'s (in the calendar's zone); `None` if their instants are not in order, which the
    /// running totals need (then measure with [`Calendar::elapsed`]).
    pub fn timeline(
        &self,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Option<Timeline>, CalendarError> {
        let out_of_range = |_| CalendarError::OutOfRange;
        let first_date = self
            .zone
            .to_datetime(from)
            .date()
            .yesterday()
            .map_err(out_of_range)?;
        let last_date = self
            .zone
            .to_datetime(to.max(from))
            .date()
            .tomorrow()
            .map_err(out_of_range)?;
        let mut walk = Walk {
            date: first_date,
            holiday: self.holidays.partition_point(|h| *h < first_date),
        };
        let mut line = Timeline {
            starts: Vec::new(),
            ends: Vec::new(),
            before: Vec::new(),
            first: self.instant(first_date, 0)?,
            last: self.instant(last_date.tomorrow().map_err(out_of_range)?, 0)?,
        };
        let mut total = 0;
        while walk.date <= last_date {
            if !self.is_holiday(&walk) {
                for i in self.intervals(walk.date) {
                    let (a, b) = (
                        self.instant(walk.date, i.start)?,
                        self.instant(walk.date, i.end)?,
                    );
                    if b <= a {
                        continue;
                    }
                    if line.ends.last().is_some_and(|&end| a < end) {
                        return Ok(None);
                    }
                    line.starts.push(a);
                    line.ends.push(b);
                    line.before.push(total);
                    total += b - a;
                }
            }
            self.next_day(&mut walk)?;
        }
        Ok(Some(line))
    }
}

impl Timeline {
    /// Business time before instant `x` (nanoseconds) since the start of the timeline.
    fn before(&self, x: i128) -> i128 {
        match self.starts.partition_point(|&a| a < x) {
            0 => 0,
            k => self.before[k - 1] + x.min(self.ends[k - 1]) - self.starts[k - 1],
        }
    }

    /// Whole seconds of business time in `[from, to)`, as [`Calendar::elapsed`] counts them (0
    /// when `to` is not after `from`); `None` when either instant is outside the timeline.
    pub fn elapsed(&self, from: Timestamp, to: Timestamp) -> Option<i64> {
        let (f, t) = (from.as_nanosecond(), to.as_nanosecond());
        if f < self.first || t > self.last {
            return None;
        }
        if t <= f {
            return Some(0);
        }
        i64::try_from((self.before(t) - self.before(f)) / NS).ok()
    }

    /// Business time in `[from, to)` to the nanosecond, as [`Calendar::elapsed_exact`] counts
    /// it for `from <= to`; `None` when either instant is outside the timeline.
    pub fn elapsed_exact(&self, from: Timestamp, to: Timestamp) -> Option<jiff::SignedDuration> {
        let (f, t) = (from.as_nanosecond(), to.as_nanosecond());
        if f < self.first || t > self.last {
            return None;
        }
        if t <= f {
            return Some(jiff::SignedDuration::ZERO);
        }
        i64::try_from(self.before(t) - self.before(f))
            .ok()
            .map(jiff::SignedDuration::from_nanos)
    }
}
