//! Change conflict detection (8.5.1.3): the rules are in `steward_domain`'s
//! `change_conflict`; here the store loads what they need with a fixed number of queries —
//! for one change the relations around its CIs, for a calendar all relations once.
use crate::delivery::change_config::may_read;
use crate::{App, AppError, Result};
use std::collections::BTreeSet;
use steward_domain::Actor;
use steward_domain::delivery::change_conflict::{
    ChangeConflicts, Conflict, Graph, Window, all_conflicts, checked, conflicts, occupies,
};
use steward_store::Ex;
use steward_store::delivery::{change_blackouts, change_conflicts};

/// The longest period one calendar query covers.
pub const CALENDAR_MAX_DAYS: i64 = 366;

/// The conflicts of one change as it is stored (none without a planned window, or past
/// implementation), with CI and service names and descriptions.
pub(crate) async fn conflicts_for(mut ex: Ex<'_>, id: i64) -> Result<Vec<Conflict>> {
    let Some(me) = change_conflicts::one(ex.by_ref(), id).await? else {
        return Ok(Vec::new());
    };
    if !checked(me.status) {
        return Ok(Vec::new());
    }
    let (from, to) = (me.window.start, me.window.end);
    let others = change_conflicts::between(ex.by_ref(), from, to).await?;
    let mine: BTreeSet<i64> = me.cis.iter().copied().collect();
    // The relations are read only when an overlapping change works on other CIs.
    let walk = others
        .iter()
        .any(|o| o.id != me.id && occupies(o.status) && o.cis.iter().any(|c| !mine.contains(c)));
    let edges = if walk && !me.cis.is_empty() {
        change_conflicts::relations_around(ex.by_ref(), &me.cis).await?
    } else {
        Vec::new()
    };
    let blackouts = change_blackouts::windows(ex.by_ref(), from, to).await?;
    let maintenance =
        change_conflicts::maintenance(ex.by_ref(), Some(&me.services), from, to).await?;
    let mut found = conflicts(&me, &others, &Graph::new(&edges), &blackouts, &maintenance);
    name(ex, found.iter_mut()).await?;
    Ok(found)
}

/// Fills in CI and service names and rewrites the descriptions with them (two queries).
async fn name<'a>(mut ex: Ex<'_>, found: impl Iterator<Item = &'a mut Conflict>) -> Result<()> {
    let found: Vec<&mut Conflict> = found.collect();
    let cis: BTreeSet<i64> = found.iter().flat_map(|c| c.path.iter().copied()).collect();
    let services: BTreeSet<i64> = found.iter().filter_map(|c| c.service_id).collect();
    let ci_names = change_conflicts::ci_names(ex.by_ref(), &cis).await?;
    let service_names = change_conflicts::service_names(ex, &services).await?;
    for c in found {
        c.path_names = c
            .path
            .iter()
            .map(|id| {
                ci_names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("CI {id}"))
            })
            .collect();
        c.service_name = c.service_id.and_then(|s| service_names.get(&s).cloned());
        c.describe();
    }
    Ok(())
}

impl App {
    /// `GET /api/v1/changes/{id}/conflicts`: what the change conflicts with now.
    pub async fn change_conflicts(&self, actor: &Actor, id: i64) -> Result<Vec<Conflict>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        if steward_store::delivery::changes::get(conn.ex(), id)
            .await?
            .is_none()
        {
            return Err(AppError::not_found("change", id));
        }
        conflicts_for(conn.ex(), id).await
    }

    /// The conflicts of every change from draft to implementing whose planned window
    /// overlaps `[from, to)` (microseconds), for a change calendar; only changes with at
    /// least one conflict, by id. A fixed number of queries however many changes: the
    /// changes in the period, those overlapping them, all CI relations once, the blackouts
    /// and maintenance windows of the period, and the names.
    pub async fn change_conflicts_between(
        &self,
        actor: &Actor,
        from: i64,
        to: i64,
    ) -> Result<Vec<ChangeConflicts>> {
        may_read(actor)?;
        if to <= from {
            return Err(AppError::invalid("to", "must be after from"));
        }
        if to - from > CALENDAR_MAX_DAYS * 86_400_000_000 {
            return Err(AppError::invalid(
                "to",
                format!("a period of at most {CALENDAR_MAX_DAYS} days"),
            ));
        }
        let mut conn = self.db.read().await?;
        let mut ex = conn.ex();
        let inside = change_conflicts::between(ex.by_ref(), from, to).await?;
        if inside.is_empty() {
            return Ok(Vec::new());
        }
        // Changes reaching past the period meet others outside it: widen to cover them.
        let start = inside.iter().map(|c| c.window.start).min().unwrap_or(from);
        let end = inside.iter().map(|c| c.window.end).max().unwrap_or(to);
        let all = if start < from || end > to {
            change_conflicts::between(ex.by_ref(), start, end).await?
        } else {
            inside
        };
        let edges = change_conflicts::all_relations(ex.by_ref()).await?;
        let blackouts = change_blackouts::windows(ex.by_ref(), start, end).await?;
        let maintenance = change_conflicts::maintenance(ex.by_ref(), None, start, end).await?;
        let found = all_conflicts(
            &all,
            Window {
                start: from,
                end: to,
            },
            &Graph::new(&edges),
            &blackouts,
            &maintenance,
        );
        let mut out: Vec<ChangeConflicts> = found
            .into_iter()
            .filter(|(_, c)| !c.is_empty())
            .map(|(id, conflicts)| ChangeConflicts {
                change_id: id,
                change_number: all
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.number.clone())
                    .unwrap_or_default(),
                conflicts,
            })
            .collect();
        name(ex, out.iter_mut().flat_map(|c| c.conflicts.iter_mut())).await?;
        Ok(out)
    }
}
