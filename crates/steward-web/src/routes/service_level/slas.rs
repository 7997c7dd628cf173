//! SLAs and the clocks they put on tickets.
use crate::AppState;
use crate::extract::ApiQuery;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use crate::routes::resolution::tickets::Kind;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::service_level::agreement_clock::AgreementCompliance;
use steward_domain::service_level::recompute::ClockRecompute;
use steward_domain::service_level::sla::{
    Simulation, SimulationInput, Sla, SlaInput, SlaLevel, Workload,
};
use steward_domain::service_level::ticket_clocks::ClockTimeline;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, replace, recomputes, simulate, workload, compliance, clocks),
    tags((name = "slas", description = "Service level agreements and ticket clocks"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new()
        .route("/api/v1/slas", get(list).post(create))
        .route("/api/v1/slas/{id}", get(show).put(replace))
        .route("/api/v1/slas/{id}/recomputes", get(recomputes))
        .route("/api/v1/slas/{id}/simulate", axum::routing::post(simulate))
        .route("/api/v1/slas/{id}/workload", get(workload))
        .route("/api/v1/slas/{id}/compliance", get(compliance));
    for collection in ["incidents", "requests"] {
        router = router.route(&format!("/api/v1/{collection}/{{id}}/sla"), get(clocks));
    }
    router
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `sla`, `ola` or `underpinning_contract`; absent: all.
    pub level: Option<SlaLevel>,
}

/// Every SLA, OLA and underpinning contract (staff), with whether its review is overdue.
#[utoipa::path(get, path = "/api/v1/slas", tag = "slas", params(ListQuery),
    responses((status = 200, body = Vec<Sla>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Sla>>, Problem> {
    Ok(Json(state.app.list_slas(&auth.actor, q.level).await?))
}

/// Define an SLA for a service (and optionally some of its customers), with per-priority
/// targets, pause rules, warning threshold, workload limit, exceptions and review cycle.
/// With `level` `ola` (and a `team_id`) or `underpinning_contract` (and a `supplier_id`), the
/// same definition measures an internal team or a supplier: its clocks run per stint while
/// the team holds a ticket or the ticket is engaged with the supplier.
#[utoipa::path(post, path = "/api/v1/slas", tag = "slas", request_body = SlaInput,
    responses((status = 201, body = Sla), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<SlaInput>,
) -> Result<(StatusCode, Json<Sla>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_sla(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/slas/{id}", tag = "slas", params(("id" = i64, Path)),
    responses((status = 200, body = Sla), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Sla>, Problem> {
    Ok(Json(state.app.get_sla(&auth.actor, id).await?))
}

/// Replace an SLA's definition; the clocks of the tickets it governs follow at once, with no
/// paused time lost. The breach scan's deadlines follow in the same request when few tickets
/// are open under it, else in the background: `GET /api/v1/slas/{id}/recomputes` shows how far.
#[utoipa::path(put, path = "/api/v1/slas/{id}", tag = "slas", params(("id" = i64, Path)), request_body = SlaInput,
    responses((status = 200, body = Sla), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SlaInput>,
) -> Result<Json<Sla>, Problem> {
    Ok(Json(state.app.update_sla(&auth.actor, id, input).await?))
}

/// The latest recomputes of the deadlines of the open tickets under an SLA, OLA or contract,
/// newest first, with how far each got: after a change to it or to its calendar.
#[utoipa::path(get, path = "/api/v1/slas/{id}/recomputes", tag = "slas", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ClockRecompute>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn recomputes(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<ClockRecompute>>, Problem> {
    Ok(Json(state.app.sla_recomputes(&auth.actor, id).await?))
}

/// What-if: replays the records this SLA governed that were resolved in a period under
/// changed targets or another calendar, and returns the compliance it would have had beside
/// the actual one.
#[utoipa::path(post, path = "/api/v1/slas/{id}/simulate", tag = "slas", params(("id" = i64, Path)),
    request_body = SimulationInput,
    responses((status = 200, body = Simulation), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn simulate(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SimulationInput>,
) -> Result<Json<Simulation>, Problem> {
    Ok(Json(state.app.simulate_sla(&auth.actor, id, input).await?))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkloadQuery {
    /// `YYYY-MM`; default this month (UTC).
    pub month: Option<String>,
}

/// Each covered customer's incidents and requests in a month against the workload limit.
#[utoipa::path(get, path = "/api/v1/slas/{id}/workload", tag = "slas", params(("id" = i64, Path), WorkloadQuery),
    responses((status = 200, body = Vec<Workload>), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn workload(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<WorkloadQuery>,
) -> Result<Json<Vec<Workload>>, Problem> {
    Ok(Json(
        state
            .app
            .sla_workload(&auth.actor, id, q.month.as_deref())
            .await?,
    ))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ComplianceQuery {
    /// RFC 3339, inclusive.
    pub from: String,
    /// RFC 3339, exclusive; at most 366 days after `from`.
    pub to: String,
}

/// Met and breached counts per metric over a period, under the current targets: an SLA's
/// records resolved in it; an OLA's or underpinning contract's stints (each time a ticket was
/// with the team or supplier) that ended in it.
#[utoipa::path(get, path = "/api/v1/slas/{id}/compliance", tag = "slas", params(("id" = i64, Path), ComplianceQuery),
    responses((status = 200, body = AgreementCompliance), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn compliance(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> Result<Json<AgreementCompliance>, Problem> {
    Ok(Json(
        state
            .app
            .sla_compliance(&auth.actor, id, &q.from, &q.to)
            .await?,
    ))
}

/// A ticket's SLA, its response and resolution clocks, and every clock event with its cause.
#[utoipa::path(get, path = "/api/v1/{kind}/{id}/sla", tag = "slas",
    params(("kind" = String, Path, description = "incidents or requests"), ("id" = i64, Path)),
    responses((status = 200, body = ClockTimeline), (status = 404, body = Problem)))]
pub async fn clocks(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
) -> Result<Json<ClockTimeline>, Problem> {
    Ok(Json(state.app.ticket_clocks(&auth.actor, kind, id).await?))
}
