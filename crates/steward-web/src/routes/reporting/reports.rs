//! Service reports as JSON, CSV or a standalone HTML page with charts.
use crate::AppState;
use crate::extract::{ApiQuery, Auth};
use crate::problem::Problem;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use steward_domain::reporting::report::{Report, ReportName, ReportParams};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, report), tags((name = "reports", description = "Service reports (ISO/IEC 20000-1 9.4)")))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(list))
        .route("/api/v1/reports/{name}", get(report))
}

/// One available report.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ReportInfo {
    pub name: String,
    pub title: String,
}

/// The reports there are.
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports", responses((status = 200, body = Vec<ReportInfo>)))]
pub async fn list(Auth(_auth): Auth) -> Json<Vec<ReportInfo>> {
    Json(
        ReportName::ALL
            .iter()
            .map(|r| ReportInfo {
                name: r.as_str().into(),
                title: r.title().into(),
            })
            .collect(),
    )
}

/// A report over a period with the previous period's figures for the trend;
/// `format=csv` gives its table, `format=html` a page with its chart.
#[utoipa::path(get, path = "/api/v1/reports/{name}", tag = "reports",
    params(("name" = String, Path, description = "volumes, sla-compliance, resolution-times, rates, backlog-aging, problems, workload, availability, satisfaction or changes"), ReportParams),
    responses((status = 200, description = "The report as `format` asks",
        content((Report = "application/json"), (String = "text/csv"), (String = "text/html"))), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn report(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(name): Path<String>,
    ApiQuery(params): ApiQuery<ReportParams>,
) -> Result<Response, Problem> {
    let format = params.format.clone().unwrap_or_else(|| "json".into());
    if !matches!(format.as_str(), "json" | "csv" | "html") {
        return Err(
            Problem::bad_request("bad-query", "format: one of json, csv, html")
                .with_field("format"),
        );
    }
    let report = state.app.report(&auth.actor, &name, &params).await?;
    let (body, kind) = match format.as_str() {
        "csv" => (
            steward_reports::csv(&report)
                .map_err(|e| Problem::from(steward_app::AppError::Internal(e.to_string())))?,
            "text/csv; charset=utf-8",
        ),
        "html" => (steward_reports::page(&report), "text/html; charset=utf-8"),
        _ => return Ok(Json(report).into_response()),
    };
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    Ok(response)
}
