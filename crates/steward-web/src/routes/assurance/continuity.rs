//! Service continuity (8.7.2): a service's continuity plans in versions, their approval, their
//! tests, an off-site copy as one HTML or Markdown file, and the plans overdue for a test.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use steward_domain::assurance::continuity::{
    ContinuityPlan, ContinuityPlanDetail, ContinuityPlanInput, ContinuityPlanPatch, ContinuityTest,
    ContinuityTestInput, PlanExport, format_duration,
};

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list,
    create,
    show,
    update,
    approve,
    tests,
    record_test,
    export,
    overdue
))]
pub struct Api;

const PLANS: &str = "/api/v1/services/{id}/continuity-plans";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(PLANS, get(list).post(create))
        .route(&format!("{PLANS}/{{plan}}"), get(show).patch(update))
        .route(&format!("{PLANS}/{{plan}}/approve"), post(approve))
        .route(
            &format!("{PLANS}/{{plan}}/tests"),
            get(tests).post(record_test),
        )
        .route(&format!("{PLANS}/{{plan}}/export"), get(export))
        .route("/api/v1/continuity/overdue", get(overdue))
}

/// The service's continuity plans, each as its latest version with its test schedule.
#[utoipa::path(get, path = "/api/v1/services/{id}/continuity-plans", tag = "continuity",
    params(("id" = i64, Path)),
    responses((status = 200, body = [ContinuityPlan]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<ContinuityPlan>>, Problem> {
    Ok(Json(
        state.app.list_continuity_plans(&auth.actor, id).await?,
    ))
}

/// Create a plan: version 1, a draft until a manager approves it.
#[utoipa::path(post, path = "/api/v1/services/{id}/continuity-plans", tag = "continuity",
    params(("id" = i64, Path)), request_body = ContinuityPlanInput,
    responses((status = 201, body = ContinuityPlanDetail), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ContinuityPlanInput>,
) -> Result<(StatusCode, Json<ContinuityPlanDetail>), Problem> {
    let made = state
        .app
        .create_continuity_plan(&auth.actor, id, input)
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// A plan with all its versions (newest first) and its tests.
#[utoipa::path(get, path = "/api/v1/services/{id}/continuity-plans/{plan}", tag = "continuity",
    params(("id" = i64, Path), ("plan" = i64, Path)),
    responses((status = 200, body = ContinuityPlanDetail), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, plan): Ids,
) -> Result<Json<ContinuityPlanDetail>, Problem> {
    Ok(Json(
        state.app.get_continuity_plan(&auth.actor, id, plan).await?,
    ))
}

/// Edit a plan: a draft is changed; an approved plan gets a new draft version and stays in
/// force until that is approved.
#[utoipa::path(patch, path = "/api/v1/services/{id}/continuity-plans/{plan}", tag = "continuity",
    params(("id" = i64, Path), ("plan" = i64, Path)), request_body = ContinuityPlanPatch,
    responses((status = 200, body = ContinuityPlanDetail), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, plan): Ids,
    ApiJson(patch): ApiJson<ContinuityPlanPatch>,
) -> Result<Json<ContinuityPlanDetail>, Problem> {
    Ok(Json(
        state
            .app
            .update_continuity_plan(&auth.actor, id, plan, patch)
            .await?,
    ))
}

/// Approve the plan's latest version, a draft (managers and administrators; 409 when it is
/// approved already, 422 naming the sections a plan still lacks).
#[utoipa::path(post, path = "/api/v1/services/{id}/continuity-plans/{plan}/approve", tag = "continuity",
    params(("id" = i64, Path), ("plan" = i64, Path)),
    responses((status = 200, body = ContinuityPlanDetail), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, plan): Ids,
) -> Result<Json<ContinuityPlanDetail>, Problem> {
    Ok(Json(
        state
            .app
            .approve_continuity_plan(&auth.actor, id, plan)
            .await?,
    ))
}

/// The plan's tests, newest first, each judged against the tested version's RTO and RPO.
#[utoipa::path(get, path = "/api/v1/services/{id}/continuity-plans/{plan}/tests", tag = "continuity",
    params(("id" = i64, Path), ("plan" = i64, Path)),
    responses((status = 200, body = [ContinuityTest]), (status = 404, body = Problem)))]
pub async fn tests(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, plan): Ids,
) -> Result<Json<Vec<ContinuityTest>>, Problem> {
    Ok(Json(
        state
            .app
            .list_continuity_tests(&auth.actor, id, plan)
            .await?,
    ))
}

/// Record a test of the plan (of its approved version unless `version` names another).
#[utoipa::path(post, path = "/api/v1/services/{id}/continuity-plans/{plan}/tests", tag = "continuity",
    params(("id" = i64, Path), ("plan" = i64, Path)), request_body = ContinuityTestInput,
    responses((status = 201, body = ContinuityTest), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record_test(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, plan): Ids,
    ApiJson(input): ApiJson<ContinuityTestInput>,
) -> Result<(StatusCode, Json<ContinuityTest>), Problem> {
    let made = state
        .app
        .record_continuity_test(&auth.actor, id, plan, input)
        .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// `html` (the default) or `md`.
    pub format: Option<String>,
    /// The version to export; the approved one when left out (else the latest draft).
    pub version: Option<i64>,
}

/// The plan as one self-contained file for an off-site copy.
#[derive(Template)]
#[template(path = "continuity_export.html")]
pub(crate) struct ExportPage<'a> {
    pub(crate) e: &'a PlanExport,
}

impl ExportPage<'_> {
    fn rto(&self) -> String {
        format_duration(self.e.version.rto_seconds)
    }

    fn rpo(&self) -> String {
        format_duration(self.e.version.rpo_seconds)
    }
}

/// The plan (its approved version, or `version`) as one self-contained HTML file (inline
/// styles, no links to anything) or as Markdown, served as a download.
#[utoipa::path(get, path = "/api/v1/services/{id}/continuity-plans/{plan}/export", tag = "continuity",
    params(("id" = i64, Path), ("plan" = i64, Path), ExportParams),
    responses((status = 200, description = "The plan as `format` asks",
        content((String = "text/html"), (String = "text/markdown"))), (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn export(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, plan): Ids,
    ApiQuery(params): ApiQuery<ExportParams>,
) -> Result<Response, Problem> {
    let format = params.format.as_deref().unwrap_or("html");
    if !matches!(format, "html" | "md") {
        return Err(
            Problem::bad_request("bad-query", "format: one of html, md").with_field("format")
        );
    }
    let e = state
        .app
        .export_continuity_plan(&auth.actor, id, plan, params.version)
        .await?;
    let (body, kind) = if format == "md" {
        (e.markdown(), "text/markdown; charset=utf-8")
    } else {
        let page = ExportPage { e: &e }
            .render()
            .map_err(|err| Problem::from(steward_app::AppError::Internal(err.to_string())))?;
        (page, "text/html; charset=utf-8")
    };
    // The file name is made of ASCII letters, digits and dashes.
    let disposition = format!("attachment; filename=\"{}\"", e.file_name(format));
    Ok((
        [
            (header::CONTENT_TYPE, kind.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Every plan whose test is overdue (see the rule in the plan's `next_test_due`), the longest
/// overdue first.
#[utoipa::path(get, path = "/api/v1/continuity/overdue", tag = "continuity",
    responses((status = 200, body = [ContinuityPlan]), (status = 403, body = Problem)))]
pub async fn overdue(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<ContinuityPlan>>, Problem> {
    Ok(Json(state.app.overdue_continuity_plans(&auth.actor).await?))
}
