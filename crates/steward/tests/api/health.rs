use crate::support::TestApp;
use reqwest::Method;

#[tokio::test]
async fn liveness_readiness_and_metrics() {
    let t = TestApp::spawn().await;
    let r = t.send(Method::GET, "/healthz", None, None).await;
    assert_eq!(r.status, 200);
    let r = t.send(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, 200);
    // Make one API request so that it is counted.
    t.get("/api/v1/organizations", &t.admin).await;
    let r = t.send(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, 200);
    let text = r.body.as_str().expect("text");
    assert!(text.contains("steward_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/api/v1/organizations\""), "{text}");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let t = TestApp::spawn().await;
    t.app.db().close().await;
    let r = t.send(Method::GET, "/readyz", None, None).await;
    r.problem(503);
}

#[tokio::test]
async fn openapi_document_and_viewer() {
    let t = TestApp::spawn().await;
    let r = t
        .send(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        r.body["openapi"]
    );
    for path in [
        "/api/v1/users",
        "/api/v1/organizations",
        "/api/v1/teams",
        "/api/v1/audit",
        "/api/v1/auth/login",
    ] {
        assert!(
            r.body["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    assert!(r.body["components"]["schemas"]["Problem"].is_object());
    let r = t.send(Method::GET, "/api/docs/", None, None).await;
    assert_eq!(r.status, 200);
    assert!(
        r.body.as_str().is_some_and(|html| html.contains("<html")),
        "{}",
        r.body
    );
}
