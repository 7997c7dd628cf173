//! Webhook subscriptions, their delivery log and redelivery (administrators). Each matching
//! event is POSTed as JSON signed with HMAC-SHA256: `Steward-Signature: t=<unix seconds>,
//! v1=<hex of HMAC(secret, t + "." + body)>`; `Steward-Event-Id` is the event's id (the audit
//! seq), the same on every retry and redelivery, for receivers to deduplicate by.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::webhook::{
    Attempt, Delivery, Webhook, WebhookInput, WebhookWithSecret,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove, enable, disable, rotate_secret, deliveries, attempts, redeliver),
    tags((name = "webhooks", description = "Signed event notifications to other systems"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks", get(list).post(create))
        .route(
            "/api/v1/webhooks/{id}",
            get(show).put(update).delete(remove),
        )
        .route("/api/v1/webhooks/{id}/enable", post(enable))
        .route("/api/v1/webhooks/{id}/disable", post(disable))
        .route("/api/v1/webhooks/{id}/rotate-secret", post(rotate_secret))
        .route("/api/v1/webhooks/{id}/deliveries", get(deliveries))
        .route(
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/attempts",
            get(attempts),
        )
        .route(
            "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            post(redeliver),
        )
}

/// Webhook subscriptions (admin).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = [Webhook]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Webhook>>, Problem> {
    Ok(Json(state.app.list_webhooks(&auth.actor).await?))
}

/// Subscribe a URL to events (admin). The answer holds the signing secret, shown only now.
/// Only http and https URLs are accepted; administrators are trusted with the target.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = WebhookInput,
    responses((status = 201, body = WebhookWithSecret), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_webhook(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Webhook), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Webhook>, Problem> {
    Ok(Json(state.app.get_webhook(&auth.actor, id).await?))
}

/// Replace a subscription's configuration (its secret and enabled state stay).
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)), request_body = WebhookInput,
    responses((status = 200, body = Webhook), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<WebhookInput>,
) -> Result<Json<Webhook>, Problem> {
    Ok(Json(
        state.app.update_webhook(&auth.actor, id, input).await?,
    ))
}

/// Delete a subscription with its deliveries and their log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_webhook(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Enable a subscription: its failure count starts again and waiting deliveries go out.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/enable", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Webhook), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn enable(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Webhook>, Problem> {
    Ok(Json(
        state.app.set_webhook_enabled(&auth.actor, id, true).await?,
    ))
}

/// Disable a subscription: no new event is enqueued for it and nothing is sent.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/disable", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = Webhook), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn disable(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Webhook>, Problem> {
    Ok(Json(
        state
            .app
            .set_webhook_enabled(&auth.actor, id, false)
            .await?,
    ))
}

/// A new signing secret, shown only in this answer; the old one stops at once.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", params(("id" = i64, Path)),
    responses((status = 200, body = WebhookWithSecret), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn rotate_secret(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<WebhookWithSecret>, Problem> {
    Ok(Json(
        state.app.rotate_webhook_secret(&auth.actor, id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// At most this many, newest first (default 100, at most 500).
    pub limit: Option<i64>,
}

/// A subscription's deliveries, newest first. Finished ones are kept for 30 days.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = i64, Path), Limit),
    responses((status = 200, body = [Delivery]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<Limit>,
) -> Result<Json<Vec<Delivery>>, Problem> {
    let limit = q.limit.unwrap_or(100);
    Ok(Json(
        state.app.webhook_deliveries(&auth.actor, id, limit).await?,
    ))
}

/// The delivery log of one delivery: each attempt with its answer or error, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/attempts", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 200, body = [Attempt]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn attempts(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, delivery): Ids,
) -> Result<Json<Vec<Attempt>>, Problem> {
    Ok(Json(
        state
            .app
            .webhook_attempts(&auth.actor, id, delivery)
            .await?,
    ))
}

/// Send a delivery again at the next round (the same event id and body, signed afresh).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "webhooks",
    params(("id" = i64, Path), ("delivery_id" = i64, Path)),
    responses((status = 200, body = Delivery), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn redeliver(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, delivery): Ids,
) -> Result<Json<Delivery>, Problem> {
    Ok(Json(
        state
            .app
            .redeliver_webhook(&auth.actor, id, delivery)
            .await?,
    ))
}
