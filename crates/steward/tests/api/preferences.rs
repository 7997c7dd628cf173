//! A person's own settings: the time zone their pages show times in.
use crate::support::TestApp;
use serde_json::json;

#[tokio::test]
async fn a_person_keeps_their_own_time_zone() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let (_, other) = t.user("otto", "agent", None).await;
    let none = t.get("/api/v1/me/preferences", &agent).await;
    assert_eq!(none.status, 200, "{}", none.body);
    assert_eq!(none.body, json!({"time_zone": null}));

    let before = t.audit_count().await;
    let set = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/preferences",
            Some(&agent),
            Some(json!({"time_zone": "Europe/Berlin"})),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.body);
    assert_eq!(t.audit_count().await, before + 1);
    assert_eq!(
        t.get("/api/v1/me/preferences", &agent).await.body["time_zone"],
        "Europe/Berlin"
    );
    assert_eq!(
        t.get("/api/v1/me/preferences", &other).await.body["time_zone"],
        serde_json::Value::Null,
        "one person's setting is not another's"
    );

    let bad = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/preferences",
            Some(&agent),
            Some(json!({"time_zone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "time_zone");
    assert_eq!(
        t.get("/api/v1/me/preferences", &agent).await.body["time_zone"],
        "Europe/Berlin",
        "a refused change leaves the setting as it was"
    );
    let cleared = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/preferences",
            Some(&agent),
            Some(json!({"time_zone": null})),
        )
        .await;
    assert_eq!(cleared.body["time_zone"], serde_json::Value::Null);
}
