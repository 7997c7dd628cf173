//! Customer satisfaction (8.3.2): a record's survey, the requester's answer, the answer by a
//! signed link without login, the managers' list of answers and the settings.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::page::Page;
use steward_domain::improvement::satisfaction::{
    AnsweredSurvey, PublicSurvey, Satisfaction, SatisfactionSettings, SurveyAnswer,
};
use steward_domain::resolution::ticket::TicketKind;
use steward_store::improvement::satisfaction::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(incident_show, incident_answer, request_show, request_answer, by_link_show,
        by_link_answer, answered, settings_show, settings_replace),
    tags((name = "satisfaction", description = "Customer satisfaction surveys on resolved incidents and requests (8.3.2)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/incidents/{id}/satisfaction",
            get(incident_show).post(incident_answer),
        )
        .route(
            "/api/v1/requests/{id}/satisfaction",
            get(request_show).post(request_answer),
        )
        .route(
            "/api/v1/surveys/{token}",
            get(by_link_show).post(by_link_answer),
        )
        .route("/api/v1/satisfaction/answers", get(answered))
        .route(
            "/api/v1/settings/satisfaction",
            get(settings_show).put(settings_replace),
        )
}

async fn show(
    state: AppState,
    auth: Auth,
    kind: TicketKind,
    id: i64,
) -> Result<Json<Satisfaction>, Problem> {
    Ok(Json(
        state
            .app
            .ticket_satisfaction(&auth.0.actor, kind, id)
            .await?,
    ))
}

async fn answer(
    state: AppState,
    auth: Auth,
    kind: TicketKind,
    id: i64,
    input: SurveyAnswer,
) -> Result<Json<Satisfaction>, Problem> {
    Ok(Json(
        state
            .app
            .answer_satisfaction(&auth.0.actor, kind, id, input)
            .await?,
    ))
}

/// An incident's survey: status, rating and comment; for staff who work tickets, the signed
/// link (`/survey/{token}`) while it is open. 404 for another organization's record.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/satisfaction", tag = "satisfaction", params(("id" = i64, Path)),
    responses((status = 200, body = Satisfaction), (status = 404, body = Problem)))]
pub async fn incident_show(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Json<Satisfaction>, Problem> {
    show(state, auth, TicketKind::Incident, id).await
}

/// The requester rates its resolved incident, once: `rating` 1–5, optional `comment`.
/// 403 for anyone else (staff do not rate on behalf), 404 for another organization's record,
/// 409 when already answered or never offered, 410 when expired, 422 naming the field.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/satisfaction", tag = "satisfaction", params(("id" = i64, Path)),
    request_body = SurveyAnswer,
    responses((status = 200, body = Satisfaction), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 410, body = Problem), (status = 422, body = Problem)))]
pub async fn incident_answer(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SurveyAnswer>,
) -> Result<Json<Satisfaction>, Problem> {
    answer(state, auth, TicketKind::Incident, id, input).await
}

/// A request's survey, as for incidents.
#[utoipa::path(get, path = "/api/v1/requests/{id}/satisfaction", tag = "satisfaction", params(("id" = i64, Path)),
    responses((status = 200, body = Satisfaction), (status = 404, body = Problem)))]
pub async fn request_show(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
) -> Result<Json<Satisfaction>, Problem> {
    show(state, auth, TicketKind::Request, id).await
}

/// The requester rates its resolved request, as for incidents.
#[utoipa::path(post, path = "/api/v1/requests/{id}/satisfaction", tag = "satisfaction", params(("id" = i64, Path)),
    request_body = SurveyAnswer,
    responses((status = 200, body = Satisfaction), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 410, body = Problem), (status = 422, body = Problem)))]
pub async fn request_answer(
    State(state): State<AppState>,
    auth: Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<SurveyAnswer>,
) -> Result<Json<Satisfaction>, Problem> {
    answer(state, auth, TicketKind::Request, id, input).await
}

/// The survey behind a signed link, without login: the record's number and title, and
/// whether it is open, answered or expired. 404 for an unknown token.
#[utoipa::path(get, path = "/api/v1/surveys/{token}", tag = "satisfaction", params(("token" = String, Path)),
    security(()),
    responses((status = 200, body = PublicSurvey), (status = 404, body = Problem)))]
pub async fn by_link_show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<PublicSurvey>, Problem> {
    Ok(Json(state.app.survey_by_token(&token).await?))
}

/// Answer the survey behind a signed link, without login (the token is the secret). 404 for
/// an unknown token, 410 when expired, 409 when already answered, 422 naming the field.
#[utoipa::path(post, path = "/api/v1/surveys/{token}", tag = "satisfaction", params(("token" = String, Path)),
    security(()), request_body = SurveyAnswer,
    responses((status = 200, body = PublicSurvey), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 410, body = Problem), (status = 422, body = Problem)))]
pub async fn by_link_answer(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiJson(input): ApiJson<SurveyAnswer>,
) -> Result<Json<PublicSurvey>, Problem> {
    Ok(Json(state.app.answer_survey_by_token(&token, input).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnsweredQuery {
    /// Only ratings at or below the low-rating threshold.
    pub low: Option<bool>,
    pub organization_id: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Answered surveys, newest answer first (staff who read reports).
#[utoipa::path(get, path = "/api/v1/satisfaction/answers", tag = "satisfaction", params(AnsweredQuery),
    responses((status = 200, body = Page<AnsweredSurvey>), (status = 403, body = Problem)))]
pub async fn answered(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<AnsweredQuery>,
) -> Result<Json<Page<AnsweredSurvey>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        low_only: q.low.unwrap_or(false),
        organization: q.organization_id,
    };
    Ok(Json(
        state
            .app
            .list_answered_surveys(&auth.actor, filter, page)
            .await?,
    ))
}

/// The low-rating threshold and how long survey links stay valid (staff who read reports).
#[utoipa::path(get, path = "/api/v1/settings/satisfaction", tag = "satisfaction",
    responses((status = 200, body = SatisfactionSettings), (status = 403, body = Problem)))]
pub async fn settings_show(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<SatisfactionSettings>, Problem> {
    Ok(Json(state.app.satisfaction_settings(&auth.actor).await?))
}

/// Replace the satisfaction settings (those who manage reports); 422 naming the field.
#[utoipa::path(put, path = "/api/v1/settings/satisfaction", tag = "satisfaction",
    request_body = SatisfactionSettings,
    responses((status = 200, body = SatisfactionSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn settings_replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(settings): ApiJson<SatisfactionSettings>,
) -> Result<Json<SatisfactionSettings>, Problem> {
    Ok(Json(
        state
            .app
            .set_satisfaction_settings(&auth.actor, settings)
            .await?,
    ))
}
