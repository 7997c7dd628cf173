//! Services: the backbone every other record hangs off.
use crate::app::{change, page, require, require_staff_user, user_id_by_name};
use crate::{App, AppError, ImportSummary, Result};
use steward_domain::delivery::service::{
    RequirementInput, Service, ServiceDraft, ServiceImportRow, ServiceInput, ServicePatch,
    ServiceStatus, dependency_cycle,
};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::{Actor, FieldError, Invalid, Permission};
use steward_store::{Ex, Tx, delivery::cis, delivery::services, foundation::orgs};

/// The status of a service's CI, following the service's lifecycle.
fn ci_status(status: ServiceStatus) -> &'static str {
    match status {
        ServiceStatus::Pipeline => "planned",
        ServiceStatus::Live => "active",
        ServiceStatus::Retired => "retired",
    }
}

impl App {
    pub async fn list_services(
        &self,
        actor: &Actor,
        filter: services::Filter,
        request: PageRequest,
    ) -> Result<Page<Service>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            services::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    /// The services the actor may raise a record against, as (id, name): for a customer the
    /// live services delivered to its organization, for staff every live service.
    pub async fn raisable_services(&self, actor: &Actor) -> Result<Vec<(i64, String)>> {
        let customer = match actor.scope() {
            steward_domain::Scope::All => None,
            steward_domain::Scope::Organization(org) => Some(org),
            steward_domain::Scope::Nothing => return Ok(Vec::new()),
        };
        require(actor, Permission::RaiseTickets)?;
        let filter = services::Filter {
            status: Some(steward_domain::delivery::service::ServiceStatus::Live),
            customer,
            ..Default::default()
        };
        let request = PageRequest {
            limit: 500,
            offset: 0,
        };
        let mut conn = self.db.read().await?;
        let (items, _) = services::list(conn.ex(), &filter, request).await?;
        Ok(items.into_iter().map(|s| (s.id, s.name)).collect())
    }

    pub async fn get_service(&self, actor: &Actor, id: i64) -> Result<Service> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        services::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))
    }

    pub async fn create_service(&self, actor: &Actor, input: ServiceInput) -> Result<Service> {
        require(actor, Permission::ManageServices)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let service = self.create_service_in(&mut tx, actor, &draft, now).await?;
        tx.commit().await?;
        Ok(service)
    }

    async fn create_service_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        draft: &ServiceDraft,
        now: i64,
    ) -> Result<Service> {
        check_service(tx, None, draft).await?;
        let id = services::insert(tx.ex(), draft, now).await?;
        let service = self.sync_service_ci(tx, actor, id, now).await?;
        self.audit(
            tx,
            change::<(), _>(actor, "service", id, "create", None, Some(&service)),
            now,
        )
        .await?;
        Ok(service)
    }

    pub async fn update_service(
        &self,
        actor: &Actor,
        id: i64,
        patch: ServicePatch,
    ) -> Result<Service> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        let draft = patch.apply(&current)?;
        let service = self
            .update_service_in(&mut tx, actor, &current, &draft, now)
            .await?;
        tx.commit().await?;
        Ok(service)
    }

    async fn update_service_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        current: &Service,
        draft: &ServiceDraft,
        now: i64,
    ) -> Result<Service> {
        check_service(tx, Some(current.id), draft).await?;
        services::update(tx.ex(), current.id, draft, now).await?;
        let service = self.sync_service_ci(tx, actor, current.id, now).await?;
        self.audit(
            tx,
            change(
                actor,
                "service",
                current.id,
                "update",
                Some(current),
                Some(&service),
            ),
            now,
        )
        .await?;
        Ok(service)
    }

    /// Creates or updates (by name) every service of an import, then sets the dependencies
    /// named in it — all in one transaction, so a bad row leaves nothing half-imported.
    pub async fn import_services(
        &self,
        actor: &Actor,
        rows: Vec<ServiceImportRow>,
    ) -> Result<ImportSummary> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut summary = ImportSummary::default();
        let mut errors: Vec<FieldError> = Vec::new();
        let mut imported: Vec<(i64, &ServiceImportRow)> = Vec::new();
        for row in &rows {
            match self.import_service(&mut tx, actor, row, now).await {
                Ok((id, created)) => {
                    imported.push((id, row));
                    if created {
                        summary.created += 1
                    } else {
                        summary.updated += 1
                    }
                }
                Err(e) => errors.push(FieldError::new(
                    row.origin.clone(),
                    crate::delivery::cis::import_message(e)?,
                )),
            }
        }
        if errors.is_empty() {
            for (id, row) in &imported {
                let mut depends_on = Vec::new();
                for name in &row.depends_on {
                    match services::id_by_name(tx.ex(), name).await? {
                        Some(dep) => depends_on.push(dep),
                        None => errors.push(FieldError::new(
                            row.origin.clone(),
                            format!("depends on {name:?}, which is not a service"),
                        )),
                    }
                }
                let current = services::get(tx.ex(), *id)
                    .await?
                    .ok_or_else(|| AppError::not_found("service", id))?;
                let patch = ServicePatch {
                    depends_on: Some(depends_on),
                    ..Default::default()
                };
                let outcome = match patch.apply(&current) {
                    Ok(draft) if draft.depends_on != current.depends_on => self
                        .update_service_in(&mut tx, actor, &current, &draft, now)
                        .await
                        .map(|_| ()),
                    Ok(_) => Ok(()),
                    Err(invalid) => Err(AppError::Invalid(invalid)),
                };
                if let Err(e) = outcome {
                    errors.push(FieldError::new(
                        row.origin.clone(),
                        crate::delivery::cis::import_message(e)?,
                    ));
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

    async fn import_service(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        row: &ServiceImportRow,
        now: i64,
    ) -> Result<(i64, bool)> {
        let owner_id = match &row.owner {
            Some(name) => Some(user_id_by_name(tx, "owner", name).await?),
            None => None,
        };
        let mut customer_ids = Vec::new();
        for name in &row.customers {
            let id = orgs::id_by_name(tx.ex(), name).await?.ok_or_else(|| {
                AppError::invalid("customers", format!("no organization named {name:?}"))
            })?;
            customer_ids.push(id);
        }
        match services::id_by_name(tx.ex(), &row.name).await? {
            Some(id) => {
                let current = services::get(tx.ex(), id)
                    .await?
                    .ok_or_else(|| AppError::not_found("service", id))?;
                let patch = ServicePatch {
                    description: row.description.clone().map(Some),
                    intended_outcome: row.intended_outcome.clone().map(Some),
                    owner_id: row.owner.as_ref().map(|_| owner_id),
                    status: row.status,
                    criticality: row.criticality,
                    customer_ids: Some(customer_ids),
                    availability_target_percent: row.availability_target_percent.map(Some),
                    ..Default::default()
                };
                let draft = patch.apply(&current)?;
                self.update_service_in(tx, actor, &current, &draft, now)
                    .await?;
                Ok((id, false))
            }
            None => {
                let input = ServiceInput {
                    name: row.name.clone(),
                    description: row.description.clone(),
                    intended_outcome: row.intended_outcome.clone(),
                    owner_id,
                    status: row.status,
                    criticality: row.criticality,
                    customer_ids,
                    service_hours_calendar_id: None,
                    availability_target_percent: row.availability_target_percent,
                    on_status_page: false,
                    depends_on: Vec::new(),
                };
                let draft = input.parse()?;
                let service = self.create_service_in(tx, actor, &draft, now).await?;
                Ok((service.id, true))
            }
        }
    }

    /// Deletes a service still in the pipeline that nothing depends on; others are retired.
    pub async fn delete_service(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        if current.status != ServiceStatus::Pipeline {
            return Err(AppError::conflict(
                Some("status"),
                "only a service still in the pipeline can be deleted; retire a live service instead",
            ));
        }
        if !current.dependents.is_empty() {
            return Err(AppError::conflict(
                None,
                format!(
                    "other services depend on this one (ids {:?}); remove those dependencies first",
                    current.dependents
                ),
            ));
        }
        if let Some(ci) = current.ci_id {
            // Its own dependency relations go with it; anything else still pointing at it
            // must be removed first.
            cis::set_service_dependencies(tx.ex(), ci, &[], now).await?;
            if cis::service_ci_in_use(tx.ex(), id).await? {
                return Err(AppError::conflict(
                    None,
                    "the service's configuration item still takes part in relations; remove them or retire the service",
                ));
            }
            cis::delete(tx.ex(), ci).await?;
            cis::record_history(
                tx.ex(),
                ci,
                now,
                actor.user_id,
                &actor.name,
                "delete",
                None,
                None,
            )
            .await?;
        }
        services::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "service", id, "delete", Some(&current), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn add_service_requirement(
        &self,
        actor: &Actor,
        id: i64,
        input: RequirementInput,
    ) -> Result<Service> {
        require(actor, Permission::ManageServices)?;
        let draft = input.parse(self.today())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        services::add_requirement(tx.ex(), id, &draft, now).await?;
        let after = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "service",
                id,
                "add_requirement",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn delete_service_requirement(
        &self,
        actor: &Actor,
        id: i64,
        requirement: i64,
    ) -> Result<Service> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        if !services::delete_requirement(tx.ex(), id, requirement).await? {
            return Err(AppError::not_found("requirement", requirement));
        }
        let after = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "service",
                id,
                "remove_requirement",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Keeps the service's CI in step with the service; returns the service as stored.
    async fn sync_service_ci(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> Result<Service> {
        let service = services::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("service", id))?;
        let existed = service.ci_id;
        let ci = cis::upsert_service_ci(
            tx.ex(),
            id,
            &service.name,
            ci_status(service.status),
            service.owner_id,
            service.description.as_deref(),
            now,
        )
        .await?;
        let snapshot = serde_json::json!({
            "name": service.name, "ci_type": "service", "status": ci_status(service.status),
            "owner_id": service.owner_id, "service_id": id,
        })
        .to_string();
        let dependency_cis = cis::ids_for_services(tx.ex(), &service.depends_on).await?;
        cis::set_service_dependencies(tx.ex(), ci, &dependency_cis, now).await?;
        let action = if existed.is_some() {
            "update"
        } else {
            "create"
        };
        cis::record_history(
            tx.ex(),
            ci,
            now,
            actor.user_id,
            &actor.name,
            action,
            None,
            Some(&snapshot),
        )
        .await?;
        Ok(Service {
            ci_id: Some(ci),
            ..service
        })
    }
}

/// References that must exist, names that must be unique, and no dependency cycles.
async fn check_service(tx: &mut Tx, id: Option<i64>, d: &ServiceDraft) -> Result<()> {
    if let Some(other) = services::id_by_name(tx.ex(), &d.name).await?
        && Some(other) != id
    {
        return Err(AppError::conflict(
            Some("name"),
            format!("a service named {:?} already exists", d.name),
        ));
    }
    if let Some(owner) = d.owner_id {
        require_staff_user(tx.ex(), "owner_id", owner).await?;
    }
    missing(tx.ex(), "customer_ids", &d.customer_ids, Kind::Organization).await?;
    missing(tx.ex(), "depends_on", &d.depends_on, Kind::Service).await?;
    if let Some(id) = id {
        let edges = services::dependency_edges(tx.ex()).await?;
        if let Some(cycle) = dependency_cycle(&edges, id, &d.depends_on) {
            let mut names = Vec::new();
            for s in &cycle {
                let name = services::get(tx.ex(), *s)
                    .await?
                    .map(|s| s.name)
                    .unwrap_or_else(|| s.to_string());
                names.push(name);
            }
            return Err(AppError::conflict(
                Some("depends_on"),
                format!(
                    "this would create a dependency cycle: {}",
                    names.join(" → ")
                ),
            ));
        }
    }
    Ok(())
}

enum Kind {
    Organization,
    Service,
}

async fn missing(ex: Ex<'_>, field: &str, ids: &[i64], kind: Kind) -> Result<()> {
    let found = match kind {
        Kind::Service => services::existing(ex, ids).await?,
        Kind::Organization => orgs::existing(ex, ids).await?,
    };
    let absent: Vec<String> = ids
        .iter()
        .filter(|i| !found.contains(i))
        .map(i64::to_string)
        .collect();
    if absent.is_empty() {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("no such ids: {}", absent.join(", ")),
        ))
    }
}
