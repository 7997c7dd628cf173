//! Attachments: sniffed types, safe names, downloads, size limit, visibility.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

#[tokio::test]
async fn attachments_are_typed_by_content_and_served_as_downloads() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, other) = t.user("hank", "customer", Some(globex)).await;
    let id = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Screen flickers", "urgency": "low"}),
        )
        .await
        .id();
    let path = format!("/api/v1/incidents/{id}/attachments");
    // The declared type is ignored: the bytes say PNG.
    let r = t
        .raw(
            Method::POST,
            &format!("{path}?name=..%2F..%2Fscreen%20%C3%BC.png"),
            Some(&customer),
            "text/html",
            PNG.to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["content_type"], "image/png");
    assert_eq!(r.body["file_name"], "screen ü.png");
    assert_eq!(r.body["size_bytes"], PNG.len());
    let attachment = r.id();
    // Staff may add internal attachments; customers may not, nor see them.
    t.raw(
        Method::POST,
        &format!("{path}?name=notes.txt&public=false"),
        Some(&customer),
        "text/plain",
        b"x".to_vec(),
    )
    .await
    .problem(422);
    let internal = t
        .raw(
            Method::POST,
            &format!("{path}?name=<script>.html&public=false"),
            Some(&t.admin),
            "text/plain",
            b"internal notes\n".to_vec(),
        )
        .await;
    assert_eq!(internal.status, 201, "{}", internal.body);
    assert_eq!(internal.body["content_type"], "text/plain; charset=utf-8");
    assert_eq!(
        t.get(&path, &customer).await.body.as_array().unwrap().len(),
        1
    );
    assert_eq!(
        t.get(&path, &t.admin).await.body.as_array().unwrap().len(),
        2
    );
    t.get(&format!("/api/v1/attachments/{}", internal.id()), &customer)
        .await
        .problem(404);

    let download = t
        .http
        .get(format!("{}/api/v1/attachments/{attachment}", t.url))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let header = |name: &str| {
        download
            .headers()
            .get(name)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(header("content-type"), "image/png");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert!(
        header("content-disposition").starts_with("attachment; filename=\"screen _.png\""),
        "{}",
        header("content-disposition")
    );
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);

    // Another organization's customer sees neither the list nor the file.
    t.get(&path, &other).await.problem(404);
    t.get(&format!("/api/v1/attachments/{attachment}"), &other)
        .await
        .problem(404);
    t.raw(
        Method::POST,
        &format!("{path}?name=x.txt"),
        Some(&other),
        "text/plain",
        b"x".to_vec(),
    )
    .await
    .problem(404);
    // The timeline records uploads.
    let timeline = t
        .get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .body["timeline"]
        .clone();
    let uploads = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "attachment")
        .count();
    assert_eq!(uploads, 2);
}

#[tokio::test]
async fn oversized_and_empty_uploads_are_refused_and_nothing_is_stored() {
    let t = TestApp::spawn().await;
    let id = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Logs", "impact": "low", "urgency": "low"}),
        )
        .await
        .id();
    let path = format!("/api/v1/incidents/{id}/attachments");
    let limit = t.app.settings().attachment_max_bytes;
    let r = t
        .raw(
            Method::POST,
            &format!("{path}?name=big.log"),
            Some(&t.admin),
            "application/octet-stream",
            vec![b'a'; limit + 1],
        )
        .await;
    r.problem(413);
    t.raw(
        Method::POST,
        &format!("{path}?name=empty.log"),
        Some(&t.admin),
        "application/octet-stream",
        Vec::new(),
    )
    .await
    .problem(422);
    t.raw(
        Method::POST,
        &format!("{path}?name=.."),
        Some(&t.admin),
        "application/octet-stream",
        b"x".to_vec(),
    )
    .await
    .problem(422);
    assert_eq!(t.get(&path, &t.admin).await.body, json!([]));
    let exact = t
        .raw(
            Method::POST,
            &format!("{path}?name=ok.log"),
            Some(&t.admin),
            "application/octet-stream",
            vec![b'a'; limit],
        )
        .await;
    assert_eq!(exact.status, 201, "{}", exact.body);
}
