//! Service requests: raised from a catalogue item with answers checked against its form,
//! approved or rejected by the item's named approvers when it needs approval, then fulfilled
//! by the item's team through the same lifecycle as incidents.
use crate::app::require;
use crate::resolution::tickets::{load, scope_draft};
use crate::{App, AppError, Result};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::request::{DecisionInput, RequestInput};
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::resolution::workflow::{Status, decide};
use steward_domain::{Actor, Permission};
use steward_store::{resolution::kinds, resolution::tickets};

impl App {
    pub async fn create_request(&self, actor: &Actor, input: RequestInput) -> Result<Ticket> {
        require(actor, Permission::RaiseTickets)?;
        // The item as the actor may see it: customers only reach active items of entries
        // published to them.
        let item = self
            .get_catalogue_item(actor, input.catalogue_item_id)
            .await
            .map_err(|e| match e {
                AppError::NotFound { .. } => AppError::invalid(
                    "catalogue_item_id",
                    format!(
                        "no catalogue item {} you may request",
                        input.catalogue_item_id
                    ),
                ),
                other => other,
            })?;
        if !item.active {
            return Err(AppError::invalid(
                "catalogue_item_id",
                format!("{} is no longer offered", item.name),
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // Staff see the whole item (form, approval rule, team); customers got a trimmed copy.
        let full = steward_store::delivery::catalogue::get_item(tx.ex(), item.id)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue item", item.id))?;
        let service_id =
            steward_store::delivery::catalogue::service_of_entry(tx.ex(), full.entry_id)
                .await?
                .ok_or_else(|| AppError::not_found("catalogue entry", full.entry_id))?;
        let settings = crate::resolution::desk::desk(tx.ex()).await?;
        crate::resolution::desk::customer_levels(actor, &settings, input.impact, input.urgency)?;
        let mut draft = input.parse(&full, service_id)?;
        scope_draft(actor, &mut draft.ticket)?;
        let opening = match (&full.approval, full.fulfilment_team_id) {
            (Some(_), _) => tickets::Opening {
                status: Some(Status::AwaitingApproval),
                ..Default::default()
            },
            (None, Some(team)) => tickets::Opening {
                status: Some(Status::Assigned),
                team_id: Some(team),
                ..Default::default()
            },
            (None, None) => tickets::Opening::default(),
        };
        let opening = tickets::Opening {
            catalogue_item_id: Some(full.id),
            answers: Some(serde_json::Value::Object(draft.answers.clone())),
            ..opening
        };
        crate::resolution::tickets::check_references(&mut tx, &draft.ticket).await?;
        let priority = crate::resolution::tickets::priority_of(tx.ex(), &draft.ticket).await?;
        let ticket = self
            .open_ticket(
                &mut tx,
                actor,
                TicketKind::Request,
                &draft.ticket,
                priority,
                &opening,
                now,
            )
            .await?;
        tx.commit().await?;
        Ok(ticket)
    }

    /// An approver's decision. Only the item's approvers decide; approval hands the request
    /// to the fulfilment team, rejection ends it.
    pub async fn decide_request(
        &self,
        actor: &Actor,
        id: i64,
        input: DecisionInput,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let (decision, comment) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, TicketKind::Request, id).await?;
        let item_id = current
            .catalogue_item_id
            .ok_or_else(|| AppError::Internal(format!("request {id} has no catalogue item")))?;
        let item = steward_store::delivery::catalogue::get_item(tx.ex(), item_id)
            .await?
            .ok_or_else(|| AppError::not_found("catalogue item", item_id))?;
        let next = decide(&current.lifecycle(), decision, item.fulfilment_team_id)?;
        let allowed = item
            .approval
            .as_ref()
            .is_some_and(|rule| rule.allows(actor.user_id, actor.role));
        if !allowed {
            return Err(AppError::Forbidden(format!(
                "only the approvers of {} decide on it",
                item.name
            )));
        }
        kinds::add_approval(
            tx.ex(),
            id,
            actor.user_id,
            &actor.name,
            decision,
            comment.as_deref(),
            now,
        )
        .await?;
        let step = crate::resolution::tickets::Step {
            event: "approval",
            action: decision.as_str(),
            reassigned: false,
            detail: serde_json::json!({ "decision": decision.as_str(), "comment": comment }),
        };
        let ticket = self
            .record_step(&mut tx, actor, &current, &next, step, now)
            .await?;
        tx.commit().await?;
        self.get_ticket(actor, TicketKind::Request, ticket.id).await
    }
}
