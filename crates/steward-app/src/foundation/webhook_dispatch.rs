//! The webhook dispatcher: under a lease (one node at a time), reads the audit trail after its
//! cursor, matches each entry against the enabled subscriptions, and enqueues a delivery per
//! match in the same transaction that moves the cursor, so each event is enqueued once and
//! none is skipped. (The trail's seq has no gaps and becomes visible in order: appending
//! locks the head row until the appending transaction commits.)
use crate::{App, Result};
use serde_json::Value;
use steward_domain::foundation::audit::AuditEntry;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::foundation::webhook::event::{
    Event, conditions_hold, event_type, pattern_matches,
};
use steward_store::foundation::webhooks::{self, Subscription};
use steward_store::foundation::{audit, leases};

const LEASE: &str = "webhook_dispatch";
const LEASE_MICROS: i64 = 60_000_000;
/// The most audit entries one round reads.
const BATCH: i64 = 500;
/// Finished deliveries and their log are kept this long.
pub const RETENTION_DAYS: i64 = 30;

fn parse(json: Option<&str>) -> Value {
    json.and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

fn event(e: &AuditEntry) -> Event {
    let record = parse(e.after.as_deref());
    let previous = parse(e.before.as_deref());
    Event {
        id: e.seq,
        event_type: event_type(&e.record_type, &e.action),
        occurred_at: rfc3339_micros(e.at_micros),
        record_type: e.record_type.clone(),
        record_id: e.record_id.clone(),
        action: e.action.clone(),
        actor: e.actor.clone(),
        record: Event::subject(&record, &previous),
        previous,
    }
}

fn wants(s: &Subscription, e: &Event) -> bool {
    e.id > s.from_seq
        && s.webhook
            .events
            .iter()
            .any(|p| pattern_matches(p, &e.event_type))
        && conditions_hold(&s.webhook.conditions, &e.record)
}

impl App {
    /// Enqueues the deliveries for new events; returns how many, or None when another node
    /// holds the lease.
    pub async fn dispatch_webhooks(&self, node: &str) -> Result<Option<u64>> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !leases::try_acquire(tx.ex(), LEASE, node, now, now + LEASE_MICROS).await? {
            tx.commit().await?;
            return Ok(None);
        }
        let cursor = webhooks::lock_cursor(tx.ex()).await?;
        let entries = audit::batch(tx.ex(), cursor, BATCH).await?;
        let Some(last) = entries.last().map(|e| e.seq) else {
            tx.commit().await?;
            return Ok(Some(0));
        };
        let subscriptions = webhooks::enabled(tx.ex()).await?;
        let mut enqueued = 0;
        for entry in &entries {
            if subscriptions.is_empty() {
                break;
            }
            let e = event(entry);
            let mut body = None;
            for s in subscriptions.iter().filter(|s| wants(s, &e)) {
                if body.is_none() {
                    body = Some(serde_json::to_string(&e).unwrap_or_default());
                }
                let payload = body.as_deref().unwrap_or_default();
                if webhooks::enqueue(tx.ex(), s.webhook.id, e.id, &e.event_type, payload, now)
                    .await?
                {
                    enqueued += 1;
                }
            }
        }
        webhooks::set_cursor(tx.ex(), last).await?;
        webhooks::prune(tx.ex(), now - RETENTION_DAYS * 86_400_000_000).await?;
        tx.commit().await?;
        Ok(Some(enqueued))
    }

    /// One round of webhook work: enqueue new events (on the node holding the lease), then
    /// send what is due (on every node; each delivery is claimed by one). Returns how many
    /// attempts were made.
    pub async fn run_webhooks(&self, node: &str) -> Result<u64> {
        // Catch up in batches, so a burst of changes goes out in this round (bounded, so a
        // steady stream of changes cannot keep the round from sending).
        for _ in 0..20 {
            if self.dispatch_webhooks(node).await?.is_none() || !self.webhook_backlog().await? {
                break;
            }
        }
        self.send_due_webhooks().await
    }

    /// Whether audit entries wait beyond the cursor.
    async fn webhook_backlog(&self) -> Result<bool> {
        let mut conn = self.db.read().await?;
        let (head, _) = audit::head(conn.ex()).await?;
        let cursor = webhooks_cursor(conn.ex()).await?;
        Ok(head > cursor)
    }
}

async fn webhooks_cursor(ex: steward_store::Ex<'_>) -> Result<i64> {
    Ok(webhooks::cursor(ex).await?)
}
