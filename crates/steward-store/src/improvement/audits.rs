//! Audit programmes, their audits with scope and criteria, and the audits' findings.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::audit::{
    Audit, AuditProgramme, AuditStatus, Finding, FindingKind,
};

type ProgrammeRow = (i64, String, String, String, Option<String>, i64, i64);

const PROGRAMME_COLUMNS: &str =
    "id, title, period_from, period_to, objectives, created_at, updated_at";

fn programme(r: ProgrammeRow) -> AuditProgramme {
    let (id, title, period_from, period_to, objectives, created, updated) = r;
    AuditProgramme {
        id,
        title,
        period_from,
        period_to,
        objectives,
        created_at: rfc3339_micros(created),
        updated_at: rfc3339_micros(updated),
    }
}

pub async fn insert_programme(ex: Ex<'_>, p: &AuditProgramme, now: i64) -> Result<AuditProgramme> {
    let sql = format!(
        "INSERT INTO audit_programmes (title, period_from, period_to, objectives, created_at,
           updated_at) VALUES ($1, $2, $3, $4, $5, $5) RETURNING {PROGRAMME_COLUMNS}"
    );
    let row: ProgrammeRow = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&p.title).bind(&p.period_from).bind(&p.period_to).bind(&p.objectives).bind(now)
        .fetch_one(c).await)?;
    Ok(programme(row))
}

pub async fn update_programme(ex: Ex<'_>, p: &AuditProgramme, now: i64) -> Result<AuditProgramme> {
    let sql = format!(
        "UPDATE audit_programmes SET title = $2, period_from = $3, period_to = $4,
           objectives = $5, updated_at = $6 WHERE id = $1 RETURNING {PROGRAMME_COLUMNS}"
    );
    let row: ProgrammeRow = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(p.id).bind(&p.title).bind(&p.period_from).bind(&p.period_to).bind(&p.objectives)
        .bind(now).fetch_one(c).await)?;
    Ok(programme(row))
}

pub async fn get_programme(ex: Ex<'_>, id: i64) -> Result<Option<AuditProgramme>> {
    let sql = format!("SELECT {PROGRAMME_COLUMNS} FROM audit_programmes WHERE id = $1");
    let row: Option<ProgrammeRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(programme))
}

/// Every programme, the latest period first.
pub async fn list_programmes(ex: Ex<'_>) -> Result<Vec<AuditProgramme>> {
    let sql = format!(
        "SELECT {PROGRAMME_COLUMNS} FROM audit_programmes ORDER BY period_from DESC, id DESC"
    );
    let rows: Vec<ProgrammeRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(c).await)?;
    Ok(rows.into_iter().map(programme).collect())
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    programme_id: i64,
    title: String,
    scope_text: Option<String>,
    criteria: String,
    planned_on: String,
    auditor_id: i64,
    status: String,
    report_summary: Option<String>,
    created_at: i64,
    updated_at: i64,
}

const AUDIT_COLUMNS: &str = "id, programme_id, title, scope_text, criteria, planned_on,
    auditor_id, status, report_summary, created_at, updated_at";

impl AuditRow {
    fn into_audit(self, services: Vec<i64>, teams: Vec<i64>) -> Audit {
        Audit {
            id: self.id,
            programme_id: self.programme_id,
            title: self.title,
            scope_service_ids: services,
            scope_team_ids: teams,
            scope_text: self.scope_text,
            criteria: self.criteria.lines().map(str::to_owned).collect(),
            planned_on: self.planned_on,
            auditor_id: self.auditor_id,
            // The CHECK constraint admits only known statuses.
            status: AuditStatus::parse(&self.status).unwrap_or(AuditStatus::Planned),
            report_summary: self.report_summary,
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
        }
    }
}

pub async fn insert_audit(mut ex: Ex<'_>, a: &Audit, now: i64) -> Result<i64> {
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO audits (programme_id, title, scope_text, criteria, planned_on, auditor_id,
           status, report_summary, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
        .bind(a.programme_id).bind(&a.title).bind(&a.scope_text).bind(a.criteria.join("\n"))
        .bind(&a.planned_on).bind(a.auditor_id).bind(a.status.as_str()).bind(&a.report_summary)
        .bind(now).fetch_one(c).await)?;
    set_scope(ex, id, &a.scope_service_ids, &a.scope_team_ids).await?;
    Ok(id)
}

pub async fn update_audit(mut ex: Ex<'_>, a: &Audit, now: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE audits SET title = $2, scope_text = $3, criteria = $4, planned_on = $5,
           auditor_id = $6, status = $7, report_summary = $8, updated_at = $9 WHERE id = $1")
        .bind(a.id).bind(&a.title).bind(&a.scope_text).bind(a.criteria.join("\n"))
        .bind(&a.planned_on).bind(a.auditor_id).bind(a.status.as_str()).bind(&a.report_summary)
        .bind(now).execute(c).await.map(|_| ()))?;
    set_scope(ex, a.id, &a.scope_service_ids, &a.scope_team_ids).await
}

/// Makes the scope exactly these services and teams.
async fn set_scope(ex: Ex<'_>, audit: i64, services: &[i64], teams: &[i64]) -> Result<()> {
    on!(ex, c => {
        sqlx::query("DELETE FROM audit_scope_services WHERE audit_id = $1")
            .bind(audit).execute(&mut *c).await?;
        sqlx::query("DELETE FROM audit_scope_teams WHERE audit_id = $1")
            .bind(audit).execute(&mut *c).await?;
        for s in services {
            sqlx::query("INSERT INTO audit_scope_services (audit_id, service_id) VALUES ($1, $2)")
                .bind(audit).bind(s).execute(&mut *c).await?;
        }
        for t in teams {
            sqlx::query("INSERT INTO audit_scope_teams (audit_id, team_id) VALUES ($1, $2)")
                .bind(audit).bind(t).execute(&mut *c).await?;
        }
        Ok(())
    })
}

/// Moves the status only (the first finding starts a planned audit).
pub async fn set_status(ex: Ex<'_>, id: i64, status: AuditStatus, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE audits SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(status.as_str()).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

async fn with_scope(ex: Ex<'_>, rows: Vec<AuditRow>) -> Result<Vec<Audit>> {
    on!(ex, c => {
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let services: Vec<i64> = sqlx::query_scalar(
                "SELECT service_id FROM audit_scope_services WHERE audit_id = $1 ORDER BY service_id")
                .bind(r.id).fetch_all(&mut *c).await?;
            let teams: Vec<i64> = sqlx::query_scalar(
                "SELECT team_id FROM audit_scope_teams WHERE audit_id = $1 ORDER BY team_id")
                .bind(r.id).fetch_all(&mut *c).await?;
            out.push(r.into_audit(services, teams));
        }
        Ok(out)
    })
}

pub async fn get_audit(mut ex: Ex<'_>, id: i64) -> Result<Option<Audit>> {
    let sql = format!("SELECT {AUDIT_COLUMNS} FROM audits WHERE id = $1");
    let rows: Vec<AuditRow> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_all(c).await)?;
    Ok(with_scope(ex, rows).await?.pop())
}

/// Audits, by planned date, optionally of one programme or in one status.
pub async fn list_audits(
    mut ex: Ex<'_>,
    programme: Option<i64>,
    status: Option<AuditStatus>,
) -> Result<Vec<Audit>> {
    let mut sql = crate::sql::Sql::new(&format!("SELECT {AUDIT_COLUMNS} FROM audits WHERE 1=1"));
    sql.and_opt("programme_id =", programme);
    sql.and_opt("status =", status.map(|s| s.as_str()));
    sql.push(" ORDER BY planned_on, id");
    let rows: Vec<AuditRow> = on!(ex.by_ref(), c => crate::sql::bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    with_scope(ex, rows).await
}

type FindingRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    i64,
);

const FINDING_COLUMNS: &str =
    "id, audit_id, kind, clause, description, evidence, nonconformity_id, recorded_by, created_at";

fn finding(r: FindingRow) -> Finding {
    let (id, audit_id, kind, clause, description, evidence, nc, by, created) = r;
    Finding {
        id,
        audit_id,
        kind: FindingKind::parse(&kind).unwrap_or(FindingKind::Conformity),
        clause,
        description,
        evidence,
        nonconformity_id: nc,
        recorded_by: by,
        created_at: rfc3339_micros(created),
    }
}

pub async fn insert_finding(ex: Ex<'_>, f: &Finding, now: i64) -> Result<Finding> {
    let sql = format!(
        "INSERT INTO audit_findings (audit_id, kind, clause, description, evidence,
           nonconformity_id, recorded_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {FINDING_COLUMNS}"
    );
    let row: FindingRow = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(f.audit_id).bind(f.kind.as_str()).bind(&f.clause).bind(&f.description)
        .bind(&f.evidence).bind(f.nonconformity_id).bind(f.recorded_by).bind(now)
        .fetch_one(c).await)?;
    Ok(finding(row))
}

pub async fn get_finding(ex: Ex<'_>, id: i64) -> Result<Option<Finding>> {
    let sql = format!("SELECT {FINDING_COLUMNS} FROM audit_findings WHERE id = $1");
    let row: Option<FindingRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(finding))
}

/// The audit's findings in the order recorded.
pub async fn findings(ex: Ex<'_>, audit: i64) -> Result<Vec<Finding>> {
    let sql =
        format!("SELECT {FINDING_COLUMNS} FROM audit_findings WHERE audit_id = $1 ORDER BY id");
    let rows: Vec<FindingRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(audit).fetch_all(c).await)?;
    Ok(rows.into_iter().map(finding).collect())
}
