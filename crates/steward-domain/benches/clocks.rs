//! Recomputing the clocks of 1,000,000 open records after a calendar change: each record's
//! resolution clock (start, a pause and a resume — three stored events) is derived again on
//! an office calendar with holidays, on one core. The baseline, measured in the same run, is
//! the same derivation on a 24×7 calendar (plain instant arithmetic), so the ratio is the cost
//! of business-time math.
//!
//! `cargo bench -p steward-domain --bench clocks`
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::time::{Duration, Instant};
use steward_domain::service_level::calendar::CalendarSpec;
use steward_domain::service_level::clock::{
    AlwaysOn, BusinessTime, ClockEvent, ClockEventKind, derive,
};

const RECORDS: usize = 1_000_000;
const TARGET: i64 = 3 * 8 * 3600;

fn random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

fn recompute(clocks: &[[ClockEvent; 3]], calendar: &dyn BusinessTime, now: Timestamp) -> Duration {
    let t = Instant::now();
    for events in clocks {
        black_box(derive(black_box(events), TARGET, 80, calendar, now));
    }
    t.elapsed()
}

fn main() {
    let office = serde_json::json!([["09:00", "17:00"]]);
    let spec: CalendarSpec = serde_json::from_value(serde_json::json!({
        "name": "Berlin office", "time_zone": "Europe/Berlin",
        "hours": {"mon": office, "tue": office, "wed": office, "thu": office, "fri": office},
        "holidays": ["2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31", "2027-01-01"],
    }))
    .expect("calendar JSON");
    let calendar = spec.parse().expect("valid calendar");
    let base = Timestamp::from_second(1_790_000_000).expect("instant"); // September 2026
    let mut seed = 0x5eed_u64;
    let clocks: Vec<[ClockEvent; 3]> = (0..RECORDS)
        .map(|_| {
            let start =
                base + SignedDuration::from_secs((random(&mut seed) % (60 * 86_400)) as i64);
            let pause =
                start + SignedDuration::from_secs((random(&mut seed) % (3 * 86_400)) as i64);
            let resume =
                pause + SignedDuration::from_secs((random(&mut seed) % (5 * 86_400)) as i64);
            [
                ClockEvent {
                    at: start,
                    kind: ClockEventKind::Start,
                },
                ClockEvent {
                    at: pause,
                    kind: ClockEventKind::Pause,
                },
                ClockEvent {
                    at: resume,
                    kind: ClockEventKind::Resume,
                },
            ]
        })
        .collect();
    let now = base + SignedDuration::from_hours(70 * 24);
    let best = |cal: &dyn BusinessTime| {
        (0..3)
            .map(|_| recompute(&clocks, cal, now))
            .min()
            .expect("runs")
    };
    let baseline = best(&AlwaysOn);
    let office_time = best(&calendar);
    println!("clocks recomputed: {RECORDS} (start, pause, resume each)");
    println!("baseline 24x7:     {:>8.3} s", baseline.as_secs_f64());
    println!("office calendar:   {:>8.3} s", office_time.as_secs_f64());
    println!(
        "ratio:             {:>8.1}x the baseline",
        office_time.as_secs_f64() / baseline.as_secs_f64()
    );
}
