//! Steward's HTTP layer. Handlers are thin: extract and parse, call one use case, render.
#![forbid(unsafe_code)]

mod extract;
mod metrics;
mod openapi;
mod problem;
mod routes;
mod security_headers;
mod server;
mod timing;
mod ui;
mod writer_thread;

pub use metrics::install_recorder;
pub use openapi::{collisions as openapi_schema_collisions, document as openapi_document};
pub use problem::Problem;
pub use server::{ServeOptions, serve};
pub use timing::BodyStalled;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::sync::Arc;
use std::time::Duration;
use steward_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Mark the session cookie `Secure` (set when Steward is served over HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Time allowed to handle a request, counted from the last byte of its body.
    pub request_timeout: Duration,
    /// Longest wait for the next bytes of a request body (408 beyond), so a slow upload
    /// succeeds as long as it keeps moving.
    pub body_read_timeout: Duration,
    /// Serve `/metrics` on this router (off when it has a listener of its own, see
    /// [`metrics_router`]).
    pub serve_metrics: bool,
    /// When set, `/metrics` answers only `Authorization: Bearer <token>`.
    pub metrics_token: Option<String>,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_forwarded_for: false,
            request_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            serve_metrics: true,
            metrics_token: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub options: Arc<WebOptions>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// The whole HTTP surface: API, docs, health and (unless served apart) metrics.
pub fn router(app: App, options: WebOptions) -> Router {
    let with_metrics = options.serve_metrics;
    let limits = timing::Limits {
        request_timeout: options.request_timeout,
        body_read_timeout: options.body_read_timeout,
    };
    let https = options.secure_cookies;
    let writer = app.db().writer_runtime();
    let state = state(app, options);
    let writes = writer_thread::Writes {
        writer,
        state: state.clone(),
    };
    let mut routes = routes::all();
    if with_metrics {
        routes = routes.merge(routes::foundation::health::metrics_routes());
    }
    routes
        .merge(openapi::routes())
        .merge(ui::routes())
        .fallback(ui::not_found_fallback)
        .method_not_allowed_fallback(problem::method_not_allowed_fallback)
        .layer(axum::middleware::from_fn_with_state(
            writes,
            writer_thread::run_writes_there,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(axum::middleware::from_fn_with_state(limits, timing::limit))
        .layer(CatchPanicLayer::custom(problem::from_panic))
        .layer(axum::middleware::from_fn_with_state(
            https,
            security_headers::add,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Only `/metrics`, for a listener of its own (an address Prometheus reaches and users do
/// not).
pub fn metrics_router(app: App, options: WebOptions) -> Router {
    let https = options.secure_cookies;
    routes::foundation::health::metrics_routes()
        .fallback(problem::not_found_fallback)
        .layer(axum::middleware::from_fn_with_state(
            https,
            security_headers::add,
        ))
        .with_state(state(app, options))
}

fn state(app: App, options: WebOptions) -> AppState {
    AppState {
        app,
        options: Arc::new(options),
        metrics: metrics::handle(),
    }
}
