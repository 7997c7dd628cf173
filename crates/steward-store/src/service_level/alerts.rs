//! Clock deadlines for the breach scan, and notifications.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::console::BREACH_HORIZON;
use steward_domain::service_level::clock::ClockMetric;
use steward_domain::service_level::sla::{AlertKind, Notice};

/// Records a clock's next warning point and deadline (either may be none), keeping its flags.
pub async fn set_deadlines(
    mut ex: Ex<'_>,
    ticket: i64,
    metric: ClockMetric,
    warn_at: Option<i64>,
    due_at: Option<i64>,
) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "INSERT INTO ticket_clock_deadlines (ticket_id, metric, warn_at, due_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (ticket_id, metric) DO UPDATE SET warn_at = excluded.warn_at, due_at = excluded.due_at")
        .bind(ticket).bind(metric.as_str()).bind(warn_at).bind(due_at)
        .execute(c).await.map(|_| ()))?;
    keep_console_deadlines(ex, ticket).await
}

/// Copies the ticket's earliest deadline and the instant it enters "Breaching soon" onto the
/// ticket, where the console's indexes read them.
async fn keep_console_deadlines(mut ex: Ex<'_>, ticket: i64) -> Result<()> {
    let clocks: Vec<(Option<i64>, Option<i64>)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT warn_at, due_at FROM ticket_clock_deadlines WHERE ticket_id = $1")
        .bind(ticket).fetch_all(c).await)?;
    let horizon = i64::try_from(BREACH_HORIZON.as_micros()).unwrap_or(i64::MAX);
    let due = clocks.iter().filter_map(|(_, due)| *due).min();
    let attention = clocks
        .iter()
        .flat_map(|(warn, due)| [*warn, due.map(|d| d.saturating_sub(horizon))])
        .flatten()
        .min();
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET sla_due_at = $2, sla_attention_at = $3 WHERE id = $1")
        .bind(ticket).bind(due).bind(attention)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Clocks whose warning point or deadline has come and not yet been acted on.
pub async fn due(ex: Ex<'_>, now: i64, limit: i64) -> Result<Vec<(i64, ClockMetric)>> {
    let rows: Vec<(i64, String)> = on!(ex, c => sqlx::query_as(
        "SELECT ticket_id, metric FROM ticket_clock_deadlines WHERE NOT warned AND warn_at <= $1
         UNION
         SELECT ticket_id, metric FROM ticket_clock_deadlines WHERE NOT breached AND due_at <= $1
         ORDER BY 1, 2 LIMIT $2")
        .bind(now).bind(limit).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(t, m)| Some((t, ClockMetric::parse(&m)?)))
        .collect())
}

/// Marks a warning or breach as raised; true only for the caller that raised it, so it
/// fires once even when two nodes race.
pub async fn claim(ex: Ex<'_>, ticket: i64, metric: ClockMetric, kind: AlertKind) -> Result<bool> {
    let sql = match kind {
        AlertKind::Warning => {
            "UPDATE ticket_clock_deadlines SET warned = TRUE WHERE ticket_id = $1 AND metric = $2 AND NOT warned"
        }
        AlertKind::Breach => {
            "UPDATE ticket_clock_deadlines SET breached = TRUE WHERE ticket_id = $1 AND metric = $2 AND NOT breached"
        }
    };
    let n = on!(ex, c => sqlx::query(sql).bind(ticket).bind(metric.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Who a notification is for: a user, or every member of a team.
#[derive(Debug, Clone, Copy)]
pub enum Recipient {
    User(i64),
    Team(i64),
}

pub async fn notify(
    ex: Ex<'_>,
    to: Recipient,
    ticket: Option<i64>,
    topic: &str,
    subject: &str,
    body: &str,
    now: i64,
) -> Result<()> {
    let (user, team) = match to {
        Recipient::User(u) => (Some(u), None),
        Recipient::Team(t) => (None, Some(t)),
    };
    on!(ex, c => sqlx::query(
        "INSERT INTO notifications (recipient_user_id, recipient_team_id, ticket_id, topic, subject, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(user).bind(team).bind(ticket).bind(topic).bind(subject).bind(body).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

type NoticeRow = (
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<String>,
);

/// A user's notifications, newest first: addressed to them or to a team they belong to.
pub async fn for_user(ex: Ex<'_>, user: i64, limit: i64) -> Result<Vec<Notice>> {
    let rows: Vec<NoticeRow> = on!(ex, c => sqlx::query_as(
        "SELECT n.id, n.recipient_user_id, n.recipient_team_id, n.ticket_id, n.topic, n.subject, n.body,
                n.created_at, n.read_at, t.kind
         FROM notifications n LEFT JOIN tickets t ON t.id = n.ticket_id
         WHERE n.recipient_user_id = $1
            OR n.recipient_team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
         ORDER BY n.id DESC LIMIT $2")
        .bind(user).bind(limit).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, user_id, team_id, ticket_id, topic, subject, body, created, read, kind)| Notice {
                id,
                user_id,
                team_id,
                ticket_id,
                ticket_kind: kind,
                topic,
                subject,
                body,
                created_at: rfc3339_micros(created),
                read_at: read.map(rfc3339_micros),
            },
        )
        .collect())
}

/// Marks a notification of this user (or of their team) read; false when there is none.
pub async fn mark_read(ex: Ex<'_>, id: i64, user: i64, now: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND (recipient_user_id = $2
            OR recipient_team_id IN (SELECT team_id FROM team_members WHERE user_id = $2))")
        .bind(id).bind(user).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks every unread notification of this user (and of their teams) read; how many.
pub async fn mark_all_read(ex: Ex<'_>, user: i64, now: i64) -> Result<u64> {
    Ok(on!(ex, c => sqlx::query(
        "UPDATE notifications SET read_at = $2 WHERE read_at IS NULL AND (recipient_user_id = $1
            OR recipient_team_id IN (SELECT team_id FROM team_members WHERE user_id = $1))")
        .bind(user).bind(now).execute(c).await.map(|r| r.rows_affected()))?)
}

/// How many of a user's notifications (their own and their teams') are unread.
pub async fn unread_count(ex: Ex<'_>, user: i64) -> Result<i64> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM notifications WHERE read_at IS NULL AND (recipient_user_id = $1
            OR recipient_team_id IN (SELECT team_id FROM team_members WHERE user_id = $1))")
        .bind(user).fetch_one(c).await)?;
    Ok(n)
}
