//! Login limits under parallel load: the lockout holds however many attempts arrive at once,
//! on one node or two sharing a database, and password hashing never runs more than its
//! permits at once (the excess is refused as busy, 503 with `Retry-After`).
use crate::support::{ADMIN_PASSWORD, Reply, TestApp, reply};
use serde_json::json;
use std::time::Duration;
use steward_app::{HashingLimits, Settings};

async fn attempt(t: &TestApp, username: &str, password: &str) -> Reply {
    send_login(
        t.http.clone(),
        t.url.clone(),
        username.to_owned(),
        password.to_owned(),
    )
    .await
}

async fn send_login(
    http: reqwest::Client,
    url: String,
    username: String,
    password: String,
) -> Reply {
    reply(
        http.post(format!("{url}/api/v1/auth/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request"),
    )
    .await
}

/// Sends the logins `(node, username, password)` all at once; bounded in time.
async fn all_at_once(logins: Vec<(&TestApp, String, &str)>) -> Vec<Reply> {
    let mut tasks = tokio::task::JoinSet::new();
    for (node, username, password) in logins {
        tasks.spawn(send_login(
            node.http.clone(),
            node.url.clone(),
            username,
            password.to_owned(),
        ));
    }
    tokio::time::timeout(Duration::from_secs(240), tasks.join_all())
        .await
        .expect("the logins answered in time")
}

/// Settings whose password checks never turn a login away as busy, so that only the
/// lockout decides (the test machine may be slow and shared).
fn patient() -> Settings {
    Settings {
        password_hashing: HashingLimits {
            permits: 2,
            wait: Duration::from_secs(120),
        },
        ..Settings::default()
    }
}

/// Sends `count` wrong-password logins for `admin` at once, spread over `nodes`, and checks
/// that exactly five were checked (401) and the rest refused (429 with `Retry-After`).
async fn thirty_at_once_allow_five(nodes: &[&TestApp]) {
    let count = 30;
    let replies = all_at_once(
        (0..count)
            .map(|i| {
                (
                    nodes[i % nodes.len()],
                    "admin".to_owned(),
                    "wrong password!",
                )
            })
            .collect(),
    )
    .await;
    let mut unauthorized = 0;
    let mut throttled = 0;
    for r in &replies {
        match r.status.as_u16() {
            401 => unauthorized += 1,
            429 => {
                r.problem(429);
                let retry: i64 = r.headers["retry-after"]
                    .to_str()
                    .expect("ascii")
                    .parse()
                    .expect("seconds");
                assert!((1..=15 * 60).contains(&retry), "Retry-After {retry}");
                throttled += 1;
            }
            other => panic!("unexpected {other}: {}", r.body),
        }
    }
    assert_eq!(
        (unauthorized, throttled),
        (5, count - 5),
        "of {count} parallel wrong-password logins, exactly 5 may be checked"
    );
    // Each checked failure is in the audit trail, once.
    let t = nodes[0];
    let r = t.get("/api/v1/audit?action=login_failed", &t.admin).await;
    assert_eq!(r.body["total"], 5, "{}", r.body);
    // The right password is refused as well while the lock holds, on every node.
    for node in nodes {
        attempt(node, "admin", ADMIN_PASSWORD).await.problem(429);
    }
}

#[tokio::test]
async fn parallel_wrong_passwords_cannot_exceed_the_lockout() {
    let t = TestApp::spawn_with_settings(patient()).await;
    thirty_at_once_allow_five(&[&t]).await;
}

#[tokio::test]
async fn parallel_wrong_passwords_across_two_nodes_cannot_exceed_the_lockout() {
    let first = TestApp::spawn_with_settings(patient()).await;
    let second = TestApp::spawn_with(first.database_url.clone(), patient()).await;
    thirty_at_once_allow_five(&[&first, &second]).await;
}

#[tokio::test]
async fn password_checks_never_exceed_their_permits() {
    let t = TestApp::spawn_with_settings(patient()).await;
    // Distinct unknown users: no account lock, and fewer than the address limit of 20.
    let replies = all_at_once(
        (0..12)
            .map(|i| (&t, format!("ghost{i}"), "whatever-password"))
            .collect(),
    )
    .await;
    for r in &replies {
        r.problem(401);
    }
    let peak = t.app.password_hashing().peak();
    assert!((1..=2).contains(&peak), "{peak} checks ran at once");
}

#[tokio::test]
async fn logins_beyond_the_permits_are_refused_as_busy_without_counting_as_failures() {
    let t = TestApp::spawn_with_settings(Settings {
        password_hashing: HashingLimits {
            permits: 1,
            wait: Duration::ZERO,
        },
        ..Settings::default()
    })
    .await;
    // Rounds of parallel logins by distinct unknown users until one finds the only permit
    // taken; bounded, and below the address limit of 20 checked failures.
    let mut busy = None;
    let mut unauthorized = 0;
    for round in 0..3 {
        let replies = all_at_once(
            (0..6)
                .map(|i| (&t, format!("ghost{round}-{i}"), "whatever-password"))
                .collect(),
        )
        .await;
        for r in replies {
            match r.status.as_u16() {
                401 => unauthorized += 1,
                503 => busy = Some(r),
                other => panic!("unexpected {other}: {}", r.body),
            }
        }
        if busy.is_some() {
            break;
        }
    }
    let busy = busy.expect("some login found the only permit taken");
    busy.problem(503);
    let retry: i64 = busy.headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!(retry >= 1, "{retry}");
    assert_eq!(t.app.password_hashing().peak(), 1);
    // Only the checked attempts are failures.
    let r = t.get("/api/v1/audit?action=login_failed", &t.admin).await;
    assert_eq!(r.body["total"], unauthorized, "{}", r.body);
}
