//! Report definitions, their scheduled snapshots (immutable, with a content hash) and the
//! decisions and actions recorded against a snapshot.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use steward_domain::reporting::report::Report;
use steward_domain::reporting::report::schedule::{
    ActionInput, Definition, DefinitionInput, ReportAction, Snapshot,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, run, snapshots, snapshot, actions, add_action),
    tags((name = "report-definitions", description = "Report definitions, scheduled snapshots and the actions taken from them"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/report-definitions", get(list).post(create))
        .route("/api/v1/report-definitions/{id}", get(show).put(update))
        .route("/api/v1/report-definitions/{id}/run", post(run))
        .route("/api/v1/report-definitions/{id}/snapshots", get(snapshots))
        .route("/api/v1/report-snapshots/{id}", get(snapshot))
        .route(
            "/api/v1/report-snapshots/{id}/actions",
            get(actions).post(add_action),
        )
}

#[utoipa::path(get, path = "/api/v1/report-definitions", tag = "report-definitions",
    responses((status = 200, body = Vec<Definition>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Definition>>, Problem> {
    Ok(Json(state.app.list_report_definitions(&auth.actor).await?))
}

#[utoipa::path(post, path = "/api/v1/report-definitions", tag = "report-definitions", request_body = DefinitionInput,
    responses((status = 201, body = Definition), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<DefinitionInput>,
) -> Result<(StatusCode, Json<Definition>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .create_report_definition(&auth.actor, input)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/report-definitions/{id}", tag = "report-definitions", params(("id" = i64, Path)),
    responses((status = 200, body = Definition), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Definition>, Problem> {
    Ok(Json(
        state.app.get_report_definition(&auth.actor, id).await?,
    ))
}

#[utoipa::path(put, path = "/api/v1/report-definitions/{id}", tag = "report-definitions", params(("id" = i64, Path)),
    request_body = DefinitionInput,
    responses((status = 200, body = Definition), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DefinitionInput>,
) -> Result<Json<Definition>, Problem> {
    Ok(Json(
        state
            .app
            .update_report_definition(&auth.actor, id, input)
            .await?,
    ))
}

/// Generates the snapshot of the last complete period now: 201 when new, 200 with the
/// existing one when that period was already generated.
#[utoipa::path(post, path = "/api/v1/report-definitions/{id}/run", tag = "report-definitions", params(("id" = i64, Path)),
    responses((status = 201, body = Snapshot), (status = 200, body = Snapshot), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn run(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<(StatusCode, Json<Snapshot>), Problem> {
    let (snapshot, created) = state.app.run_report_definition(&auth.actor, id).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(snapshot)))
}

#[utoipa::path(get, path = "/api/v1/report-definitions/{id}/snapshots", tag = "report-definitions", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Snapshot>), (status = 404, body = Problem)))]
pub async fn snapshots(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Snapshot>>, Problem> {
    Ok(Json(state.app.report_snapshots(&auth.actor, id).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SnapshotQuery {
    /// json (default) or html (each report's page, one after another).
    pub format: Option<String>,
}

/// A snapshot with its content; its SHA-256 is checked against the stored content.
#[utoipa::path(get, path = "/api/v1/report-snapshots/{id}", tag = "report-definitions", params(("id" = i64, Path), SnapshotQuery),
    responses((status = 200, description = "The snapshot as `format` asks",
        content((Snapshot = "application/json"), (String = "text/html"))), (status = 404, body = Problem)))]
pub async fn snapshot(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<SnapshotQuery>,
) -> Result<Response, Problem> {
    let snapshot = state.app.report_snapshot(&auth.actor, id).await?;
    match q.format.as_deref() {
        None | Some("json") => Ok(Json(snapshot).into_response()),
        Some("html") => {
            let reports: Vec<Report> = snapshot
                .content
                .as_ref()
                .and_then(|c| c.get("reports"))
                .and_then(|r| serde_json::from_value::<Vec<serde_json::Value>>(r.clone()).ok())
                .map(|values| values.into_iter().filter_map(report_of).collect())
                .unwrap_or_default();
            let body: String = reports.iter().map(steward_reports::page).collect();
            let mut response = body.into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Ok(response)
        }
        Some(_) => {
            Err(Problem::bad_request("bad-query", "format: json or html").with_field("format"))
        }
    }
}

/// A stored report back in its typed form, for rendering.
fn report_of(v: serde_json::Value) -> Option<Report> {
    serde_json::from_value(v).ok()
}

#[utoipa::path(get, path = "/api/v1/report-snapshots/{id}/actions", tag = "report-definitions", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ReportAction>), (status = 404, body = Problem)))]
pub async fn actions(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<ReportAction>>, Problem> {
    Ok(Json(state.app.report_actions(&auth.actor, id).await?))
}

/// Records a decision or an action taken from a report.
#[utoipa::path(post, path = "/api/v1/report-snapshots/{id}/actions", tag = "report-definitions", params(("id" = i64, Path)),
    request_body = ActionInput,
    responses((status = 201, body = ReportAction), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<(StatusCode, Json<ReportAction>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.add_report_action(&auth.actor, id, input).await?),
    ))
}
