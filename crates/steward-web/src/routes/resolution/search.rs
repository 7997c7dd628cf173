use crate::AppState;
use crate::extract::{ApiQuery, Auth};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::resolution::search::SearchResults;

#[derive(utoipa::OpenApi)]
#[openapi(paths(search), tags((name = "search", description = "Full-text search over tickets")))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/search", get(search))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchQuery {
    /// Words to find (each as a prefix) in titles, descriptions and the work log.
    pub q: String,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Full-text search, ranked, one hit per ticket with a highlighted snippet. Customers find only
/// their organization's tickets and public replies. The newest 2,000 matching documents are
/// ranked; when there are more, `capped` is true and `total` is a lower bound.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchQuery),
    responses((status = 200, body = SearchResults), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn search(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    Ok(Json(
        state.app.search_tickets(&auth.actor, &q.q, page).await?,
    ))
}
