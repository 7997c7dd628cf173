//! Handing an incident or request to a supplier and taking it back: what an underpinning
//! contract's clocks run on.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use crate::routes::resolution::tickets::Kind;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use steward_domain::resolution::record::Ticket;
use steward_domain::service_level::agreement_clock::{AcknowledgeInput, EngageInput};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(engage, acknowledge, release),
    tags((name = "suppliers", description = "Suppliers and agreements"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for collection in ["incidents", "requests"] {
        let base = format!("/api/v1/{collection}/{{id}}/supplier");
        router = router
            .route(&base, post(engage).delete(release))
            .route(&format!("{base}/acknowledge"), post(acknowledge));
    }
    router
}

/// Hand an open ticket to a supplier (one at a time): the clocks of the supplier's active
/// underpinning contracts start. Audited and on the ticket's timeline.
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/supplier", tag = "suppliers",
    params(("kind" = String, Path, description = "incidents or requests"), ("id" = i64, Path)),
    request_body = EngageInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn engage(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiJson(input): ApiJson<EngageInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state
            .app
            .engage_supplier(&auth.actor, kind, id, input)
            .await?,
    ))
}

/// Record that the supplier acknowledged the ticket: the contracts' response clocks stop.
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/supplier/acknowledge", tag = "suppliers",
    params(("kind" = String, Path, description = "incidents or requests"), ("id" = i64, Path)),
    request_body = AcknowledgeInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiJson(input): ApiJson<AcknowledgeInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state
            .app
            .acknowledge_supplier(&auth.actor, kind, id, input)
            .await?,
    ))
}

/// Take the ticket back from its supplier: the contracts' clocks stop.
#[utoipa::path(delete, path = "/api/v1/{kind}/{id}/supplier", tag = "suppliers",
    params(("kind" = String, Path, description = "incidents or requests"), ("id" = i64, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn release(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state.app.release_supplier(&auth.actor, kind, id).await?,
    ))
}
