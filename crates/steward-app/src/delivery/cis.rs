//! Configuration items: CRUD with history, relations, impact analysis, configuration audits
//! and bulk import.
use crate::app::{change, page, require, require_staff_user, user_id_by_name};
use crate::{App, AppError, ImportSummary, Result};
use std::collections::HashMap;
use steward_domain::delivery::ci::{
    AuditResult, Ci, CiDraft, CiImportRow, CiInput, CiPatch, CiType, CiView, DiscoveredCi,
    HistoryEntry, IMPACT_MAX_DEPTH, ImpactReport, Impacted, ImpactedService, Reach, Relation,
    RelationInput, configuration_audit, impact_paths,
};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::{Actor, FieldError, Invalid, Permission};
use steward_store::{Tx, delivery::cis};

fn snapshot(ci: &Ci) -> String {
    serde_json::to_string(ci).unwrap_or_default()
}

impl App {
    pub async fn list_cis(
        &self,
        actor: &Actor,
        filter: cis::Filter,
        request: PageRequest,
    ) -> Result<Page<Ci>> {
        require(actor, Permission::ReadCis)?;
        let mut conn = self.db.read().await?;
        Ok(page(cis::list(conn.ex(), &filter, request).await?, request))
    }

    pub async fn get_ci(&self, actor: &Actor, id: i64) -> Result<CiView> {
        require(actor, Permission::ReadCis)?;
        let mut conn = self.db.read().await?;
        let ci = cis::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("CI", id))?;
        let (relations_out, relations_in) = cis::relations_of(conn.ex(), id).await?;
        Ok(CiView {
            ci,
            relations_out,
            relations_in,
        })
    }

    pub async fn ci_history(&self, actor: &Actor, id: i64) -> Result<Vec<HistoryEntry>> {
        require(actor, Permission::ReadCis)?;
        let mut conn = self.db.read().await?;
        cis::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("CI", id))?;
        Ok(cis::history(conn.ex(), id).await?)
    }

    pub async fn create_ci(&self, actor: &Actor, input: CiInput) -> Result<Ci> {
        require(actor, Permission::ManageCis)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ci = self.insert_ci(&mut tx, actor, &draft, now).await?;
        tx.commit().await?;
        Ok(ci)
    }

    async fn insert_ci(&self, tx: &mut Tx, actor: &Actor, draft: &CiDraft, now: i64) -> Result<Ci> {
        check_ci(tx, None, draft).await?;
        let ci = cis::insert(tx.ex(), draft, now).await?;
        cis::record_history(
            tx.ex(),
            ci.id,
            now,
            actor.user_id,
            &actor.name,
            "create",
            None,
            Some(&snapshot(&ci)),
        )
        .await?;
        self.audit(
            tx,
            change::<(), _>(actor, "ci", ci.id, "create", None, Some(&ci)),
            now,
        )
        .await?;
        Ok(ci)
    }

    pub async fn update_ci(&self, actor: &Actor, id: i64, patch: CiPatch) -> Result<Ci> {
        require(actor, Permission::ManageCis)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = cis::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("CI", id))?;
        let draft = patch.apply(&current)?;
        let ci = self.write_ci(&mut tx, actor, &current, &draft, now).await?;
        tx.commit().await?;
        Ok(ci)
    }

    async fn write_ci(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        current: &Ci,
        draft: &CiDraft,
        now: i64,
    ) -> Result<Ci> {
        check_ci(tx, Some(current.id), draft).await?;
        let ci = cis::update(tx.ex(), current.id, draft, now).await?;
        cis::record_history(
            tx.ex(),
            ci.id,
            now,
            actor.user_id,
            &actor.name,
            "update",
            Some(&snapshot(current)),
            Some(&snapshot(&ci)),
        )
        .await?;
        self.audit(
            tx,
            change(actor, "ci", ci.id, "update", Some(current), Some(&ci)),
            now,
        )
        .await?;
        Ok(ci)
    }

    /// Deletes a CI that takes part in no relation; one in use should be retired instead.
    pub async fn delete_ci(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ManageCis)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = cis::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("CI", id))?;
        if current.ci_type == CiType::Service {
            return Err(AppError::conflict(
                Some("ci_type"),
                "a service CI goes with its service; delete or retire the service",
            ));
        }
        if cis::relation_count(tx.ex(), id).await? > 0 {
            return Err(AppError::conflict(
                None,
                "the CI takes part in relations; remove them first, or retire it (status retired)",
            ));
        }
        cis::delete(tx.ex(), id).await?;
        cis::record_history(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            "delete",
            Some(&snapshot(&current)),
            None,
        )
        .await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "ci", id, "delete", Some(&current), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_relation(
        &self,
        actor: &Actor,
        source: i64,
        input: RelationInput,
    ) -> Result<Relation> {
        require(actor, Permission::ManageCis)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let relation = self.relate(&mut tx, actor, source, input, now).await?;
        tx.commit().await?;
        Ok(relation)
    }

    async fn relate(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        source: i64,
        input: RelationInput,
        now: i64,
    ) -> Result<Relation> {
        let from = cis::get(tx.ex(), source)
            .await?
            .ok_or_else(|| AppError::not_found("CI", source))?;
        let to = cis::get(tx.ex(), input.target_id).await?.ok_or_else(|| {
            AppError::invalid("target_id", format!("no CI with id {}", input.target_id))
        })?;
        if from.id == to.id {
            return Err(AppError::invalid(
                "target_id",
                "a CI cannot be related to itself",
            ));
        }
        if from.ci_type == CiType::Service && to.ci_type == CiType::Service {
            return Err(AppError::invalid(
                "target_id",
                "dependencies between services are set on the service (depends_on), which keeps them free of cycles",
            ));
        }
        let (out, _) = cis::relations_of(tx.ex(), from.id).await?;
        if out
            .iter()
            .any(|r| r.target_id == to.id && r.kind == input.kind)
        {
            return Err(AppError::conflict(
                Some("target_id"),
                "this relation already exists",
            ));
        }
        let relation =
            cis::insert_relation(tx.ex(), from.id, to.id, input.kind, false, now).await?;
        let json = serde_json::to_string(&relation).unwrap_or_default();
        for ci in [from.id, to.id] {
            cis::record_history(
                tx.ex(),
                ci,
                now,
                actor.user_id,
                &actor.name,
                "relate",
                None,
                Some(&json),
            )
            .await?;
        }
        self.audit(
            tx,
            change::<(), _>(
                actor,
                "ci_relation",
                relation.id,
                "create",
                None,
                Some(&relation),
            ),
            now,
        )
        .await?;
        Ok(relation)
    }

    pub async fn delete_relation(
        &self,
        actor: &Actor,
        source: i64,
        relation_id: i64,
    ) -> Result<()> {
        require(actor, Permission::ManageCis)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (relation, managed) = cis::get_relation(tx.ex(), relation_id)
            .await?
            .filter(|(r, _)| r.source_id == source || r.target_id == source)
            .ok_or_else(|| AppError::not_found("relation", relation_id))?;
        if managed {
            return Err(AppError::conflict(
                None,
                "this relation mirrors a service dependency; change the service's depends_on",
            ));
        }
        cis::delete_relation(tx.ex(), relation_id).await?;
        let json = serde_json::to_string(&relation).unwrap_or_default();
        for ci in [relation.source_id, relation.target_id] {
            cis::record_history(
                tx.ex(),
                ci,
                now,
                actor.user_id,
                &actor.name,
                "unrelate",
                Some(&json),
                None,
            )
            .await?;
        }
        self.audit(
            &mut tx,
            change::<_, ()>(
                actor,
                "ci_relation",
                relation_id,
                "delete",
                Some(&relation),
                None,
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every CI and service that depends on `id`, transitively, each with one shortest path.
    pub async fn ci_impact(
        &self,
        actor: &Actor,
        id: i64,
        max_depth: Option<i64>,
    ) -> Result<ImpactReport> {
        require(actor, Permission::ReadCis)?;
        let depth = max_depth.unwrap_or(IMPACT_MAX_DEPTH);
        if !(1..=IMPACT_MAX_DEPTH).contains(&depth) {
            return Err(AppError::invalid(
                "max_depth",
                format!("must be between 1 and {IMPACT_MAX_DEPTH}"),
            ));
        }
        let mut conn = self.db.read().await?;
        let ci = cis::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("CI", id))?;
        let rows = cis::impact(conn.ex(), id, depth).await?;
        drop(conn);
        let reaches: Vec<Reach> = rows.iter().map(|r| r.reach).collect();
        let info: HashMap<i64, &cis::ImpactRow> = rows.iter().map(|r| (r.reach.ci, r)).collect();
        let mut impacted = Vec::new();
        let mut services = Vec::new();
        for (ci_id, depth, path) in impact_paths(id, &reaches) {
            let Some(row) = info.get(&ci_id) else {
                continue;
            };
            if let Some(service_id) = row.service_id {
                services.push(ImpactedService {
                    service_id,
                    name: row.name.clone(),
                    depth,
                });
            }
            impacted.push(Impacted {
                ci_id,
                name: row.name.clone(),
                ci_type: row.ci_type,
                service_id: row.service_id,
                depth,
                path,
            });
        }
        Ok(ImpactReport {
            ci,
            impacted,
            services,
        })
    }

    /// Compares a discovered snapshot with the records, keeps the run, and lists discrepancies.
    pub async fn configuration_audit(
        &self,
        actor: &Actor,
        discovered: Vec<DiscoveredCi>,
    ) -> Result<AuditResult> {
        require(actor, Permission::ManageCis)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let records = cis::all(tx.ex()).await?;
        let discrepancies = configuration_audit(&records, &discovered);
        let json = serde_json::to_string(&discrepancies).unwrap_or_default();
        let run_id =
            cis::record_audit_run(tx.ex(), now, &actor.name, discovered.len() as i64, &json)
                .await?;
        let summary = serde_json::json!({ "discovered": discovered.len(), "discrepancies": discrepancies.len() });
        self.audit(
            &mut tx,
            change::<(), _>(actor, "ci_audit", run_id, "run", None, Some(&summary)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(AuditResult {
            run_id,
            discovered: discovered.len() as i64,
            recorded: records.len() as i64,
            discrepancies,
        })
    }

    /// Creates or updates (by type and name) every CI of an import, then adds its relations —
    /// all in one transaction, so a bad row leaves nothing half-imported.
    pub async fn import_cis(&self, actor: &Actor, rows: Vec<CiImportRow>) -> Result<ImportSummary> {
        require(actor, Permission::ManageCis)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut summary = ImportSummary::default();
        let mut errors = Vec::new();
        let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
        for row in &rows {
            let result = self.import_one(&mut tx, actor, row, now).await;
            match result {
                Ok((id, created)) => {
                    ids.push(id);
                    if created {
                        summary.created += 1
                    } else {
                        summary.updated += 1
                    }
                }
                Err(e) => errors.push(FieldError::new(row.origin.clone(), import_message(e)?)),
            }
        }
        if errors.is_empty() {
            for (row, &id) in rows.iter().zip(&ids) {
                for rel in &row.relations {
                    let Some(target) =
                        cis::by_type_and_name(tx.ex(), rel.target_type, &rel.target_name).await?
                    else {
                        errors.push(FieldError::new(
                            row.origin.clone(),
                            format!(
                                "{} target {}:{} does not exist",
                                rel.kind.as_str(),
                                rel.target_type.as_str(),
                                rel.target_name
                            ),
                        ));
                        continue;
                    };
                    let (out, _) = cis::relations_of(tx.ex(), id).await?;
                    if out
                        .iter()
                        .any(|r| r.target_id == target.id && r.kind == rel.kind)
                    {
                        continue;
                    }
                    match self
                        .relate(
                            &mut tx,
                            actor,
                            id,
                            RelationInput {
                                kind: rel.kind,
                                target_id: target.id,
                            },
                            now,
                        )
                        .await
                    {
                        Ok(_) => summary.relations_added += 1,
                        Err(e) => {
                            errors.push(FieldError::new(row.origin.clone(), import_message(e)?))
                        }
                    }
                }
            }
        }
        if !errors.is_empty() {
            // Dropping the transaction rolls back every row.
            return Err(AppError::Invalid(Invalid(errors)));
        }
        tx.commit().await?;
        Ok(summary)
    }

    async fn import_one(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        row: &CiImportRow,
        now: i64,
    ) -> Result<(i64, bool)> {
        let owner_id = match &row.owner {
            Some(name) => Some(user_id_by_name(tx, "owner", name).await?),
            None => None,
        };
        let attributes = serde_json::Value::Object(row.attributes.clone());
        match cis::by_type_and_name(tx.ex(), row.ci_type, &row.name).await? {
            Some(current) => {
                let patch = CiPatch {
                    name: None,
                    status: row.status,
                    owner_id: row.owner.as_ref().map(|_| owner_id),
                    description: row.description.clone().map(Some),
                    attributes: Some(attributes),
                };
                let draft = patch.apply(&current)?;
                let ci = self.write_ci(tx, actor, &current, &draft, now).await?;
                Ok((ci.id, false))
            }
            None => {
                let input = CiInput {
                    name: row.name.clone(),
                    ci_type: row.ci_type,
                    status: row.status,
                    owner_id,
                    description: row.description.clone(),
                    attributes: Some(attributes),
                };
                let draft = input.parse()?;
                let ci = self.insert_ci(tx, actor, &draft, now).await?;
                Ok((ci.id, true))
            }
        }
    }
}

/// The message of a row that failed; storage failures abort the whole import.
pub(crate) fn import_message(e: AppError) -> Result<String> {
    match e {
        AppError::Store(_) | AppError::Internal(_) => Err(e),
        AppError::Invalid(Invalid(errs)) => Ok(errs
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ")),
        other => Ok(other.to_string()),
    }
}

async fn check_ci(tx: &mut Tx, id: Option<i64>, d: &CiDraft) -> Result<()> {
    if let Some(other) = cis::by_type_and_name(tx.ex(), d.ci_type, &d.name).await?
        && Some(other.id) != id
    {
        return Err(AppError::conflict(
            Some("name"),
            format!(
                "a {} CI named {:?} already exists",
                d.ci_type.as_str(),
                d.name
            ),
        ));
    }
    if let Some(owner) = d.owner_id {
        require_staff_user(tx.ex(), "owner_id", owner).await?;
    }
    Ok(())
}
