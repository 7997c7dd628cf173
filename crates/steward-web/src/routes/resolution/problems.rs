//! What only problems have: raising one, linking the incidents it explains, analysis, and
//! the known-error database.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::resolution::problem::{AnalysisInput, KnownError, ProblemInput};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{LinkInput, TicketKind, TicketPatch};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, analyse, link, unlink, known_errors),
    tags((name = "problems", description = "Problems, root-cause analysis and the known-error database"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/problems", post(create))
        .route("/api/v1/problems/{id}", axum::routing::patch(analyse))
        .route("/api/v1/problems/{id}/incidents", post(link))
        .route(
            "/api/v1/problems/{id}/incidents/{incident_id}",
            delete(unlink),
        )
        .route("/api/v1/known-errors", get(known_errors))
}

/// Raise a problem (staff), optionally linking the incidents it explains.
#[utoipa::path(post, path = "/api/v1/problems", tag = "problems", request_body = ProblemInput,
    responses((status = 201, body = Ticket), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ProblemInput>,
) -> Result<(StatusCode, Json<Ticket>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_problem(&auth.actor, input).await?),
    ))
}

/// Record the analysis so far (root cause and workaround; `null` clears one, a known error
/// keeps both), or change the record's own fields (title, description, impact, urgency,
/// service, category, CI) as for an incident. One request does one of the two, so each is one
/// change in the timeline.
#[utoipa::path(patch, path = "/api/v1/problems/{id}", tag = "problems", params(("id" = i64, Path)),
    request_body(content = serde_json::Value, description = "an AnalysisInput or a TicketPatch"),
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn analyse(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> Result<Json<Ticket>, Problem> {
    const ANALYSIS: [&str; 2] = ["root_cause", "workaround"];
    let keys: Vec<&String> = body
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    let analysis = keys.iter().any(|k| ANALYSIS.contains(&k.as_str()));
    let field = keys.iter().find(|k| !ANALYSIS.contains(&k.as_str()));
    let unreadable = |e: serde_json::Error| {
        Problem::bad_request("malformed-json", format!("the body does not fit: {e}"))
    };
    let ticket = match (analysis, field) {
        (true, Some(f)) => {
            return Err(Problem::invalid(vec![steward_domain::FieldError::new(
                f.as_str(),
                "send the analysis (root_cause, workaround) and the record's fields in separate requests",
            )]));
        }
        (false, Some(_)) => {
            let patch: TicketPatch = serde_json::from_value(body).map_err(unreadable)?;
            state
                .app
                .update_ticket(&auth.actor, TicketKind::Problem, id, patch)
                .await?
        }
        (_, None) => {
            let input: AnalysisInput = serde_json::from_value(body).map_err(unreadable)?;
            state.app.analyse_problem(&auth.actor, id, input).await?
        }
    };
    Ok(Json(ticket))
}

/// Link incidents this problem explains.
#[utoipa::path(post, path = "/api/v1/problems/{id}/incidents", tag = "problems", params(("id" = i64, Path)),
    request_body = LinkInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn link(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<LinkInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state.app.link_incidents(&auth.actor, id, input).await?,
    ))
}

/// Unlink an incident from this problem.
#[utoipa::path(delete, path = "/api/v1/problems/{id}/incidents/{incident_id}", tag = "problems",
    params(("id" = i64, Path), ("incident_id" = i64, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = Problem)))]
pub async fn unlink(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, incident): Ids,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state.app.unlink_incident(&auth.actor, id, incident).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct KnownErrorQuery {
    /// Words that must all appear (as word prefixes) in the title, root cause or workaround.
    pub q: Option<String>,
}

/// The known-error database (staff): problems marked known errors, with their workarounds.
#[utoipa::path(get, path = "/api/v1/known-errors", tag = "problems", params(KnownErrorQuery),
    responses((status = 200, body = Vec<KnownError>), (status = 403, body = Problem)))]
pub async fn known_errors(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<KnownErrorQuery>,
) -> Result<Json<Vec<KnownError>>, Problem> {
    Ok(Json(
        state.app.known_errors(&auth.actor, q.q.as_deref()).await?,
    ))
}
