//! Nonconformities with their corrective actions and effectiveness check.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use jiff::civil::Date;
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::improvement::nonconformity::{
    ActionStatus, CorrectiveAction, EffectivenessCheck, NcDraft, NcSource, NcStatus, Nonconformity,
    Severity, is_overdue, number,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    number: String,
    source: String,
    audit_id: Option<i64>,
    finding_id: Option<i64>,
    complaint_id: Option<i64>,
    incident_id: Option<i64>,
    description: String,
    requirement: String,
    severity: String,
    owner_id: Option<i64>,
    correction: Option<String>,
    cause_analysis: Option<String>,
    status: String,
    check_text: Option<String>,
    check_by: Option<i64>,
    check_on: Option<String>,
    check_effective: Option<bool>,
    closed_at: Option<i64>,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, number, source, audit_id, finding_id, complaint_id, incident_id,
    description, requirement, severity, owner_id, correction, cause_analysis, status, check_text,
    check_by, check_on, check_effective, closed_at, created_by, created_at, updated_at";

impl Row {
    fn into_nc(self, actions: Vec<CorrectiveAction>) -> Nonconformity {
        let effectiveness_check = match (self.check_text, self.check_by, self.check_on) {
            (Some(text), Some(checked_by), Some(checked_on)) => Some(EffectivenessCheck {
                text,
                checked_by,
                checked_on,
                effective: self.check_effective.unwrap_or(false),
            }),
            _ => None,
        };
        Nonconformity {
            id: self.id,
            number: self.number,
            // The CHECK constraints admit only known values.
            source: NcSource::parse(&self.source).unwrap_or(NcSource::Other),
            audit_id: self.audit_id,
            finding_id: self.finding_id,
            complaint_id: self.complaint_id,
            incident_id: self.incident_id,
            description: self.description,
            requirement: self.requirement,
            severity: Severity::parse(&self.severity).unwrap_or(Severity::Minor),
            owner_id: self.owner_id,
            correction: self.correction,
            cause_analysis: self.cause_analysis,
            status: NcStatus::parse(&self.status).unwrap_or(NcStatus::Open),
            effectiveness_check,
            has_overdue_actions: actions.iter().any(|a| a.overdue),
            actions,
            closed_at: self.closed_at.map(rfc3339_micros),
            created_by: self.created_by,
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
        }
    }
}

#[derive(sqlx::FromRow)]
struct ActionRow {
    id: i64,
    nonconformity_id: i64,
    description: String,
    owner_id: i64,
    due_on: String,
    status: String,
    done_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const ACTION_COLUMNS: &str =
    "id, nonconformity_id, description, owner_id, due_on, status, done_at, created_at, updated_at";

impl ActionRow {
    fn into_action(self, today: Date) -> CorrectiveAction {
        let status = ActionStatus::parse(&self.status).unwrap_or(ActionStatus::Open);
        CorrectiveAction {
            overdue: is_overdue(status, &self.due_on, today),
            id: self.id,
            nonconformity_id: self.nonconformity_id,
            description: self.description,
            owner_id: self.owner_id,
            due_on: self.due_on,
            status,
            done_at: self.done_at.map(rfc3339_micros),
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
        }
    }
}

/// Takes the next number; the counter row stays locked until the transaction ends.
pub async fn next_number(ex: Ex<'_>) -> Result<String> {
    let seq: i64 = on!(ex, c => sqlx::query_scalar(
        "UPDATE conformity_counters SET last = last + 1 WHERE kind = 'nonconformity' RETURNING last")
        .fetch_one(c).await)?;
    Ok(number(seq))
}

pub async fn insert(
    ex: Ex<'_>,
    number: &str,
    d: &NcDraft,
    created_by: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO nonconformities (number, source, audit_id, finding_id, complaint_id,
           incident_id, description, requirement, severity, owner_id, correction, cause_analysis,
           status, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'open', $13, $14, $14)
         RETURNING id")
        .bind(number).bind(d.source.as_str()).bind(d.audit_id).bind(d.finding_id)
        .bind(d.complaint_id).bind(d.incident_id).bind(&d.description).bind(&d.requirement)
        .bind(d.severity.as_str()).bind(d.owner_id).bind(&d.correction).bind(&d.cause_analysis)
        .bind(created_by).bind(now)
        .fetch_one(c).await)?)
}

/// Writes the editable fields and the status (closing stamps `closed_at`).
pub async fn update(ex: Ex<'_>, n: &Nonconformity, now: i64) -> Result<()> {
    let closed_at = (n.status == NcStatus::Closed).then_some(now);
    on!(ex, c => sqlx::query(
        "UPDATE nonconformities SET description = $2, requirement = $3, severity = $4,
           owner_id = $5, correction = $6, cause_analysis = $7, status = $8, closed_at = $9,
           updated_at = $10 WHERE id = $1")
        .bind(n.id).bind(&n.description).bind(&n.requirement).bind(n.severity.as_str())
        .bind(n.owner_id).bind(&n.correction).bind(&n.cause_analysis).bind(n.status.as_str())
        .bind(closed_at).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_check(ex: Ex<'_>, id: i64, check: &EffectivenessCheck, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE nonconformities SET check_text = $2, check_by = $3, check_on = $4,
           check_effective = $5, updated_at = $6 WHERE id = $1")
        .bind(id).bind(&check.text).bind(check.checked_by).bind(&check.checked_on)
        .bind(check.effective).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Moves the status only (an action added to an open record plans it).
pub async fn set_status(ex: Ex<'_>, id: i64, status: NcStatus, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE nonconformities SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(status.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Links the record raised by an audit finding back to it.
pub async fn link_finding(ex: Ex<'_>, id: i64, audit: i64, finding: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE nonconformities SET audit_id = $2, finding_id = $3 WHERE id = $1")
        .bind(id).bind(audit).bind(finding)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The record with its actions, overdue judged against `today`.
pub async fn get(mut ex: Ex<'_>, id: i64, today: Date) -> Result<Option<Nonconformity>> {
    let sql = format!("SELECT {COLUMNS} FROM nonconformities WHERE id = $1");
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let actions = actions_of(ex, &[id], today).await?;
    Ok(Some(row.into_nc(actions)))
}

/// The actions of these records, oldest first.
async fn actions_of(ex: Ex<'_>, ids: &[i64], today: Date) -> Result<Vec<CorrectiveAction>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(&format!(
        "SELECT {ACTION_COLUMNS} FROM nonconformity_actions WHERE nonconformity_id IN "
    ));
    sql.in_list(ids).push(" ORDER BY id");
    let rows: Vec<ActionRow> = on!(ex, c => crate::sql::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows.into_iter().map(|r| r.into_action(today)).collect())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<NcStatus>,
    pub source: Option<NcSource>,
    pub severity: Option<Severity>,
    /// Only records with (true) or without (false) an overdue action.
    pub overdue: Option<bool>,
    pub owner: Option<i64>,
    pub audit: Option<i64>,
}

/// A page of records, newest first, each with its actions.
pub async fn list(
    mut ex: Ex<'_>,
    f: &Filter,
    today: Date,
    page: PageRequest,
) -> Result<(Vec<Nonconformity>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("source =", f.source.map(|s| s.as_str()));
    filter.and_opt("severity =", f.severity.map(|s| s.as_str()));
    filter.and_opt("owner_id =", f.owner);
    filter.and_opt("audit_id =", f.audit);
    if let Some(overdue) = f.overdue {
        filter.push(if overdue {
            " AND EXISTS"
        } else {
            " AND NOT EXISTS"
        });
        filter
            .push(
                " (SELECT 1 FROM nonconformity_actions a WHERE a.nonconformity_id = nonconformities.id
                   AND a.status = 'open' AND a.due_on < ",
            )
            .bind(today.to_string())
            .push(")");
    }
    let select = format!("SELECT {COLUMNS} FROM nonconformities");
    let listing = Listing::new(&select, "FROM nonconformities", filter, "id DESC", page);
    let (rows, total) = fetch_listing!(ex.by_ref(), listing, Row)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut actions = actions_of(ex, &ids, today).await?;
    let items = rows
        .into_iter()
        .map(|r| {
            let (mine, rest) = actions
                .drain(..)
                .partition(|a: &CorrectiveAction| a.nonconformity_id == r.id);
            actions = rest;
            r.into_nc(mine)
        })
        .collect();
    Ok((items, total))
}

pub async fn insert_action(
    ex: Ex<'_>,
    nc: i64,
    description: &str,
    owner: i64,
    due_on: Date,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO nonconformity_actions (nonconformity_id, description, owner_id, due_on,
           status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'open', $5, $5) RETURNING id")
        .bind(nc).bind(description).bind(owner).bind(due_on.to_string()).bind(now)
        .fetch_one(c).await)?)
}

pub async fn get_action(
    ex: Ex<'_>,
    nc: i64,
    id: i64,
    today: Date,
) -> Result<Option<CorrectiveAction>> {
    let sql = format!(
        "SELECT {ACTION_COLUMNS} FROM nonconformity_actions WHERE id = $1 AND nonconformity_id = $2"
    );
    let row: Option<ActionRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(nc).fetch_optional(c).await)?;
    Ok(row.map(|r| r.into_action(today)))
}

/// Writes an action; marking it done stamps `done_at` (kept while it stays done), reopening
/// clears it.
pub async fn update_action(ex: Ex<'_>, a: &CorrectiveAction, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE nonconformity_actions SET description = $2, owner_id = $3, due_on = $4,
           status = $5, done_at = CASE WHEN $5 = 'done' THEN COALESCE(done_at, $6) END,
           updated_at = $6 WHERE id = $1")
        .bind(a.id).bind(&a.description).bind(a.owner_id).bind(&a.due_on)
        .bind(a.status.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}
