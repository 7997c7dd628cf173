//! Editing a ticket after it was raised: title, description, impact and urgency (and so
//! priority), service, category and CI. Staff edit any open record; a customer changes only
//! what the desk settings allow on its own open records. Each edit writes one timeline entry
//! naming every field's old and new value, the audit trail, and re-evaluates the SLA.
use crate::resolution::desk::desk;
use crate::resolution::tickets::{load, matrix, require_kind, visible};
use crate::{App, AppError, Result};
use serde_json::{Value, json};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{TicketKind, TicketPatch};
use steward_domain::{Actor, Permission, Scope};
use steward_store::delivery::{cis, services};
use steward_store::{Tx, resolution::tickets};

/// Refuses a service a customer may not raise records against: one that is not live or not
/// delivered to its organization.
pub(crate) async fn customer_service(tx: &mut Tx, actor: &Actor, service: i64) -> Result<()> {
    let Scope::Organization(org) = actor.scope() else {
        return Ok(());
    };
    let ok = services::get(tx.ex(), service)
        .await?
        .is_some_and(|s| s.raisable_by(org));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "service_id",
            format!("service {service} is not a live service delivered to your organization"),
        ))
    }
}

impl App {
    pub async fn update_ticket(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        patch: TicketPatch,
    ) -> Result<Ticket> {
        crate::app::require(actor, Permission::RaiseTickets)?;
        require_kind(actor, kind)?;
        let patch = patch.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, kind, id).await?;
        if !visible(actor, &current) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        if !current.status.is_open() {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "{} is {}; reopen it to edit it",
                    current.number,
                    current.status.as_str()
                ),
            ));
        }
        if !actor.can(Permission::WorkTickets) {
            desk(tx.ex()).await?.refuse_for_customer(&patch.fields())?;
        }
        if let Some(Some(s)) = patch.service_id {
            if services::get(tx.ex(), s).await?.is_none() {
                return Err(AppError::invalid(
                    "service_id",
                    format!("no service with id {s}"),
                ));
            }
            customer_service(&mut tx, actor, s).await?;
        }
        if let Some(Some(ci)) = patch.ci_id
            && cis::get(tx.ex(), ci).await?.is_none()
        {
            return Err(AppError::invalid("ci_id", format!("no CI with id {ci}")));
        }
        let title = patch.title.clone().unwrap_or_else(|| current.title.clone());
        let description = patch
            .description
            .clone()
            .unwrap_or_else(|| current.description.clone());
        let impact = patch.impact.unwrap_or(current.impact);
        let urgency = patch.urgency.unwrap_or(current.urgency);
        let priority = matrix(tx.ex()).await?.priority(impact, urgency);
        let service_id = patch.service_id.unwrap_or(current.service_id);
        let category = patch
            .category
            .clone()
            .unwrap_or_else(|| current.category.clone());
        let ci_id = patch.ci_id.unwrap_or(current.ci_id);

        // Only what really changes goes to the timeline; an edit that changes nothing writes
        // nothing.
        let mut changes = serde_json::Map::new();
        let mut note = |field: &str, from: Value, to: Value| {
            if from != to {
                changes.insert(field.to_owned(), json!({ "from": from, "to": to }));
            }
        };
        note("title", json!(current.title), json!(title));
        note(
            "description",
            json!(current.description),
            json!(description),
        );
        note("impact", json!(current.impact), json!(impact));
        note("urgency", json!(current.urgency), json!(urgency));
        note("priority", json!(current.priority), json!(priority));
        note("service_id", json!(current.service_id), json!(service_id));
        note("category", json!(current.category), json!(category));
        note("ci_id", json!(current.ci_id), json!(ci_id));
        if changes.is_empty() {
            return Ok(current);
        }
        let fields = tickets::Fields {
            title: &title,
            description: description.as_deref(),
            impact,
            urgency,
            priority,
            service_id,
            category: category.as_deref(),
            ci_id,
        };
        tickets::update_fields(tx.ex(), id, &fields, now).await?;
        if changes.contains_key("title") || changes.contains_key("description") {
            steward_store::resolution::search::reindex_ticket(
                tx.ex(),
                id,
                &title,
                description.as_deref().unwrap_or(""),
            )
            .await?;
        }
        let after = load(&mut tx, kind, id).await?;
        self.reevaluate_sla(&mut tx, &current, &after, now).await?;
        self.record_change(
            &mut tx,
            actor,
            &current,
            "edited",
            json!({ "changes": changes }),
            &after,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
