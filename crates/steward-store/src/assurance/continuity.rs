//! Continuity plans, their versions and their tests.
use crate::{Ex, Result, on};
use steward_domain::assurance::continuity::{
    ContinuityTest, PlanContent, PlanStatus, PlanVersion, TestDraft, TestResult, format_duration,
};
use steward_domain::foundation::page::rfc3339_micros;

#[derive(sqlx::FromRow)]
struct VersionRow {
    version: i64,
    status: String,
    title: String,
    invocation_criteria: Option<String>,
    roles_contacts: Option<String>,
    recovery_steps: Option<String>,
    rto_seconds: i64,
    rpo_seconds: i64,
    return_to_normal: Option<String>,
    test_interval_days: i64,
    owner_id: i64,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    approved_by: Option<i64>,
    approved_at: Option<i64>,
}

const VERSION_COLUMNS: &str = "version, status, title, invocation_criteria, roles_contacts,
    recovery_steps, rto_seconds, rpo_seconds, return_to_normal, test_interval_days, owner_id,
    created_by, created_at, updated_at, approved_by, approved_at";

/// The version columns of table alias `v`.
fn version_columns_of_v() -> String {
    VERSION_COLUMNS
        .split(',')
        .map(|c| format!("v.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn version(r: VersionRow) -> PlanVersion {
    PlanVersion {
        version: r.version,
        // The CHECK constraint admits only known statuses.
        status: PlanStatus::parse(&r.status).unwrap_or(PlanStatus::Draft),
        title: r.title,
        invocation_criteria: r.invocation_criteria,
        roles_contacts: r.roles_contacts,
        recovery_steps: r.recovery_steps,
        rto_seconds: r.rto_seconds,
        rto: format_duration(r.rto_seconds),
        rpo_seconds: r.rpo_seconds,
        rpo: format_duration(r.rpo_seconds),
        return_to_normal: r.return_to_normal,
        test_interval_days: r.test_interval_days,
        owner_id: r.owner_id,
        created_by: r.created_by,
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
        approved_by: r.approved_by,
        approved_at: r.approved_at.map(rfc3339_micros),
    }
}

/// A plan with its latest version, as one row of the one query that lists plans.
#[derive(sqlx::FromRow)]
struct PlanRow {
    id: i64,
    service_id: i64,
    service_name: String,
    approved_version: Option<i64>,
    approved_interval: Option<i64>,
    first_approved_at: Option<i64>,
    last_tested_on: Option<String>,
    #[sqlx(flatten)]
    latest: VersionRow,
}

/// A plan as stored: the figures its test schedule is worked out from, besides its latest
/// version.
#[derive(Debug, Clone)]
pub struct PlanRecord {
    pub id: i64,
    pub service_id: i64,
    pub service_name: String,
    pub latest: PlanVersion,
    pub approved_version: Option<i64>,
    /// The test interval of the approved version.
    pub approved_interval: Option<i64>,
    /// Microseconds.
    pub first_approved_at: Option<i64>,
    pub last_tested_on: Option<String>,
}

/// Plans of one service, one plan, or all (both `None`), oldest first — in one query.
pub async fn plans(ex: Ex<'_>, service: Option<i64>, plan: Option<i64>) -> Result<Vec<PlanRecord>> {
    let mut filter = String::new();
    if service.is_some() {
        filter.push_str(" AND p.service_id = $1");
    }
    if plan.is_some() {
        filter.push_str(" AND p.id = $2");
    }
    let sql = format!(
        "SELECT p.id, p.service_id, s.name AS service_name,
           (SELECT a.version FROM continuity_plan_versions a
             WHERE a.plan_id = p.id AND a.status = 'approved') AS approved_version,
           (SELECT a.test_interval_days FROM continuity_plan_versions a
             WHERE a.plan_id = p.id AND a.status = 'approved') AS approved_interval,
           (SELECT MIN(a.approved_at) FROM continuity_plan_versions a
             WHERE a.plan_id = p.id) AS first_approved_at,
           (SELECT MAX(t.tested_on) FROM continuity_tests t
             WHERE t.plan_id = p.id) AS last_tested_on,
           {}
         FROM continuity_plans p
         JOIN services s ON s.id = p.service_id
         JOIN continuity_plan_versions v ON v.plan_id = p.id
          AND v.version = (SELECT MAX(m.version) FROM continuity_plan_versions m
                            WHERE m.plan_id = p.id)
         WHERE (1 = 1 OR $1 = $2){filter}
         ORDER BY p.id",
        version_columns_of_v()
    );
    let rows: Vec<PlanRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service.unwrap_or(0)).bind(plan.unwrap_or(0)).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|r| PlanRecord {
            id: r.id,
            service_id: r.service_id,
            service_name: r.service_name,
            approved_version: r.approved_version,
            approved_interval: r.approved_interval,
            first_approved_at: r.first_approved_at,
            last_tested_on: r.last_tested_on,
            latest: version(r.latest),
        })
        .collect())
}

pub async fn insert_plan(ex: Ex<'_>, service: i64, now: i64) -> Result<i64> {
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO continuity_plans (service_id, created_at) VALUES ($1, $2) RETURNING id")
        .bind(service).bind(now).fetch_one(c).await)?;
    Ok(id.0)
}

/// Adds version `number` of a plan as a draft.
pub async fn insert_version(
    ex: Ex<'_>,
    plan: i64,
    number: i64,
    content: &PlanContent,
    by: Option<i64>,
    now: i64,
) -> Result<PlanVersion> {
    let sql = format!(
        "INSERT INTO continuity_plan_versions
           (plan_id, version, status, title, invocation_criteria, roles_contacts, recovery_steps,
            rto_seconds, rpo_seconds, return_to_normal, test_interval_days, owner_id, created_by,
            created_at, updated_at)
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
         RETURNING {VERSION_COLUMNS}"
    );
    let c = content;
    let row: VersionRow = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(plan).bind(number).bind(&c.title).bind(&c.invocation_criteria)
        .bind(&c.roles_contacts).bind(&c.recovery_steps).bind(c.rto_seconds).bind(c.rpo_seconds)
        .bind(&c.return_to_normal).bind(c.test_interval_days).bind(c.owner_id).bind(by).bind(now)
        .fetch_one(x).await)?;
    Ok(version(row))
}

/// Rewrites a draft version.
pub async fn update_draft(
    ex: Ex<'_>,
    plan: i64,
    number: i64,
    content: &PlanContent,
    now: i64,
) -> Result<PlanVersion> {
    let sql = format!(
        "UPDATE continuity_plan_versions SET title = $3, invocation_criteria = $4,
           roles_contacts = $5, recovery_steps = $6, rto_seconds = $7, rpo_seconds = $8,
           return_to_normal = $9, test_interval_days = $10, owner_id = $11, updated_at = $12
         WHERE plan_id = $1 AND version = $2 AND status = 'draft'
         RETURNING {VERSION_COLUMNS}"
    );
    let c = content;
    let row: VersionRow = on!(ex, x => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(plan).bind(number).bind(&c.title).bind(&c.invocation_criteria)
        .bind(&c.roles_contacts).bind(&c.recovery_steps).bind(c.rto_seconds).bind(c.rpo_seconds)
        .bind(&c.return_to_normal).bind(c.test_interval_days).bind(c.owner_id).bind(now)
        .fetch_one(x).await)?;
    Ok(version(row))
}

/// Approves a draft version; the version approved before it is superseded. False when the
/// version is no longer a draft (approved meanwhile).
pub async fn approve(ex: Ex<'_>, plan: i64, number: i64, by: i64, now: i64) -> Result<bool> {
    on!(ex, c => {
        sqlx::query(
            "UPDATE continuity_plan_versions SET status = 'superseded', updated_at = $3
             WHERE plan_id = $1 AND status = 'approved' AND version <> $2",
        )
        .bind(plan).bind(number).bind(now).execute(&mut *c).await.map(|_| ())?;
        sqlx::query(
            "UPDATE continuity_plan_versions SET status = 'approved', approved_by = $3,
               approved_at = $4, updated_at = $4
             WHERE plan_id = $1 AND version = $2 AND status = 'draft'",
        )
        .bind(plan).bind(number).bind(by).bind(now).execute(&mut *c).await
        .map(|r| r.rows_affected() == 1)
    })
    .map_err(Into::into)
}

/// A plan's versions, newest first.
pub async fn versions(ex: Ex<'_>, plan: i64) -> Result<Vec<PlanVersion>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM continuity_plan_versions WHERE plan_id = $1
         ORDER BY version DESC"
    );
    let rows: Vec<VersionRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(plan).fetch_all(c).await)?;
    Ok(rows.into_iter().map(version).collect())
}

type TestRow = (
    i64,
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    i64,
);

const TEST_COLUMNS: &str = "t.id, t.plan_id, t.version, t.tested_on, t.scenario,
    t.achieved_recovery_seconds, t.achieved_data_loss_seconds, v.rto_seconds, v.rpo_seconds,
    t.result, t.deficiencies, t.follow_up_actions, t.recorded_by, t.created_at";

fn test(r: TestRow) -> ContinuityTest {
    let (id, plan_id, version, tested_on, scenario, recovery, loss, rto, rpo, result, d, f, by, at) =
        r;
    ContinuityTest {
        id,
        plan_id,
        version,
        tested_on,
        scenario,
        achieved_recovery_seconds: recovery,
        achieved_recovery: None,
        achieved_data_loss_seconds: loss,
        achieved_data_loss: None,
        rto_seconds: rto,
        rpo_seconds: rpo,
        recovery_met: None,
        data_loss_met: None,
        // The CHECK constraint admits only known results.
        result: TestResult::parse(&result).unwrap_or(TestResult::Failed),
        deficiencies: d,
        follow_up_actions: f,
        recorded_by: by,
        created_at: rfc3339_micros(at),
    }
    .judged()
}

pub async fn insert_test(
    ex: Ex<'_>,
    plan: i64,
    number: i64,
    t: &TestDraft,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    let id: (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO continuity_tests
           (plan_id, version, tested_on, scenario, achieved_recovery_seconds,
            achieved_data_loss_seconds, result, deficiencies, follow_up_actions, recorded_by,
            created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id")
        .bind(plan).bind(number).bind(t.tested_on.to_string()).bind(&t.scenario)
        .bind(t.achieved_recovery_seconds).bind(t.achieved_data_loss_seconds)
        .bind(t.result.as_str()).bind(&t.deficiencies).bind(&t.follow_up_actions).bind(by)
        .bind(now).fetch_one(c).await)?;
    Ok(id.0)
}

/// A plan's tests, newest first (or one test by id).
pub async fn tests(ex: Ex<'_>, plan: i64, id: Option<i64>) -> Result<Vec<ContinuityTest>> {
    let filter = if id.is_some() { " AND t.id = $2" } else { "" };
    let sql = format!(
        "SELECT {TEST_COLUMNS} FROM continuity_tests t
         JOIN continuity_plan_versions v ON v.plan_id = t.plan_id AND v.version = t.version
         WHERE t.plan_id = $1 AND (1 = 1 OR $2 = 0){filter}
         ORDER BY t.tested_on DESC, t.id DESC"
    );
    let rows: Vec<TestRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(plan).bind(id.unwrap_or(0)).fetch_all(c).await)?;
    Ok(rows.into_iter().map(test).collect())
}
