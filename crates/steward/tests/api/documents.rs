//! Documented information (7.5) with versions, the service management plan (6.3), competence
//! records (7.2), and the figures the evidence map reads about them.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};
use steward_domain::Actor;
use steward_domain::improvement::document::DocumentKind;

const DOCS: &str = "/api/v1/system/documents";

async fn document(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.post(DOCS, token, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn documents_are_versioned_approved_reviewed_and_withdrawn() {
    let (t, _clock) = TestApp::spawn_at("2026-03-10T09:00:00Z".parse().unwrap()).await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    let org = t.create_org("Acme").await;
    let (carl_id, customer) = t.user("carl", "customer", Some(org)).await;

    for (body, field) in [
        (json!({"kind": "policy", "owner_id": mona_id}), "title"),
        (json!({"title": "x", "owner_id": mona_id}), "kind"),
        (json!({"title": "x", "kind": "policy"}), "owner_id"),
        (
            json!({"title": "x", "kind": "policy", "owner_id": carl_id}),
            "owner_id",
        ),
        (
            json!({"title": "x", "kind": "policy", "owner_id": mona_id, "clause": "12.1"}),
            "clause",
        ),
        (
            json!({"title": "x", "kind": "policy", "owner_id": mona_id, "review_due_on": "soon"}),
            "review_due_on",
        ),
        (
            json!({"title": "x", "kind": "policy", "owner_id": mona_id, "review_interval_months": 0}),
            "review_interval_months",
        ),
    ] {
        let r = t.post(DOCS, &mona, body.clone()).await;
        assert_eq!(r.problem(422)["errors"][0]["field"], field, "{body}");
    }
    let body = json!({"title": "Change policy", "kind": "change_policy", "owner_id": mona_id});
    assert_eq!(t.post(DOCS, &agent, body.clone()).await.status, 403);
    assert_eq!(t.post(DOCS, &auditor, body.clone()).await.status, 403);
    assert_eq!(t.get(DOCS, &customer).await.status, 403);

    let before = t.audit_count().await;
    let d = document(
        &t,
        &mona,
        json!({"title": "Change policy", "kind": "change_policy", "owner_id": mona_id,
               "clause": "8.5.1.1", "review_interval_months": 6}),
    )
    .await;
    let id = d["id"].as_i64().unwrap();
    assert_eq!(d["placeholder"], true);
    assert_eq!(d["review_due_on"], "2026-09-10");
    assert_eq!(d["current"], Value::Null);
    assert_eq!(
        t.post(DOCS, &mona, body.clone()).await.problem(409)["field"],
        "title"
    );

    // A text version: 1.0, a draft; then approved, in force and immutable.
    let vs = format!("{DOCS}/{id}/versions");
    let r = t.post(&vs, &agent, json!({"text": "x"})).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        t.post(&vs, &mona, json!({"text": "  "})).await.problem(422)["errors"][0]["field"],
        "text"
    );
    let v1 = t
        .post(
            &vs,
            &mona,
            json!({"text": "# Changes\n<script>alert(1)</script>", "change_note": "First issue"}),
        )
        .await;
    assert_eq!(v1.status, 201, "{}", v1.body);
    assert_eq!(v1.body["label"], "1.0");
    assert_eq!(v1.body["status"], "draft");
    let v1_id = v1.id();
    let shown = t.get(&format!("{DOCS}/{id}"), &auditor).await.body;
    assert_eq!(shown["placeholder"], false);
    assert_eq!(shown["current_version"], Value::Null);
    assert_eq!(shown["latest_version"], "1.0");
    let approve = format!("{vs}/{v1_id}/approve");
    assert_eq!(t.post(&approve, &agent, json!({})).await.status, 403);
    let ok = t.post(&approve, &mona, json!({})).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["approved_by"], mona_id);
    assert_eq!(
        t.post(&approve, &mona, json!({})).await.problem(409)["field"],
        "status"
    );
    assert_eq!(
        t.post(&format!("{vs}/99999/approve"), &mona, json!({}))
            .await
            .status,
        404
    );

    // A file version: 1.1, downloadable, typed by its bytes.
    let pdf = b"%PDF-1.7\nrevised policy".to_vec();
    let r = t
        .raw(
            Method::POST,
            &format!("{vs}?name=../policy%20v1.1.pdf&change_note=Revised"),
            Some(&mona),
            "application/octet-stream",
            pdf.clone(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["label"], "1.1");
    assert_eq!(r.body["file_name"], "policy v1.1.pdf");
    assert_eq!(r.body["content_type"], "application/pdf");
    let v2_id = r.id();
    let r = t
        .raw(
            Method::POST,
            &vs,
            Some(&mona),
            "application/octet-stream",
            pdf.clone(),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "name");
    let dl = t
        .http
        .get(format!("{}{vs}/{v2_id}/file", t.url))
        .bearer_auth(&auditor)
        .send()
        .await
        .unwrap();
    assert_eq!(dl.status(), 200);
    assert!(
        dl.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(dl.bytes().await.unwrap().to_vec(), pdf);
    assert_eq!(
        t.get(&format!("{vs}/{v1_id}/file"), &mona).await.status,
        404
    );
    let shown = t.get(&format!("{DOCS}/{id}"), &mona).await.body;
    assert_eq!(shown["current_version"], "1.0");
    assert_eq!(
        shown["current"]["text"],
        "# Changes\n<script>alert(1)</script>"
    );
    assert_eq!(shown["versions"].as_array().unwrap().len(), 2);
    assert!(
        t.post(&format!("{vs}/{v2_id}/approve"), &mona, json!({}))
            .await
            .status
            == 200
    );
    // The older draft cannot be approved over it; here 1.0 is approved already anyway.
    let major = t
        .post(&vs, &mona, json!({"text": "Rewritten", "major": true}))
        .await;
    assert_eq!(major.body["label"], "2.0");

    // Review moves the due date by the interval; withdrawal is final.
    let r = t
        .post(
            &format!("{DOCS}/{id}/review"),
            &mona,
            json!({"reviewed_on": "2026-03-01"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["last_reviewed_on"], "2026-03-01");
    assert_eq!(r.body["review_due_on"], "2026-09-01");
    assert_eq!(
        t.post(
            &format!("{DOCS}/{id}/review"),
            &mona,
            json!({"reviewed_on": "2027-01-01"})
        )
        .await
        .problem(422)["errors"][0]["field"],
        "reviewed_on"
    );
    let r = t
        .patch(
            &format!("{DOCS}/{id}"),
            &mona,
            json!({"title": "Change management policy", "clause": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["clause"], Value::Null);
    let r = t
        .post(
            &format!("{DOCS}/{id}/withdraw"),
            &mona,
            json!({"reason": "Merged into the SMS policy"}),
        )
        .await;
    assert_eq!(r.body["status"], "withdrawn");
    assert_eq!(
        t.post(&vs, &mona, json!({"text": "x"})).await.problem(409)["field"],
        "status"
    );
    assert_eq!(
        t.post(&format!("{DOCS}/{id}/withdraw"), &mona, json!({}))
            .await
            .status,
        409
    );
    // create, 2 × add_version, 2 × approve, add_version, review, update, withdraw
    assert_eq!(t.audit_count().await - before, 9);
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=document&record_id={id}"),
            &t.admin,
        )
        .await;
    assert!(audit.body.to_string().contains("approve_version"));

    // Review overdue is computed by today's date.
    let old = document(
        &t,
        &mona,
        json!({"title": "Major incident procedure", "kind": "procedure", "owner_id": mona_id,
               "review_due_on": "2026-01-01"}),
    )
    .await;
    let list = t.get(&format!("{DOCS}?kind=procedure"), &agent).await.body;
    assert_eq!(list[0]["id"], old["id"]);
    assert_eq!(list[0]["review_overdue"], true);
}

#[tokio::test]
async fn the_plan_is_one_active_document_with_a_shortcut() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    assert_eq!(t.get("/api/v1/system/plan", &mona).await.status, 404);
    let plan = json!({"title": "Service management plan", "kind": "service_management_plan", "owner_id": mona_id});
    let d = document(&t, &mona, plan).await;
    let id = d["id"].as_i64().unwrap();
    let again =
        json!({"title": "Second plan", "kind": "service_management_plan", "owner_id": mona_id});
    assert_eq!(
        t.post(DOCS, &mona, again.clone()).await.problem(409)["field"],
        "kind"
    );
    let other = document(
        &t,
        &mona,
        json!({"title": "Scope", "kind": "sms_scope", "owner_id": mona_id}),
    )
    .await;
    let r = t
        .patch(
            &format!("{DOCS}/{}", other["id"]),
            &mona,
            json!({"kind": "service_management_plan"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "kind");
    t.post(
        &format!("{DOCS}/{id}/versions"),
        &mona,
        json!({"text": "Objectives, resources, schedule"}),
    )
    .await;
    let shown = t.get("/api/v1/system/plan", &mona).await;
    assert_eq!(shown.status, 200);
    assert_eq!(shown.body["id"], id);
    assert_eq!(shown.body["versions"][0]["label"], "1.0");
    // Withdrawn, it makes room for a new one.
    t.post(&format!("{DOCS}/{id}/withdraw"), &mona, json!({}))
        .await;
    assert_eq!(t.post(DOCS, &mona, again).await.status, 201);
}

#[tokio::test]
async fn competences_are_recorded_per_person_and_listed_per_team() {
    let (t, _clock) = TestApp::spawn_at("2026-03-10T09:00:00Z".parse().unwrap()).await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (agnes_id, agent) = t.user("agnes", "agent", None).await;
    let (arne_id, _) = t.user("arne", "agent", None).await;
    let org = t.create_org("Acme").await;
    let (carl_id, _) = t.user("carl", "customer", Some(org)).await;
    let team = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Service desk", "member_ids": [agnes_id, arne_id]}),
        )
        .await
        .id();
    for (body, field) in [
        (
            json!({"skill": "x", "level": "expert", "obtained_on": "2025-01-01"}),
            "user_id",
        ),
        (
            json!({"user_id": agnes_id, "skill": "x", "level": "guru", "obtained_on": "2025-01-01"}),
            "level",
        ),
        (
            json!({"user_id": agnes_id, "skill": "x", "level": "expert", "obtained_on": "2025-01-01", "expires_on": "2024-01-01"}),
            "expires_on",
        ),
        (
            json!({"user_id": carl_id, "skill": "x", "level": "expert", "obtained_on": "2025-01-01"}),
            "user_id",
        ),
    ] {
        let r = t.post("/api/v1/competences", &mona, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.body);
        let named = r.body["errors"][0]["field"]
            .as_str()
            .or(r.body["field"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert!(
            named == field || r.body.to_string().contains(field),
            "{body}: {}",
            r.body
        );
    }
    let entry = json!({"user_id": agnes_id, "skill": "Incident management", "level": "practitioner",
                       "evidence": "ITIL 4 Foundation certificate", "obtained_on": "2024-05-01",
                       "expires_on": "2026-01-01"});
    assert_eq!(
        t.post("/api/v1/competences", &agent, entry.clone())
            .await
            .status,
        403
    );
    let r = t.post("/api/v1/competences", &mona, entry.clone()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["expired"], true);
    let kid = r.id();
    assert_eq!(
        t.post("/api/v1/competences", &mona, entry)
            .await
            .problem(409)["field"],
        "skill"
    );
    let r = t
        .post(
            &format!("/api/v1/competences/{kid}/verify"),
            &mona,
            json!({}),
        )
        .await;
    assert_eq!(r.body["verified_by"], mona_id);
    let r = t
        .patch(
            &format!("/api/v1/competences/{kid}"),
            &mona,
            json!({"expires_on": null, "level": "expert"}),
        )
        .await;
    assert_eq!(r.body["expired"], false);
    assert_eq!(r.body["level"], "expert");
    t.post("/api/v1/competences", &mona, json!({"user_id": mona_id, "skill": "Change management", "level": "expert", "obtained_on": "2020-01-01"})).await;
    let team_list = t
        .get(&format!("/api/v1/competences?team_id={team}"), &agent)
        .await
        .body;
    assert_eq!(team_list.as_array().unwrap().len(), 1);
    let mine = t
        .get(&format!("/api/v1/users/{mona_id}/competences"), &agent)
        .await
        .body;
    assert_eq!(mine[0]["skill"], "Change management");
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=competence&record_id={kid}"),
            &t.admin,
        )
        .await;
    assert_eq!(
        audit.body["items"].as_array().map_or(0, Vec::len),
        3,
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn conformity_figures_move_and_placeholders_are_seeded_once() {
    let (t, _clock) = TestApp::spawn_at("2026-03-10T09:00:00Z".parse().unwrap()).await;
    let figures = || async {
        let mut conn = t.app.db().read().await.unwrap();
        steward_store::improvement::documents::conformity_figures(conn.ex(), "2026-03-10")
            .await
            .unwrap()
    };
    let f = figures().await;
    assert_eq!((f.documents_total, f.team_members_total), (0, 0));
    assert!(f.plan.is_none());

    let seeder = Actor::system("init");
    for _ in 0..2 {
        for (kind, title) in [
            (DocumentKind::SmsScope, "Scope of the SMS"),
            (
                DocumentKind::ServiceManagementPlan,
                "Service management plan",
            ),
        ] {
            t.app
                .ensure_document_placeholder(&seeder, kind, title, Some("6.3"))
                .await
                .unwrap();
        }
    }
    let f = figures().await;
    assert_eq!(
        (
            f.documents_total,
            f.documents_placeholder,
            f.documents_unapproved
        ),
        (2, 2, 2)
    );
    assert_eq!(f.plan.as_ref().map(|p| p.approved), Some(false));

    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (agnes_id, _) = t.user("agnes", "agent", None).await;
    let plan = t.get("/api/v1/system/plan", &mona).await.body;
    let id = plan["id"].as_i64().unwrap();
    let v = t
        .post(
            &format!("{DOCS}/{id}/versions"),
            &mona,
            json!({"text": "The plan"}),
        )
        .await
        .id();
    let f = figures().await;
    assert_eq!((f.documents_placeholder, f.documents_unapproved), (1, 2));
    t.post(
        &format!("{DOCS}/{id}/versions/{v}/approve"),
        &mona,
        json!({}),
    )
    .await;
    t.patch(
        &format!("{DOCS}/{id}"),
        &mona,
        json!({"review_due_on": "2026-03-01"}),
    )
    .await;
    let f = figures().await;
    assert_eq!((f.documents_unapproved, f.documents_review_overdue), (1, 1));
    let plan = f.plan.unwrap();
    assert!(plan.approved);
    assert_eq!(plan.review_due_on.as_deref(), Some("2026-03-01"));

    t.post(
        "/api/v1/teams",
        &t.admin,
        json!({"name": "Desk", "member_ids": [mona_id, agnes_id]}),
    )
    .await;
    let f = figures().await;
    assert_eq!(
        (f.team_members_total, f.team_members_without_competence),
        (2, 2)
    );
    t.post("/api/v1/competences", &mona, json!({"user_id": agnes_id, "skill": "Triage", "level": "expert", "obtained_on": "2025-01-01"})).await;
    t.post("/api/v1/competences", &mona, json!({"user_id": mona_id, "skill": "Triage", "level": "expert", "obtained_on": "2024-01-01", "expires_on": "2025-01-01"})).await;
    let f = figures().await;
    assert_eq!(
        (f.team_members_without_competence, f.competences_expired),
        (1, 1)
    );
    let via_app = t.app.document_figures(&seeder).await.unwrap();
    assert_eq!(via_app.competences_expired, 1);
}
