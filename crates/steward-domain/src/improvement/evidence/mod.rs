//! The evidence map (ISO/IEC 20000-1 clauses 4–10): each clause's checks run over figures read
//! from the live records and answer green (evidence present and current), amber (present but
//! overdue, incomplete or stale) or red (missing), each with the reason in a sentence, the
//! records concerned and what to do next. A clause Steward holds no records for says so rather
//! than pretending to be green.
pub mod checks;
pub mod clauses;
pub mod figures;

use crate::foundation::text_enum::text_enum;
use figures::{Figures, RecordRef};
use serde::{Deserialize, Serialize};

text_enum!(
    Colour {
        Green = "green",
        Amber = "amber",
        Red = "red",
    }
);

impl Colour {
    /// Red outranks amber, amber outranks green.
    fn rank(self) -> u8 {
        match self {
            Colour::Green => 0,
            Colour::Amber => 1,
            Colour::Red => 2,
        }
    }

    pub fn worst(self, other: Colour) -> Colour {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }
}

/// One check's answer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = ConformityFinding)]
pub struct Finding {
    pub colour: Colour,
    /// Why, in a sentence.
    pub reason: String,
    /// What to do to turn it green; none when it is green.
    pub next_step: Option<String>,
    pub records: Vec<RecordRef>,
}

impl Finding {
    pub fn green(reason: impl Into<String>) -> Self {
        Finding {
            colour: Colour::Green,
            reason: reason.into(),
            next_step: None,
            records: Vec::new(),
        }
    }

    pub fn amber(
        reason: impl Into<String>,
        next: impl Into<String>,
        records: &[RecordRef],
    ) -> Self {
        Finding {
            colour: Colour::Amber,
            reason: reason.into(),
            next_step: Some(next.into()),
            records: records.to_vec(),
        }
    }

    pub fn red(reason: impl Into<String>, next: impl Into<String>) -> Self {
        Finding {
            colour: Colour::Red,
            reason: reason.into(),
            next_step: Some(next.into()),
            records: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CheckResult {
    /// A stable name, e.g. `services_without_sla`.
    pub check: String,
    #[serde(flatten)]
    pub finding: Finding,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ClauseStatus {
    pub clause: String,
    pub title: String,
    /// 0 for a main clause (`8`), 1 for `8.2`, 2 for `8.2.1`.
    pub depth: usize,
    /// The worst colour of its checks (and of the clauses under it); none when Steward holds
    /// no records that could evidence it.
    pub colour: Option<Colour>,
    /// For a clause Steward does not assess: why, and where the evidence must come from.
    pub not_assessed: Option<String>,
    pub checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Totals {
    /// Clauses with checks, by their colour; main clauses and groups are not counted.
    pub green: i64,
    pub amber: i64,
    pub red: i64,
    pub not_assessed: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct EvidenceMap {
    /// `YYYY-MM-DD`, UTC.
    pub as_of: String,
    pub totals: Totals,
    pub clauses: Vec<ClauseStatus>,
}

impl EvidenceMap {
    pub fn any_red(&self) -> bool {
        self.totals.red > 0
    }
}

/// One day of the map's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HistoryDay {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub green: i64,
    pub amber: i64,
    pub red: i64,
    pub not_assessed: i64,
    pub taken_at: String,
}

/// Runs every check over `figures` and rolls the colours up the clause tree.
pub fn assess(figures: &Figures) -> EvidenceMap {
    let mut rows: Vec<ClauseStatus> = clauses::CLAUSES
        .iter()
        .map(|c| {
            let checks: Vec<CheckResult> = checks::CHECKS
                .iter()
                .filter(|k| k.clause == c.number)
                .map(|k| CheckResult {
                    check: k.name.to_owned(),
                    finding: (k.run)(figures),
                })
                .collect();
            let colour = checks
                .iter()
                .map(|r| r.finding.colour)
                .reduce(Colour::worst);
            ClauseStatus {
                clause: c.number.to_owned(),
                title: c.title.to_owned(),
                depth: clauses::depth(c.number),
                colour,
                not_assessed: None,
                checks,
            }
        })
        .collect();
    let leaf = |i: usize, rows: &[ClauseStatus]| {
        !rows
            .iter()
            .any(|r| clauses::is_under(&r.clause, &rows[i].clause))
    };
    let mut totals = Totals::default();
    for i in 0..rows.len() {
        if !leaf(i, &rows) {
            continue;
        }
        match rows[i].colour {
            Some(Colour::Green) => totals.green += 1,
            Some(Colour::Amber) => totals.amber += 1,
            Some(Colour::Red) => totals.red += 1,
            None => {
                totals.not_assessed += 1;
                rows[i].not_assessed = Some(checks::not_assessed(&rows[i].clause).to_owned());
            }
        }
    }
    // A group is as bad as the worst clause under it.
    for i in 0..rows.len() {
        let under = rows
            .iter()
            .filter(|r| clauses::is_under(&r.clause, &rows[i].clause))
            .filter_map(|r| r.colour)
            .reduce(Colour::worst);
        if let Some(u) = under {
            rows[i].colour = Some(rows[i].colour.map_or(u, |c| c.worst(u)));
        }
    }
    EvidenceMap {
        as_of: figures.today.clone(),
        totals,
        clauses: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_system_is_red_and_groups_take_the_worst_colour() {
        let map = assess(&Figures {
            today: "2026-12-05".into(),
            ..Default::default()
        });
        assert!(map.any_red());
        let eight = map.clauses.iter().find(|c| c.clause == "8").unwrap();
        assert_eq!(eight.colour, Some(Colour::Red));
        let budget = map.clauses.iter().find(|c| c.clause == "8.4.1").unwrap();
        assert_eq!(budget.colour, None);
        assert!(budget.not_assessed.is_some());
        let counted =
            map.totals.green + map.totals.amber + map.totals.red + map.totals.not_assessed;
        let leaves = clauses::CLAUSES
            .iter()
            .filter(|c| {
                !clauses::CLAUSES
                    .iter()
                    .any(|o| clauses::is_under(o.number, c.number))
            })
            .count();
        assert_eq!(counted as usize, leaves);
    }
}
