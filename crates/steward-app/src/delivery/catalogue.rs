//! The service catalogue: entries over live services and their request offerings, each
//! change kept as a version; customers see only their organization's catalogue.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use serde_json::{Map, Value};
use steward_domain::delivery::catalogue::{
    ApprovalRule, CatalogueEntry, CatalogueItem, CatalogueVersion, EntryDraft, EntryInput,
    EntryPatch, ItemDraft, ItemInput, ItemPatch, check_answers,
};
use steward_domain::delivery::service::ServiceStatus;
use steward_domain::{Actor, Permission, Scope};
use steward_store::delivery::catalogue::{self as store, Visibility};
use steward_store::{Tx, delivery::services, foundation::teams};

fn visibility(actor: &Actor) -> Option<Visibility> {
    match actor.scope() {
        Scope::All => Some(Visibility::All),
        Scope::Organization(org) => Some(Visibility::Customer(org)),
        Scope::Nothing => None,
    }
}

/// What a customer may see of an item: not the fulfilment team's instructions nor who approves.
fn for_customer(mut item: CatalogueItem) -> CatalogueItem {
    item.fulfilment_instructions = None;
    item.approval = item.approval.map(|_| ApprovalRule::Users {
        user_ids: Vec::new(),
    });
    item.fulfilment_team_id = None;
    item
}

fn shown(actor: &Actor, mut entry: CatalogueEntry) -> CatalogueEntry {
    if !actor.role.is_staff() {
        entry.items = entry.items.into_iter().map(for_customer).collect();
    }
    entry
}

impl App {
    pub async fn list_catalogue(
        &self,
        actor: &Actor,
        q: Option<&str>,
        service: Option<i64>,
    ) -> Result<Vec<CatalogueEntry>> {
        require(actor, Permission::ReadCatalogue)?;
        let Some(visibility) = visibility(actor) else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        let entries = store::list(conn.ex(), visibility, q, service).await?;
        Ok(entries.into_iter().map(|e| shown(actor, e)).collect())
    }

    pub async fn get_catalogue_entry(&self, actor: &Actor, id: i64) -> Result<CatalogueEntry> {
        require(actor, Permission::ReadCatalogue)?;
        let visibility =
            visibility(actor).ok_or_else(|| AppError::not_found("catalogue entry", id))?;
        let mut conn = self.db.read().await?;
        let entry = store::get(conn.ex(), id, visibility)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue entry", id))?;
        Ok(shown(actor, entry))
    }

    /// An item, if the actor may see its entry (and, for customers, if it is active).
    pub async fn get_catalogue_item(&self, actor: &Actor, id: i64) -> Result<CatalogueItem> {
        require(actor, Permission::ReadCatalogue)?;
        let visibility =
            visibility(actor).ok_or_else(|| AppError::not_found("catalogue item", id))?;
        let mut conn = self.db.read().await?;
        let item = store::get_item(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue item", id))?;
        let entry = store::get(conn.ex(), item.entry_id, visibility).await?;
        if entry.is_none() || (visibility != Visibility::All && !item.active) {
            return Err(AppError::not_found("catalogue item", id));
        }
        Ok(if actor.role.is_staff() {
            item
        } else {
            for_customer(item)
        })
    }

    /// Checks answers to an item's form; errors name `answers.<key>`.
    pub async fn check_catalogue_answers(
        &self,
        actor: &Actor,
        item: i64,
        answers: &Map<String, Value>,
    ) -> Result<Map<String, Value>> {
        let item = self.get_catalogue_item(actor, item).await?;
        Ok(check_answers(&item.form, answers)?)
    }

    pub async fn catalogue_versions(
        &self,
        actor: &Actor,
        record_type: &str,
        id: i64,
    ) -> Result<Vec<CatalogueVersion>> {
        require(actor, Permission::ReadCatalogue)?;
        if !actor.role.is_staff() {
            return Err(AppError::forbidden());
        }
        let mut conn = self.db.read().await?;
        let versions = store::versions(conn.ex(), record_type, id).await?;
        if versions.is_empty() {
            return Err(AppError::not_found("catalogue record", id));
        }
        Ok(versions)
    }

    pub async fn create_catalogue_entry(
        &self,
        actor: &Actor,
        input: EntryInput,
    ) -> Result<CatalogueEntry> {
        require(actor, Permission::ManageCatalogue)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_entry(&mut tx, &draft).await?;
        if store::entry_for_service(tx.ex(), draft.service_id)
            .await?
            .is_some()
        {
            return Err(AppError::conflict(
                Some("service_id"),
                "this service already has a catalogue entry",
            ));
        }
        let id = store::insert_entry(tx.ex(), &draft, now).await?;
        let entry = self.version_entry(&mut tx, actor, id, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "catalogue_entry", id, "create", None, Some(&entry)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    pub async fn update_catalogue_entry(
        &self,
        actor: &Actor,
        id: i64,
        patch: EntryPatch,
    ) -> Result<CatalogueEntry> {
        require(actor, Permission::ManageCatalogue)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = store::get(tx.ex(), id, Visibility::All)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue entry", id))?;
        let draft = patch.apply(&current)?;
        check_entry(&mut tx, &draft).await?;
        store::update_entry(tx.ex(), id, &draft, now).await?;
        let entry = self.version_entry(&mut tx, actor, id, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "catalogue_entry",
                id,
                "update",
                Some(&current),
                Some(&entry),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(entry)
    }

    pub async fn create_catalogue_item(
        &self,
        actor: &Actor,
        entry: i64,
        input: ItemInput,
    ) -> Result<CatalogueItem> {
        require(actor, Permission::ManageCatalogue)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        store::get(tx.ex(), entry, Visibility::All)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue entry", entry))?;
        check_item(&mut tx, entry, None, &draft).await?;
        let id = store::insert_item(tx.ex(), entry, &draft, now).await?;
        let item = self.version_item(&mut tx, actor, id, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "catalogue_item", id, "create", None, Some(&item)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(item)
    }

    pub async fn update_catalogue_item(
        &self,
        actor: &Actor,
        id: i64,
        patch: ItemPatch,
    ) -> Result<CatalogueItem> {
        require(actor, Permission::ManageCatalogue)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = store::get_item(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue item", id))?;
        let draft = patch.apply(&current)?;
        check_item(&mut tx, current.entry_id, Some(id), &draft).await?;
        store::update_item(tx.ex(), id, &draft, now).await?;
        let item = self.version_item(&mut tx, actor, id, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "catalogue_item",
                id,
                "update",
                Some(&current),
                Some(&item),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(item)
    }

    async fn version_entry(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> Result<CatalogueEntry> {
        let entry = store::get(tx.ex(), id, Visibility::All)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue entry", id))?;
        let snapshot = serde_json::json!({
            "title": entry.title, "summary": entry.summary, "published": entry.published, "service_id": entry.service_id,
        });
        store::record_version(
            tx.ex(),
            "entry",
            id,
            entry.version,
            now,
            &actor.name,
            &snapshot.to_string(),
        )
        .await?;
        Ok(entry)
    }

    async fn version_item(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        id: i64,
        now: i64,
    ) -> Result<CatalogueItem> {
        let item = store::get_item(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue item", id))?;
        let snapshot = serde_json::to_string(&item).unwrap_or_default();
        store::record_version(
            tx.ex(),
            "item",
            id,
            item.version,
            now,
            &actor.name,
            &snapshot,
        )
        .await?;
        Ok(item)
    }
}

/// The service must exist, and only a live service's entry may be published.
async fn check_entry(tx: &mut Tx, d: &EntryDraft) -> Result<()> {
    let service = services::get(tx.ex(), d.service_id).await?.ok_or_else(|| {
        AppError::invalid("service_id", format!("no service with id {}", d.service_id))
    })?;
    if d.published && service.status != ServiceStatus::Live {
        return Err(AppError::invalid(
            "published",
            format!(
                "only entries over live services are published; {} is {}",
                service.name,
                service.status.as_str()
            ),
        ));
    }
    Ok(())
}

async fn check_item(tx: &mut Tx, entry: i64, id: Option<i64>, d: &ItemDraft) -> Result<()> {
    if let Some(other) = store::item_id_by_name(tx.ex(), entry, &d.name).await?
        && Some(other) != id
    {
        return Err(AppError::conflict(
            Some("name"),
            format!("this entry already has an item named {:?}", d.name),
        ));
    }
    if let Some(team) = d.fulfilment_team_id
        && teams::get(tx.ex(), team).await?.is_none()
    {
        return Err(AppError::invalid(
            "fulfilment_team_id",
            format!("no team with id {team}"),
        ));
    }
    if let Some(ApprovalRule::Users { user_ids }) = &d.approval {
        for user in user_ids {
            require_staff_user(tx.ex(), "approval.user_ids", *user).await?;
        }
    }
    Ok(())
}
