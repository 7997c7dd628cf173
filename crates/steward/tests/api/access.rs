use crate::support::{ADMIN_PASSWORD, TestApp, reply};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn session_login_needs_csrf_for_writes_and_logout_ends_it() {
    let t = TestApp::spawn().await;
    let (cookie, csrf) = t.login("admin", ADMIN_PASSWORD).await;
    let url = |p: &str| format!("{}{p}", t.url);

    let r = reply(
        t.http
            .get(url("/api/v1/auth/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["user"]["username"], "admin");
    assert_eq!(r.body["authenticated_by"], "session");

    // A cookie alone cannot write: that is what a cross-site form would send.
    let r = reply(
        t.http
            .post(url("/api/v1/organizations"))
            .header("cookie", &cookie)
            .json(&json!({"name": "Acme"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.problem(403);
    assert_eq!(
        t.get("/api/v1/organizations", &t.admin).await.body["total"],
        0
    );

    let r = reply(
        t.http
            .post(url("/api/v1/organizations"))
            .header("cookie", &cookie)
            .header("x-csrf-token", "not-the-token")
            .json(&json!({"name": "Acme"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.problem(403);

    let r = reply(
        t.http
            .post(url("/api/v1/organizations"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .json(&json!({"name": "Acme"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let r = reply(
        t.http
            .post(url("/api/v1/auth/logout"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(r.status, 204);
    let r = reply(
        t.http
            .get(url("/api/v1/auth/me"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.problem(401);
}

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site() {
    let t = TestApp::spawn().await;
    let r = t
        .http
        .post(format!("{}/api/v1/auth/login", t.url))
        .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
}

#[tokio::test]
async fn wrong_password_is_refused_and_repeated_failures_lock_the_account() {
    let t = TestApp::spawn().await;
    let attempt = |password: &'static str| {
        let t = &t;
        async move {
            reply(
                t.http
                    .post(format!("{}/api/v1/auth/login", t.url))
                    .json(&json!({"username": "admin", "password": password}))
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    for _ in 0..5 {
        attempt("wrong password!").await.problem(401);
    }
    // Now even the right password is refused until the window passes.
    let r = attempt(ADMIN_PASSWORD).await;
    r.problem(429);
    let retry: i64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    // Failures are in the audit trail.
    let r = t.get("/api/v1/audit?action=login_failed", &t.admin).await;
    assert_eq!(r.body["total"], 5);
}

#[tokio::test]
async fn repeated_failures_from_one_address_lock_that_address() {
    let t = TestApp::spawn().await;
    for i in 0..20 {
        let r = reply(
            t.http
                .post(format!("{}/api/v1/auth/login", t.url))
                .json(&json!({"username": format!("nobody{i}"), "password": "whatever-password"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        r.problem(401);
    }
    let r = reply(
        t.http
            .post(format!("{}/api/v1/auth/login", t.url))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.problem(429);
}

#[tokio::test]
async fn unknown_users_and_deactivated_users_cannot_log_in() {
    let t = TestApp::spawn().await;
    let (id, token) = t.user("dora", "agent", None).await;
    let (cookie, _) = t.login("dora", "dora-password").await;
    assert_eq!(
        t.patch(
            &format!("/api/v1/users/{id}"),
            &t.admin,
            json!({"active": false})
        )
        .await
        .status,
        200
    );
    // Her session ended and her token stopped working.
    let r = reply(
        t.http
            .get(format!("{}/api/v1/auth/me", t.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.problem(401);
    t.get("/api/v1/auth/me", &token).await.problem(401);
    let r = t
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "dora", "password": "dora-password"})),
        )
        .await;
    r.problem(401);
    let r = t
        .send(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "ghost", "password": "dora-password"})),
        )
        .await;
    r.problem(401);
}

#[tokio::test]
async fn api_tokens_are_shown_once_hashed_and_revocable() {
    let t = TestApp::spawn().await;
    let r = t
        .post("/api/v1/tokens", &t.admin, json!({"label": "ci"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    let id = r.id();
    assert!(secret.starts_with("stw_"));
    let r = t.get("/api/v1/auth/me", &secret).await;
    assert_eq!(r.body["authenticated_by"], "token");
    // Listing never shows secrets.
    let r = t.get("/api/v1/tokens", &secret).await;
    assert!(!r.body.to_string().contains(&secret));
    // Only the hash is in the database.
    let mut conn = t.app.db().read().await.unwrap();
    let stored: Vec<String> = steward_store::on!(conn.ex(), c => sqlx::query_scalar("SELECT token_hash FROM api_tokens").fetch_all(c).await).unwrap();
    assert!(stored.iter().all(|h| h != &secret && h.len() == 64));
    drop(conn);

    assert_eq!(
        t.delete(&format!("/api/v1/tokens/{id}"), &t.admin)
            .await
            .status,
        204
    );
    t.get("/api/v1/auth/me", &secret).await.problem(401);
    t.get("/api/v1/auth/me", "stw_0000").await.problem(401);
    t.get("/api/v1/auth/me", "garbage").await.problem(401);
}

#[tokio::test]
async fn users_may_revoke_only_their_own_tokens_and_sessions() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let (_, other) = t.user("ben", "agent", None).await;
    let r = t
        .post("/api/v1/tokens", &other, json!({"label": "x"}))
        .await;
    let id = r.id();
    t.delete(&format!("/api/v1/tokens/{id}"), &agent)
        .await
        .problem(404);
    assert_eq!(
        t.get("/api/v1/auth/me", r.body["secret"].as_str().unwrap())
            .await
            .status,
        200
    );

    t.login("ben", "ben-password").await;
    let sessions = t.get("/api/v1/auth/sessions", &other).await;
    let sid = sessions.body[0]["id"].as_i64().unwrap();
    t.delete(&format!("/api/v1/auth/sessions/{sid}"), &agent)
        .await
        .problem(404);
    assert_eq!(
        t.delete(&format!("/api/v1/auth/sessions/{sid}"), &other)
            .await
            .status,
        204
    );
    assert_eq!(
        t.get("/api/v1/auth/sessions", &other)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn admins_can_end_all_sessions_of_a_user() {
    let t = TestApp::spawn().await;
    let (id, _) = t.user("cat", "agent", None).await;
    let (cookie, _) = t.login("cat", "cat-password").await;
    let r = t
        .delete(&format!("/api/v1/users/{id}/sessions"), &t.admin)
        .await;
    assert_eq!(r.body["sessions_revoked"], 1);
    let r = reply(
        t.http
            .get(format!("{}/api/v1/auth/me", t.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.problem(401);
}

#[tokio::test]
async fn no_credentials_means_401_everywhere_in_the_api() {
    let t = TestApp::spawn().await;
    for path in [
        "/api/v1/users",
        "/api/v1/organizations",
        "/api/v1/teams",
        "/api/v1/audit",
        "/api/v1/tokens",
        "/api/v1/auth/me",
    ] {
        let r = t.send(Method::GET, path, None, None).await;
        r.problem(401);
        assert!(r.headers.contains_key("www-authenticate"));
    }
    t.send(
        Method::POST,
        "/api/v1/organizations",
        None,
        Some(json!({"name": "x"})),
    )
    .await
    .problem(401);
    t.raw(
        Method::GET,
        "/api/v1/users",
        None,
        "application/json",
        vec![],
    )
    .await
    .problem(401);
}
