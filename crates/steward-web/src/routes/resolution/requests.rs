//! What only service requests have: raising one from a catalogue item, and approvals.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::request::{DecisionInput, RequestInput};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, decide),
    tags((name = "requests", description = "Service requests from catalogue items, with approvals"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/requests", post(create))
        .route("/api/v1/requests/{id}/approvals", post(decide))
}

/// Raise a service request for a catalogue item; the answers are checked against its form
/// (errors name `answers.<key>`). Items that need approval start `awaiting_approval`; others
/// go straight to the item's fulfilment team.
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = RequestInput,
    responses((status = 201, body = Ticket), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<(StatusCode, Json<Ticket>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_request(&auth.actor, input).await?),
    ))
}

/// Approve or reject a request awaiting approval (only the item's approvers).
#[utoipa::path(post, path = "/api/v1/requests/{id}/approvals", tag = "requests", params(("id" = i64, Path)),
    request_body = DecisionInput,
    responses((status = 200, body = Ticket), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state.app.decide_request(&auth.actor, id, input).await?,
    ))
}
