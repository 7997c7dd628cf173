//! Deadline computations per second on one core: an 8-hour target on an office calendar
//! (Mon–Fri 09:00–17:00, Europe/Berlin, German public holidays), from random instants of 2026
//! with microsecond precision, next to a baseline measured in the same run: the same loop
//! adding 8 hours to the instant with jiff.
//!
//! `cargo bench -p steward-domain --bench calendar`
use jiff::{SignedDuration, Timestamp};
use std::hint::black_box;
use std::time::{Duration, Instant};
use steward_domain::service_level::calendar::CalendarSpec;

const STARTS: usize = 1_000_000;
const ROUNDS: usize = 5;
const TARGET: i64 = 8 * 3600;

/// xorshift64*: reproducible starts without a dependency.
fn random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

/// The fastest of `ROUNDS` runs of `f` over every start.
fn measure(starts: &[Timestamp], mut f: impl FnMut(Timestamp) -> Timestamp) -> Duration {
    (0..ROUNDS)
        .map(|_| {
            let t = Instant::now();
            for &s in starts {
                black_box(f(black_box(s)));
            }
            t.elapsed()
        })
        .min()
        .expect("rounds")
}

fn main() {
    let office = serde_json::json!([["09:00", "17:00"]]);
    let spec: CalendarSpec = serde_json::from_value(serde_json::json!({
        "name": "Berlin office",
        "time_zone": "Europe/Berlin",
        "hours": {"mon": office, "tue": office, "wed": office, "thu": office, "fri": office},
        "holidays": [
            "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25",
            "2026-10-03", "2026-12-24", "2026-12-25", "2026-12-26", "2026-12-31",
            "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-17",
        ],
    }))
    .expect("calendar JSON");
    let calendar = spec.parse().expect("valid calendar");

    let year_start = "2026-01-01T00:00:00Z"
        .parse::<Timestamp>()
        .expect("instant");
    let year_micros = 365 * 86_400 * 1_000_000;
    let mut state = 0x5eed_cafe_f00d_u64;
    let starts: Vec<Timestamp> = (0..STARTS)
        .map(|_| {
            let micros = (random(&mut state) % year_micros) as i64;
            year_start + SignedDuration::from_micros(micros)
        })
        .collect();

    // Warm the time zone cache and check the results once.
    for &s in &starts[..1000] {
        let due = calendar.due(s, TARGET).expect("due");
        assert_eq!(
            calendar.elapsed_exact(s, due).expect("elapsed"),
            SignedDuration::from_secs(TARGET)
        );
    }

    let eight_hours = SignedDuration::from_secs(TARGET);
    let due = measure(&starts, |s| calendar.due(s, TARGET).expect("due"));
    let baseline = measure(&starts, |s| s.checked_add(eight_hours).expect("in range"));
    let elapsed = measure(&starts, |s| {
        let to = s + SignedDuration::from_hours(72);
        black_box(calendar.elapsed(s, to).expect("elapsed"));
        to
    });

    let per_second = |d: Duration| STARTS as f64 / d.as_secs_f64();
    println!(
        "business calendar deadlines: {STARTS} random starts in 2026, 8-hour target, Mon–Fri 09:00–17:00 Europe/Berlin, {} holidays, best of {ROUNDS} rounds, one core",
        calendar.holidays().len()
    );
    println!(
        "  due()                      {:>14.0} /s  ({:.0} ns each)",
        per_second(due),
        due.as_secs_f64() * 1e9 / STARTS as f64
    );
    println!(
        "  start + 8h (baseline)      {:>14.0} /s  ({:.1} ns each)",
        per_second(baseline),
        baseline.as_secs_f64() * 1e9 / STARTS as f64
    );
    println!(
        "  ratio                      {:>14.1}x the baseline's time",
        due.as_secs_f64() / baseline.as_secs_f64()
    );
    println!(
        "  elapsed() over 72 hours    {:>14.0} /s  ({:.0} ns each)",
        per_second(elapsed),
        elapsed.as_secs_f64() * 1e9 / STARTS as f64
    );
}
