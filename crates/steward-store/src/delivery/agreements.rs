//! Agreements: underpinning contracts with suppliers and OLAs with internal teams (8.3.4).
use crate::sql::{Listing, Sql, bind_args, fetch_listing};
use crate::{Ex, Result, on};
use jiff::civil::Date;
use std::collections::HashMap;
use steward_domain::delivery::supplier::{
    Agreement, AgreementDraft, AgreementKind, AgreementStatus, AgreementTarget, days_until,
};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    title: String,
    scope: Option<String>,
    supplier_id: Option<i64>,
    team_id: Option<i64>,
    targets: String,
    obligations: Option<String>,
    start_date: Option<String>,
    end_date: Option<String>,
    owner_id: Option<i64>,
    status: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, kind, title, scope, supplier_id, team_id, targets, obligations,
    start_date, end_date, owner_id, status, created_at, updated_at";

impl Row {
    fn into_agreement(self, service_ids: Vec<i64>, today: Date) -> Agreement {
        let expires_in_days = self
            .end_date
            .as_deref()
            .and_then(|d| d.parse::<Date>().ok())
            .map(|end| days_until(today, end));
        Agreement {
            id: self.id,
            // CHECK constraints admit only the known kinds and statuses.
            kind: AgreementKind::parse(&self.kind).unwrap_or(AgreementKind::Ola),
            title: self.title,
            scope: self.scope,
            supplier_id: self.supplier_id,
            team_id: self.team_id,
            targets: serde_json::from_str::<Vec<AgreementTarget>>(&self.targets)
                .unwrap_or_default(),
            obligations: self.obligations,
            start_date: self.start_date,
            end_date: self.end_date,
            owner_id: self.owner_id,
            status: AgreementStatus::parse(&self.status).unwrap_or(AgreementStatus::Draft),
            service_ids,
            expires_in_days,
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
        }
    }
}

async fn services_of(ex: Ex<'_>, ids: &[i64]) -> Result<HashMap<i64, Vec<i64>>> {
    let mut map: HashMap<i64, Vec<i64>> = HashMap::new();
    if ids.is_empty() {
        return Ok(map);
    }
    let mut sql =
        Sql::new("SELECT agreement_id, service_id FROM agreement_services WHERE agreement_id IN ");
    sql.in_list(ids);
    sql.push(" ORDER BY service_id");
    let pairs: Vec<(i64, i64)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    for (a, s) in pairs {
        map.entry(a).or_default().push(s);
    }
    Ok(map)
}

fn targets_json(d: &AgreementDraft) -> String {
    serde_json::to_string(&d.targets).unwrap_or_else(|_| "[]".into())
}

pub async fn insert(mut ex: Ex<'_>, d: &AgreementDraft, now: i64) -> Result<i64> {
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO agreements (kind, title, scope, supplier_id, team_id, targets, obligations,
         start_date, end_date, owner_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id")
        .bind(d.kind.as_str()).bind(&d.title).bind(&d.scope).bind(d.supplier_id).bind(d.team_id)
        .bind(targets_json(d)).bind(&d.obligations)
        .bind(d.start_date.map(|x| x.to_string())).bind(d.end_date.map(|x| x.to_string()))
        .bind(d.owner_id).bind(d.status.as_str()).bind(now)
        .fetch_one(c).await)?;
    set_services(ex, id, &d.service_ids).await?;
    Ok(id)
}

pub async fn update(mut ex: Ex<'_>, id: i64, d: &AgreementDraft, now: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE agreements SET kind = $2, title = $3, scope = $4, supplier_id = $5, team_id = $6,
         targets = $7, obligations = $8, start_date = $9, end_date = $10, owner_id = $11,
         status = $12, updated_at = $13 WHERE id = $1")
        .bind(id).bind(d.kind.as_str()).bind(&d.title).bind(&d.scope).bind(d.supplier_id)
        .bind(d.team_id).bind(targets_json(d)).bind(&d.obligations)
        .bind(d.start_date.map(|x| x.to_string())).bind(d.end_date.map(|x| x.to_string()))
        .bind(d.owner_id).bind(d.status.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    set_services(ex, id, &d.service_ids).await
}

async fn set_services(ex: Ex<'_>, id: i64, service_ids: &[i64]) -> Result<()> {
    on!(ex, c => {
        sqlx::query("DELETE FROM agreement_services WHERE agreement_id = $1")
            .bind(id).execute(&mut *c).await?;
        for s in service_ids {
            sqlx::query("INSERT INTO agreement_services (agreement_id, service_id) VALUES ($1, $2)")
                .bind(id).bind(s).execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn get(mut ex: Ex<'_>, id: i64, today: Date) -> Result<Option<Agreement>> {
    let sql = format!("SELECT {COLUMNS} FROM agreements WHERE id = $1");
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let mut services = services_of(ex, &[id]).await?;
    Ok(Some(row.into_agreement(
        services.remove(&id).unwrap_or_default(),
        today,
    )))
}

/// How many disputes name the agreement.
pub async fn disputes(ex: Ex<'_>, id: i64) -> Result<i64> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT COUNT(*) FROM complaints WHERE agreement_id = $1")
        .bind(id).fetch_one(c).await)?,
    )
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => {
        sqlx::query("DELETE FROM agreement_services WHERE agreement_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM agreements WHERE id = $1").bind(id).execute(&mut *c).await?;
        Ok(())
    })
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<AgreementKind>,
    pub supplier: Option<i64>,
    pub team: Option<i64>,
    /// Agreements that underpin this service.
    pub service: Option<i64>,
    pub status: Option<AgreementStatus>,
    pub q: Option<String>,
}

pub async fn list(
    mut ex: Ex<'_>,
    f: &Filter,
    page: PageRequest,
    today: Date,
) -> Result<(Vec<Agreement>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("kind =", f.kind.map(|k| k.as_str()));
    filter.and_opt("supplier_id =", f.supplier);
    filter.and_opt("team_id =", f.team);
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    if let Some(s) = f.service {
        filter
            .push(" AND id IN (SELECT agreement_id FROM agreement_services WHERE service_id = ")
            .bind(s)
            .push(")");
    }
    filter.and_contains("title", f.q.as_deref());
    let select = format!("SELECT {COLUMNS} FROM agreements");
    let listing = Listing::new(&select, "FROM agreements", filter, "lower(title), id", page);
    let (rows, total) = fetch_listing!(ex.by_ref(), listing, Row)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut services = services_of(ex, &ids).await?;
    Ok((
        rows.into_iter()
            .map(|r| {
                let s = services.remove(&r.id).unwrap_or_default();
                r.into_agreement(s, today)
            })
            .collect(),
        total,
    ))
}
