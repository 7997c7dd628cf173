//! Input at the edges: invisible bidi controls in attachment names, and UTC offsets outside
//! RFC 3339's range in time filters.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

/// Percent-encodes every byte, so any character reaches the server as written.
fn encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

const BIDI_AND_MARKS: [char; 12] = [
    '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}',
];

#[tokio::test]
async fn attachment_names_lose_bidi_controls_so_no_fake_extension_displays() {
    let t = TestApp::spawn().await;
    let id = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Invoice attached", "urgency": "low"}),
        )
        .await
        .id();
    let path = format!("/api/v1/incidents/{id}/attachments");
    // Displays as "invoiceexe.pdf" but is an .exe.
    let r = t
        .raw(
            Method::POST,
            &format!("{path}?name={}", encoded("invoice\u{202E}fdp.exe")),
            Some(&t.admin),
            "application/octet-stream",
            b"MZ\x90\x00".to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["file_name"], "invoicefdp.exe");

    let every: String = BIDI_AND_MARKS.iter().flat_map(|c| [*c, 'x']).collect();
    let r = t
        .raw(
            Method::POST,
            &format!("{path}?name={}", encoded(&format!("{every}\u{0007}.txt"))),
            Some(&t.admin),
            "text/plain",
            b"notes\n".to_vec(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["file_name"], "xxxxxxxxxxxx.txt");
    let attachment = r.id();

    // Nothing but controls leaves no name at all.
    let only: String = BIDI_AND_MARKS.iter().collect();
    t.raw(
        Method::POST,
        &format!("{path}?name={}", encoded(&only)),
        Some(&t.admin),
        "text/plain",
        b"x".to_vec(),
    )
    .await
    .problem(422);

    let listed = t.get(&path, &t.admin).await;
    for item in listed.body["items"]
        .as_array()
        .or(listed.body.as_array())
        .unwrap_or(&Vec::new())
    {
        let name = item["file_name"].as_str().unwrap();
        assert!(
            !name.chars().any(|c| BIDI_AND_MARKS.contains(&c)),
            "{name:?}"
        );
    }
    let download = t
        .http
        .get(format!("{}/api/v1/attachments/{attachment}", t.url))
        .bearer_auth(&t.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(download.status(), 200);
    let disposition = download
        .headers()
        .get(reqwest::header::CONTENT_DISPOSITION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    assert!(disposition.contains("xxxxxxxxxxxx.txt"), "{disposition}");
}

#[tokio::test]
async fn a_time_filter_with_an_offset_beyond_23_59_is_a_400_naming_the_field() {
    let t = TestApp::spawn().await;
    // `%2B` is `+`; a bare `+` in a query string would arrive as a space.
    for (path, field) in [
        ("/api/v1/audit?from=2026-03-30T14:00:00%2B25:00", "from"),
        ("/api/v1/audit?to=2026-03-30T14:00:00-24:00", "to"),
        (
            "/api/v1/incidents?opened_from=2026-03-30T14:00:00%2B25:00",
            "opened_from",
        ),
        (
            "/api/v1/incidents?opened_to=2026-03-30T14:00:00%2B25:59",
            "opened_to",
        ),
    ] {
        let r = t.get(path, &t.admin).await;
        let problem = r.problem(400);
        assert_eq!(problem["field"], field, "{path}: {problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(field),
            "{path}: {problem}"
        );
    }
    // The largest offsets RFC 3339 allows still work.
    for path in [
        "/api/v1/audit?from=2026-03-30T14:00:00%2B23:59",
        "/api/v1/incidents?opened_to=2026-03-30T14:00:00-23:59",
    ] {
        let r = t.get(path, &t.admin).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
    }
}
