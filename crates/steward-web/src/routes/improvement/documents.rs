//! The register of documented information (7.5), the service management plan (6.3) and
//! competence records (7.2).
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, parse_json};
use crate::problem::Problem;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::competence::{Competence, CompetenceInput};
use steward_domain::improvement::document::{
    Document, DocumentDetail, DocumentInput, DocumentKind, DocumentStatus, DocumentVersion,
    ReviewInput, TextVersionInput, WithdrawInput,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, add_version, approve, file, review, withdraw, plan,
        competences, create_competence, show_competence, update_competence, verify_competence,
        user_competences),
    tags((name = "system", description = "The management system's own records: documented information (7.5), the service management plan (6.3), competence (7.2)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    let docs = "/api/v1/system/documents";
    Router::new()
        .route(docs, get(list).post(create))
        .route(&format!("{docs}/{{id}}"), get(show).patch(update))
        .route(&format!("{docs}/{{id}}/versions"), post(add_version))
        .route(
            &format!("{docs}/{{id}}/versions/{{version}}/approve"),
            post(approve),
        )
        .route(
            &format!("{docs}/{{id}}/versions/{{version}}/file"),
            get(file),
        )
        .route(&format!("{docs}/{{id}}/review"), post(review))
        .route(&format!("{docs}/{{id}}/withdraw"), post(withdraw))
        .route("/api/v1/system/plan", get(plan))
        .route(
            "/api/v1/competences",
            get(competences).post(create_competence),
        )
        .route(
            "/api/v1/competences/{id}",
            get(show_competence).patch(update_competence),
        )
        .route("/api/v1/competences/{id}/verify", post(verify_competence))
        .route("/api/v1/users/{id}/competences", get(user_competences))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub kind: Option<DocumentKind>,
    /// active or withdrawn.
    pub status: Option<DocumentStatus>,
}

/// The register, by kind and title: each document with its version in force, its latest
/// version, whether it is still a placeholder and whether its review is overdue.
#[utoipa::path(get, path = "/api/v1/system/documents", tag = "system", params(ListQuery),
    responses((status = 200, body = [Document]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Document>>, Problem> {
    Ok(Json(
        state
            .app
            .list_documents(&auth.actor, q.kind, q.status)
            .await?,
    ))
}

/// Create a document (managers): title, kind, owner, clause, review interval and date. A
/// second active service management plan is refused (409).
#[utoipa::path(post, path = "/api/v1/system/documents", tag = "system",
    request_body = DocumentInput,
    responses((status = 201, body = DocumentDetail), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<(StatusCode, Json<DocumentDetail>), Problem> {
    let made = state.app.create_document(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// A document with its versions, newest first, and the one in force (`current`).
#[utoipa::path(get, path = "/api/v1/system/documents/{id}", tag = "system",
    params(("id" = i64, Path)),
    responses((status = 200, body = DocumentDetail), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<DocumentDetail>, Problem> {
    Ok(Json(state.app.get_document(&auth.actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/system/documents/{id}", tag = "system",
    params(("id" = i64, Path)), request_body = DocumentInput,
    responses((status = 200, body = DocumentDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DocumentInput>,
) -> Result<Json<DocumentDetail>, Problem> {
    Ok(Json(
        state.app.update_document(&auth.actor, id, input).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FileQuery {
    /// The file's name (a file version only).
    pub name: Option<String>,
    pub change_note: Option<String>,
    /// Start the next major version.
    pub major: Option<bool>,
}

/// Add a draft version: JSON (`TextVersionInput`) for text, or any other body as a file with
/// `?name=` (size limited as attachments, 413 beyond; the type is sniffed from the bytes).
/// The label is computed: 1.0, 1.1, …
#[utoipa::path(post, path = "/api/v1/system/documents/{id}/versions", tag = "system",
    params(("id" = i64, Path), FileQuery), request_body = TextVersionInput,
    responses((status = 201, body = DocumentVersion), (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn add_version(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<FileQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<DocumentVersion>), Problem> {
    let max = state.app.settings().attachment_max_bytes;
    let bytes = axum::body::to_bytes(body, max).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("a document file may be at most {max} bytes"),
        )
        .with_field("content")
    })?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || m.ends_with("+json")
        });
    let v = if json {
        let input: TextVersionInput = parse_json(&bytes)?;
        state.app.add_document_text(&auth.actor, id, input).await?
    } else {
        let Some(name) = q.name.as_deref() else {
            return Err(Problem::from(steward_app::AppError::invalid(
                "name",
                "give the file's name in ?name=, or send a text version as JSON",
            )));
        };
        state
            .app
            .add_document_file(
                &auth.actor,
                id,
                name,
                q.change_note.as_deref(),
                q.major.unwrap_or(false),
                &bytes,
            )
            .await?
    };
    Ok((StatusCode::CREATED, Json(v)))
}

fn ids(raw: &(String, String)) -> Result<(i64, i64), Problem> {
    let parse = |s: &str| {
        s.parse::<i64>()
            .map_err(|_| Problem::new(StatusCode::NOT_FOUND, "not-found", "no such record"))
    };
    Ok((parse(&raw.0)?, parse(&raw.1)?))
}

/// Approve a draft version: it comes into force and never changes again (409 when approved
/// already, or when a newer version is in force).
#[utoipa::path(post, path = "/api/v1/system/documents/{id}/versions/{version}/approve", tag = "system",
    params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, body = DocumentVersion), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(raw): Path<(String, String)>,
) -> Result<Json<DocumentVersion>, Problem> {
    let (id, version) = ids(&raw)?;
    Ok(Json(
        state
            .app
            .approve_document_version(&auth.actor, id, version)
            .await?,
    ))
}

/// Download a file version (always as a download, with its sniffed type and `nosniff`).
#[utoipa::path(get, path = "/api/v1/system/documents/{id}/versions/{version}/file", tag = "system",
    params(("id" = i64, Path), ("version" = i64, Path)),
    responses((status = 200, description = "The file, with the media type it was uploaded with",
        content_type = "*/*", body = Vec<u8>), (status = 404, body = Problem)))]
pub async fn file(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(raw): Path<(String, String)>,
) -> Result<axum::response::Response, Problem> {
    let (id, version) = ids(&raw)?;
    let (v, bytes) = state.app.document_file(&auth.actor, id, version).await?;
    let name = v.file_name.unwrap_or_default();
    axum::response::Response::builder()
        .status(StatusCode::OK)
        .header(
            header::CONTENT_TYPE,
            v.content_type
                .unwrap_or_else(|| "application/octet-stream".into()),
        )
        .header(
            header::CONTENT_DISPOSITION,
            crate::routes::resolution::tickets::content_disposition(&name),
        )
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(axum::body::Body::from(bytes))
        .map_err(|e| {
            tracing::error!(error = %e, "building a download");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the download could not be prepared",
            )
        })
}

/// Record a review (`reviewed_on`, default today): the next review is due an interval later.
#[utoipa::path(post, path = "/api/v1/system/documents/{id}/review", tag = "system",
    params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 200, body = DocumentDetail), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Json<DocumentDetail>, Problem> {
    Ok(Json(
        state.app.review_document(&auth.actor, id, input).await?,
    ))
}

/// Withdraw a document (final): it stays in the register, read-only.
#[utoipa::path(post, path = "/api/v1/system/documents/{id}/withdraw", tag = "system",
    params(("id" = i64, Path)), request_body = WithdrawInput,
    responses((status = 200, body = DocumentDetail), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn withdraw(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<WithdrawInput>,
) -> Result<Json<DocumentDetail>, Problem> {
    Ok(Json(
        state.app.withdraw_document(&auth.actor, id, input).await?,
    ))
}

/// The service management plan: the active document of kind `service_management_plan` with
/// its versions (404 while there is none).
#[utoipa::path(get, path = "/api/v1/system/plan", tag = "system",
    responses((status = 200, body = DocumentDetail), (status = 404, body = Problem)))]
pub async fn plan(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<DocumentDetail>, Problem> {
    state
        .app
        .service_management_plan(&auth.actor)
        .await?
        .map(Json)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "there is no service management plan yet",
            )
        })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CompetenceQuery {
    pub user_id: Option<i64>,
    /// The members of this team.
    pub team_id: Option<i64>,
}

/// Competence entries, by person and skill; `expired` when past `expires_on`.
#[utoipa::path(get, path = "/api/v1/competences", tag = "system", params(CompetenceQuery),
    responses((status = 200, body = [Competence]), (status = 403, body = Problem)))]
pub async fn competences(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<CompetenceQuery>,
) -> Result<Json<Vec<Competence>>, Problem> {
    Ok(Json(
        state
            .app
            .list_competences(&auth.actor, q.user_id, q.team_id)
            .await?,
    ))
}

/// Record a competence (managers): person, skill, level, evidence, obtained and expiry dates,
/// verifier. One entry per person and skill (409).
#[utoipa::path(post, path = "/api/v1/competences", tag = "system", request_body = CompetenceInput,
    responses((status = 201, body = Competence), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_competence(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<CompetenceInput>,
) -> Result<(StatusCode, Json<Competence>), Problem> {
    let made = state.app.create_competence(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/competences/{id}", tag = "system", params(("id" = i64, Path)),
    responses((status = 200, body = Competence), (status = 404, body = Problem)))]
pub async fn show_competence(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Competence>, Problem> {
    Ok(Json(state.app.get_competence(&auth.actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/competences/{id}", tag = "system", params(("id" = i64, Path)),
    request_body = CompetenceInput,
    responses((status = 200, body = Competence), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_competence(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CompetenceInput>,
) -> Result<Json<Competence>, Problem> {
    Ok(Json(
        state.app.update_competence(&auth.actor, id, input).await?,
    ))
}

/// Record the caller as the verifier of the evidence.
#[utoipa::path(post, path = "/api/v1/competences/{id}/verify", tag = "system", params(("id" = i64, Path)),
    responses((status = 200, body = Competence), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn verify_competence(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Competence>, Problem> {
    Ok(Json(state.app.verify_competence(&auth.actor, id).await?))
}

/// One person's competence entries.
#[utoipa::path(get, path = "/api/v1/users/{id}/competences", tag = "system", params(("id" = i64, Path)),
    responses((status = 200, body = [Competence]), (status = 403, body = Problem)))]
pub async fn user_competences(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Competence>>, Problem> {
    Ok(Json(
        state
            .app
            .list_competences(&auth.actor, Some(id), None)
            .await?,
    ))
}
