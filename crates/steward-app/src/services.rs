//! Services: the backbone every other record hangs off.
use crate::app::change;
use crate::{App, AppError, Result};
use jiff::Timestamp;
use steward_domain::page::{Page, PageRequest};
use steward_domain::service::{
    RequirementInput, Service, ServiceDraft, ServiceInput, ServicePatch, ServiceStatus,
    dependency_cycle,
};
use steward_domain::{Actor, Permission};
use steward_store::{Ex, Tx, cis, orgs, services, users};

pub(crate) fn require(actor: &Actor, permission: Permission) -> Result<()> {
    if actor.can(permission) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

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
        let (items, total) = services::list(conn.ex(), &filter, request).await?;
        Ok(Page {
            items,
            total,
            limit: request.limit,
            offset: request.offset,
        })
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
        check_service(&mut tx, None, &draft).await?;
        let id = services::insert(tx.ex(), &draft, now).await?;
        let service = self.sync_service_ci(&mut tx, actor, id, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "service", id, "create", None, Some(&service)),
            now,
        )
        .await?;
        tx.commit().await?;
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
        check_service(&mut tx, Some(id), &draft).await?;
        services::update(tx.ex(), id, &draft, now).await?;
        let service = self.sync_service_ci(&mut tx, actor, id, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "service",
                id,
                "update",
                Some(&current),
                Some(&service),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(service)
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
        if current.ci_id.is_some() && ci_in_use(tx.ex(), id).await? {
            return Err(AppError::conflict(
                None,
                "the service's configuration item still has relations or references; remove them or retire the service",
            ));
        }
        if let Some(ci) = current.ci_id {
            steward_store::cis::delete_service_ci(tx.ex(), ci).await?;
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
        let today = Timestamp::now()
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date();
        let draft = input.parse(today)?;
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
        let ok = users::get(tx.ex(), owner)
            .await?
            .is_some_and(|u| u.role.is_staff() && u.active);
        if !ok {
            return Err(AppError::invalid(
                "owner_id",
                format!("no active staff user with id {owner}"),
            ));
        }
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

async fn ci_in_use(ex: Ex<'_>, service_id: i64) -> Result<bool> {
    steward_store::cis::service_ci_in_use(ex, service_id)
        .await
        .map_err(Into::into)
}
