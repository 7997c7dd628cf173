//! Full-text search: ranked, highlighted, and never across organizations or into notes.
use crate::support::TestApp;
use serde_json::json;

#[tokio::test]
async fn search_ranks_highlights_and_respects_tenants_and_notes() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, acme_c) = t.user("wile", "customer", Some(acme)).await;
    let (_, globex_c) = t.user("hank", "customer", Some(globex)).await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let raise = |token: String, title: &'static str, description: &'static str| {
        let t = &t;
        async move {
            let r = t
                .post(
                    "/api/v1/incidents",
                    &token,
                    json!({"title": title, "description": description, "urgency": "low"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.id()
        }
    };
    let printer = raise(
        acme_c.clone(),
        "Printer jammed on floor 3",
        "The printer shows error E42",
    )
    .await;
    let mail = raise(
        acme_c.clone(),
        "Mail bounces",
        "Outgoing mail to partners bounces",
    )
    .await;
    let theirs = raise(
        globex_c.clone(),
        "Printer offline",
        "Our printer is offline",
    )
    .await;
    t.post(
        &format!("/api/v1/incidents/{mail}/comments"),
        &agent,
        json!({"body": "Relay printer queue is full", "public": false}),
    )
    .await;

    // Staff see everything, the title match ranked above the note match.
    let r = t.get("/api/v1/search?q=printer", &agent).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["total"], 3);
    let ids: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ticket_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(
        *ids.last().unwrap(),
        mail,
        "a match in a note ranks below matches in titles"
    );
    let hit = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["ticket_id"] == printer)
        .unwrap();
    assert!(
        hit["snippet"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("[printer]"),
        "{hit}"
    );
    assert_eq!(hit["number"].as_str().unwrap().len(), 10);

    // A customer finds only its organization's tickets, and not through internal notes.
    let r = t.get("/api/v1/search?q=printer", &acme_c).await;
    let ids: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["ticket_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![printer]);
    assert_eq!(r.body["total"], 1);
    let r = t.get("/api/v1/search?q=printer", &globex_c).await;
    assert_eq!(r.body["items"][0]["ticket_id"], theirs);
    assert_eq!(r.body["total"], 1);

    // Every word must match, as a prefix; query syntax is just text.
    assert_eq!(
        t.get("/api/v1/search?q=print%20floor", &agent).await.body["total"],
        1
    );
    assert_eq!(
        t.get("/api/v1/search?q=bounce", &agent).await.body["total"],
        1
    );
    assert_eq!(
        t.get("/api/v1/search?q=%22%29%28*%20OR%20%26%20%21", &agent)
            .await
            .body["total"],
        0
    );
    assert_eq!(t.get("/api/v1/search?q=", &agent).await.body["total"], 0);
    t.get("/api/v1/search", &agent).await.problem(400);
    let long = "x".repeat(300);
    t.get(&format!("/api/v1/search?q={long}"), &agent)
        .await
        .problem(422);
}

#[tokio::test]
async fn a_word_matches_every_indexed_word_it_begins_and_edits_and_notes_are_found() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let mut ids = Vec::new();
    for (title, description) in [
        ("Printing fails on floor 2", "Nothing comes out"),
        ("Printers offline", "All printers in the branch"),
        ("Print queue stuck", "The queue holds 40 jobs"),
        (
            "Ünïcode names garbled",
            "Names such as Zoë show as question marks",
        ),
        ("Mail down", "No mail since noon"),
    ] {
        let r = t
            .post(
                "/api/v1/incidents",
                &agent,
                json!({"title": title, "description": description, "urgency": "low"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.id());
    }
    let found = |q: &'static str| {
        let t = &t;
        let agent = agent.clone();
        async move {
            let r = t.get(&format!("/api/v1/search?q={q}"), &agent).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let mut ids: Vec<i64> = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h["ticket_id"].as_i64().unwrap())
                .collect();
            ids.sort();
            (ids, r.body)
        }
    };
    // `print` stands for print, printers and printing; `printe` only for printers.
    let (hits, body) = found("print").await;
    assert_eq!(hits, ids[..3], "{body}");
    assert_eq!(body["total"], 3);
    assert_eq!(body["capped"], false);
    assert!(
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["snippet"].as_str().unwrap().contains("[Printing]")),
        "{body}"
    );
    assert_eq!(found("printe").await.0, [ids[1]]);
    // Two words that each stand for one indexed word (PostgreSQL joins their lists), in a
    // document that holds one of them twice: found once; with a word it lacks, not at all.
    let (hits, body) = found("mail%20noon").await;
    assert_eq!(hits, [ids[4]], "{body}");
    assert_eq!(body["total"], 1);
    assert_eq!(found("mail%20floor").await.0, Vec::<i64>::new());
    // Every word must be in one document, each as a prefix.
    assert_eq!(found("print%20que").await.0, [ids[2]]);
    assert_eq!(found("print%20mail").await.0, Vec::<i64>::new());
    assert_eq!(found("zzzz").await.0, Vec::<i64>::new());
    // Letters beyond ASCII, typed as written.
    assert_eq!(found("%C3%BCn%C3%AF").await.0, [ids[3]]);
    assert_eq!(found("zo%C3%AB").await.0, [ids[3]]);

    // An edited title is found by its new words only; a reply by its words.
    let r = t
        .patch(
            &format!("/api/v1/incidents/{}", ids[4]),
            &agent,
            json!({"title": "Outlook crashes"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(found("outlook").await.0, [ids[4]]);
    assert_eq!(found("mail%20down").await.0, Vec::<i64>::new());
    t.post(
        &format!("/api/v1/incidents/{}/comments", ids[0]),
        &agent,
        json!({"body": "Replaced the fuser unit", "public": true}),
    )
    .await;
    assert_eq!(found("fuser").await.0, [ids[0]]);
}

/// Customers' searches walk their organization's index term: public replies carry it, notes
/// do not, and a re-import that moves a ticket to another organization moves the term of
/// the replies written here too.
#[tokio::test]
async fn customers_find_their_organizations_replies_and_follow_a_ticket_an_import_moved() {
    use crate::support::{steward_cli, temp_dir};
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, acme_c) = t.user("wile", "customer", Some(acme)).await;
    let (_, globex_c) = t.user("hank", "customer", Some(globex)).await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let dir = temp_dir("search-scope");
    let mapping = dir.join("map.toml");
    std::fs::write(
        &mapping,
        r#"
source = "olddesk"
key = "id"
rows = "snapshot"
timestamp_formats = ["%Y-%m-%d %H:%M"]
[fields]
title = "{summary}"
status = "state"
opened_at = "opened"
organization = "org"
[values.status]
"Open" = "new"
"#,
    )
    .unwrap();
    let import = |org: &str| {
        let csv = dir.join(format!("{org}.csv"));
        std::fs::write(
            &csv,
            format!("id,summary,state,opened,org\nK-1,Gateway zebra outage,Open,2026-01-05 09:00,{org}\n"),
        )
        .unwrap();
        let o = steward_cli(
            &t.database_url,
            &[
                "import",
                "csv",
                "--mapping",
                mapping.to_str().unwrap(),
                csv.to_str().unwrap(),
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    import("Acme");
    let r = t.get("/api/v1/search?q=zebra", &agent).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    let id = r.body["items"][0]["ticket_id"].as_i64().unwrap();
    for (body, public) in [
        ("Quokka sighted near the gateway", true),
        ("Wombat in the rack", false),
    ] {
        let r = t
            .post(
                &format!("/api/v1/incidents/{id}/comments"),
                &agent,
                json!({"body": body, "public": public}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let total = |q: &'static str, token: String| {
        let t = &t;
        async move {
            let r = t.get(&format!("/api/v1/search?q={q}"), &token).await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body["total"].as_i64().unwrap()
        }
    };
    let seen = |token: &String| {
        let token = token.clone();
        async move {
            [
                total("zebra", token.clone()).await,
                total("quokka", token.clone()).await,
                total("wombat", token).await,
            ]
        }
    };
    assert_eq!(
        seen(&acme_c).await,
        [1, 1, 0],
        "the ticket and its reply, not the note"
    );
    assert_eq!(seen(&globex_c).await, [0, 0, 0]);
    assert_eq!(seen(&agent).await, [1, 1, 1]);

    import("Globex");
    assert_eq!(seen(&globex_c).await, [1, 1, 0], "moved with the ticket");
    assert_eq!(seen(&acme_c).await, [0, 0, 0]);
    assert_eq!(seen(&agent).await, [1, 1, 1]);
    // The term's mark typed into a query separates words; it reaches no document.
    let mark = format!("%EE%80%80{acme}");
    let r = t.get(&format!("/api/v1/search?q={mark}"), &acme_c).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
}
