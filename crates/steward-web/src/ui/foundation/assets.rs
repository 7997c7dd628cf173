//! The interface's own stylesheet and script, embedded in the binary. Each is linked with its
//! content hash in the URL so it can be cached for a year; the ETag answers revalidations.
use crate::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::sync::LazyLock;

const CSS: &str = include_str!("../../../assets/app.css");
const JS: &str = include_str!("../../../assets/app.js");
const ICON: &str = include_str!("../../../assets/icon.svg");

static CSS_TAG: LazyLock<String> = LazyLock::new(|| etag(CSS));
static JS_TAG: LazyLock<String> = LazyLock::new(|| etag(JS));
static ICON_TAG: LazyLock<String> = LazyLock::new(|| etag(ICON));
pub static CSS_URL: LazyLock<String> =
    LazyLock::new(|| format!("/assets/app.css?v={}", CSS_TAG.trim_matches('"')));
pub static JS_URL: LazyLock<String> =
    LazyLock::new(|| format!("/assets/app.js?v={}", JS_TAG.trim_matches('"')));

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/assets/app.css",
            get(|h: HeaderMap| async move { serve(&h, CSS, &CSS_TAG, "text/css; charset=utf-8") }),
        )
        // Browsers ask for /favicon.ico whatever the page links; both get the same SVG.
        .route(
            "/assets/icon.svg",
            get(|h: HeaderMap| async move { serve(&h, ICON, &ICON_TAG, "image/svg+xml") }),
        )
        .route(
            "/favicon.ico",
            get(|h: HeaderMap| async move { serve(&h, ICON, &ICON_TAG, "image/svg+xml") }),
        )
        .route(
            "/assets/app.js",
            get(|h: HeaderMap| async move {
                serve(&h, JS, &JS_TAG, "text/javascript; charset=utf-8")
            }),
        )
}

/// FNV-1a over the content: a stable fingerprint, not a security measure.
fn etag(content: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in content.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("\"{hash:016x}\"")
}

fn serve(
    headers: &HeaderMap,
    body: &'static str,
    tag: &str,
    content_type: &'static str,
) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        body.into_response()
    };
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(v) = HeaderValue::from_str(tag) {
        h.insert(header::ETAG, v);
    }
    response
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fingerprint_changes_with_the_content() {
        assert_ne!(super::etag("a"), super::etag("b"));
        assert_eq!(super::etag("a"), super::etag("a"));
    }
}
