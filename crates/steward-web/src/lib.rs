//! Steward's HTTP layer. Handlers are thin: extract and parse, call one use case, render.
#![forbid(unsafe_code)]

mod extract;
mod metrics;
mod openapi;
mod problem;
mod routes;
mod ui;

pub use metrics::install_recorder;
pub use openapi::{collisions as openapi_schema_collisions, document as openapi_document};
pub use problem::Problem;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use std::sync::Arc;
use std::time::Duration;
use steward_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The largest request body accepted, in bytes.
pub const BODY_LIMIT: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct WebOptions {
    /// Mark the session cookie `Secure` (set when Steward is served over HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    pub request_timeout: Duration,
}

impl Default for WebOptions {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_forwarded_for: false,
            request_timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub options: Arc<WebOptions>,
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

/// The whole HTTP surface: API, docs, health and metrics.
pub fn router(app: App, options: WebOptions) -> Router {
    let timeout = options.request_timeout;
    let state = AppState {
        app,
        options: Arc::new(options),
        metrics: metrics::handle(),
    };
    routes::all()
        .merge(openapi::routes())
        .merge(ui::routes())
        .fallback(problem::not_found_fallback)
        .method_not_allowed_fallback(problem::method_not_allowed_fallback)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(metrics::track))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(CatchPanicLayer::custom(problem::from_panic))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
