//! Complaints (8.3.2) and supplier disputes (8.3.4.1), managed to closure.
//!
//! Customers raise complaints for their own organization and see only those; they never see
//! disputes. Staff with `ManageComplaints` handle both kinds; whoever raised a record may
//! withdraw it while it is open.
use crate::app::{change, require};
use crate::delivery::suppliers::check_owner;
use crate::{App, AppError, Result};
use steward_domain::delivery::supplier::AgreementKind;
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::improvement::complaint::{
    Complaint, ComplaintDraft, ComplaintInput, ComplaintKind, ComplaintPatch, ComplaintStatus,
    TransitionInput, TransitionRefused,
};
use steward_domain::{Actor, FieldError, Invalid, Permission, Scope};
use steward_store::{
    Tx, delivery::agreements, delivery::services, delivery::suppliers, foundation::orgs,
    improvement::complaints,
};

/// What a transition request came to.
#[derive(Debug)]
pub enum TransitionOutcome {
    Done(Box<Complaint>),
    /// The state machine does not allow it; nothing was written.
    NotAllowed {
        from: ComplaintStatus,
        to: ComplaintStatus,
        allowed: Vec<ComplaintStatus>,
    },
}

/// Whether the actor may know the record exists.
fn visible(actor: &Actor, c: &Complaint) -> bool {
    match actor.scope() {
        Scope::All => true,
        Scope::Organization(org) => {
            c.kind == ComplaintKind::Complaint && c.organization_id == Some(org)
        }
        Scope::Nothing => false,
    }
}

impl App {
    pub async fn list_complaints(
        &self,
        actor: &Actor,
        mut filter: complaints::Filter,
        request: PageRequest,
    ) -> Result<Page<Complaint>> {
        require(actor, Permission::ReadComplaints)?;
        match actor.scope() {
            Scope::All => {}
            // As for people, the scope overrides an organization filter.
            Scope::Organization(org) if filter.kind != Some(ComplaintKind::SupplierDispute) => {
                filter.organization = Some(org);
                filter.kind = Some(ComplaintKind::Complaint);
            }
            // Customers never see disputes.
            Scope::Organization(_) | Scope::Nothing => {
                return Ok(Page {
                    items: Vec::new(),
                    total: 0,
                    limit: request.limit,
                    offset: request.offset,
                    total_capped: false,
                });
            }
        }
        let mut conn = self.db.read().await?;
        let (items, total) = complaints::list(conn.ex(), &filter, request).await?;
        Ok(Page {
            items,
            total,
            limit: request.limit,
            offset: request.offset,
            total_capped: false,
        })
    }

    /// One record with its timeline; another organization's record is "not found".
    pub async fn get_complaint(&self, actor: &Actor, id: i64) -> Result<Complaint> {
        require(actor, Permission::ReadComplaints)?;
        let mut conn = self.db.read().await?;
        complaints::get_full(conn.ex(), id)
            .await?
            .filter(|c| visible(actor, c))
            .ok_or_else(|| AppError::not_found("complaint", id))
    }

    pub async fn create_complaint(
        &self,
        actor: &Actor,
        mut input: ComplaintInput,
    ) -> Result<Complaint> {
        require(actor, Permission::RaiseComplaints)?;
        if !actor.role.is_staff() {
            if input.kind != ComplaintKind::Complaint {
                return Err(AppError::Forbidden(
                    "customers raise complaints; supplier disputes are raised by staff".into(),
                ));
            }
            let Scope::Organization(own) = actor.scope() else {
                return Err(AppError::Forbidden(
                    "your account belongs to no organization, so it cannot raise complaints".into(),
                ));
            };
            if input.organization_id.is_some_and(|o| o != own) {
                return Err(AppError::invalid(
                    "organization_id",
                    "you may raise complaints only for your own organization",
                ));
            }
            if input.owner_id.is_some() {
                return Err(AppError::invalid(
                    "owner_id",
                    "is assigned by the staff who handle the complaint",
                ));
            }
            input.organization_id = Some(own);
        }
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_complaint(&mut tx, &draft, self.today()).await?;
        let number = complaints::next_number(tx.ex(), draft.kind).await?;
        let id = complaints::insert(tx.ex(), &number, &draft, actor.user_id, now).await?;
        complaints::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            None,
            ComplaintStatus::New,
            None,
        )
        .await?;
        let created = complaints::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "complaint", id, "create", None, Some(&created)),
            now,
        )
        .await?;
        let full = complaints::get_full(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        tx.commit().await?;
        Ok(full)
    }

    pub async fn update_complaint(
        &self,
        actor: &Actor,
        id: i64,
        patch: ComplaintPatch,
    ) -> Result<Complaint> {
        require(actor, Permission::ManageComplaints)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = complaints::get(tx.ex(), id)
            .await?
            .filter(|c| visible(actor, c))
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        let draft = patch.apply(&current)?;
        check_complaint(&mut tx, &draft, self.today()).await?;
        complaints::update(tx.ex(), id, &draft, now).await?;
        let after = complaints::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "complaint",
                id,
                "update",
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        let full = complaints::get_full(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        tx.commit().await?;
        Ok(full)
    }

    /// Moves a record through its life cycle, keeping the step in its timeline.
    pub async fn transition_complaint(
        &self,
        actor: &Actor,
        id: i64,
        input: TransitionInput,
    ) -> Result<TransitionOutcome> {
        require(actor, Permission::ReadComplaints)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = complaints::get(tx.ex(), id)
            .await?
            .filter(|c| visible(actor, c))
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        let own_withdrawal = input.to == ComplaintStatus::Withdrawn
            && actor.can(Permission::RaiseComplaints)
            && actor.user_id.is_some()
            && current.raised_by == actor.user_id;
        if !actor.can(Permission::ManageComplaints) && !own_withdrawal {
            return Err(AppError::Forbidden(
                "your role may only withdraw records it raised".into(),
            ));
        }
        let transition = match input.plan(current.status, current.resolution.as_deref()) {
            Ok(t) => t,
            Err(TransitionRefused::Invalid(invalid)) => return Err(invalid.into()),
            Err(TransitionRefused::NotAllowed { from, to, allowed }) => {
                return Ok(TransitionOutcome::NotAllowed { from, to, allowed });
            }
        };
        if !complaints::transition(tx.ex(), id, &transition, now).await? {
            return Err(AppError::conflict(
                Some("to"),
                "the record was changed by someone else meanwhile; reload it and try again",
            ));
        }
        complaints::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            Some(transition.from),
            transition.to,
            transition.note.as_deref(),
        )
        .await?;
        let after = complaints::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "complaint",
                id,
                "transition",
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        let full = complaints::get_full(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("complaint", id))?;
        tx.commit().await?;
        Ok(TransitionOutcome::Done(Box::new(full)))
    }
}

/// Every reference must exist (422, all reported together); a disputed agreement must be an
/// underpinning contract with the disputed supplier.
async fn check_complaint(tx: &mut Tx, d: &ComplaintDraft, today: jiff::civil::Date) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(org) = d.organization_id
        && orgs::get(tx.ex(), org).await?.is_none()
    {
        errors.push(FieldError::new(
            "organization_id",
            format!("no organization with id {org}"),
        ));
    }
    if let Some(s) = d.service_id
        && services::existing(tx.ex(), &[s]).await?.is_empty()
    {
        errors.push(FieldError::new(
            "service_id",
            format!("no service with id {s}"),
        ));
    }
    if let Some(s) = d.supplier_id
        && suppliers::get(tx.ex(), s).await?.is_none()
    {
        errors.push(FieldError::new(
            "supplier_id",
            format!("no supplier with id {s}"),
        ));
    }
    if let Some(a) = d.agreement_id {
        match agreements::get(tx.ex(), a, today).await? {
            None => errors.push(FieldError::new(
                "agreement_id",
                format!("no agreement with id {a}"),
            )),
            Some(ag)
                if ag.kind != AgreementKind::UnderpinningContract
                    || ag.supplier_id != d.supplier_id =>
            {
                errors.push(FieldError::new(
                    "agreement_id",
                    "must be an underpinning contract with the disputed supplier",
                ))
            }
            Some(_) => {}
        }
    }
    match check_owner(tx.ex(), d.owner_id).await {
        Ok(()) => {}
        Err(AppError::Invalid(mut e)) => errors.append(&mut e.0),
        Err(other) => return Err(other),
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(Invalid(errors)))
    }
}
