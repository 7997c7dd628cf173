//! Nonconformities and corrective actions (10.1).
//!
//! Managers and administrators (`ManageConformity`) raise, edit and close nonconformities and
//! plan their actions; staff who read them (`ReadConformity`) may mark done the actions they
//! own. A record closes only with its cause analysis, every action done and an effectiveness
//! check that found the actions effective; each refusal names its field.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::foundation::page::{Page, PageRequest, rfc3339_micros};
use steward_domain::improvement::nonconformity::{
    ActionInput, ActionPatch, ActionStatus, CorrectiveAction, EffectivenessCheckInput, NcDraft,
    NcStatus, Nonconformity, NonconformityInput, NonconformityPatch,
};
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::{Actor, FieldError, Invalid, Permission};
use steward_store::Tx;
use steward_store::improvement::{audits, complaints, nonconformities};
use steward_store::resolution::tickets;

impl App {
    pub async fn list_nonconformities(
        &self,
        actor: &Actor,
        filter: nonconformities::Filter,
        request: PageRequest,
    ) -> Result<Page<Nonconformity>> {
        require(actor, Permission::ReadConformity)?;
        let mut conn = self.db.read().await?;
        let (items, total) =
            nonconformities::list(conn.ex(), &filter, self.today(), request).await?;
        Ok(Page {
            items,
            total,
            limit: request.limit,
            offset: request.offset,
            total_capped: false,
        })
    }

    /// One record with its corrective actions.
    pub async fn get_nonconformity(&self, actor: &Actor, id: i64) -> Result<Nonconformity> {
        require(actor, Permission::ReadConformity)?;
        let mut conn = self.db.read().await?;
        nonconformities::get(conn.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("nonconformity", id))
    }

    pub async fn create_nonconformity(
        &self,
        actor: &Actor,
        input: NonconformityInput,
    ) -> Result<Nonconformity> {
        require(actor, Permission::ManageConformity)?;
        let mut draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_links(&mut tx, &mut draft).await?;
        let made = self
            .raise_nonconformity(&mut tx, actor, &draft, now)
            .await?;
        tx.commit().await?;
        Ok(made)
    }

    /// Numbers, stores and audits a checked nonconformity in the caller's transaction.
    pub(crate) async fn raise_nonconformity(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        draft: &NcDraft,
        now: i64,
    ) -> Result<Nonconformity> {
        let number = nonconformities::next_number(tx.ex()).await?;
        let id = nonconformities::insert(tx.ex(), &number, draft, actor.user_id, now).await?;
        let made = self.nc_in(tx, id).await?;
        self.audit(
            tx,
            change::<(), _>(actor, "nonconformity", id, "create", None, Some(&made)),
            now,
        )
        .await?;
        Ok(made)
    }

    async fn nc_in(&self, tx: &mut Tx, id: i64) -> Result<Nonconformity> {
        nonconformities::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("nonconformity", id))
    }

    /// Edits the record or moves its status; closing is refused (422) without the cause
    /// analysis, with an open action, or without an effective effectiveness check.
    pub async fn update_nonconformity(
        &self,
        actor: &Actor,
        id: i64,
        patch: NonconformityPatch,
    ) -> Result<Nonconformity> {
        require(actor, Permission::ManageConformity)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = self.nc_in(&mut tx, id).await?;
        let next = patch.apply(&current)?;
        if next.owner_id != current.owner_id
            && let Some(owner) = next.owner_id
        {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        nonconformities::update(tx.ex(), &next, now).await?;
        let after = self.nc_in(&mut tx, id).await?;
        let action = if after.status == NcStatus::Closed {
            "close"
        } else {
            "update"
        };
        self.audit(
            &mut tx,
            change(
                actor,
                "nonconformity",
                id,
                action,
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records (or replaces) the effectiveness check, once every action is done. A check that
    /// finds the actions not effective sends the record back to `action_planned`: new actions
    /// are needed before it can close.
    pub async fn record_effectiveness_check(
        &self,
        actor: &Actor,
        id: i64,
        input: EffectivenessCheckInput,
    ) -> Result<Nonconformity> {
        require(actor, Permission::ManageConformity)?;
        let check = input.parse(actor.user_id, self.today())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = self.nc_in(&mut tx, id).await?;
        if current.status == NcStatus::Closed {
            return Err(AppError::invalid(
                "status",
                "the nonconformity is closed and no longer changes",
            ));
        }
        let open = current
            .actions
            .iter()
            .filter(|a| a.status == ActionStatus::Open)
            .count();
        if open > 0 {
            return Err(AppError::invalid(
                "actions",
                format!(
                    "{open} corrective action{} still open: the check judges finished actions",
                    if open == 1 { " is" } else { "s are" }
                ),
            ));
        }
        require_staff_user(tx.ex(), "checked_by", check.checked_by).await?;
        nonconformities::set_check(tx.ex(), id, &check, now).await?;
        if !check.effective && current.status == NcStatus::Verifying {
            nonconformities::set_status(tx.ex(), id, NcStatus::ActionPlanned, now).await?;
        }
        let after = self.nc_in(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "nonconformity",
                id,
                "effectiveness_check",
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn add_corrective_action(
        &self,
        actor: &Actor,
        id: i64,
        input: ActionInput,
    ) -> Result<CorrectiveAction> {
        require(actor, Permission::ManageConformity)?;
        let (description, owner, due) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let nc = self.nc_in(&mut tx, id).await?;
        if nc.status == NcStatus::Closed {
            return Err(AppError::invalid(
                "status",
                "the nonconformity is closed; raise a new one if it recurs",
            ));
        }
        require_staff_user(tx.ex(), "owner_id", owner).await?;
        let action =
            nonconformities::insert_action(tx.ex(), id, &description, owner, due, now).await?;
        if nc.status == NcStatus::Open {
            nonconformities::set_status(tx.ex(), id, NcStatus::ActionPlanned, now).await?;
        }
        let made = nonconformities::get_action(tx.ex(), id, action, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("corrective action", action))?;
        self.audit(
            &mut tx,
            change::<(), _>(
                actor,
                "corrective_action",
                action,
                "create",
                None,
                Some(&made),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn list_corrective_actions(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<CorrectiveAction>> {
        Ok(self.get_nonconformity(actor, id).await?.actions)
    }

    /// Edits an action. Its owner, without `ManageConformity`, may change only its status
    /// (mark it done, or open again).
    pub async fn update_corrective_action(
        &self,
        actor: &Actor,
        id: i64,
        action: i64,
        patch: ActionPatch,
    ) -> Result<CorrectiveAction> {
        require(actor, Permission::ReadConformity)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let nc = self.nc_in(&mut tx, id).await?;
        let current = nonconformities::get_action(tx.ex(), id, action, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("corrective action", action))?;
        if !actor.can(Permission::ManageConformity) {
            let owner = actor.user_id.is_some() && actor.user_id == Some(current.owner_id);
            if !owner {
                return Err(AppError::Forbidden(
                    "only managers and the action's owner change a corrective action".into(),
                ));
            }
            if !patch.only_status() {
                return Err(AppError::Forbidden(
                    "the action's owner may only mark it done or open again; managers change the rest".into(),
                ));
            }
        }
        if nc.status == NcStatus::Closed {
            return Err(AppError::invalid(
                "status",
                "the nonconformity is closed and its actions no longer change",
            ));
        }
        let next = patch.apply(&current, &rfc3339_micros(now))?;
        if next.owner_id != current.owner_id {
            require_staff_user(tx.ex(), "owner_id", next.owner_id).await?;
        }
        nonconformities::update_action(tx.ex(), &next, now).await?;
        let after = nonconformities::get_action(tx.ex(), id, action, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("corrective action", action))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "corrective_action",
                action,
                "update",
                Some(&current),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Every link must exist (422, all reported together); a finding also names its audit.
async fn check_links(tx: &mut Tx, d: &mut NcDraft) -> Result<()> {
    let mut errors = Vec::new();
    if let Some(f) = d.finding_id {
        match audits::get_finding(tx.ex(), f).await? {
            Some(finding) => d.audit_id = Some(finding.audit_id),
            None => errors.push(FieldError::new(
                "finding_id",
                format!("no audit finding with id {f}"),
            )),
        }
    }
    if let Some(c) = d.complaint_id
        && complaints::get(tx.ex(), c).await?.is_none()
    {
        errors.push(FieldError::new(
            "complaint_id",
            format!("no complaint with id {c}"),
        ));
    }
    if let Some(i) = d.incident_id
        && tickets::get(tx.ex(), TicketKind::Incident, i)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            "incident_id",
            format!("no incident with id {i}"),
        ));
    }
    if let Some(o) = d.owner_id {
        match require_staff_user(tx.ex(), "owner_id", o).await {
            Ok(()) => {}
            Err(AppError::Invalid(mut e)) => errors.append(&mut e.0),
            Err(other) => return Err(other),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(Invalid(errors)))
    }
}
