//! A recompute of the deadlines a changed SLA or calendar moves, as people and the API see
//! it: few tickets are recomputed by the change itself, many by a background job in batches.
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClockRecompute {
    pub id: i64,
    pub sla_id: i64,
    /// The calendar whose change asked for it; absent when the SLA itself changed.
    pub calendar_id: Option<i64>,
    /// What changed, as the tickets' clock timelines say it.
    pub cause: String,
    #[schema(value_type = String)]
    pub requested_at: Timestamp,
    /// Open tickets under the SLA when the change was made.
    pub total: i64,
    /// Tickets recomputed so far. Tickets closed in the meantime are not recomputed (their
    /// outcome was fixed when they closed), so a finished recompute can show fewer.
    pub done: i64,
    /// When the last ticket was recomputed; absent while it runs.
    #[schema(value_type = Option<String>)]
    pub finished_at: Option<Timestamp>,
}

/// Where the deadlines stand after the latest changes, for screens: `"Recomputing: 4,200 of
/// 19,383 open tickets"` while any recompute runs (summed), else `"Up to date"`.
pub fn deadlines_status(recent: &[ClockRecompute]) -> String {
    let running: Vec<&ClockRecompute> = recent.iter().filter(|r| r.finished_at.is_none()).collect();
    if running.is_empty() {
        return "Up to date".into();
    }
    let done: i64 = running.iter().map(|r| r.done).sum();
    let total: i64 = running.iter().map(|r| r.total).sum();
    format!(
        "Recomputing: {} of {} open tickets",
        grouped(done),
        grouped(total)
    )
}

/// The recomputes among `all` that `belongs` picks (one calendar's, one SLA's).
pub fn of(
    all: &[ClockRecompute],
    belongs: impl Fn(&ClockRecompute) -> bool,
) -> Vec<ClockRecompute> {
    all.iter().filter(|r| belongs(r)).cloned().collect()
}

/// The open tickets whose deadlines are still to be recomputed, over `recent`.
pub fn tickets_left(recent: &[ClockRecompute]) -> i64 {
    recent
        .iter()
        .filter(|r| r.finished_at.is_none())
        .map(|r| (r.total - r.done).max(0))
        .sum()
}

/// "… was saved.", and when deadlines are left to the background, how many and where to
/// follow them.
pub fn saved(what: &str, recent: &[ClockRecompute]) -> String {
    match tickets_left(recent) {
        0 => format!("{what} was saved."),
        n => format!(
            "{what} was saved. The deadlines of {} open tickets are being recomputed in the \
             background; the Deadlines column shows how far it got. Each ticket's own clock \
             already counts in the new terms.",
            grouped(n)
        ),
    }
}

/// 19383 as "19,383".
fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(done: i64, total: i64, finished: bool) -> ClockRecompute {
        ClockRecompute {
            id: 1,
            sla_id: 1,
            calendar_id: None,
            cause: "calendar 1 changed".into(),
            requested_at: Timestamp::UNIX_EPOCH,
            total,
            done,
            finished_at: finished.then_some(Timestamp::UNIX_EPOCH),
        }
    }

    #[test]
    fn status_sums_the_running_recomputes_with_grouped_counts() {
        assert_eq!(deadlines_status(&[]), "Up to date");
        assert_eq!(deadlines_status(&[at(7, 7, true)]), "Up to date");
        let running = [at(4000, 19000, false), at(200, 383, false), at(5, 5, true)];
        assert_eq!(
            deadlines_status(&running),
            "Recomputing: 4,200 of 19,383 open tickets"
        );
        assert_eq!(tickets_left(&running), 15_183);
        assert_eq!(saved("SLA Gold", &[at(5, 5, true)]), "SLA Gold was saved.");
        assert!(saved("SLA Gold", &running).starts_with(
            "SLA Gold was saved. The deadlines of 15,183 open tickets are being recomputed"
        ));
        assert_eq!(
            deadlines_status(&[at(0, 1_000_000, false)]),
            "Recomputing: 0 of 1,000,000 open tickets"
        );
    }
}
