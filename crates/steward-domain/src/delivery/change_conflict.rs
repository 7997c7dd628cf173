//! Change conflicts (ISO/IEC 20000-1 8.5.1.3: changes are scheduled so that they do not
//! disturb each other or the agreed service): pure rules over what the store loads.
//!
//! A change's planned window is `[start, end)`; two windows conflict when they overlap (a
//! change ending at 22:00 and one starting at 22:00 do not). For a change with a window:
//!
//! - **same_ci**: another change whose window overlaps works on one of the same CIs. The CIs
//!   a change works on are its affected CIs and the CIs of its affected services (a service
//!   is a CI too).
//! - **dependent_ci**: another change whose window overlaps works on a CI that depends on one
//!   of this change's CIs, or that one of them depends on, directly or through a chain of CI
//!   relations (the relations of the impact analysis). Two CIs that merely share a
//!   dependency do not depend on each other. One conflict per other change: the same CI when
//!   there is one, else the shortest chain.
//! - **blackout**: the window overlaps a blackout window that covers every service or one of
//!   the services the change affects (directly or through the impact analysis).
//! - **outside_maintenance**: a service the change affects has maintenance windows (planned
//!   outages) recorded and the change's window is not wholly inside them (windows that touch
//!   or overlap count as one). A service with no maintenance window recorded at all has no
//!   such conflict: nothing was agreed about when it may be worked on.
//!
//! Which changes count as the "other" change: those in `assessment`, `authorized`,
//! `scheduled` or `implementing` — changes that still intend to happen or are happening. A
//! draft is not yet a commitment, and a change in review, closed or cancelled no longer
//! occupies its window. Conflicts are computed for changes from `draft` to `implementing`
//! (so a draft shows what it would clash with); a change past implementation has none.
use crate::delivery::change::ChangeStatus;
use crate::foundation::text_enum::text_enum;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

text_enum!(
    /// What a change conflicts with.
    ConflictKind as ChangeConflictKind {
        /// Another change overlapping in time on the same CI.
        SameCi = "same_ci",
        /// Another change overlapping in time on a CI that depends on one of this change's,
        /// or that one of them depends on.
        DependentCi = "dependent_ci",
        /// The window overlaps a blackout window covering an affected service (or all).
        Blackout = "blackout",
        /// The window is not inside the maintenance windows of an affected service.
        OutsideMaintenance = "outside_maintenance",
    }
);

/// One conflict of a change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ChangeConflict)]
pub struct Conflict {
    pub kind: ConflictKind,
    /// The other change (`same_ci`, `dependent_ci`).
    pub change_id: Option<i64>,
    pub change_number: Option<String>,
    /// The blackout window (`blackout`).
    pub blackout_id: Option<i64>,
    pub blackout_name: Option<String>,
    /// The service concerned: the covered one for `blackout` (none when the blackout covers
    /// every service), the one whose maintenance windows the change leaves (`outside_maintenance`).
    pub service_id: Option<i64>,
    pub service_name: Option<String>,
    /// The CIs through which the changes meet (`same_ci`: the one CI; `dependent_ci`: the
    /// chain, each CI depending on the next).
    #[serde(default)]
    pub path: Vec<i64>,
    /// The names of `path`'s CIs, in the same order.
    #[serde(default)]
    pub path_names: Vec<String>,
    /// The conflict in words.
    #[serde(default)]
    pub description: String,
}

impl Conflict {
    fn new(kind: ConflictKind) -> Conflict {
        Conflict {
            kind,
            change_id: None,
            change_number: None,
            blackout_id: None,
            blackout_name: None,
            service_id: None,
            service_name: None,
            path: Vec::new(),
            path_names: Vec::new(),
            description: String::new(),
        }
    }

    /// Writes `description` from the fields (names filled in where known).
    pub fn describe(&mut self) {
        let chain = if self.path_names.len() == self.path.len() && !self.path.is_empty() {
            self.path_names.join(" → ")
        } else {
            self.path
                .iter()
                .map(|c| format!("CI {c}"))
                .collect::<Vec<_>>()
                .join(" → ")
        };
        let other = self.change_number.clone().unwrap_or_default();
        let service = self
            .service_name
            .clone()
            .or_else(|| self.service_id.map(|s| format!("service {s}")));
        self.description = match self.kind {
            ConflictKind::SameCi => format!("{other} overlaps on the same CI {chain}"),
            ConflictKind::DependentCi => {
                format!("{other} overlaps on a dependent CI ({chain}; each depends on the next)")
            }
            ConflictKind::Blackout => {
                let name = self.blackout_name.clone().unwrap_or_default();
                match service {
                    Some(s) => format!("inside the blackout window {name}, which covers {s}"),
                    None => {
                        format!("inside the blackout window {name}, which covers every service")
                    }
                }
            }
            ConflictKind::OutsideMaintenance => format!(
                "outside the maintenance windows of {}",
                service.unwrap_or_default()
            ),
        };
    }
}

/// A planned window `[start, end)` in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: i64,
    pub end: i64,
}

impl Window {
    pub fn overlaps(&self, other: &Window) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Whether `[start, end)` is wholly covered by the union of `windows` (an open end lasts
/// forever). Windows that touch or overlap join.
pub fn covered(window: Window, windows: &[(i64, Option<i64>)]) -> bool {
    let mut sorted: Vec<(i64, Option<i64>)> = windows.to_vec();
    sorted.sort_by_key(|w| w.0);
    let mut reached = window.start;
    for (start, end) in sorted {
        if start > reached {
            break;
        }
        match end {
            None => return true,
            Some(end) => reached = reached.max(end),
        }
        if reached >= window.end {
            return true;
        }
    }
    reached >= window.end
}

/// Which changes occupy their window for others.
pub fn occupies(status: ChangeStatus) -> bool {
    matches!(
        status,
        ChangeStatus::Assessment
            | ChangeStatus::Authorized
            | ChangeStatus::Scheduled
            | ChangeStatus::Implementing
    )
}

/// Which changes are checked for conflicts at all.
pub fn checked(status: ChangeStatus) -> bool {
    status == ChangeStatus::Draft || occupies(status)
}

/// What conflict detection needs of one change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub id: i64,
    pub number: String,
    pub status: ChangeStatus,
    pub window: Window,
    /// The CIs it works on: its affected CIs and its affected services' CIs, sorted.
    pub cis: Vec<i64>,
    /// The services it affects, directly or through the impact analysis, sorted.
    pub services: Vec<i64>,
}

/// A blackout window as conflict detection needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlackoutWindow {
    pub id: i64,
    pub name: String,
    pub window: Window,
    /// Empty: every service.
    pub services: Vec<i64>,
}

/// The maintenance windows (planned outages) of the services concerned: a service present
/// has maintenance windows recorded; its list holds those near the changes' windows.
#[derive(Debug, Clone, Default)]
pub struct Maintenance {
    pub windows: HashMap<i64, Vec<(i64, Option<i64>)>>,
}

/// CI relations as edges from the dependent CI to the CI it depends on, both ways round.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    down: HashMap<i64, Vec<i64>>,
    up: HashMap<i64, Vec<i64>>,
}

impl Graph {
    /// From (dependent, dependency) pairs.
    pub fn new(edges: &[(i64, i64)]) -> Graph {
        let mut g = Graph::default();
        for &(dependent, dependency) in edges {
            g.down.entry(dependent).or_default().push(dependency);
            g.up.entry(dependency).or_default().push(dependent);
        }
        g
    }

    /// Breadth-first from `roots` along one direction: each reached CI with the CI it was
    /// first reached from (roots map to themselves).
    fn reach(&self, roots: &[i64], down: bool) -> HashMap<i64, i64> {
        let next = if down { &self.down } else { &self.up };
        let mut parent: HashMap<i64, i64> = roots.iter().map(|&r| (r, r)).collect();
        let mut queue: VecDeque<i64> = roots.iter().copied().collect();
        while let Some(at) = queue.pop_front() {
            for &n in next.get(&at).map(Vec::as_slice).unwrap_or(&[]) {
                if let std::collections::hash_map::Entry::Vacant(e) = parent.entry(n) {
                    e.insert(at);
                    queue.push_back(n);
                }
            }
        }
        parent
    }
}

/// The chain from a root to `ci` (root first).
fn chain(parent: &HashMap<i64, i64>, ci: i64) -> Vec<i64> {
    let mut path = vec![ci];
    let mut at = ci;
    while let Some(&p) = parent.get(&at) {
        if p == at || path.len() > parent.len() {
            break;
        }
        path.push(p);
        at = p;
    }
    path.reverse();
    path
}

/// The conflicts of `change` with the other changes, blackouts and maintenance windows
/// given (those given may include the change itself and changes that do not overlap; they
/// are skipped). Order: changes by number, blackouts by start, services by id.
pub fn conflicts(
    change: &Planned,
    others: &[Planned],
    graph: &Graph,
    blackouts: &[BlackoutWindow],
    maintenance: &Maintenance,
) -> Vec<Conflict> {
    if !checked(change.status) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut overlapping: Vec<&Planned> = others
        .iter()
        .filter(|o| o.id != change.id && occupies(o.status) && o.window.overlaps(&change.window))
        .collect();
    overlapping.sort_by(|a, b| a.number.cmp(&b.number).then(a.id.cmp(&b.id)));
    overlapping.dedup_by_key(|o| o.id);
    if !overlapping.is_empty() && !change.cis.is_empty() {
        let mine: HashSet<i64> = change.cis.iter().copied().collect();
        // The graph is walked only when some overlapping change has a CI this one lacks.
        let need_walk = overlapping
            .iter()
            .any(|o| o.cis.iter().any(|c| !mine.contains(c)));
        let (down, up) = if need_walk {
            (
                graph.reach(&change.cis, true),
                graph.reach(&change.cis, false),
            )
        } else {
            Default::default()
        };
        for o in overlapping {
            if let Some(&ci) = o.cis.iter().find(|c| mine.contains(c)) {
                let mut c = Conflict::new(ConflictKind::SameCi);
                c.change_id = Some(o.id);
                c.change_number = Some(o.number.clone());
                c.path = vec![ci];
                out.push(c);
                continue;
            }
            // The shortest chain either way: this change's CI depending on the other's
            // (down), or the other's depending on this change's (up, written dependent first).
            let mut best: Option<Vec<i64>> = None;
            for &ci in &o.cis {
                let candidates = [
                    down.contains_key(&ci).then(|| chain(&down, ci)),
                    up.contains_key(&ci).then(|| {
                        let mut p = chain(&up, ci);
                        p.reverse();
                        p
                    }),
                ];
                for p in candidates.into_iter().flatten() {
                    if best.as_ref().is_none_or(|b| p.len() < b.len()) {
                        best = Some(p);
                    }
                }
            }
            if let Some(path) = best {
                let mut c = Conflict::new(ConflictKind::DependentCi);
                c.change_id = Some(o.id);
                c.change_number = Some(o.number.clone());
                c.path = path;
                out.push(c);
            }
        }
    }
    let services: BTreeSet<i64> = change.services.iter().copied().collect();
    let mut hit: Vec<&BlackoutWindow> = blackouts
        .iter()
        .filter(|b| b.window.overlaps(&change.window))
        .collect();
    hit.sort_by_key(|b| (b.window.start, b.id));
    hit.dedup_by_key(|b| b.id);
    for b in hit {
        let covered_service = if b.services.is_empty() {
            Some(None)
        } else {
            b.services
                .iter()
                .find(|s| services.contains(s))
                .map(|s| Some(*s))
        };
        if let Some(service) = covered_service {
            let mut c = Conflict::new(ConflictKind::Blackout);
            c.blackout_id = Some(b.id);
            c.blackout_name = Some(b.name.clone());
            c.service_id = service;
            out.push(c);
        }
    }
    for s in services {
        if let Some(windows) = maintenance.windows.get(&s)
            && !covered(change.window, windows)
        {
            let mut c = Conflict::new(ConflictKind::OutsideMaintenance);
            c.service_id = Some(s);
            out.push(c);
        }
    }
    for c in &mut out {
        c.describe();
    }
    out
}

/// The conflicts of each checked change whose window overlaps `within`, against all of
/// `changes` (which should hold every change overlapping those): one walk of the graph per
/// change that overlaps another, none per pair. A sweep over start times pairs only changes
/// that overlap.
pub fn all_conflicts(
    changes: &[Planned],
    within: Window,
    graph: &Graph,
    blackouts: &[BlackoutWindow],
    maintenance: &Maintenance,
) -> Vec<(i64, Vec<Conflict>)> {
    let mut occupying: Vec<&Planned> = changes.iter().filter(|c| occupies(c.status)).collect();
    occupying.sort_by_key(|c| (c.window.start, c.id));
    let mut out = Vec::new();
    for change in changes
        .iter()
        .filter(|c| checked(c.status) && c.window.overlaps(&within))
    {
        // Occupying changes starting before this one ends; those that also end after it
        // starts overlap.
        let until = occupying.partition_point(|o| o.window.start < change.window.end);
        let others: Vec<Planned> = occupying[..until]
            .iter()
            .filter(|o| o.window.end > change.window.start && o.id != change.id)
            .map(|o| (*o).clone())
            .collect();
        out.push((
            change.id,
            conflicts(change, &others, graph, blackouts, maintenance),
        ));
    }
    out.sort_by_key(|(id, _)| *id);
    out.dedup_by_key(|(id, _)| *id);
    out
}

/// A change with its conflicts, for a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChangeConflicts {
    pub change_id: i64,
    pub change_number: String,
    pub conflicts: Vec<Conflict>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const H: i64 = 3_600_000_000;

    fn planned(id: i64, status: ChangeStatus, from: i64, to: i64, cis: &[i64]) -> Planned {
        Planned {
            id,
            number: format!("CHG-{id:06}"),
            status,
            window: Window {
                start: from * H,
                end: to * H,
            },
            cis: cis.to_vec(),
            services: Vec::new(),
        }
    }

    fn kinds(c: &[Conflict]) -> Vec<(ConflictKind, Option<i64>, Vec<i64>)> {
        c.iter()
            .map(|c| (c.kind, c.change_id, c.path.clone()))
            .collect()
    }

    #[test]
    fn same_ci_and_dependent_ci_with_the_chain() {
        use ChangeStatus::*;
        // app(10) runs on vm(11), which depends on storage(12); web(13) depends on app.
        let g = Graph::new(&[(10, 11), (11, 12), (13, 10)]);
        let me = planned(1, Scheduled, 20, 22, &[11]);
        let others = [
            planned(2, Scheduled, 21, 23, &[11]),    // same CI
            planned(3, Authorized, 19, 21, &[12]),   // vm depends on storage
            planned(4, Implementing, 21, 22, &[13]), // web → app → vm
            planned(5, Scheduled, 22, 23, &[11]),    // touches, does not overlap
            planned(6, Draft, 20, 22, &[11]),        // a draft occupies nothing
            planned(7, Closed, 20, 22, &[11]),       // nor a closed change
        ];
        let c = conflicts(&me, &others, &g, &[], &Maintenance::default());
        assert_eq!(
            kinds(&c),
            [
                (ConflictKind::SameCi, Some(2), vec![11]),
                (ConflictKind::DependentCi, Some(3), vec![11, 12]),
                (ConflictKind::DependentCi, Some(4), vec![13, 10, 11]),
            ]
        );
        assert!(
            c[2].description.contains("CHG-000004"),
            "{}",
            c[2].description
        );
    }

    #[test]
    fn siblings_sharing_a_dependency_do_not_conflict() {
        use ChangeStatus::*;
        let g = Graph::new(&[(1, 3), (2, 3)]);
        let me = planned(1, Scheduled, 0, 2, &[1]);
        let other = planned(2, Scheduled, 0, 2, &[2]);
        assert!(conflicts(&me, &[other], &g, &[], &Maintenance::default()).is_empty());
    }

    #[test]
    fn blackouts_cover_all_services_or_the_listed_ones() {
        let mut me = planned(1, ChangeStatus::Draft, 10, 12, &[]);
        me.services = vec![5, 6];
        let b = |id, from: i64, to: i64, services: &[i64]| BlackoutWindow {
            id,
            name: format!("B{id}"),
            window: Window {
                start: from * H,
                end: to * H,
            },
            services: services.to_vec(),
        };
        let blackouts = [
            b(1, 11, 30, &[]),
            b(2, 0, 11, &[6, 7]),
            b(3, 0, 11, &[7]),
            b(4, 12, 20, &[]),
        ];
        let c = conflicts(
            &me,
            &[],
            &Graph::default(),
            &blackouts,
            &Maintenance::default(),
        );
        let got: Vec<(Option<i64>, Option<i64>)> =
            c.iter().map(|c| (c.blackout_id, c.service_id)).collect();
        assert_eq!(got, [(Some(2), Some(6)), (Some(1), None)]);
    }

    #[test]
    fn outside_maintenance_only_for_services_that_have_windows() {
        let mut me = planned(1, ChangeStatus::Scheduled, 10, 14, &[]);
        me.services = vec![1, 2, 3];
        let mut m = Maintenance::default();
        // Service 1: two windows touching, covering 09–15: inside.
        m.windows
            .insert(1, vec![(12 * H, Some(15 * H)), (9 * H, Some(12 * H))]);
        // Service 2: a gap from 12 to 13: outside.
        m.windows
            .insert(2, vec![(9 * H, Some(12 * H)), (13 * H, Some(15 * H))]);
        // Service 3: none recorded: no conflict.
        let c = conflicts(&me, &[], &Graph::default(), &[], &m);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].kind, ConflictKind::OutsideMaintenance);
        assert_eq!(c[0].service_id, Some(2));
        // Windows recorded but none near: outside too.
        m.windows.insert(3, Vec::new());
        assert_eq!(conflicts(&me, &[], &Graph::default(), &[], &m).len(), 2);
    }

    #[test]
    fn changes_past_implementation_have_no_conflicts() {
        let me = planned(1, ChangeStatus::Closed, 0, 2, &[1]);
        let other = planned(2, ChangeStatus::Scheduled, 0, 2, &[1]);
        assert!(
            conflicts(
                &me,
                &[other],
                &Graph::default(),
                &[],
                &Maintenance::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn cycles_in_the_relations_end() {
        let g = Graph::new(&[(1, 2), (2, 3), (3, 1)]);
        let me = planned(1, ChangeStatus::Scheduled, 0, 2, &[1]);
        let other = planned(2, ChangeStatus::Scheduled, 0, 2, &[3]);
        let c = conflicts(&me, &[other], &g, &[], &Maintenance::default());
        // 3 depends on 1 directly: the shorter chain wins.
        assert_eq!(c[0].path, [3, 1]);
    }

    fn naive_covered(w: Window, windows: &[(i64, Option<i64>)]) -> bool {
        (w.start..w.end).all(|t| {
            windows
                .iter()
                .any(|&(s, e)| s <= t && e.is_none_or(|e| t < e))
        })
    }

    proptest! {
        #[test]
        fn overlap_is_symmetric_and_matches_a_shared_instant(
            a in 0i64..50, al in 1i64..20, b in 0i64..50, bl in 1i64..20
        ) {
            let x = Window { start: a, end: a + al };
            let y = Window { start: b, end: b + bl };
            prop_assert_eq!(x.overlaps(&y), y.overlaps(&x));
            let shared = (a..a + al).any(|t| b <= t && t < b + bl);
            prop_assert_eq!(x.overlaps(&y), shared);
        }

        #[test]
        fn coverage_matches_an_instant_by_instant_check(
            s in 0i64..40, l in 1i64..20,
            windows in proptest::collection::vec((0i64..60, proptest::option::of(1i64..20)), 0..6)
        ) {
            let w = Window { start: s, end: s + l };
            let windows: Vec<(i64, Option<i64>)> =
                windows.into_iter().map(|(a, len)| (a, len.map(|l| a + l))).collect();
            prop_assert_eq!(covered(w, &windows), naive_covered(w, &windows));
        }

        #[test]
        fn the_calendar_finds_what_each_change_finds_alone(
            specs in proptest::collection::vec((0i64..30, 1i64..6, 0i64..8, 0usize..4), 1..25)
        ) {
            use ChangeStatus::*;
            let statuses = [Draft, Scheduled, Authorized, Closed];
            let changes: Vec<Planned> = specs
                .iter()
                .enumerate()
                .map(|(i, &(s, l, ci, st))| planned(i as i64 + 1, statuses[st], s, s + l, &[ci]))
                .collect();
            let g = Graph::new(&[(0, 1), (1, 2), (3, 2), (4, 5), (6, 4)]);
            let within = Window { start: 10 * H, end: 20 * H };
            let all = all_conflicts(&changes, within, &g, &[], &Maintenance::default());
            let expected = changes
                .iter()
                .filter(|c| checked(c.status) && c.window.overlaps(&within))
                .count();
            prop_assert_eq!(all.len(), expected);
            for (id, found) in all {
                let me = changes.iter().find(|c| c.id == id).unwrap();
                let alone = conflicts(me, &changes, &g, &[], &Maintenance::default());
                prop_assert_eq!(found, alone);
            }
        }
    }
}
