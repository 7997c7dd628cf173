//! Supplier management (8.3.4): suppliers, underpinning contracts and OLAs.
use crate::app::{change, page, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::delivery::supplier::{
    Agreement, AgreementDraft, AgreementInput, AgreementPatch, Supplier, SupplierDraft,
    SupplierInput, SupplierPatch,
};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::{Actor, Permission};
use steward_store::{
    Ex, Tx, delivery::agreements, delivery::services, delivery::suppliers, foundation::teams,
};

/// An optional owner must be an active staff user.
pub(crate) async fn check_owner(ex: Ex<'_>, owner: Option<i64>) -> Result<()> {
    if let Some(owner) = owner {
        require_staff_user(ex, "owner_id", owner).await?;
    }
    Ok(())
}

impl App {
    // ------------------------------------------------------------ suppliers

    pub async fn list_suppliers(
        &self,
        actor: &Actor,
        filter: suppliers::Filter,
        request: PageRequest,
    ) -> Result<Page<Supplier>> {
        require(actor, Permission::ReadSuppliers)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            suppliers::list(conn.ex(), &filter, request).await?,
            request,
        ))
    }

    pub async fn get_supplier(&self, actor: &Actor, id: i64) -> Result<Supplier> {
        require(actor, Permission::ReadSuppliers)?;
        let mut conn = self.db.read().await?;
        suppliers::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("supplier", id))
    }

    pub async fn create_supplier(&self, actor: &Actor, input: SupplierInput) -> Result<Supplier> {
        require(actor, Permission::ManageSuppliers)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_supplier(&mut tx, None, &draft).await?;
        let supplier = suppliers::insert(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(
                actor,
                "supplier",
                supplier.id,
                "create",
                None,
                Some(&supplier),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(supplier)
    }

    pub async fn update_supplier(
        &self,
        actor: &Actor,
        id: i64,
        patch: SupplierPatch,
    ) -> Result<Supplier> {
        require(actor, Permission::ManageSuppliers)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = suppliers::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("supplier", id))?;
        let draft = patch.apply(&current)?;
        check_supplier(&mut tx, Some(id), &draft).await?;
        let supplier = suppliers::update(tx.ex(), id, &draft, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "supplier",
                id,
                "update",
                Some(&current),
                Some(&supplier),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(supplier)
    }

    /// Deletes a supplier no agreement or dispute names; others can be made inactive.
    pub async fn delete_supplier(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ManageSuppliers)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = suppliers::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("supplier", id))?;
        let (contracts, disputes) = suppliers::references(tx.ex(), id).await?;
        if contracts > 0 || disputes > 0 {
            return Err(AppError::conflict(
                None,
                format!(
                    "the supplier is still referenced by {contracts} agreement(s) and {disputes} dispute(s); \
                     make it inactive instead (PATCH {{\"status\": \"inactive\"}})"
                ),
            ));
        }
        suppliers::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "supplier", id, "delete", Some(&current), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // ------------------------------------------------------------ agreements

    pub async fn list_agreements(
        &self,
        actor: &Actor,
        filter: agreements::Filter,
        request: PageRequest,
    ) -> Result<Page<Agreement>> {
        require(actor, Permission::ReadSuppliers)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            agreements::list(conn.ex(), &filter, request, self.today()).await?,
            request,
        ))
    }

    pub async fn get_agreement(&self, actor: &Actor, id: i64) -> Result<Agreement> {
        require(actor, Permission::ReadSuppliers)?;
        let mut conn = self.db.read().await?;
        agreements::get(conn.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("agreement", id))
    }

    pub async fn create_agreement(
        &self,
        actor: &Actor,
        input: AgreementInput,
    ) -> Result<Agreement> {
        require(actor, Permission::ManageSuppliers)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_agreement(&mut tx, &draft).await?;
        let id = agreements::insert(tx.ex(), &draft, now).await?;
        let agreement = agreements::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("agreement", id))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "agreement", id, "create", None, Some(&agreement)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(agreement)
    }

    pub async fn update_agreement(
        &self,
        actor: &Actor,
        id: i64,
        patch: AgreementPatch,
    ) -> Result<Agreement> {
        require(actor, Permission::ManageSuppliers)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = agreements::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("agreement", id))?;
        let draft = patch.apply(&current)?;
        check_agreement(&mut tx, &draft).await?;
        if draft.kind != current.kind && agreements::disputes(tx.ex(), id).await? > 0 {
            return Err(AppError::conflict(
                Some("kind"),
                "supplier disputes name this contract; its kind cannot change",
            ));
        }
        agreements::update(tx.ex(), id, &draft, now).await?;
        let agreement = agreements::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("agreement", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "agreement",
                id,
                "update",
                Some(&current),
                Some(&agreement),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(agreement)
    }

    /// Deletes an agreement no dispute names; others can be terminated.
    pub async fn delete_agreement(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ManageSuppliers)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = agreements::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("agreement", id))?;
        let disputes = agreements::disputes(tx.ex(), id).await?;
        let measured = steward_store::service_level::slas::measuring(tx.ex(), id).await?;
        if measured > 0 {
            // Its stints and compliance would lose what they measure.
            return Err(AppError::conflict(
                None,
                format!(
                    "{measured} OLA or contract target record(s) in /api/v1/slas measure this agreement; \
                     terminate it instead (PATCH {{\"status\": \"terminated\"}})"
                ),
            ));
        }
        if disputes > 0 {
            return Err(AppError::conflict(
                None,
                format!(
                    "{disputes} supplier dispute(s) name this agreement; terminate it instead \
                     (PATCH {{\"status\": \"terminated\"}})"
                ),
            ));
        }
        agreements::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "agreement", id, "delete", Some(&current), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Unique name (409) and an existing staff owner (422).
async fn check_supplier(tx: &mut Tx, id: Option<i64>, d: &SupplierDraft) -> Result<()> {
    if let Some(other) = suppliers::id_by_name(tx.ex(), &d.name).await?
        && Some(other) != id
    {
        return Err(AppError::conflict(
            Some("name"),
            format!("a supplier named {:?} already exists", d.name),
        ));
    }
    check_owner(tx.ex(), d.owner_id).await
}

/// Every reference must exist; all dangling ones are reported together (422).
async fn check_agreement(tx: &mut Tx, d: &AgreementDraft) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(s) = d.supplier_id
        && suppliers::get(tx.ex(), s).await?.is_none()
    {
        errors.push(steward_domain::FieldError::new(
            "supplier_id",
            format!("no supplier with id {s}"),
        ));
    }
    if let Some(t) = d.team_id
        && teams::get(tx.ex(), t).await?.is_none()
    {
        errors.push(steward_domain::FieldError::new(
            "team_id",
            format!("no team with id {t}"),
        ));
    }
    match check_owner(tx.ex(), d.owner_id).await {
        Ok(()) => {}
        Err(AppError::Invalid(mut e)) => errors.append(&mut e.0),
        Err(other) => return Err(other),
    }
    let found = services::existing(tx.ex(), &d.service_ids).await?;
    let absent: Vec<String> = d
        .service_ids
        .iter()
        .filter(|i| !found.contains(i))
        .map(i64::to_string)
        .collect();
    if !absent.is_empty() {
        errors.push(steward_domain::FieldError::new(
            "service_ids",
            format!("no such services: {}", absent.join(", ")),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(steward_domain::Invalid(errors)))
    }
}
