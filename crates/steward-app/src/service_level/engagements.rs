//! Handing a ticket to a supplier and taking it back: the engagement is what an underpinning
//! contract's clocks run on. Each step is on the ticket's timeline and in the audit trail.
use crate::app::require;
use crate::resolution::tickets::{load, visible};
use crate::{App, AppError, Result};
use steward_domain::delivery::supplier::SupplierStatus;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::service_level::agreement_clock::{AcknowledgeInput, EngageInput};
use steward_domain::{Actor, Permission};
use steward_store::service_level::agreement_clocks::{self as store, Engagement};
use steward_store::{Tx, delivery::suppliers};

const REFERENCE_MAX: usize = 200;

fn reference(r: Option<String>) -> Result<Option<String>> {
    let r = r.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
    if r.as_ref()
        .is_some_and(|s| s.chars().count() > REFERENCE_MAX)
    {
        return Err(AppError::invalid(
            "reference",
            format!("at most {REFERENCE_MAX} characters"),
        ));
    }
    Ok(r)
}

impl App {
    /// An open incident or request the actor may work, in the transaction.
    async fn workable(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        now: i64,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        if kind == TicketKind::Problem {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        store::touch_ticket(tx.ex(), id, now).await?;
        let ticket = load(tx, kind, id).await?;
        if kind == TicketKind::Problem || !visible(actor, &ticket) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        Ok(ticket)
    }

    async fn current_engagement(&self, tx: &mut Tx, t: &Ticket) -> Result<Engagement> {
        store::engagement(tx.ex(), t.id).await?.ok_or_else(|| {
            AppError::conflict(
                Some("supplier_id"),
                format!("{} is not engaged with a supplier", t.number),
            )
        })
    }

    /// Hands an open ticket to a supplier: its underpinning contract's clocks start.
    pub async fn engage_supplier(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        input: EngageInput,
    ) -> Result<Ticket> {
        let reference = reference(input.reference)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = self.workable(&mut tx, actor, kind, id, now).await?;
        if !ticket.status.is_open() {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "a {} ticket cannot be handed to a supplier",
                    ticket.status.as_str()
                ),
            ));
        }
        match suppliers::get(tx.ex(), input.supplier_id).await? {
            None => {
                return Err(AppError::invalid(
                    "supplier_id",
                    format!("no supplier with id {}", input.supplier_id),
                ));
            }
            Some(s) if s.status != SupplierStatus::Active => {
                return Err(AppError::invalid(
                    "supplier_id",
                    format!("supplier {} is inactive", s.name),
                ));
            }
            Some(_) => {}
        }
        let before = store::engagement(tx.ex(), id).await?;
        if let Some(e) = &before {
            return Err(AppError::conflict(
                Some("supplier_id"),
                format!(
                    "{} is already with supplier {}; take it back first",
                    ticket.number, e.supplier_id
                ),
            ));
        }
        store::engage(tx.ex(), id, input.supplier_id, reference.as_deref(), now).await?;
        let after = store::engagement(tx.ex(), id).await?;
        let detail =
            serde_json::json!({ "supplier_id": input.supplier_id, "reference": reference });
        self.engagement_changed(
            &mut tx,
            actor,
            &ticket,
            "supplier_engaged",
            detail,
            before,
            after,
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_ticket(actor, kind, id).await
    }

    /// Records that the supplier acknowledged the ticket: the contract's response clock stops.
    pub async fn acknowledge_supplier(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        input: AcknowledgeInput,
    ) -> Result<Ticket> {
        let reference = reference(input.reference)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = self.workable(&mut tx, actor, kind, id, now).await?;
        let before = self.current_engagement(&mut tx, &ticket).await?;
        if before.acknowledged_at.is_some() {
            return Err(AppError::conflict(
                Some("supplier_id"),
                "the supplier has already acknowledged the ticket",
            ));
        }
        if !store::acknowledge(tx.ex(), before.id, reference.as_deref(), now).await? {
            return Err(AppError::conflict(
                Some("supplier_id"),
                "the engagement changed meanwhile; read the ticket again",
            ));
        }
        let after = store::engagement(tx.ex(), id).await?;
        let detail =
            serde_json::json!({ "supplier_id": before.supplier_id, "reference": reference });
        self.engagement_changed(
            &mut tx,
            actor,
            &ticket,
            "supplier_acknowledged",
            detail,
            Some(before),
            after,
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_ticket(actor, kind, id).await
    }

    /// Takes a ticket back from its supplier: the contract's clocks stop.
    pub async fn release_supplier(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
    ) -> Result<Ticket> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = self.workable(&mut tx, actor, kind, id, now).await?;
        let before = self.current_engagement(&mut tx, &ticket).await?;
        if !store::release(tx.ex(), before.id, now).await? {
            return Err(AppError::conflict(
                Some("supplier_id"),
                "the supplier was released meanwhile",
            ));
        }
        let detail = serde_json::json!({ "supplier_id": before.supplier_id });
        self.engagement_changed(
            &mut tx,
            actor,
            &ticket,
            "supplier_released",
            detail,
            Some(before),
            None,
            now,
        )
        .await?;
        tx.commit().await?;
        self.get_ticket(actor, kind, id).await
    }

    /// Timeline, audit and the contract clocks for an engagement change.
    #[allow(clippy::too_many_arguments)]
    async fn engagement_changed(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ticket: &Ticket,
        event: &'static str,
        detail: serde_json::Value,
        before: Option<Engagement>,
        after: Option<Engagement>,
        now: i64,
    ) -> Result<()> {
        let audited = serde_json::json!({ "supplier": after.as_ref().map(|e| serde_json::json!({
            "supplier_id": e.supplier_id, "reference": e.reference, "acknowledged": e.acknowledged_at.is_some()
        })) });
        self.record_change(tx, actor, ticket, event, detail, &audited, now)
            .await?;
        let was = crate::service_level::agreement_clocks::holding(ticket, before.as_ref());
        let is = crate::service_level::agreement_clocks::holding(ticket, after.as_ref());
        self.advance_agreement_clocks(tx, Some(was), ticket, is, now)
            .await
    }
}
