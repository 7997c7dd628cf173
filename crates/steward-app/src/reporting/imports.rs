//! Importing history from other service desks: records folded from an export (by the domain)
//! are written in one transaction — all of them or none — keyed by source and external key,
//! so running the same import again updates records instead of duplicating them.
use crate::app::{change, require};
use crate::{App, AppError, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use steward_domain::foundation::people::{NewOrganization, NewTeam};
use steward_domain::reporting::history::ImportedRecord;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::resolution::workflow::Status;
use steward_domain::{Actor, Permission};
use steward_store::reporting::imports::{self, EventRow, ImportRow, Load, Provenance};
use steward_store::{
    Tx, delivery::services, foundation::orgs, foundation::teams, resolution::tickets,
};

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportSummary {
    pub source: String,
    pub records: usize,
    pub created: usize,
    pub updated: usize,
    /// Already imported with identical rows.
    pub unchanged: usize,
    pub teams_created: usize,
    pub organizations_created: usize,
    /// Records refused for their references (`line N: …`); rows refused earlier are the
    /// caller's to report.
    pub skipped: Vec<String>,
    pub file_sha256: String,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub source: String,
    pub kind: TicketKind,
    pub create_teams: bool,
    /// Create an organization for each name not yet known.
    pub create_organizations: bool,
    /// Refuse the whole import if any record cannot be written.
    pub strict: bool,
    pub file_sha256: String,
    /// How the created records' rows are sent: `Load::Copy` (PostgreSQL only, refused on
    /// SQLite) streams them with COPY, for bulk loads such as the benchmarks' seeding.
    pub load: Load,
}

/// Names resolved to ids once per import.
#[derive(Default)]
struct Names {
    teams: HashMap<String, Option<i64>>,
    services: HashMap<String, Option<i64>>,
    orgs: HashMap<String, Option<i64>>,
}

/// An import being written: one transaction that batches of records are added to, so
/// memory holds the records in flight while the whole import still commits (or, refused,
/// rolls back) at once.
pub struct ImportSession {
    tx: Tx,
    actor: Actor,
    options: ImportOptions,
    now: i64,
    matrix: steward_domain::resolution::ticket::PriorityMatrix,
    names: Names,
    /// Numbers given to records created by this import, to refuse a second record with one.
    seen_numbers: HashSet<String>,
    summary: ImportSummary,
    /// How many records had been read when the lookups' statistics were last refreshed.
    analyzed_at: usize,
}

/// An import refreshes the statistics its lookups are planned from once it has read this
/// many records, and again each time the count doubles: a handful of times per import.
const FIRST_STATISTICS: usize = 10_000;

impl App {
    /// Writes every record in one transaction: [`App::begin_import`], one
    /// [`App::import_batch`], [`App::finish_import`].
    pub async fn import_history(
        &self,
        actor: &Actor,
        options: &ImportOptions,
        records: Vec<ImportedRecord>,
    ) -> Result<ImportSummary> {
        let mut session = self.begin_import(actor, options).await?;
        self.import_batch(&mut session, records).await?;
        self.finish_import(session).await
    }

    /// Opens the import's transaction.
    pub async fn begin_import(
        &self,
        actor: &Actor,
        options: &ImportOptions,
    ) -> Result<ImportSession> {
        require(actor, Permission::ImportHistory)?;
        let mut tx = self.db.begin().await?;
        if options.load == Load::Copy && matches!(tx, Tx::Sqlite(_)) {
            return Err(AppError::invalid(
                "load",
                "COPY is PostgreSQL's bulk load; on SQLite an import writes with INSERT",
            ));
        }
        let matrix = crate::resolution::tickets::matrix(tx.ex()).await?;
        Ok(ImportSession {
            tx,
            actor: actor.clone(),
            options: options.clone(),
            now: self.now(),
            matrix,
            names: Names::default(),
            seen_numbers: HashSet::new(),
            summary: ImportSummary {
                source: options.source.clone(),
                file_sha256: options.file_sha256.clone(),
                ..Default::default()
            },
            analyzed_at: 0,
        })
    }

    /// Writes a batch of records into the import's transaction. Under `strict`, a record
    /// refused for its references fails the batch; dropping the session then rolls back
    /// everything written before it.
    pub async fn import_batch(
        &self,
        session: &mut ImportSession,
        records: Vec<ImportedRecord>,
    ) -> Result<()> {
        let ImportSession {
            tx,
            actor,
            options,
            now,
            matrix,
            names,
            seen_numbers,
            summary,
            analyzed_at,
        } = session;
        let (actor, options, now) = (&*actor, &*options, *now);
        if summary.records >= FIRST_STATISTICS.max(2 * *analyzed_at) {
            imports::refresh_statistics(tx.ex()).await?;
            *analyzed_at = summary.records;
        }
        let skipped_before = summary.skipped.len();
        summary.records += records.len();
        let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
        let existing = imports::existing_keys(tx.ex(), &options.source, &keys).await?;
        let numbers: Vec<String> = records
            .iter()
            .filter(|r| !existing.contains_key(&r.key))
            .map(|r| r.number.clone())
            .collect();
        let taken: HashSet<String> = imports::numbers_taken(tx.ex(), &options.source, &numbers)
            .await?
            .into_iter()
            .collect();
        let mut fresh = Vec::new();
        let mut changed = Vec::new();
        for record in &records {
            let refused =
                |why: String| format!("line {}: record {}: {why}", record.first_line, record.key);
            let prior = existing.get(&record.key);
            if prior.is_some_and(|p| p.digest == record.digest) {
                summary.unchanged += 1;
                continue;
            }
            if prior.is_none()
                && (taken.contains(&record.number) || !seen_numbers.insert(record.number.clone()))
            {
                summary.skipped.push(refused(format!(
                    "number {} is already used by another ticket",
                    record.number
                )));
                continue;
            }
            let service_id = match &record.service {
                None => None,
                Some(s) => match lookup(&mut names.services, s, async |n| {
                    services::id_by_name(tx.ex(), n).await
                })
                .await?
                {
                    Some(id) => Some(id),
                    None => {
                        summary
                            .skipped
                            .push(refused(format!("no service named {s:?}")));
                        continue;
                    }
                },
            };
            let organization_id = match &record.organization {
                None => None,
                Some(o) => match self
                    .organization_named(tx, actor, names, o, options, now, summary)
                    .await?
                {
                    Some(id) => Some(id),
                    None => {
                        summary
                            .skipped
                            .push(refused(format!("no organization named {o:?}")));
                        continue;
                    }
                },
            };
            // Last: a record refused for its service or organization creates no team.
            // Every team the record passed through is a team, not only its last one.
            let mut passed: Vec<&str> = Vec::new();
            for t in record.history.iter().filter_map(|h| h.team.as_deref()) {
                if Some(t) != record.team.as_deref() && !passed.contains(&t) {
                    passed.push(t);
                }
            }
            for t in passed {
                self.team_named(tx, actor, names, t, options, now, summary)
                    .await?;
            }
            let team_id = match &record.team {
                None => None,
                Some(t) => match self
                    .team_named(tx, actor, names, t, options, now, summary)
                    .await?
                {
                    Some(id) => Some(id),
                    None => {
                        summary
                            .skipped
                            .push(refused(format!("no team named {t:?}")));
                        continue;
                    }
                },
            };
            let row = ImportRow {
                record,
                kind: options.kind,
                priority: record
                    .priority
                    .unwrap_or_else(|| matrix.priority(record.impact, record.urgency)),
                team_id,
                service_id,
                organization_id,
                responded_at: record.acknowledged_at,
                resolution_outcome: record
                    .made_sla
                    .map(|made| if made { "met" } else { "breached" }),
                source: &options.source,
            };
            match prior {
                Some(p) => changed.push((p.ticket_id, p.status, row)),
                None => fresh.push(row),
            }
        }
        if options.strict && summary.skipped.len() > skipped_before {
            return Err(AppError::invalid(
                "file",
                format!(
                    "{} record(s) cannot be imported; nothing was imported. First: {}",
                    summary.skipped.len() - skipped_before,
                    summary.skipped[skipped_before]
                ),
            ));
        }

        let mut deltas: HashMap<Status, i64> = HashMap::new();
        let ids = imports::insert_tickets(tx.ex(), options.load, &fresh).await?;
        let mut written: Vec<(i64, &ImportRow<'_>)> =
            Vec::with_capacity(fresh.len() + changed.len());
        for row in &fresh {
            let id = *ids
                .get(&row.record.number)
                .ok_or_else(|| AppError::Internal(format!("no id for {}", row.record.number)))?;
            *deltas.entry(row.record.status).or_default() += 1;
            written.push((id, row));
        }
        let changed_ids: Vec<i64> = changed.iter().map(|(id, _, _)| *id).collect();
        imports::clear_history(tx.ex(), &changed_ids).await?;
        imports::clear_clocks(tx.ex(), &changed_ids).await?;
        for (id, old_status, row) in &changed {
            imports::update_ticket(tx.ex(), *id, row).await?;
            *deltas.entry(*old_status).or_default() -= 1;
            *deltas.entry(row.record.status).or_default() += 1;
            written.push((*id, row));
        }
        // Their replies and notes written here stay; a record may name another organization
        // now, whose customers then search them.
        steward_store::resolution::search::rescope_tickets(tx.ex(), &changed_ids).await?;
        summary.created += fresh.len();
        summary.updated += changed.len();

        let mut events = Vec::new();
        let mut docs = Vec::new();
        let mut provenance = Vec::new();
        for (id, row) in &written {
            let r = row.record;
            for h in &r.history {
                let detail = step_detail(h);
                events.push(EventRow {
                    ticket_id: *id,
                    at: h.at,
                    actor: h.actor.clone(),
                    event: h.event,
                    from: h.from.clone(),
                    to: h.to.clone(),
                    detail,
                });
            }
            events.push(EventRow {
                ticket_id: *id,
                at: now,
                actor: actor.name.clone(),
                event: "imported",
                from: None,
                to: Some(r.status.as_str().to_owned()),
                detail: Some(
                    serde_json::json!({
                        "source": options.source, "key": r.key, "first_line": r.first_line,
                        "rows": r.rows, "file_sha256": options.file_sha256,
                    })
                    .to_string(),
                ),
            });
            docs.push((
                *id,
                row.organization_id,
                r.title.as_str(),
                r.description.as_deref().unwrap_or(""),
            ));
            provenance.push(Provenance {
                ticket_id: *id,
                key: &r.key,
                attributes: serde_json::Value::Object(r.attributes.clone()).to_string(),
                digest: &r.digest,
                first_line: i64::try_from(r.first_line).unwrap_or(i64::MAX),
            });
        }
        imports::insert_events(tx.ex(), options.load, &events).await?;
        imports::insert_search_docs(tx.ex(), options.load, &docs).await?;
        // An updated record's provenance replaces its row, which COPY cannot do: INSERT.
        let (created, updated) = provenance.split_at(fresh.len());
        imports::upsert_provenance(tx.ex(), options.load, &options.source, created, now).await?;
        imports::upsert_provenance(tx.ex(), Load::Insert, &options.source, updated, now).await?;
        imports::count_statuses(tx.ex(), options.kind, &deltas).await?;
        for (id, row) in &written {
            if row.service_id.is_some() {
                self.replay_clocks(tx, *id, row.record, &names.teams)
                    .await?;
            }
        }
        Ok(())
    }

    /// Writes the import's audit entry and commits everything its batches wrote.
    pub async fn finish_import(&self, session: ImportSession) -> Result<ImportSummary> {
        let ImportSession {
            mut tx,
            actor,
            options,
            now,
            summary,
            ..
        } = session;
        let after = serde_json::json!({
            "created": summary.created, "updated": summary.updated,
            "unchanged": summary.unchanged, "skipped": summary.skipped.len(),
            "teams_created": summary.teams_created, "file_sha256": options.file_sha256,
        });
        self.audit(
            &mut tx,
            change(
                &actor,
                "import",
                &options.source,
                "import",
                None::<&()>,
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(summary)
    }

    #[allow(clippy::too_many_arguments)]
    async fn organization_named(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        names: &mut Names,
        name: &str,
        options: &ImportOptions,
        now: i64,
        summary: &mut ImportSummary,
    ) -> Result<Option<i64>> {
        if let Some(known) = names.orgs.get(name) {
            return Ok(*known);
        }
        let mut id = orgs::id_by_name(tx.ex(), name).await?;
        if id.is_none() && options.create_organizations {
            let org = orgs::insert(
                tx.ex(),
                &NewOrganization {
                    name: name.to_owned(),
                    description: Some(format!("Created by the import from {}", options.source)),
                    email_domain: None,
                },
                now,
            )
            .await?;
            self.audit(
                tx,
                change(
                    actor,
                    "organization",
                    org.id,
                    "create",
                    None::<&()>,
                    Some(&org),
                ),
                now,
            )
            .await?;
            summary.organizations_created += 1;
            id = Some(org.id);
        }
        names.orgs.insert(name.to_owned(), id);
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn team_named(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        names: &mut Names,
        name: &str,
        options: &ImportOptions,
        now: i64,
        summary: &mut ImportSummary,
    ) -> Result<Option<i64>> {
        if let Some(known) = names.teams.get(name) {
            return Ok(*known);
        }
        let mut id = teams::id_by_name(tx.ex(), name).await?;
        if id.is_none() && options.create_teams {
            let team = teams::insert(
                tx.ex(),
                &NewTeam {
                    name: name.to_owned(),
                    description: Some(format!("Created by the import from {}", options.source)),
                    email: None,
                    member_ids: Vec::new(),
                },
                now,
            )
            .await?;
            self.audit(
                tx,
                change(actor, "team", team.id, "create", None::<&()>, Some(&team)),
                now,
            )
            .await?;
            summary.teams_created += 1;
            id = Some(team.id);
        }
        names.teams.insert(name.to_owned(), id);
        Ok(id)
    }

    /// Computes an imported ticket's SLA clocks by replaying its history through the same
    /// rules a live ticket follows, at the instants it happened.
    async fn replay_clocks(
        &self,
        tx: &mut Tx,
        id: i64,
        record: &ImportedRecord,
        teams: &HashMap<String, Option<i64>>,
    ) -> Result<()> {
        let Some(last) = tickets::get_any(tx.ex(), id).await? else {
            return Ok(());
        };
        let mut steps = record.history.iter();
        let Some(first) = steps.next() else {
            return Ok(());
        };
        let at_step = |t: &Ticket, h: &steward_domain::reporting::history::HistoryEvent| {
            let mut next = t.clone();
            if let Some(s) = h.status {
                next.status = s;
            }
            next.pending_reason = h.pending_reason;
            next.team_id = h
                .team
                .as_ref()
                .and_then(|n| teams.get(n).copied().flatten());
            next
        };
        let mut current = at_step(&last, first);
        self.start_clocks(tx, &current, first.at).await?;
        for h in steps {
            let next = at_step(&current, h);
            self.advance_clocks(tx, &current, &next, h.at).await?;
            current = next;
        }
        Ok(())
    }
}

/// A timeline step's detail: the team after it, and what else the source row changed, in
/// the shape of Steward's own `edited` events (`{"changes": {field: {from, to}}}`).
fn step_detail(h: &steward_domain::reporting::history::HistoryEvent) -> Option<String> {
    let mut detail = serde_json::Map::new();
    if let Some(t) = &h.team {
        detail.insert("team".into(), t.clone().into());
    }
    if !h.changes.is_empty() {
        let changes: serde_json::Map<String, serde_json::Value> = h
            .changes
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    serde_json::json!({ "from": c.from, "to": c.to }),
                )
            })
            .collect();
        detail.insert("changes".into(), changes.into());
    }
    (!detail.is_empty()).then(|| serde_json::Value::Object(detail).to_string())
}

/// A name looked up once per import.
async fn lookup(
    cache: &mut HashMap<String, Option<i64>>,
    name: &str,
    find: impl AsyncFnOnce(&str) -> steward_store::Result<Option<i64>>,
) -> Result<Option<i64>> {
    if let Some(known) = cache.get(name) {
        return Ok(*known);
    }
    let id = find(name).await?;
    cache.insert(name.to_owned(), id);
    Ok(id)
}
