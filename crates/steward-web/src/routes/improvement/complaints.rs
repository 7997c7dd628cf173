//! Complaints (8.3.2) and supplier disputes (8.3.4.1), managed to closure.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_app::improvement::complaints::TransitionOutcome;
use steward_domain::foundation::page::Page;
use steward_domain::improvement::complaint::{
    Complaint, ComplaintInput, ComplaintKind, ComplaintPatch, ComplaintStatus, TransitionInput,
};
use steward_store::improvement::complaints::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, transition),
    tags((name = "complaints", description = "Complaints and supplier disputes, managed to closure (8.3.2, 8.3.4.1)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/complaints", get(list).post(create))
        .route("/api/v1/complaints/{id}", get(show).patch(update))
        .route("/api/v1/complaints/{id}/transition", post(transition))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub kind: Option<ComplaintKind>,
    pub status: Option<ComplaintStatus>,
    pub organization_id: Option<i64>,
    pub service_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub agreement_id: Option<i64>,
    pub owner_id: Option<i64>,
    /// Case-insensitive part of the title.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Complaints and disputes, newest first. Customers see only their organization's complaints.
#[utoipa::path(get, path = "/api/v1/complaints", tag = "complaints", params(ListQuery),
    responses((status = 200, body = Page<Complaint>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Complaint>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        kind: q.kind,
        status: q.status,
        organization: q.organization_id,
        service: q.service_id,
        supplier: q.supplier_id,
        agreement: q.agreement_id,
        owner: q.owner_id,
        q: q.q,
    };
    Ok(Json(
        state.app.list_complaints(&auth.actor, filter, page).await?,
    ))
}

/// Raise a complaint or (staff) a supplier dispute. A customer's complaint is always for its
/// own organization.
#[utoipa::path(post, path = "/api/v1/complaints", tag = "complaints", request_body = ComplaintInput,
    responses((status = 201, body = Complaint), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ComplaintInput>,
) -> Result<(StatusCode, Json<Complaint>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_complaint(&auth.actor, input).await?),
    ))
}

/// One record with its timeline.
#[utoipa::path(get, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = i64, Path)),
    responses((status = 200, body = Complaint), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Complaint>, Problem> {
    Ok(Json(state.app.get_complaint(&auth.actor, id).await?))
}

/// Change title, description, owner and the related service or contract (staff who manage
/// complaints). The status changes only through transitions.
#[utoipa::path(patch, path = "/api/v1/complaints/{id}", tag = "complaints", params(("id" = i64, Path)), request_body = ComplaintPatch,
    responses((status = 200, body = Complaint), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ComplaintPatch>,
) -> Result<Json<Complaint>, Problem> {
    Ok(Json(
        state.app.update_complaint(&auth.actor, id, patch).await?,
    ))
}

/// Move a record: new → investigating → resolved → closed; resolved → investigating
/// (reopen); new or investigating → withdrawn. `resolution` is required to resolve. A move
/// the state machine does not allow → 409 with `allowed`, the statuses possible now.
#[utoipa::path(post, path = "/api/v1/complaints/{id}/transition", tag = "complaints", params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 200, body = Complaint), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<Complaint>, Problem> {
    match state
        .app
        .transition_complaint(&auth.actor, id, input)
        .await?
    {
        TransitionOutcome::Done(complaint) => Ok(Json(*complaint)),
        TransitionOutcome::NotAllowed { from, to, allowed } => {
            let names: Vec<&str> = allowed.iter().map(|s| s.as_str()).collect();
            let detail = if names.is_empty() {
                format!(
                    "the record is {} and cannot move to {}: that status is final",
                    from.as_str(),
                    to.as_str()
                )
            } else {
                format!(
                    "the record is {} and cannot move to {}; allowed: {}",
                    from.as_str(),
                    to.as_str(),
                    names.join(", ")
                )
            };
            Err(Problem::transition_not_allowed(
                detail,
                names.into_iter().map(str::to_owned).collect(),
            ))
        }
    }
}
