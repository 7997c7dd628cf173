//! Extractors that turn every kind of bad request into a problem+json naming the field.
use crate::AppState;
use crate::problem::Problem;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, header};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use steward_app::foundation::auth::{Authenticated, Via};

pub const SESSION_COOKIE: &str = "steward_session";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A JSON body, strictly parsed: syntax errors → 400; wrong types, missing or unknown
/// fields → 422 with the field's path; too large → 413; not JSON → 415.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        let bytes = json_bytes(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body read but not judged yet, for a handler that must first see whether the caller
/// may do this at all (a refusal comes before any complaint about the body).
pub struct LaterJson(Result<Bytes, Problem>);

impl LaterJson {
    pub fn parse<T: DeserializeOwned>(self) -> Result<T, Problem> {
        parse_json(&self.0?)
    }
}

impl<S: Send + Sync> FromRequest<S> for LaterJson {
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Problem> {
        Ok(LaterJson(json_bytes(req, state).await))
    }
}

/// The body of a JSON request: not JSON → 415; too large → 413.
async fn json_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Problem> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || m.ends_with("+json")
        })
        .unwrap_or(false);
    if !is_json {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the body must be JSON, sent with Content-Type: application/json",
        ));
    }
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                format!(
                    "the body is larger than the limit of {} bytes",
                    crate::BODY_LIMIT
                ),
            )
        } else {
            Problem::bad_request("unreadable-body", rejection.body_text())
        }
    })?;
    Ok(bytes)
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        json_problem(path, inner)
    })?;
    de.end().map_err(|e| json_problem(".".into(), e))?;
    Ok(value)
}

fn json_problem(path: String, e: serde_json::Error) -> Problem {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            Problem::bad_request("malformed-json", format!("the body is not valid JSON: {e}"))
        }
        Category::Data => {
            let message = e.to_string();
            let message = message
                .split(" at line ")
                .next()
                .unwrap_or(&message)
                .to_owned();
            let field = unknown_field(&message)
                .map(|f| join_path(&path, &f))
                .or_else(|| missing_field(&message).map(|f| join_path(&path, &f)))
                .unwrap_or_else(|| {
                    if path == "." {
                        "body".into()
                    } else {
                        path.clone()
                    }
                });
            Problem::invalid(vec![steward_domain::FieldError::new(field, message)])
        }
    }
}

fn quoted_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?;
    let rest = rest.strip_prefix('`')?;
    Some(rest.split('`').next()?.to_owned())
}

fn unknown_field(message: &str) -> Option<String> {
    quoted_after(message, "unknown field ")
}

fn missing_field(message: &str) -> Option<String> {
    quoted_after(message, "missing field ")
}

fn join_path(path: &str, field: &str) -> String {
    if path == "." || path.is_empty() {
        field.to_owned()
    } else if path.ends_with(field) {
        path.to_owned()
    } else {
        format!("{path}.{field}")
    }
}

/// Query parameters, strictly parsed; a bad value → 400 naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(de)
            .map(ApiQuery)
            .map_err(|e| {
                let path = e.path().to_string();
                let message = e.into_inner().to_string();
                let field = unknown_field(&message).unwrap_or(path);
                Problem::bad_request("bad-query", format!("query parameter {field}: {message}"))
                    .with_field(field)
            })
    }
}

/// A numeric id from the path; anything else → 404, since no record has that id.
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<Vec<String>>::from_request_parts(parts, state)
                .await
                .map_err(|e| Problem::bad_request("bad-path", e.body_text()))?;
        let last = raw.first().cloned().unwrap_or_default();
        last.parse::<i64>().map(Id).map_err(|_| {
            Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                format!("no record with id {last:?}"),
            )
            .with_field("id")
        })
    }
}

/// Two numeric ids from the path, in order.
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Problem> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<Vec<String>>::from_request_parts(parts, state)
                .await
                .map_err(|e| Problem::bad_request("bad-path", e.body_text()))?;
        let parse = |s: Option<&String>| {
            s.and_then(|s| s.parse::<i64>().ok()).ok_or_else(|| {
                Problem::new(StatusCode::NOT_FOUND, "not-found", "no record with that id")
            })
        };
        Ok(Ids(parse(raw.first())?, parse(raw.get(1))?))
    }
}

/// The client's address: the peer, or the first `X-Forwarded-For` hop behind a trusted proxy.
pub fn client_address(parts: &Parts, trust_forwarded_for: bool) -> String {
    if trust_forwarded_for
        && let Some(first) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
    {
        return first.trim().to_owned();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// An authenticated caller. Bearer tokens are checked first; a session cookie needs the
/// CSRF token in `X-CSRF-Token` for every method that can change something.
pub struct Auth(pub Authenticated);

impl FromRequestParts<AppState> for Auth {
    type Rejection = Problem;

    /// A role that changes nothing (auditors) is refused every write here, before the body
    /// is read or a record looked up, so no write endpoint depends on remembering it; the few
    /// writes such a role may make take [`OwnWork`] instead.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let auth = authenticate(parts, state).await?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && auth.actor.role.reads_only() {
            return Err(Problem::from(steward_app::AppError::Forbidden(format!(
                "the {} role reads records and changes none",
                auth.actor.role
            ))));
        }
        Ok(Auth(auth))
    }
}

/// The caller, for the writes open to every role, auditors included: their own session,
/// tokens, notifications and preferences, and the work of auditing (drawing a sample,
/// recording findings on an audit they are assigned to). The use case still checks the
/// permission.
pub struct OwnWork(pub Authenticated);

impl FromRequestParts<AppState> for OwnWork {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        authenticate(parts, state).await.map(OwnWork)
    }
}

/// The bearer token of a request that sends an `Authorization` header: `Err` when the header
/// is not `Bearer <token>`.
fn bearer_token(parts: &Parts) -> Option<Result<&str, Problem>> {
    let value = parts.headers.get(header::AUTHORIZATION)?;
    Some(
        value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .ok_or_else(|| {
                Problem::unauthenticated("the Authorization header must be \"Bearer <token>\"")
            }),
    )
}

/// Whom a request's bearer token or session cookie belongs to, looked up by
/// [`look_up_caller`] before the request moved to the writer thread.
#[derive(Clone)]
struct Caller {
    by_token: bool,
    found: Option<Authenticated>,
}

/// Looks up whom the request's credential belongs to and keeps the answer in the request, so
/// that the extractors below do not look again. The writer middleware calls it before it moves
/// a write to the writer thread: the lookup (a read on another connection, and hashing the
/// secret) then takes the CPU the writer does not use. Nothing is decided here: a failed or
/// missing lookup leaves the extractor to look up and refuse as it always does.
pub(crate) async fn look_up_caller(parts: &mut Parts, state: &AppState) {
    let (by_token, found) = match bearer_token(parts) {
        Some(Ok(token)) => (true, state.app.authenticate_token(token).await),
        Some(Err(_)) => return,
        None => match cookie(parts, SESSION_COOKIE) {
            Some(secret) => (false, state.app.authenticate_session(secret).await),
            None => return,
        },
    };
    if let Ok(found) = found {
        parts.extensions.insert(Caller { by_token, found });
    }
}

/// The owner of a bearer token, as [`look_up_caller`] found it or looked up now.
async fn token_owner(
    parts: &Parts,
    state: &AppState,
    token: &str,
) -> steward_app::Result<Option<Authenticated>> {
    match parts.extensions.get::<Caller>() {
        Some(caller) if caller.by_token => Ok(caller.found.clone()),
        _ => state.app.authenticate_token(token).await,
    }
}

/// The owner of a session cookie, as [`look_up_caller`] found it or looked up now.
pub(crate) async fn session_owner(
    parts: &Parts,
    state: &AppState,
    secret: &str,
) -> steward_app::Result<Option<Authenticated>> {
    match parts.extensions.get::<Caller>() {
        Some(caller) if !caller.by_token => Ok(caller.found.clone()),
        _ => state.app.authenticate_session(secret).await,
    }
}

async fn authenticate(parts: &mut Parts, state: &AppState) -> Result<Authenticated, Problem> {
    if let Some(token) = bearer_token(parts) {
        return match token_owner(parts, state, token?).await? {
            Some(auth) => Ok(auth),
            None => Err(Problem::unauthenticated(
                "the API token is unknown, revoked or its user is deactivated",
            )),
        };
    }
    let Some(secret) = cookie(parts, SESSION_COOKIE) else {
        return Err(Problem::unauthenticated(
            "authentication required: log in (POST /api/v1/auth/login) or send an API token",
        ));
    };
    let auth = session_owner(parts, state, secret).await?.ok_or_else(|| {
        Problem::unauthenticated("the session has expired or was ended; log in again")
    })?;
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && let Via::Session { csrf_token, .. } = &auth.via {
        let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if sent != Some(csrf_token.as_str()) {
            return Err(Problem::forbidden(
                "missing or wrong CSRF token: send the csrf_token from login in the X-CSRF-Token header",
            )
            .with_field("X-CSRF-Token"));
        }
    }
    Ok(auth)
}

/// Where a request comes from, for login throttling and the session list.
pub struct ClientInfo {
    pub address: String,
    pub user_agent: Option<String>,
}

impl FromRequestParts<AppState> for ClientInfo {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        Ok(ClientInfo {
            address: client_address(parts, state.options.trust_forwarded_for),
            user_agent: parts
                .headers
                .get(header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        })
    }
}
