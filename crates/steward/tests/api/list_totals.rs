//! A ticket list under a filter stops counting at 10,000 matches and says so
//! (`total_capped`), so its cost does not grow with millions of matches; a list by status
//! alone keeps an exact total from the kept per-status counts. Paging past the cap works.
use crate::support::{TestApp, steward_cli as steward, temp_dir};
use serde_json::json;
use std::fmt::Write;

const MAPPING: &str = r#"
source = "olddesk"
key = "id"
rows = "snapshot"
timestamp_formats = ["%Y-%m-%d %H:%M"]
[fields]
title = "{summary}"
status = "state"
opened_at = "opened"
updated_at = "opened"
priority = "prio"
[values.status]
"Open" = "new"
"#;

#[tokio::test]
async fn a_filtered_ticket_list_stops_counting_at_ten_thousand_and_says_so() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("list-totals");
    let mut csv = String::from("id,summary,state,opened,prio\n");
    // 10,002 incidents at P3 and 3 at P2, all new.
    for i in 0..10_005 {
        let prio = if i < 3 { 2 } else { 3 };
        writeln!(csv, "X-{i},Printer {i},Open,2026-02-02 09:00,{prio}").unwrap();
    }
    let mapping = dir.join("m.toml");
    std::fs::write(&mapping, MAPPING).unwrap();
    let file = dir.join("x.csv");
    std::fs::write(&file, csv).unwrap();
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--json",
            "--mapping",
            mapping.to_str().unwrap(),
            file.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let all = t
        .get("/api/v1/incidents?status=new&limit=1", &t.admin)
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["total"], 10_005, "by status: exact");
    assert!(all.body.get("total_capped").is_none(), "{}", all.body);

    let p3 = t
        .get("/api/v1/incidents?priority=P3&limit=5", &t.admin)
        .await;
    assert_eq!(p3.status, 200, "{}", p3.body);
    assert_eq!(p3.body["total"], 10_000, "at least");
    assert_eq!(p3.body["total_capped"], true);
    let rest = t
        .get(
            "/api/v1/incidents?priority=P3&limit=5&offset=10000",
            &t.admin,
        )
        .await;
    assert_eq!(
        rest.body["items"].as_array().unwrap().len(),
        2,
        "paged past the cap"
    );

    let p2 = t.get("/api/v1/incidents?priority=P2", &t.admin).await;
    assert_eq!(p2.body["total"], 3);
    assert!(p2.body.get("total_capped").is_none(), "{}", p2.body);
    let none = t
        .get("/api/v1/incidents?priority=P1&status=new", &t.admin)
        .await;
    assert_eq!(
        (&none.body["total"], &none.body["items"]),
        (&json!(0), &json!([]))
    );
}
