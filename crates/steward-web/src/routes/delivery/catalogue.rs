use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use steward_domain::delivery::catalogue::{
    AnswersInput, CatalogueEntry, CatalogueItem, CatalogueVersion, EntryInput, EntryPatch,
    ItemInput, ItemPatch,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, entry_versions, add_item, show_item, update_item, item_versions, validate),
    tags((name = "catalogue", description = "The service catalogue and its request offerings"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalogue", get(list).post(create))
        .route(
            "/api/v1/catalogue/items/{id}",
            get(show_item).patch(update_item),
        )
        .route("/api/v1/catalogue/items/{id}/versions", get(item_versions))
        .route("/api/v1/catalogue/items/{id}/validate", post(validate))
        .route("/api/v1/catalogue/{id}", get(show).patch(update))
        .route("/api/v1/catalogue/{id}/versions", get(entry_versions))
        .route("/api/v1/catalogue/{id}/items", post(add_item))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Case-insensitive part of the title.
    pub q: Option<String>,
    pub service_id: Option<i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Catalogue {
    pub items: Vec<CatalogueEntry>,
    pub total: usize,
}

/// The catalogue. Customers see only published entries over live services delivered to their
/// organization, with active items.
#[utoipa::path(get, path = "/api/v1/catalogue", tag = "catalogue", params(ListQuery),
    responses((status = 200, body = Catalogue)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Catalogue>, Problem> {
    let items = state
        .app
        .list_catalogue(&auth.actor, q.q.as_deref(), q.service_id)
        .await?;
    Ok(Json(Catalogue {
        total: items.len(),
        items,
    }))
}

/// Create the catalogue entry of a service (admin, manager).
#[utoipa::path(post, path = "/api/v1/catalogue", tag = "catalogue", request_body = EntryInput,
    responses((status = 201, body = CatalogueEntry), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<EntryInput>,
) -> Result<(StatusCode, Json<CatalogueEntry>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_catalogue_entry(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/catalogue/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = CatalogueEntry), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<CatalogueEntry>, Problem> {
    Ok(Json(state.app.get_catalogue_entry(&auth.actor, id).await?))
}

/// Change or (un)publish an entry; each change is a new version.
#[utoipa::path(patch, path = "/api/v1/catalogue/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = EntryPatch,
    responses((status = 200, body = CatalogueEntry), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<EntryPatch>,
) -> Result<Json<CatalogueEntry>, Problem> {
    Ok(Json(
        state
            .app
            .update_catalogue_entry(&auth.actor, id, patch)
            .await?,
    ))
}

/// Every version of an entry (staff).
#[utoipa::path(get, path = "/api/v1/catalogue/{id}/versions", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CatalogueVersion>), (status = 404, body = Problem)))]
pub async fn entry_versions(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<CatalogueVersion>>, Problem> {
    Ok(Json(
        state
            .app
            .catalogue_versions(&auth.actor, "entry", id)
            .await?,
    ))
}

/// Add a request offering with its form to an entry.
#[utoipa::path(post, path = "/api/v1/catalogue/{id}/items", tag = "catalogue", params(("id" = i64, Path)), request_body = ItemInput,
    responses((status = 201, body = CatalogueItem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_item(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ItemInput>,
) -> Result<(StatusCode, Json<CatalogueItem>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .create_catalogue_item(&auth.actor, id, input)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/catalogue/items/{id}", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = CatalogueItem), (status = 404, body = Problem)))]
pub async fn show_item(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<CatalogueItem>, Problem> {
    Ok(Json(state.app.get_catalogue_item(&auth.actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/catalogue/items/{id}", tag = "catalogue", params(("id" = i64, Path)), request_body = ItemPatch,
    responses((status = 200, body = CatalogueItem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ItemPatch>,
) -> Result<Json<CatalogueItem>, Problem> {
    Ok(Json(
        state
            .app
            .update_catalogue_item(&auth.actor, id, patch)
            .await?,
    ))
}

/// Every version of an item (staff).
#[utoipa::path(get, path = "/api/v1/catalogue/items/{id}/versions", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CatalogueVersion>), (status = 404, body = Problem)))]
pub async fn item_versions(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<CatalogueVersion>>, Problem> {
    Ok(Json(
        state
            .app
            .catalogue_versions(&auth.actor, "item", id)
            .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CheckedAnswers {
    /// The answers as they would be stored (trimmed, dates normalised).
    #[schema(value_type = Object)]
    pub answers: serde_json::Map<String, serde_json::Value>,
}

/// Check answers against an item's form: 200 with the normalised answers, or 422 naming each
/// wrong `answers.<key>`.
#[utoipa::path(post, path = "/api/v1/catalogue/items/{id}/validate", tag = "catalogue", params(("id" = i64, Path)),
    request_body = AnswersInput,
    responses((status = 200, body = CheckedAnswers), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AnswersInput>,
) -> Result<Json<CheckedAnswers>, Problem> {
    let answers = state
        .app
        .check_catalogue_answers(&auth.actor, id, &input.answers)
        .await?;
    Ok(Json(CheckedAnswers { answers }))
}
