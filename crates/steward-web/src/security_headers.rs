//! Security headers on every response: API answers, errors, redirects, the API docs and
//! metrics as well as rendered pages. A header a handler set itself (a page's own policy, a
//! download's) is kept.
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The rendered pages' policy: only our own script and styles run; inline SVG needs no
/// exception.
pub(crate) const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Swagger UI (at /api/docs) loads its script and styles from here and sets styles inline.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// JSON, text and redirects load nothing and are framed by nobody.
const DATA_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

const HSTS: &str = "max-age=31536000";

pub(crate) async fn add(State(https): State<bool>, request: Request, next: Next) -> Response {
    let is_docs = request.uri().path().starts_with("/api/docs");
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let csp = match (is_docs, is_html) {
        (true, _) => DOCS_CSP,
        (false, true) => PAGE_CSP,
        (false, false) => DATA_CSP,
    };
    let h = response.headers_mut();
    set_default(h, header::CONTENT_SECURITY_POLICY, csp);
    set_default(h, header::X_FRAME_OPTIONS, "DENY");
    set_default(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_default(h, header::REFERRER_POLICY, "same-origin");
    if https {
        set_default(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    response
}

fn set_default(h: &mut HeaderMap, name: HeaderName, value: &'static str) {
    h.entry(name)
        .or_insert_with(|| HeaderValue::from_static(value));
}
