//! SLA clocks (ISO/IEC 20000-1 8.3.3): a clock is only its stored events (start, pause,
//! resume, stop, restart). Everything shown — deadline, elapsed and paused business time,
//! state — is derived from those events, the current target and the current calendar, so a
//! changed SLA or calendar recomputes every clock without losing any paused time, and the
//! same events always give the same answer.
use crate::foundation::text_enum::text_enum;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Business time: how a calendar counts seconds and finds deadlines.
pub trait BusinessTime {
    /// The earliest instant T ≥ `start` with exactly `seconds` of business time in
    /// [start, T], or `None` when the calendar never has that much.
    fn due(&self, start: Timestamp, seconds: i64) -> Option<Timestamp>;
    /// Business seconds in [from, to]; 0 when `to` ≤ `from`.
    fn elapsed(&self, from: Timestamp, to: Timestamp) -> i64;
}

/// Every second is business time (a 24×7 service).
#[derive(Debug, Clone, Copy, Default)]
pub struct AlwaysOn;

impl BusinessTime for AlwaysOn {
    fn due(&self, start: Timestamp, seconds: i64) -> Option<Timestamp> {
        start
            .checked_add(jiff::SignedDuration::from_secs(seconds.max(0)))
            .ok()
    }

    fn elapsed(&self, from: Timestamp, to: Timestamp) -> i64 {
        (to.as_second() - from.as_second()).max(0)
    }
}

text_enum!(
    /// What happened to a clock.
    ClockEventKind {
        Start = "start",
        Pause = "pause",
        Resume = "resume",
        Stop = "stop",
        /// A reopened record: the stopped clock runs on from where it stopped.
        Restart = "restart",
        /// The SLA's targets changed: a marker for the timeline; the view is recomputed.
        SlaChanged = "sla_changed",
        /// The calendar changed: a marker, likewise.
        CalendarChanged = "calendar_changed",
    }
);

text_enum!(
    /// Which target a clock measures.
    ClockMetric { Response = "response", Resolution = "resolution" }
);

text_enum!(
    ClockState { Running = "running", Paused = "paused", Met = "met", Breached = "breached" }
);

/// Whether business time runs at `now`, and the next instant that changes within a week:
/// when the hours open (while closed) or close (while open). `None` for the instant means
/// no change within a week (24×7, or never open).
pub fn business_hours(cal: &dyn BusinessTime, now: Timestamp) -> (bool, Option<Timestamp>) {
    const WEEK: i64 = 7 * 24 * 3600;
    let second = SignedDuration::from_secs(1);
    let open = cal.elapsed(now, now + second) == 1;
    if !open {
        // The first business second after `now` ends one second after the hours open.
        let opens = cal
            .due(now, 1)
            .map(|t| t - second)
            .filter(|t| *t <= now + SignedDuration::from_secs(WEEK));
        return (false, opens);
    }
    // Open: the longest stretch from `now` that is all business time, by bisection.
    let all_business = |secs: i64| cal.elapsed(now, now + SignedDuration::from_secs(secs)) == secs;
    if all_business(WEEK) {
        return (true, None);
    }
    let (mut lo, mut hi) = (1, WEEK);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if all_business(mid) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (true, Some(now + SignedDuration::from_secs(lo)))
}

/// One stored clock event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockEvent {
    pub at: Timestamp,
    pub kind: ClockEventKind,
}

/// One stored clock event with what caused it, as the clock timeline shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClockEntry {
    pub metric: ClockMetric,
    #[schema(value_type = String)]
    pub at: Timestamp,
    pub kind: ClockEventKind,
    /// E.g. `opened`, `status pending (customer)`, `first public reply`, `resolved`.
    pub cause: String,
}

impl ClockEntry {
    pub fn event(&self) -> ClockEvent {
        ClockEvent {
            at: self.at,
            kind: self.kind,
        }
    }
}

/// What a clock shows at `now`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClockView {
    /// When the target is reached if the clock keeps running; absent while paused (the
    /// deadline then depends on when work resumes) and once stopped.
    #[schema(value_type = Option<String>)]
    pub due_at: Option<Timestamp>,
    /// When the warning threshold is (or was) reached while running.
    #[schema(value_type = Option<String>)]
    pub warn_at: Option<Timestamp>,
    pub state: ClockState,
    pub target_seconds: i64,
    pub elapsed_seconds: i64,
    pub remaining_seconds: i64,
    /// Business seconds spent paused.
    pub paused_seconds: i64,
    /// When the target was exceeded, if it was.
    #[schema(value_type = Option<String>)]
    pub breached_at: Option<Timestamp>,
}

/// Derives a clock's view from its events (in order), its target and its calendar.
/// Events that make no sense in the current state (a resume while running, say) are ignored,
/// so a replay never fails.
pub fn derive(
    events: &[ClockEvent],
    target_seconds: i64,
    warning_percent: u8,
    calendar: &(impl BusinessTime + ?Sized),
    now: Timestamp,
) -> ClockView {
    #[derive(PartialEq)]
    enum Phase {
        NotStarted,
        Running(Timestamp),
        Paused(Timestamp),
        Stopped,
    }
    let mut phase = Phase::NotStarted;
    let mut elapsed = 0i64;
    let mut paused = 0i64;
    let mut breached_at = None;
    // When the target fell inside a finished running segment, that is the breach instant.
    let mut close_run = |from: Timestamp, to: Timestamp, elapsed: &mut i64| {
        let before = *elapsed;
        *elapsed += calendar.elapsed(from, to);
        if breached_at.is_none() && before <= target_seconds && *elapsed > target_seconds {
            breached_at = calendar.due(from, target_seconds - before);
        }
    };
    for e in events {
        use ClockEventKind::*;
        phase = match (phase, e.kind) {
            (Phase::NotStarted, Start) => Phase::Running(e.at),
            (Phase::Running(since), Pause) => {
                close_run(since, e.at, &mut elapsed);
                Phase::Paused(e.at)
            }
            (Phase::Paused(since), Resume) => {
                paused += calendar.elapsed(since, e.at);
                Phase::Running(e.at)
            }
            (Phase::Running(since), Stop) => {
                close_run(since, e.at, &mut elapsed);
                Phase::Stopped
            }
            (Phase::Paused(since), Stop) => {
                paused += calendar.elapsed(since, e.at);
                Phase::Stopped
            }
            (Phase::Stopped, Restart) => Phase::Running(e.at),
            (unchanged, _) => unchanged,
        };
    }
    let threshold = target_seconds * i64::from(warning_percent.min(100)) / 100;
    let (state, due_at, warn_at) = match phase {
        Phase::NotStarted => (ClockState::Running, None, None),
        Phase::Running(since) => {
            let due = calendar.due(since, (target_seconds - elapsed).max(0));
            let warn = (elapsed <= threshold)
                .then(|| calendar.due(since, threshold - elapsed))
                .flatten();
            close_run(since, now.max(since), &mut elapsed);
            // Business seconds are whole; the deadline instant is exact.
            let past_due = due.is_some_and(|d| now > d);
            if past_due && breached_at.is_none() {
                breached_at = due;
            }
            let state = if elapsed > target_seconds || past_due {
                ClockState::Breached
            } else {
                ClockState::Running
            };
            (state, due, warn)
        }
        Phase::Paused(since) => {
            paused += calendar.elapsed(since, now.max(since));
            let state = if elapsed > target_seconds {
                ClockState::Breached
            } else {
                ClockState::Paused
            };
            (state, None, None)
        }
        Phase::Stopped => {
            let state = if elapsed > target_seconds {
                ClockState::Breached
            } else {
                ClockState::Met
            };
            (state, None, None)
        }
    };
    ClockView {
        due_at,
        warn_at,
        state,
        target_seconds,
        elapsed_seconds: elapsed,
        remaining_seconds: (target_seconds - elapsed).max(0),
        paused_seconds: paused,
        breached_at,
    }
}

/// Where a clock stands after its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockPhase {
    NotStarted,
    Running,
    Paused,
    Stopped,
}

/// The phase the events leave a clock in (the same replay rules as [`derive`]).
pub fn phase(events: impl IntoIterator<Item = ClockEventKind>) -> ClockPhase {
    use ClockEventKind::*;
    events
        .into_iter()
        .fold(ClockPhase::NotStarted, |p, kind| match (p, kind) {
            (ClockPhase::NotStarted, Start) => ClockPhase::Running,
            (ClockPhase::Running, Pause) => ClockPhase::Paused,
            (ClockPhase::Paused, Resume) => ClockPhase::Running,
            (ClockPhase::Running | ClockPhase::Paused, Stop) => ClockPhase::Stopped,
            (ClockPhase::Stopped, Restart) => ClockPhase::Running,
            (unchanged, _) => unchanged,
        })
}

/// The clock events a change of a record calls for, given where the clock stands.
/// `paused` says whether the record's new state pauses the clock; `done` whether it ends it;
/// `reopened` whether the record came back from resolved.
pub fn next_events(
    phase: ClockPhase,
    paused: bool,
    done: bool,
    reopened: bool,
) -> Vec<ClockEventKind> {
    use ClockEventKind::*;
    let mut out = Vec::new();
    let mut p = phase;
    if reopened && p == ClockPhase::Stopped && !done {
        out.push(Restart);
        p = ClockPhase::Running;
    }
    match (p, done, paused) {
        (ClockPhase::Running | ClockPhase::Paused, true, _) => out.push(Stop),
        (ClockPhase::Running, false, true) => out.push(Pause),
        (ClockPhase::Paused, false, false) => out.push(Resume),
        _ => {}
    }
    out
}

/// What an SLA says about pausing: the statuses (and pending reasons) that stop the clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PauseRule {
    pub status: crate::resolution::workflow::Status,
    /// Only for these pending reasons (empty: any).
    #[serde(default)]
    pub reasons: Vec<crate::resolution::workflow::PendingReason>,
}

/// Whether a record in `status` (waiting for `reason`) has its resolution clock paused.
pub fn is_paused(
    rules: &[PauseRule],
    status: crate::resolution::workflow::Status,
    reason: Option<crate::resolution::workflow::PendingReason>,
) -> bool {
    rules.iter().any(|r| {
        r.status == status
            && (r.reasons.is_empty() || reason.is_some_and(|x| r.reasons.contains(&x)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClockEventKind::*;
    use proptest::prelude::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn ev(s: i64, kind: ClockEventKind) -> ClockEvent {
        ClockEvent { at: t(s), kind }
    }

    #[test]
    fn a_running_clock_has_a_deadline_and_breaches_after_it() {
        let events = [ev(0, Start)];
        let v = derive(&events, 100, 75, &AlwaysOn, t(50));
        assert_eq!(
            (v.state, v.due_at, v.warn_at),
            (ClockState::Running, Some(t(100)), Some(t(75)))
        );
        assert_eq!((v.elapsed_seconds, v.remaining_seconds), (50, 50));
        let late = derive(&events, 100, 75, &AlwaysOn, t(130));
        assert_eq!(
            (late.state, late.breached_at),
            (ClockState::Breached, Some(t(100)))
        );
        assert_eq!(late.due_at, Some(t(100)));
    }

    #[test]
    fn pauses_push_the_deadline_and_are_counted() {
        let events = [ev(0, Start), ev(40, Pause), ev(70, Resume)];
        let v = derive(&events, 100, 50, &AlwaysOn, t(80));
        assert_eq!(v.due_at, Some(t(130)));
        assert_eq!((v.elapsed_seconds, v.paused_seconds), (50, 30));
        assert_eq!(
            v.warn_at,
            Some(t(80)),
            "half the target: 40 s before the pause, 10 after"
        );
        let paused = derive(&events[..2], 100, 50, &AlwaysOn, t(60));
        assert_eq!(
            (paused.state, paused.due_at, paused.paused_seconds),
            (ClockState::Paused, None, 20)
        );
    }

    #[test]
    fn stopped_clocks_are_met_or_breached_and_restart_from_where_they_stopped() {
        let met = [ev(0, Start), ev(90, Stop)];
        assert_eq!(
            derive(&met, 100, 75, &AlwaysOn, t(500)).state,
            ClockState::Met
        );
        let late = [ev(0, Start), ev(120, Stop)];
        let v = derive(&late, 100, 75, &AlwaysOn, t(500));
        assert_eq!(
            (v.state, v.breached_at),
            (ClockState::Breached, Some(t(100)))
        );
        let reopened = [ev(0, Start), ev(60, Stop), ev(200, Restart)];
        let v = derive(&reopened, 100, 75, &AlwaysOn, t(210));
        assert_eq!(
            (v.state, v.elapsed_seconds, v.due_at),
            (ClockState::Running, 70, Some(t(240)))
        );
    }

    #[test]
    fn a_changed_target_recomputes_from_the_same_events() {
        let events = [ev(0, Start), ev(10, Pause), ev(1000, Resume)];
        let before = derive(&events, 100, 75, &AlwaysOn, t(1020));
        let after = derive(&events, 50, 75, &AlwaysOn, t(1020));
        assert_eq!(before.paused_seconds, after.paused_seconds);
        assert_eq!(after.due_at, Some(t(1040)));
        assert_eq!(before.due_at, Some(t(1090)));
    }

    #[test]
    fn pause_rules_match_status_and_reason() {
        use crate::resolution::workflow::{PendingReason, Status};
        let rules = [PauseRule {
            status: Status::Pending,
            reasons: vec![PendingReason::Customer],
        }];
        assert!(is_paused(
            &rules,
            Status::Pending,
            Some(PendingReason::Customer)
        ));
        assert!(!is_paused(
            &rules,
            Status::Pending,
            Some(PendingReason::Supplier)
        ));
        assert!(!is_paused(&rules, Status::InProgress, None));
    }

    #[test]
    fn changes_call_for_the_events_that_move_the_clock() {
        use ClockPhase::*;
        assert_eq!(next_events(Running, true, false, false), [Pause]);
        assert_eq!(next_events(Paused, false, false, false), [Resume]);
        assert_eq!(next_events(Paused, true, true, false), [Stop]);
        assert_eq!(next_events(Stopped, false, false, true), [Restart]);
        assert_eq!(next_events(Stopped, true, false, true), [Restart, Pause]);
        assert!(next_events(Running, false, false, false).is_empty());
        assert_eq!(phase([Start, Pause, Resume, Stop, Restart]), Running);
    }

    proptest! {
        /// Whatever the event sequence, elapsed + remaining covers the target, nothing is
        /// negative, and a later `now` never shows less elapsed or paused time.
        #[test]
        fn derived_clocks_are_consistent(
            steps in proptest::collection::vec((0i64..500, proptest::sample::select(ClockEventKind::ALL.to_vec())), 0..20),
            target in 0i64..2000,
            later in 0i64..1000,
        ) {
            let mut at = 0;
            let mut events = vec![ev(0, Start)];
            for (gap, kind) in steps {
                at += gap;
                events.push(ev(at, kind));
            }
            let now = t(at);
            let v = derive(&events, target, 80, &AlwaysOn, now);
            let w = derive(&events, target, 80, &AlwaysOn, t(at + later));
            prop_assert!(v.elapsed_seconds >= 0 && v.paused_seconds >= 0);
            prop_assert!(v.elapsed_seconds + v.paused_seconds <= at);
            prop_assert_eq!(v.remaining_seconds, (target - v.elapsed_seconds).max(0));
            prop_assert!(w.elapsed_seconds >= v.elapsed_seconds);
            prop_assert!(w.paused_seconds >= v.paused_seconds);
            prop_assert_eq!(v.state == ClockState::Breached, v.elapsed_seconds > target);
            if let Some(due) = v.due_at {
                prop_assert!(v.state == ClockState::Running || v.state == ClockState::Breached);
                prop_assert!(due >= t(0));
            }
        }
    }
}
