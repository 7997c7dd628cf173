//! Webhook subscriptions, the dispatcher's cursor over the audit trail, deliveries and their
//! attempts (the delivery log).
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::foundation::webhook::event::{Condition, conditions_text};
use steward_domain::foundation::webhook::{
    Attempt, AttemptOutcome, Delivery, DeliveryStatus, Webhook, WebhookConfig,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    url: String,
    events: String,
    conditions: String,
    enabled: bool,
    disabled_reason: Option<String>,
    consecutive_failures: i32,
    max_failures: i32,
    from_seq: i64,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, name, url, events, conditions, enabled, disabled_reason,
    consecutive_failures, max_failures, from_seq, created_at, updated_at";

/// A subscription as the dispatcher needs it: with the audit seq it starts after.
pub struct Subscription {
    pub webhook: Webhook,
    pub from_seq: i64,
}

fn subscription(r: Row) -> Result<Subscription> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(format!("webhook {}: {e}", r.id));
    let events: Vec<String> = serde_json::from_str(&r.events).map_err(corrupt)?;
    let conditions: Vec<Condition> = serde_json::from_str(&r.conditions).map_err(corrupt)?;
    Ok(Subscription {
        from_seq: r.from_seq,
        webhook: Webhook {
            id: r.id,
            name: r.name,
            url: r.url,
            events,
            filter: conditions_text(&conditions),
            conditions,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            consecutive_failures: u32::try_from(r.consecutive_failures).unwrap_or(0),
            max_failures: u32::try_from(r.max_failures).unwrap_or(1),
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        },
    })
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub async fn insert(
    ex: Ex<'_>,
    c: &WebhookConfig,
    secret: &str,
    from_seq: i64,
    now: i64,
) -> Result<Webhook> {
    let sql = format!(
        "INSERT INTO webhooks (name, url, events, conditions, secret, enabled, max_failures,
         from_seq, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, TRUE, $6, $7, $8, $8)
         RETURNING {COLUMNS}"
    );
    let (events, conditions) = (json(&c.events)?, json(&c.conditions)?);
    let row: Row = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&c.name).bind(&c.url).bind(&events).bind(&conditions).bind(secret)
        .bind(int(c.max_failures)).bind(from_seq).bind(now)
        .fetch_one(x).await)?;
    Ok(subscription(row)?.webhook)
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Webhook>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
    let row: Option<Row> = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(x).await)?;
    Ok(row.map(subscription).transpose()?.map(|s| s.webhook))
}

pub async fn list(ex: Ex<'_>) -> Result<Vec<Webhook>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks ORDER BY name, id");
    let rows: Vec<Row> = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(x).await)?;
    rows.into_iter()
        .map(|r| subscription(r).map(|s| s.webhook))
        .collect()
}

/// The enabled subscriptions, which new events are matched against.
pub async fn enabled(ex: Ex<'_>) -> Result<Vec<Subscription>> {
    let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE enabled ORDER BY id");
    let rows: Vec<Row> = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(x).await)?;
    rows.into_iter().map(subscription).collect()
}

pub async fn update_config(ex: Ex<'_>, id: i64, c: &WebhookConfig, now: i64) -> Result<Webhook> {
    let sql = format!(
        "UPDATE webhooks SET name = $2, url = $3, events = $4, conditions = $5,
         max_failures = $6, updated_at = $7 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let (events, conditions) = (json(&c.events)?, json(&c.conditions)?);
    let row: Row = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(&c.name).bind(&c.url).bind(&events).bind(&conditions)
        .bind(int(c.max_failures)).bind(now).fetch_one(x).await)?;
    Ok(subscription(row)?.webhook)
}

/// Enables (clearing the failure count and the reason) or disables with a reason. Enabling
/// also makes the waiting deliveries due at once.
pub async fn set_enabled(
    mut ex: Ex<'_>,
    id: i64,
    enabled: bool,
    reason: Option<&str>,
    now: i64,
) -> Result<Webhook> {
    let sql = format!(
        "UPDATE webhooks SET enabled = $2, disabled_reason = $3,
         consecutive_failures = CASE WHEN $2 THEN 0 ELSE consecutive_failures END,
         updated_at = $4 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex.by_ref(), x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(enabled).bind(reason).bind(now).fetch_one(x).await)?;
    if enabled {
        on!(ex, x => sqlx::query(
            "UPDATE webhook_deliveries SET next_attempt_at = $2
             WHERE webhook_id = $1 AND status = 'pending' AND next_attempt_at > $2")
            .bind(id).bind(now).execute(x).await.map(|_| ()))?;
    }
    Ok(subscription(row)?.webhook)
}

pub async fn set_secret(ex: Ex<'_>, id: i64, secret: &str, now: i64) -> Result<()> {
    on!(ex, x => sqlx::query("UPDATE webhooks SET secret = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(secret).bind(now).execute(x).await.map(|_| ()))?;
    Ok(())
}

pub async fn delete(mut ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex.by_ref(), x => sqlx::query("DELETE FROM webhook_attempts WHERE webhook_id = $1")
        .bind(id).execute(x).await.map(|_| ()))?;
    on!(ex.by_ref(), x => sqlx::query("DELETE FROM webhook_deliveries WHERE webhook_id = $1")
        .bind(id).execute(x).await.map(|_| ()))?;
    on!(ex, x => sqlx::query("DELETE FROM webhooks WHERE id = $1")
        .bind(id).execute(x).await.map(|_| ()))?;
    Ok(())
}

/// Counts one more failed attempt; returns the count, the limit and whether it is enabled.
pub async fn count_failure(ex: Ex<'_>, id: i64) -> Result<Option<(u32, u32, bool)>> {
    let row: Option<(i32, i32, bool)> = on!(ex, x => sqlx::query_as(
        "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 WHERE id = $1
         RETURNING consecutive_failures, max_failures, enabled")
        .bind(id).fetch_optional(x).await)?;
    Ok(row.map(|(n, max, on)| {
        (
            u32::try_from(n).unwrap_or(0),
            u32::try_from(max).unwrap_or(1),
            on,
        )
    }))
}

pub async fn reset_failures(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, x => sqlx::query(
        "UPDATE webhooks SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0")
        .bind(id).execute(x).await.map(|_| ()))?;
    Ok(())
}

/// The dispatcher's cursor, locked until the transaction ends (PostgreSQL: the update's row
/// lock; SQLite: the write transaction), so two dispatchers never read the same events.
pub async fn lock_cursor(ex: Ex<'_>) -> Result<i64> {
    Ok(on!(ex, x => sqlx::query_scalar(
        "UPDATE webhook_cursor SET seq = seq WHERE id = 1 RETURNING seq")
        .fetch_one(x).await)?)
}

pub async fn set_cursor(ex: Ex<'_>, seq: i64) -> Result<()> {
    on!(ex, x => sqlx::query("UPDATE webhook_cursor SET seq = $1 WHERE id = 1")
        .bind(seq).execute(x).await.map(|_| ()))?;
    Ok(())
}

/// Enqueues an event for a subscription, once (a second enqueue of the same event does
/// nothing). Returns whether it was new.
pub async fn enqueue(
    ex: Ex<'_>,
    webhook: i64,
    seq: i64,
    event_type: &str,
    payload: &str,
    now: i64,
) -> Result<bool> {
    let n = on!(ex, x => sqlx::query(
        "INSERT INTO webhook_deliveries (webhook_id, event_seq, event_type, payload, status,
         next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, 'pending', $5, $5, $5)
         ON CONFLICT (webhook_id, event_seq) DO NOTHING")
        .bind(webhook).bind(seq).bind(event_type).bind(payload).bind(now)
        .execute(x).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A delivery claimed for sending, with what sending needs.
pub struct Claimed {
    pub delivery_id: i64,
    pub webhook_id: i64,
    pub url: String,
    pub secret: String,
    pub event_seq: i64,
    pub event_type: String,
    pub payload: String,
}

/// Claims up to `limit` due deliveries of enabled subscriptions that no one is sending: each
/// is marked in flight until `until`. PostgreSQL skips the rows another node is claiming
/// (`FOR UPDATE SKIP LOCKED`); SQLite's write transaction excludes every other claimer.
pub async fn claim_due(mut ex: Ex<'_>, now: i64, until: i64, limit: i64) -> Result<Vec<Claimed>> {
    let ids: Vec<i64> = match ex.by_ref() {
        Ex::Sqlite(x) => {
            sqlx::query_scalar(
                "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE d.status = 'pending' AND w.enabled AND d.next_attempt_at <= $1
                 AND d.in_flight_until <= $1 ORDER BY d.next_attempt_at, d.id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(x)
            .await?
        }
        Ex::Postgres(x) => {
            sqlx::query_scalar(
                "SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
                 WHERE d.status = 'pending' AND w.enabled AND d.next_attempt_at <= $1
                 AND d.in_flight_until <= $1 ORDER BY d.next_attempt_at, d.id LIMIT $2
                 FOR UPDATE OF d SKIP LOCKED",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(x)
            .await?
        }
    };
    let mut claimed = Vec::with_capacity(ids.len());
    for id in ids {
        on!(ex.by_ref(), x => sqlx::query(
            "UPDATE webhook_deliveries SET in_flight_until = $2 WHERE id = $1")
            .bind(id).bind(until).execute(x).await.map(|_| ()))?;
        let row: (i64, String, String, i64, String, String) = on!(ex.by_ref(), x => sqlx::query_as(
            "SELECT d.webhook_id, w.url, w.secret, d.event_seq, d.event_type, d.payload
             FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1")
            .bind(id).fetch_one(x).await)?;
        let (webhook_id, url, secret, event_seq, event_type, payload) = row;
        claimed.push(Claimed {
            delivery_id: id,
            webhook_id,
            url,
            secret,
            event_seq,
            event_type,
            payload,
        });
    }
    Ok(claimed)
}

/// A delivery's attempt count and status, locked until the transaction ends.
pub async fn lock_delivery(ex: Ex<'_>, id: i64) -> Result<Option<(u32, DeliveryStatus)>> {
    let row: Option<(i32, String)> = on!(ex, x => sqlx::query_as(
        "UPDATE webhook_deliveries SET id = id WHERE id = $1 RETURNING attempts, status")
        .bind(id).fetch_optional(x).await)?;
    Ok(row.map(|(n, s)| {
        (
            u32::try_from(n).unwrap_or(0),
            DeliveryStatus::parse(&s).unwrap_or(DeliveryStatus::Pending),
        )
    }))
}

/// Logs one attempt.
pub async fn add_attempt(
    ex: Ex<'_>,
    delivery: i64,
    webhook: i64,
    at: i64,
    o: &AttemptOutcome,
) -> Result<()> {
    on!(ex, x => sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, webhook_id, attempted_at, ok, status_code,
         duration_ms, error, response) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(delivery).bind(webhook).bind(at).bind(o.ok()).bind(o.status_code.map(i32::from))
        .bind(o.duration_ms).bind(&o.error).bind(&o.response)
        .execute(x).await.map(|_| ()))?;
    Ok(())
}

/// Where an attempt leaves its delivery; releases the claim.
pub struct AfterAttempt<'a> {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: i64,
    pub status_code: Option<u16>,
    pub error: Option<&'a str>,
    pub delivered_at: Option<i64>,
}

pub async fn finish_attempt(ex: Ex<'_>, id: i64, a: &AfterAttempt<'_>, now: i64) -> Result<()> {
    on!(ex, x => sqlx::query(
        "UPDATE webhook_deliveries SET status = $2, attempts = $3, next_attempt_at = $4,
         last_status_code = $5, last_error = $6, delivered_at = COALESCE($7, delivered_at),
         in_flight_until = 0, updated_at = $8 WHERE id = $1")
        .bind(id).bind(a.status.as_str()).bind(int(a.attempts)).bind(a.next_attempt_at)
        .bind(a.status_code.map(i32::from)).bind(a.error).bind(a.delivered_at).bind(now)
        .execute(x).await.map(|_| ()))?;
    Ok(())
}

/// Makes a delivery due again at once (redelivery by hand), whatever became of it.
pub async fn redeliver(ex: Ex<'_>, id: i64, now: i64) -> Result<()> {
    on!(ex, x => sqlx::query(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, updated_at = $2
         WHERE id = $1")
        .bind(id).bind(now).execute(x).await.map(|_| ()))?;
    Ok(())
}

type DeliveryRow = (
    i64,
    i64,
    i64,
    String,
    String,
    i32,
    i64,
    Option<i32>,
    Option<String>,
    Option<i64>,
    i64,
);

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_seq, event_type, status, attempts,
    next_attempt_at, last_status_code, last_error, delivered_at, created_at";

fn delivery(r: DeliveryRow) -> Delivery {
    let (id, webhook_id, seq, event_type, status, attempts, next, code, error, delivered, created) =
        r;
    let status = DeliveryStatus::parse(&status).unwrap_or(DeliveryStatus::Pending);
    Delivery {
        id,
        webhook_id,
        event_id: seq,
        event_type,
        status,
        attempts: u32::try_from(attempts).unwrap_or(0),
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| rfc3339_micros(next)),
        last_status_code: code.and_then(|c| u16::try_from(c).ok()),
        last_error: error,
        delivered_at: delivered.map(rfc3339_micros),
        created_at: rfc3339_micros(created),
    }
}

/// A subscription's deliveries, newest first.
pub async fn deliveries(ex: Ex<'_>, webhook: i64, limit: i64) -> Result<Vec<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1
         ORDER BY id DESC LIMIT $2"
    );
    let rows: Vec<DeliveryRow> = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(webhook).bind(limit).fetch_all(x).await)?;
    Ok(rows.into_iter().map(delivery).collect())
}

pub async fn get_delivery(ex: Ex<'_>, webhook: i64, id: i64) -> Result<Option<Delivery>> {
    let sql = format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 AND id = $2"
    );
    let row: Option<DeliveryRow> = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(webhook).bind(id).fetch_optional(x).await)?;
    Ok(row.map(delivery))
}

type AttemptRow = (
    i64,
    i64,
    i64,
    bool,
    Option<i32>,
    i64,
    Option<String>,
    Option<String>,
);

/// A delivery's attempts, oldest first.
pub async fn attempts(ex: Ex<'_>, delivery: i64) -> Result<Vec<Attempt>> {
    let rows: Vec<AttemptRow> = on!(ex, x => sqlx::query_as(
        "SELECT id, delivery_id, attempted_at, ok, status_code, duration_ms, error, response
         FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id")
        .bind(delivery).fetch_all(x).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, delivery_id, at, ok, code, ms, error, response)| Attempt {
                id,
                delivery_id,
                attempted_at: rfc3339_micros(at),
                ok,
                status_code: code.and_then(|c| u16::try_from(c).ok()),
                duration_ms: ms,
                error,
                response,
            },
        )
        .collect())
}

/// Deletes finished deliveries (and their attempts) last changed before `before`.
pub async fn prune(mut ex: Ex<'_>, before: i64) -> Result<u64> {
    on!(ex.by_ref(), x => sqlx::query(
        "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries
         WHERE status <> 'pending' AND updated_at < $1)")
        .bind(before).execute(x).await.map(|_| ()))?;
    Ok(on!(ex, x => sqlx::query(
        "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND updated_at < $1")
        .bind(before).execute(x).await.map(|r| r.rows_affected()))?)
}

/// Where the dispatcher has read up to (without locking).
pub async fn cursor(ex: Ex<'_>) -> Result<i64> {
    Ok(
        on!(ex, x => sqlx::query_scalar("SELECT seq FROM webhook_cursor WHERE id = 1")
        .fetch_one(x).await)?,
    )
}
