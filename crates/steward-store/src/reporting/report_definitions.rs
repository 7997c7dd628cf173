//! Report definitions, the snapshots generated from them (never changed once written: the
//! database refuses updates and deletes), and the decisions and actions recorded against them.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::reporting::report::Filters;
use steward_domain::reporting::report::schedule::{
    ActionInput, ActionKind, Cadence, Definition, DefinitionDraft, ReportAction, Snapshot,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    audience: String,
    reports: String,
    filters: String,
    grouping: String,
    cadence: String,
    next_run_at: i64,
    owner_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

#[derive(serde::Serialize, serde::Deserialize, Default)]
struct StoredFilters {
    service_id: Option<i64>,
    organization_id: Option<i64>,
    team_id: Option<i64>,
    priority: Option<i64>,
}

impl From<Row> for Definition {
    fn from(r: Row) -> Self {
        let f: StoredFilters = serde_json::from_str(&r.filters).unwrap_or_default();
        Definition {
            id: r.id,
            name: r.name,
            audience: r.audience,
            reports: serde_json::from_str(&r.reports).unwrap_or_default(),
            filters: Filters {
                service_id: f.service_id,
                organization_id: f.organization_id,
                team_id: f.team_id,
                priority: f.priority,
            },
            grouping: r.grouping,
            cadence: Cadence::parse(&r.cadence).unwrap_or(Cadence::Monthly),
            next_run_at: rfc3339_micros(r.next_run_at),
            owner_id: r.owner_id,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

const SELECT: &str = "SELECT id, name, audience, reports, filters, grouping, cadence, next_run_at,
    owner_id, created_at, updated_at FROM report_definitions";

fn encode(d: &DefinitionDraft) -> (String, String) {
    let reports: Vec<&str> = d.reports.iter().map(|r| r.as_str()).collect();
    let filters = StoredFilters {
        service_id: d.filters.service_id,
        organization_id: d.filters.organization_id,
        team_id: d.filters.team_id,
        priority: d.filters.priority,
    };
    (
        serde_json::to_string(&reports).unwrap_or_default(),
        serde_json::to_string(&filters).unwrap_or_default(),
    )
}

pub async fn insert(
    ex: Ex<'_>,
    d: &DefinitionDraft,
    owner: Option<i64>,
    next_run_at: i64,
    now: i64,
) -> Result<i64> {
    let (reports, filters) = encode(d);
    let id: i64 = on!(ex, c => sqlx::query_scalar(
        "INSERT INTO report_definitions (name, audience, reports, filters, grouping, cadence, next_run_at,
         owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
        .bind(&d.name).bind(&d.audience).bind(reports).bind(filters).bind(d.grouping.as_str())
        .bind(d.cadence.as_str()).bind(next_run_at).bind(owner).bind(now)
        .fetch_one(c).await)?;
    Ok(id)
}

pub async fn update(
    ex: Ex<'_>,
    id: i64,
    d: &DefinitionDraft,
    next_run_at: i64,
    now: i64,
) -> Result<()> {
    let (reports, filters) = encode(d);
    on!(ex, c => sqlx::query(
        "UPDATE report_definitions SET name = $2, audience = $3, reports = $4, filters = $5, grouping = $6,
         cadence = $7, next_run_at = $8, updated_at = $9 WHERE id = $1")
        .bind(id).bind(&d.name).bind(&d.audience).bind(reports).bind(filters).bind(d.grouping.as_str())
        .bind(d.cadence.as_str()).bind(next_run_at).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Definition>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

pub async fn list(ex: Ex<'_>) -> Result<Vec<Definition>> {
    let sql = format!("{SELECT} ORDER BY lower(name)");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn name_taken(ex: Ex<'_>, name: &str, except: Option<i64>) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_definitions WHERE lower(name) = lower($1) AND id <> $2")
        .bind(name).bind(except.unwrap_or(-1)).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Definitions whose snapshot is due, with when it was due.
pub async fn due(ex: Ex<'_>, now: i64, limit: i64) -> Result<Vec<(i64, i64)>> {
    let rows: Vec<(i64, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT id, next_run_at FROM report_definitions WHERE next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2")
        .bind(now).bind(limit).fetch_all(c).await)?;
    Ok(rows)
}

/// Moves a definition's next run from `was` to `next`; false when another node moved it
/// first, so each scheduled snapshot is generated once.
pub async fn claim_run(ex: Ex<'_>, id: i64, was: i64, next: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE report_definitions SET next_run_at = $3 WHERE id = $1 AND next_run_at = $2")
        .bind(id).bind(was).bind(next).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

#[derive(sqlx::FromRow)]
struct SnapshotRow {
    id: i64,
    definition_id: i64,
    period_from: i64,
    period_to: i64,
    generated_at: i64,
    content_sha256: String,
    content: Option<String>,
}

impl From<SnapshotRow> for Snapshot {
    fn from(r: SnapshotRow) -> Self {
        Snapshot {
            id: r.id,
            definition_id: r.definition_id,
            period_from: rfc3339_micros(r.period_from),
            period_to: rfc3339_micros(r.period_to),
            generated_at: rfc3339_micros(r.generated_at),
            content_sha256: r.content_sha256,
            content: r.content.and_then(|c| serde_json::from_str(&c).ok()),
        }
    }
}

/// Stores a snapshot unless one exists for the definition and period; returns its id.
pub async fn insert_snapshot(
    mut ex: Ex<'_>,
    definition: i64,
    period: (i64, i64),
    content: &str,
    sha256: &str,
    now: i64,
) -> Result<(i64, bool)> {
    let existing: Option<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT id FROM report_snapshots WHERE definition_id = $1 AND period_from = $2 AND period_to = $3")
        .bind(definition).bind(period.0).bind(period.1).fetch_optional(c).await)?;
    if let Some(id) = existing {
        return Ok((id, false));
    }
    let id: i64 = on!(ex, c => sqlx::query_scalar(
        "INSERT INTO report_snapshots (definition_id, period_from, period_to, generated_at, content, content_sha256)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(definition).bind(period.0).bind(period.1).bind(now).bind(content).bind(sha256)
        .fetch_one(c).await)?;
    Ok((id, true))
}

pub async fn snapshots(ex: Ex<'_>, definition: i64) -> Result<Vec<Snapshot>> {
    let rows: Vec<SnapshotRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, definition_id, period_from, period_to, generated_at, content_sha256, NULL AS content
         FROM report_snapshots WHERE definition_id = $1 ORDER BY period_from DESC, id DESC")
        .bind(definition).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A snapshot with its content exactly as stored (for hashing) and parsed.
pub async fn snapshot(ex: Ex<'_>, id: i64) -> Result<Option<(Snapshot, String)>> {
    let row: Option<SnapshotRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, definition_id, period_from, period_to, generated_at, content_sha256, content
         FROM report_snapshots WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(|r| {
        let raw = r.content.clone().unwrap_or_default();
        (r.into(), raw)
    }))
}

pub async fn add_action(
    ex: Ex<'_>,
    snapshot: i64,
    a: &ActionInput,
    by: &str,
    now: i64,
) -> Result<ReportAction> {
    let id: i64 = on!(ex, c => sqlx::query_scalar(
        "INSERT INTO report_actions (snapshot_id, kind, text, owner_id, due_date, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(snapshot).bind(a.kind.as_str()).bind(a.text.trim()).bind(a.owner_id).bind(&a.due_date)
        .bind(by).bind(now).fetch_one(c).await)?;
    Ok(ReportAction {
        id,
        snapshot_id: snapshot,
        kind: a.kind,
        text: a.text.trim().to_owned(),
        owner_id: a.owner_id,
        due_date: a.due_date.clone(),
        created_by: by.to_owned(),
        created_at: rfc3339_micros(now),
    })
}

pub async fn actions(ex: Ex<'_>, snapshot: i64) -> Result<Vec<ReportAction>> {
    type ActionRow = (
        i64,
        String,
        String,
        Option<i64>,
        Option<String>,
        String,
        i64,
    );
    let rows: Vec<ActionRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, kind, text, owner_id, due_date, created_by, created_at FROM report_actions
         WHERE snapshot_id = $1 ORDER BY id")
        .bind(snapshot).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, kind, text, owner_id, due_date, created_by, at)| ReportAction {
                id,
                snapshot_id: snapshot,
                kind: ActionKind::parse(&kind).unwrap_or(ActionKind::Action),
                text,
                owner_id,
                due_date,
                created_by,
                created_at: rfc3339_micros(at),
            },
        )
        .collect())
}
