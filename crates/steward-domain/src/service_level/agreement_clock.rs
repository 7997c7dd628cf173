//! OLA and underpinning-contract clocks: the SLA clock engine applied to the part of a
//! ticket's life that an internal team or a supplier holds it. Each time the ticket reaches
//! the party a new stint begins with its own response and resolution clocks; the stint ends
//! when the ticket moves on or is resolved. What the clocks show is derived from stored
//! events exactly like an SLA's ([`crate::service_level::clock::derive`]).
use crate::resolution::workflow::{PendingReason, Status};
use crate::service_level::clock::{
    ClockEntry, ClockEventKind, ClockMetric, ClockPhase, ClockView, is_paused, next_events,
};
use crate::service_level::sla::{Sla, SlaLevel};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What of a ticket the agreement clocks look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holding {
    pub status: Status,
    pub pending_reason: Option<PendingReason>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    /// The supplier the ticket is engaged with, and whether it acknowledged the ticket.
    pub supplier_id: Option<i64>,
    pub supplier_acknowledged: bool,
}

impl Holding {
    /// Whether the ticket is with the agreement's team or supplier (open or not).
    fn with_party(&self, a: &Sla) -> bool {
        match a.level {
            SlaLevel::Ola => a.team_id.is_some() && self.team_id == a.team_id,
            SlaLevel::UnderpinningContract => {
                a.supplier_id.is_some() && self.supplier_id == a.supplier_id
            }
            SlaLevel::Sla => false,
        }
    }

    /// Whether the party holds an open ticket: the agreement's clocks run.
    fn held_by(&self, a: &Sla) -> bool {
        self.status.is_open() && self.with_party(a)
    }

    /// Whether the party has responded: a person of the team took the ticket, or the
    /// supplier acknowledged it.
    fn responded(&self, level: SlaLevel) -> bool {
        match level {
            SlaLevel::Ola => self.assignee_id.is_some(),
            SlaLevel::UnderpinningContract => self.supplier_acknowledged,
            SlaLevel::Sla => false,
        }
    }
}

/// Where the latest stint of an agreement on a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StintPhase {
    pub sla_id: i64,
    pub stint: i64,
    pub response: ClockPhase,
    pub resolution: ClockPhase,
}

/// A clock event to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub sla_id: i64,
    pub stint: i64,
    pub metric: ClockMetric,
    pub kind: ClockEventKind,
    pub cause: String,
}

fn running(p: ClockPhase) -> bool {
    matches!(p, ClockPhase::Running | ClockPhase::Paused)
}

fn status_cause(h: &Holding) -> String {
    match (h.status, h.pending_reason) {
        (Status::Pending, Some(r)) => format!("status pending ({})", r.as_str()),
        (s, _) => format!("status {}", s.as_str()),
    }
}

/// The clock events a change of a ticket from `before` (`None`: just opened) to `after` calls
/// for. `agreements` are every agreement the ticket has clocks of plus those that may start a
/// stint now; only those in `may_start` (active, for the ticket's service, no exception
/// applies) start one. `latest` is each agreement's latest stint on the ticket.
pub fn plan(
    agreements: &[Sla],
    may_start: &[i64],
    latest: &[StintPhase],
    before: Option<&Holding>,
    after: &Holding,
) -> Vec<Planned> {
    use ClockEventKind::*;
    let mut out = Vec::new();
    for a in agreements {
        let last = latest.iter().find(|s| s.sla_id == a.id);
        let paused = is_paused(&a.pause, after.status, after.pending_reason);
        let mut push = |stint: i64, metric, kind, cause: &str| {
            out.push(Planned {
                sla_id: a.id,
                stint,
                metric,
                kind,
                cause: cause.to_owned(),
            })
        };
        match last {
            Some(s) if running(s.resolution) => {
                if !after.held_by(a) {
                    let cause = if !after.status.is_open() {
                        status_cause(after)
                    } else {
                        match (a.level, after.team_id) {
                            (SlaLevel::Ola, Some(t)) => format!("reassigned to team {t}"),
                            (SlaLevel::Ola, None) => "team unassigned".to_owned(),
                            _ => match after.supplier_id {
                                Some(x) => format!("handed to supplier {x}"),
                                None => "released by the supplier".to_owned(),
                            },
                        }
                    };
                    if running(s.response) {
                        push(s.stint, ClockMetric::Response, Stop, &cause);
                    }
                    push(s.stint, ClockMetric::Resolution, Stop, &cause);
                    continue;
                }
                for kind in next_events(s.resolution, paused, false, false) {
                    push(s.stint, ClockMetric::Resolution, kind, &status_cause(after));
                }
                if s.response == ClockPhase::Running && after.responded(a.level) {
                    push(s.stint, ClockMetric::Response, Stop, &responded(a, after));
                }
            }
            _ if !after.held_by(a) => {}
            Some(s)
                if s.resolution == ClockPhase::Stopped
                    && before.is_some_and(|b| b.status == Status::Resolved && b.with_party(a)) =>
            {
                // Reopened while still with the party: the stint runs on from where it
                // stopped, as an SLA's resolution clock does.
                for kind in next_events(ClockPhase::Stopped, paused, false, true) {
                    push(s.stint, ClockMetric::Resolution, kind, "reopened");
                }
            }
            _ if may_start.contains(&a.id) && !before.is_some_and(|b| b.held_by(a)) => {
                let stint = last.map_or(1, |s| s.stint + 1);
                let cause = match a.level {
                    SlaLevel::Ola => format!("reached team {}", a.team_id.unwrap_or_default()),
                    _ => format!("engaged supplier {}", a.supplier_id.unwrap_or_default()),
                };
                push(stint, ClockMetric::Response, Start, &cause);
                push(stint, ClockMetric::Resolution, Start, &cause);
                if paused {
                    push(stint, ClockMetric::Resolution, Pause, &status_cause(after));
                }
                if after.responded(a.level) {
                    push(stint, ClockMetric::Response, Stop, &responded(a, after));
                }
            }
            _ => {}
        }
    }
    out
}

fn responded(a: &Sla, h: &Holding) -> String {
    match a.level {
        SlaLevel::Ola => format!("assigned to user {}", h.assignee_id.unwrap_or_default()),
        _ => "acknowledged by the supplier".to_owned(),
    }
}

/// One stint of an OLA's or contract's clocks on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgreementClock {
    /// The OLA or contract (`/api/v1/slas/{id}`).
    pub id: i64,
    pub name: String,
    pub level: SlaLevel,
    /// The agreement record, if linked.
    pub agreement_id: Option<i64>,
    pub team_id: Option<i64>,
    pub supplier_id: Option<i64>,
    /// 1 the first time the ticket reached the team or supplier, 2 the next, and so on.
    pub stint: i64,
    #[schema(value_type = String)]
    pub started_at: Timestamp,
    /// Absent when the agreement has no target for the ticket's priority.
    pub response: Option<ClockView>,
    pub resolution: Option<ClockView>,
    /// The stint's clock events (in the clock timeline only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<ClockEntry>>,
}

/// Body of `POST /api/v1/{incidents|requests}/{id}/supplier`: hand the ticket to a supplier.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EngageInput {
    pub supplier_id: i64,
    /// The supplier's own reference for the case, if known.
    pub reference: Option<String>,
}

/// Body of `POST …/{id}/supplier/acknowledge`: the supplier confirmed it has the ticket.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeInput {
    pub reference: Option<String>,
}

/// The supplier a ticket is engaged with (on `GET` of one ticket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SupplierEngagement {
    pub supplier_id: i64,
    pub reference: Option<String>,
    /// RFC 3339, UTC.
    pub engaged_at: String,
    pub acknowledged_at: Option<String>,
}

/// An OLA's or contract's compliance over a period: the stints that ended in it, per metric.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AgreementCompliance {
    pub sla_id: i64,
    pub name: String,
    pub level: SlaLevel,
    pub agreement_id: Option<i64>,
    pub team_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub from: String,
    pub to: String,
    /// SLAs: records resolved in the period. OLAs and contracts: stints that ended in it.
    pub measured: i64,
    pub response: crate::service_level::sla::Compliance,
    pub resolution: crate::service_level::sla::Compliance,
}

#[cfg(test)]
mod tests {
    use super::*;
    use ClockEventKind::*;
    use ClockMetric::*;
    use serde_json::json;

    fn ola(id: i64, team: i64) -> Sla {
        let input: crate::service_level::sla::SlaInput = serde_json::from_value(json!({
            "name": format!("OLA {id}"), "level": "ola", "team_id": team,
            "targets": {"P3": {"response_seconds": 60, "resolution_seconds": 600}},
            "pause": [{"status": "pending"}]
        }))
        .unwrap();
        let d = input
            .parse(jiff::civil::Date::constant(2026, 1, 1))
            .unwrap();
        Sla {
            id,
            name: d.name,
            level: d.level,
            service_id: None,
            team_id: d.team_id,
            supplier_id: None,
            agreement_id: None,
            organization_ids: vec![],
            calendar_id: None,
            targets: d.targets,
            response_on: d.response_on,
            pause: d.pause,
            warning_percent: d.warning_percent,
            workload_limit: None,
            exceptions: vec![],
            escalations: vec![],
            review_interval_days: 365,
            last_reviewed_on: d.last_reviewed_on,
            next_review_on: d.last_reviewed_on,
            review_overdue: false,
            active: true,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn held(status: Status, team: Option<i64>, assignee: Option<i64>) -> Holding {
        Holding {
            status,
            pending_reason: None,
            team_id: team,
            assignee_id: assignee,
            supplier_id: None,
            supplier_acknowledged: false,
        }
    }

    fn kinds(p: &[Planned]) -> Vec<(i64, ClockMetric, ClockEventKind)> {
        p.iter().map(|e| (e.stint, e.metric, e.kind)).collect()
    }

    fn stint(n: i64, response: ClockPhase, resolution: ClockPhase) -> StintPhase {
        StintPhase {
            sla_id: 1,
            stint: n,
            response,
            resolution,
        }
    }

    #[test]
    fn reaching_the_team_starts_a_stint_and_a_person_taking_it_stops_the_response() {
        let a = [ola(1, 7)];
        let new = held(Status::New, None, None);
        let assigned = held(Status::Assigned, Some(7), None);
        let p = plan(&a, &[1], &[], Some(&new), &assigned);
        assert_eq!(kinds(&p), [(1, Response, Start), (1, Resolution, Start)]);
        assert_eq!(p[0].cause, "reached team 7");
        let running = [stint(1, ClockPhase::Running, ClockPhase::Running)];
        let taken = held(Status::Assigned, Some(7), Some(3));
        let p = plan(&a, &[1], &running, Some(&assigned), &taken);
        assert_eq!(kinds(&p), [(1, Response, Stop)]);
        // Handed to a person of the team at once: the response is met on arrival.
        let p = plan(&a, &[1], &[], Some(&new), &taken);
        assert_eq!(
            kinds(&p),
            [
                (1, Response, Start),
                (1, Resolution, Start),
                (1, Response, Stop)
            ]
        );
        assert_eq!(p[2].cause, "assigned to user 3");
        // Not allowed to start (inactive, say): nothing starts.
        assert!(plan(&a, &[], &[], Some(&new), &assigned).is_empty());
    }

    #[test]
    fn leaving_the_team_ends_the_stint_and_returning_starts_the_next() {
        let a = [ola(1, 7)];
        let with = held(Status::Assigned, Some(7), None);
        let away = held(Status::Assigned, Some(8), None);
        let running = [stint(1, ClockPhase::Running, ClockPhase::Running)];
        let p = plan(&a, &[1], &running, Some(&with), &away);
        assert_eq!(kinds(&p), [(1, Response, Stop), (1, Resolution, Stop)]);
        assert_eq!(p[0].cause, "reassigned to team 8");
        let ended = [stint(1, ClockPhase::Stopped, ClockPhase::Stopped)];
        let p = plan(&a, &[1], &ended, Some(&away), &with);
        assert_eq!(kinds(&p), [(2, Response, Start), (2, Resolution, Start)]);
    }

    #[test]
    fn pending_pauses_resolution_and_resolving_stops_and_reopening_restarts() {
        let a = [ola(1, 7)];
        let working = held(Status::InProgress, Some(7), Some(3));
        let pending = held(Status::Pending, Some(7), Some(3));
        let resp_met = [stint(1, ClockPhase::Stopped, ClockPhase::Running)];
        let p = plan(&a, &[1], &resp_met, Some(&working), &pending);
        assert_eq!(kinds(&p), [(1, Resolution, Pause)]);
        let paused = [stint(1, ClockPhase::Stopped, ClockPhase::Paused)];
        let p = plan(&a, &[1], &paused, Some(&pending), &working);
        assert_eq!(kinds(&p), [(1, Resolution, Resume)]);
        let resolved = held(Status::Resolved, Some(7), Some(3));
        let p = plan(&a, &[1], &resp_met, Some(&working), &resolved);
        assert_eq!(kinds(&p), [(1, Resolution, Stop)]);
        assert_eq!(p[0].cause, "status resolved");
        let stopped = [stint(1, ClockPhase::Stopped, ClockPhase::Stopped)];
        let p = plan(&a, &[1], &stopped, Some(&resolved), &working);
        assert_eq!(kinds(&p), [(1, Resolution, Restart)]);
    }

    #[test]
    fn a_contract_runs_while_the_supplier_holds_the_ticket() {
        let mut uc = ola(1, 7);
        uc.level = SlaLevel::UnderpinningContract;
        uc.team_id = None;
        uc.supplier_id = Some(4);
        let a = [uc];
        let mut engaged = held(Status::Pending, Some(7), Some(3));
        let before = engaged;
        engaged.supplier_id = Some(4);
        let p = plan(&a, &[1], &[], Some(&before), &engaged);
        // Pending pauses per the contract's rules; the supplier has not acknowledged yet.
        assert_eq!(
            kinds(&p),
            [
                (1, Response, Start),
                (1, Resolution, Start),
                (1, Resolution, Pause)
            ]
        );
        let mut acked = engaged;
        acked.supplier_acknowledged = true;
        let running = [stint(1, ClockPhase::Running, ClockPhase::Paused)];
        assert_eq!(
            kinds(&plan(&a, &[1], &running, Some(&engaged), &acked)),
            [(1, Response, Stop)]
        );
        let p = plan(&a, &[1], &running, Some(&engaged), &before);
        assert_eq!(kinds(&p), [(1, Response, Stop), (1, Resolution, Stop)]);
        assert_eq!(p[0].cause, "released by the supplier");
    }
}
