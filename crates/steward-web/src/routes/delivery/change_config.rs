//! The change policy as configuration (ISO/IEC 20000-1 8.5.1.1): risk questionnaire, approval
//! policy, change advisory boards and standard-change templates.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::delivery::change_board::{Board, BoardInput, Template, TemplateInput};
use steward_domain::delivery::change_policy::{ChangePolicy, RiskQuestionnaire};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(risk, put_risk, policy, put_policy, boards, create_board, board, put_board,
        templates, create_template, template, put_template),
    tags((name = "change policy", description = "Change policy, risk questionnaire, boards and standard-change templates (8.5.1.1)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/change-risk-questionnaire", get(risk).put(put_risk))
        .route("/api/v1/change-policy", get(policy).put(put_policy))
        .route("/api/v1/change-boards", get(boards).post(create_board))
        .route("/api/v1/change-boards/{id}", get(board).put(put_board))
        .route(
            "/api/v1/change-templates",
            get(templates).post(create_template),
        )
        .route(
            "/api/v1/change-templates/{id}",
            get(template).put(put_template),
        )
}

/// The risk questionnaire: weighted answers add up to a score; the thresholds give the level.
#[utoipa::path(get, path = "/api/v1/change-risk-questionnaire", tag = "change policy",
    responses((status = 200, body = RiskQuestionnaire), (status = 403, body = Problem)))]
pub async fn risk(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<RiskQuestionnaire>, Problem> {
    Ok(Json(
        state.app.change_risk_questionnaire(&auth.actor).await?,
    ))
}

/// Replace the risk questionnaire (admin, manager).
#[utoipa::path(put, path = "/api/v1/change-risk-questionnaire", tag = "change policy", request_body = RiskQuestionnaire,
    responses((status = 200, body = RiskQuestionnaire), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_risk(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<RiskQuestionnaire>,
) -> Result<Json<RiskQuestionnaire>, Problem> {
    Ok(Json(
        state
            .app
            .put_change_risk_questionnaire(&auth.actor, input)
            .await?,
    ))
}

/// Which changes need which approval, and what makes a change major.
#[utoipa::path(get, path = "/api/v1/change-policy", tag = "change policy",
    responses((status = 200, body = ChangePolicy), (status = 403, body = Problem)))]
pub async fn policy(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<ChangePolicy>, Problem> {
    Ok(Json(state.app.change_policy(&auth.actor).await?))
}

/// Replace the change policy (admin, manager).
#[utoipa::path(put, path = "/api/v1/change-policy", tag = "change policy", request_body = ChangePolicy,
    responses((status = 200, body = ChangePolicy), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_policy(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ChangePolicy>,
) -> Result<Json<ChangePolicy>, Problem> {
    Ok(Json(state.app.put_change_policy(&auth.actor, input).await?))
}

/// Change advisory boards.
#[utoipa::path(get, path = "/api/v1/change-boards", tag = "change policy",
    responses((status = 200, body = Vec<Board>), (status = 403, body = Problem)))]
pub async fn boards(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Board>>, Problem> {
    Ok(Json(state.app.change_boards(&auth.actor).await?))
}

/// Create a board (admin, manager); at most one is the emergency board.
#[utoipa::path(post, path = "/api/v1/change-boards", tag = "change policy", request_body = BoardInput,
    responses((status = 201, body = Board), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_board(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<BoardInput>,
) -> Result<(StatusCode, Json<Board>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .save_change_board(&auth.actor, None, input)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/change-boards/{id}", tag = "change policy", params(("id" = i64, Path)),
    responses((status = 200, body = Board), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn board(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Board>, Problem> {
    Ok(Json(state.app.change_board(&auth.actor, id).await?))
}

/// Replace a board (admin, manager).
#[utoipa::path(put, path = "/api/v1/change-boards/{id}", tag = "change policy", params(("id" = i64, Path)), request_body = BoardInput,
    responses((status = 200, body = Board), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_board(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<BoardInput>,
) -> Result<Json<Board>, Problem> {
    Ok(Json(
        state
            .app
            .save_change_board(&auth.actor, Some(id), input)
            .await?,
    ))
}

/// Standard-change templates: pre-approved changes.
#[utoipa::path(get, path = "/api/v1/change-templates", tag = "change policy",
    responses((status = 200, body = Vec<Template>), (status = 403, body = Problem)))]
pub async fn templates(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Template>>, Problem> {
    Ok(Json(state.app.change_templates(&auth.actor).await?))
}

/// Create a standard-change template (admin, manager).
#[utoipa::path(post, path = "/api/v1/change-templates", tag = "change policy", request_body = TemplateInput,
    responses((status = 201, body = Template), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<(StatusCode, Json<Template>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .save_change_template(&auth.actor, None, input)
                .await?,
        ),
    ))
}

#[utoipa::path(get, path = "/api/v1/change-templates/{id}", tag = "change policy", params(("id" = i64, Path)),
    responses((status = 200, body = Template), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Template>, Problem> {
    Ok(Json(state.app.change_template(&auth.actor, id).await?))
}

/// Replace a standard-change template (admin, manager).
#[utoipa::path(put, path = "/api/v1/change-templates/{id}", tag = "change policy", params(("id" = i64, Path)), request_body = TemplateInput,
    responses((status = 200, body = Template), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Json<Template>, Problem> {
    Ok(Json(
        state
            .app
            .save_change_template(&auth.actor, Some(id), input)
            .await?,
    ))
}
