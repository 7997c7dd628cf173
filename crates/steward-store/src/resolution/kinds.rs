//! What major incidents, service requests and problems add to a ticket: major flags and
//! reviews, management notifications, links between tickets, approvals, analysis and the
//! known-error database.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::major::{Notification, Review};
use steward_domain::resolution::problem::KnownError;
use steward_domain::resolution::record::TicketRef;
use steward_domain::resolution::request::Approval;
use steward_domain::resolution::workflow::{Decision, Status};

pub async fn set_major(ex: Ex<'_>, id: i64, owner: Option<i64>, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET major = TRUE, major_owner_id = COALESCE($2, major_owner_id), updated_at = $3
         WHERE id = $1")
        .bind(id).bind(owner).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_review(ex: Ex<'_>, id: i64, review: &Review, now: i64) -> Result<()> {
    let json = serde_json::to_string(review).unwrap_or_default();
    on!(ex, c => sqlx::query("UPDATE tickets SET post_incident_review = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(json).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Makes `child` a child of `parent` (a major incident).
pub async fn set_parent(ex: Ex<'_>, child: i64, parent: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE tickets SET parent_id = $2, updated_at = $3 WHERE id = $1")
        .bind(child).bind(parent).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Records that `problem` explains `incident` (or, with `None`, that nothing does).
pub async fn set_problem(ex: Ex<'_>, incident: i64, problem: Option<i64>, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE tickets SET problem_id = $2, updated_at = $3 WHERE id = $1")
        .bind(incident).bind(problem).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Tickets whose `column` (`parent_id` or `problem_id`, named in code) is `id`, oldest first.
pub async fn linked(ex: Ex<'_>, column: &'static str, id: i64) -> Result<Vec<TicketRef>> {
    let column = if column == "parent_id" {
        "parent_id"
    } else {
        "problem_id"
    };
    let sql =
        format!("SELECT id, number, title, status FROM tickets WHERE {column} = $1 ORDER BY id");
    let rows: Vec<(i64, String, String, String)> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, number, title, status)| TicketRef {
            id,
            number,
            title,
            status: Status::parse(&status).unwrap_or(Status::New),
        })
        .collect())
}

pub async fn set_analysis(
    ex: Ex<'_>,
    id: i64,
    root_cause: Option<&str>,
    workaround: Option<&str>,
    now: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET root_cause = $2, workaround = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(root_cause).bind(workaround).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_known_error_number(ex: Ex<'_>, id: i64, number: &str) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE tickets SET known_error_number = $2 WHERE id = $1")
        .bind(id).bind(number).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The next `KE-…` number, gap-free like ticket numbers.
pub async fn next_known_error_number(ex: Ex<'_>) -> Result<String> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "UPDATE ticket_counters SET last = last + 1 WHERE kind = 'known_error' RETURNING last")
        .fetch_one(c).await)?;
    Ok(format!("KE-{n:06}"))
}

/// The known-error database: problems with a known-error number that are not closed or
/// cancelled (a resolved problem's known error stays until the fix is confirmed by closure).
pub async fn known_errors(ex: Ex<'_>) -> Result<Vec<KnownError>> {
    type KeRow = (
        String,
        i64,
        String,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<i64>,
        Option<i64>,
    );
    let rows: Vec<KeRow> = on!(ex, c => sqlx::query_as(
        "SELECT known_error_number, id, number, title, root_cause, workaround, status, service_id, ci_id
         FROM tickets WHERE kind = 'problem' AND known_error_number IS NOT NULL
         AND status IN ('known_error', 'resolved') ORDER BY known_error_number")
        .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(
                number,
                problem_id,
                problem_number,
                title,
                root_cause,
                workaround,
                status,
                service_id,
                ci_id,
            )| {
                KnownError {
                    number,
                    problem_id,
                    problem_number,
                    title,
                    root_cause: root_cause.unwrap_or_default(),
                    workaround: workaround.unwrap_or_default(),
                    status: Status::parse(&status).unwrap_or(Status::KnownError),
                    service_id,
                    ci_id,
                }
            },
        )
        .collect())
}

#[allow(clippy::too_many_arguments)]
pub async fn add_notification(
    ex: Ex<'_>,
    ticket: i64,
    at: i64,
    author_id: Option<i64>,
    author: &str,
    audience: &str,
    channel: &str,
    message: &str,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO major_notifications (ticket_id, at, author_id, author, audience, channel, message)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(ticket).bind(at).bind(author_id).bind(author).bind(audience).bind(channel).bind(message)
        .fetch_one(c).await)?)
}

pub async fn notifications(ex: Ex<'_>, ticket: i64) -> Result<Vec<Notification>> {
    let rows: Vec<(i64, i64, String, String, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT id, at, author, audience, channel, message FROM major_notifications
         WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, at, author, audience, channel, message)| Notification {
                id,
                at: rfc3339_micros(at),
                author,
                audience,
                channel,
                message,
            },
        )
        .collect())
}

pub async fn add_approval(
    ex: Ex<'_>,
    ticket: i64,
    approver_id: Option<i64>,
    approver: &str,
    decision: Decision,
    comment: Option<&str>,
    at: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO ticket_approvals (ticket_id, approver_id, approver, decision, comment, at)
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(ticket).bind(approver_id).bind(approver).bind(decision.as_str()).bind(comment).bind(at)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn approvals(ex: Ex<'_>, ticket: i64) -> Result<Vec<Approval>> {
    type ApprovalRow = (Option<i64>, String, String, Option<String>, i64);
    let rows: Vec<ApprovalRow> = on!(ex, c => sqlx::query_as(
        "SELECT approver_id, approver, decision, comment, at FROM ticket_approvals
         WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(approver_id, approver, decision, comment, at)| Approval {
            approver_id,
            approver,
            decision: Decision::parse(&decision).unwrap_or(Decision::Reject),
            comment,
            at: rfc3339_micros(at),
        })
        .collect())
}
