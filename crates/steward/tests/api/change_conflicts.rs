//! Change conflicts (8.5.1.3): blackout windows kept by managers, and a change's conflicts —
//! another change overlapping on the same CI or on a CI that depends on one of its CIs
//! through the relations, a blackout covering an affected service, a window outside an
//! affected service's maintenance windows — on the record, on its own endpoint and for a
//! calendar period; scheduling over them needs an override reason, stored and audited.
use crate::support::TestApp;
use serde_json::{Value, json};

const START: &str = "2026-06-01T20:00:00Z";
const END: &str = "2026-06-01T22:00:00Z";

async fn ci(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": name, "ci_type": "server"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn relate(t: &TestApp, source: i64, kind: &str, target: i64) {
    let r = t
        .post(
            &format!("/api/v1/cis/{source}/relations"),
            &t.admin,
            json!({"kind": kind, "target_id": target}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

async fn service(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/services", &t.admin, json!({"name": name}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

/// A standard change (no approval needed) on these CIs and services in this window, taken to
/// `authorized`; its id.
async fn authorized(
    t: &TestApp,
    title: &str,
    cis: &[i64],
    services: &[i64],
    start: &str,
    end: &str,
) -> i64 {
    let template = t
        .post(
            "/api/v1/change-templates",
            &t.admin,
            json!({"name": format!("T {title}"), "implementation_plan": "Do it",
                   "test_plan": "Check it", "backout_plan": "Undo it"}),
        )
        .await;
    assert_eq!(template.status, 201, "{}", template.body);
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "standard", "template_id": template.id(), "title": title,
                   "ci_ids": cis, "service_ids": services,
                   "planned_start": start, "planned_end": end}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    for action in ["submit", "assess"] {
        let r = t
            .post(
                &format!("/api/v1/changes/{id}/{action}"),
                &t.admin,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    id
}

async fn schedule(t: &TestApp, id: i64, body: Value) -> (u16, Value) {
    let r = t
        .post(&format!("/api/v1/changes/{id}/schedule"), &t.admin, body)
        .await;
    (r.status.as_u16(), r.body)
}

async fn conflicts(t: &TestApp, id: i64) -> Value {
    let r = t
        .get(&format!("/api/v1/changes/{id}/conflicts"), &t.admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn kinds(conflicts: &Value) -> Vec<String> {
    conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn same_ci_and_dependent_ci_conflicts_with_the_chain_and_the_override() {
    let t = TestApp::spawn().await;
    // web depends on app, app runs on db: a chain of two relations.
    let db = ci(&t, "db-1").await;
    let app = ci(&t, "app-1").await;
    let web = ci(&t, "web-1").await;
    let lone = ci(&t, "lone").await;
    relate(&t, app, "runs_on", db).await;
    relate(&t, web, "depends_on", app).await;

    let first = authorized(&t, "Patch db", &[db], &[], START, END).await;
    let (status, body) = schedule(&t, first, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["conflicts"], json!([]), "{body}");
    assert_eq!(body["override_reason"], Value::Null);

    // The same CI, overlapping by an hour.
    let same = authorized(
        &t,
        "Reboot db",
        &[db],
        &[],
        "2026-06-01T21:00:00Z",
        "2026-06-01T23:00:00Z",
    )
    .await;
    let c = conflicts(&t, same).await;
    assert_eq!(kinds(&c), ["same_ci"], "{c}");
    assert_eq!(c[0]["change_id"], first);
    assert_eq!(c[0]["change_number"], "CHG-000001");
    assert_eq!(c[0]["path_names"], json!(["db-1"]));

    // A CI depending on db through app: the chain from web to db, to both db changes.
    let dependent = authorized(&t, "Deploy web", &[web], &[], START, END).await;
    let c = conflicts(&t, dependent).await;
    assert_eq!(kinds(&c), ["dependent_ci", "dependent_ci"], "{c}");
    assert_eq!(c[1]["change_id"], same);
    assert_eq!(c[0]["change_id"], first);
    assert_eq!(c[0]["path"], json!([web, app, db]));
    assert_eq!(c[0]["path_names"], json!(["web-1", "app-1", "db-1"]));
    assert!(
        c[0]["description"]
            .as_str()
            .unwrap()
            .contains("web-1 → app-1 → db-1"),
        "{c}"
    );
    // The record shows them too: authorized changes occupy their window as well.
    let r = t.get(&format!("/api/v1/changes/{first}"), &t.admin).await;
    let mine = kinds(&r.body["conflicts"]);
    assert_eq!(mine, ["same_ci", "dependent_ci"], "{}", r.body);

    // No conflict: windows that only touch, and an unrelated CI.
    let after = authorized(&t, "Tune db", &[db], &[], END, "2026-06-02T01:00:00Z").await;
    let unrelated = authorized(&t, "Lone box", &[lone], &[], START, END).await;
    assert_eq!(conflicts(&t, unrelated).await, json!([]));
    let touching = kinds(&conflicts(&t, after).await);
    // It overlaps "Reboot db" (21:00–23:00) on the same CI, not the first (ends at 22:00).
    assert_eq!(touching, ["same_ci"]);
    assert_eq!(conflicts(&t, after).await[0]["change_id"], same);

    // Scheduling over a conflict needs the reason: 422 naming the field and listing them.
    let audits = t.audit_count().await;
    let (status, body) = schedule(&t, dependent, json!({})).await;
    assert_eq!(status, 422, "{body}");
    let problem = body.to_string();
    assert!(problem.contains("override_reason"), "{problem}");
    assert!(problem.contains("CHG-000001"), "{problem}");
    assert_eq!(
        t.audit_count().await,
        audits,
        "a refused schedule writes nothing"
    );
    let r = t
        .get(&format!("/api/v1/changes/{dependent}"), &t.admin)
        .await;
    assert_eq!(r.body["status"], "authorized");

    let (status, body) = schedule(
        &t,
        dependent,
        json!({"override_reason": "Vendor window; db patch is online-only"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "scheduled");
    assert_eq!(
        body["override_reason"],
        "Vendor window; db patch is online-only"
    );
    assert_eq!(body["overridden_conflicts"][0]["kind"], "dependent_ci");
    assert_eq!(body["overridden_conflicts"][0]["change_id"], first);
    // Kept on the record and in the audit trail.
    let r = t
        .get(&format!("/api/v1/changes/{dependent}"), &t.admin)
        .await;
    assert_eq!(
        r.body["overridden_conflicts"][0]["path"],
        json!([web, app, db])
    );
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change&record_id={dependent}&limit=5"),
            &t.admin,
        )
        .await;
    let entry = &r.body["items"][0];
    assert_eq!(entry["action"], "schedule", "{}", r.body);
    assert_eq!(
        entry["after"]["override_reason"],
        "Vendor window; db patch is online-only"
    );
    assert_eq!(
        entry["after"]["overridden_conflicts"][0]["kind"],
        "dependent_ci"
    );

    // Moving the window clear of the others needs no reason, and clears the old one.
    let (status, body) = schedule(&t, unrelated, json!({"override_reason": "not needed"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["override_reason"], Value::Null);

    // A cancelled change no longer occupies its window.
    let r = t
        .post(
            &format!("/api/v1/changes/{first}/cancel"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = conflicts(&t, same).await;
    assert_eq!(kinds(&c), ["dependent_ci", "same_ci"], "{c}");
    assert_eq!(c[0]["change_id"], dependent);
    assert_eq!(c[1]["change_id"], after);

    // Lists leave the conflicts out; customers may not read them.
    let r = t.get("/api/v1/changes", &t.admin).await;
    assert!(r.body["items"][0].get("conflicts").is_none(), "{}", r.body);
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("cora", "customer", Some(org)).await;
    let r = t
        .get(&format!("/api/v1/changes/{same}/conflicts"), &customer)
        .await;
    assert_eq!(r.status, 403);
    let r = t.get("/api/v1/changes/9999/conflicts", &t.admin).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn blackout_windows_are_kept_by_managers_and_conflict() {
    let t = TestApp::spawn().await;
    let payroll = service(&t, "Payroll").await;
    let mail = service(&t, "Mail").await;
    let (_, agent) = t.user("ada", "agent", None).await;
    let (_, manager) = t.user("max", "manager", None).await;

    // Managers and admins write, staff read; bad input is named by field.
    let body = json!({"name": "Month-end close", "start": "2026-06-01T00:00:00Z",
                      "end": "2026-06-02T00:00:00Z", "service_ids": [payroll],
                      "reason": "Payroll runs"});
    assert_eq!(
        t.post("/api/v1/change-blackouts", &agent, body.clone())
            .await
            .status,
        403
    );
    let r = t
        .post(
            "/api/v1/change-blackouts",
            &manager,
            json!({"name": "", "start": "2026-06-02T00:00:00Z", "end": "2026-06-01T00:00:00Z",
                   "service_ids": [9999]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let text = r.body.to_string();
    assert!(
        text.contains("\"name\"") && text.contains("\"end\""),
        "{text}"
    );
    let r = t
        .post(
            "/api/v1/change-blackouts",
            &manager,
            json!({"name": "X", "start": "2026-06-01T00:00:00Z", "end": "2026-06-02T00:00:00Z",
                   "service_ids": [9999]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("service_ids"), "{}", r.body);

    let r = t.post("/api/v1/change-blackouts", &manager, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let blackout = r.id();
    assert_eq!(r.body["all_services"], false);
    assert_eq!(r.body["service_ids"], json!([payroll]));
    let r = t.get("/api/v1/change-blackouts", &agent).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    let r = t
        .get(
            "/api/v1/change-blackouts?from=2026-07-01T00:00:00Z&to=2026-08-01T00:00:00Z",
            &agent,
        )
        .await;
    assert_eq!(r.body, json!([]));

    // A change on Payroll inside it conflicts; one on Mail does not.
    let on_payroll = authorized(&t, "Payroll upgrade", &[], &[payroll], START, END).await;
    let on_mail = authorized(&t, "Mail upgrade", &[], &[mail], START, END).await;
    let c = conflicts(&t, on_payroll).await;
    assert_eq!(kinds(&c), ["blackout"], "{c}");
    assert_eq!(c[0]["blackout_id"], blackout);
    assert_eq!(c[0]["blackout_name"], "Month-end close");
    assert_eq!(c[0]["service_id"], payroll);
    assert_eq!(c[0]["service_name"], "Payroll");
    assert_eq!(conflicts(&t, on_mail).await, json!([]));

    // Covering every service (no services listed) catches Mail as well.
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/change-blackouts/{blackout}"),
            Some(&manager),
            Some(json!({"name": "Freeze", "start": "2026-06-01T00:00:00Z",
                        "end": "2026-06-02T00:00:00Z"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["all_services"], true);
    let c = conflicts(&t, on_mail).await;
    assert_eq!(kinds(&c), ["blackout"], "{c}");
    assert_eq!(c[0]["service_id"], Value::Null);
    let (status, _) = schedule(&t, on_mail, json!({})).await;
    assert_eq!(status, 422);
    // Scheduled out of the blackout: no conflict, no reason needed.
    let (status, body) = schedule(
        &t,
        on_mail,
        json!({"planned_start": "2026-06-02T20:00:00Z", "planned_end": "2026-06-02T22:00:00Z"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    // Audited; deleting is for managers and removes the conflict.
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change_blackout&record_id={blackout}"),
            &t.admin,
        )
        .await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["update", "create"], "{}", r.body);
    assert_eq!(
        t.delete(&format!("/api/v1/change-blackouts/{blackout}"), &agent)
            .await
            .status,
        403
    );
    assert_eq!(
        t.delete(&format!("/api/v1/change-blackouts/{blackout}"), &manager)
            .await
            .status,
        204
    );
    assert_eq!(conflicts(&t, on_payroll).await, json!([]));
    assert_eq!(
        t.get(&format!("/api/v1/change-blackouts/{blackout}"), &agent)
            .await
            .status,
        404
    );
}

/// A manager deletes a blackout window from its edit screen; an agent sees no delete button.
#[tokio::test]
async fn a_blackout_window_is_deleted_on_its_screen() {
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    t.user("mona", "manager", None).await;
    let r = t
        .post(
            "/api/v1/change-blackouts",
            &t.admin,
            json!({"name": "Quarter-end freeze", "start": "2026-06-29T00:00:00Z",
                   "end": "2026-07-01T00:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let mut b = Browser::new(&t);
    b.login("mona", "mona-password").await;
    let edit = b.get(&format!("/manage/change-blackouts/{id}")).await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    let action = format!("/manage/change-blackouts/{id}/delete");
    assert!(edit.body.contains(&action), "{}", edit.body);
    assert!(edit.body.contains("Delete the blackout window"));
    let csrf = csrf_of(&edit.body);
    let done = b.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(done.location.as_deref(), Some("/manage/change-blackouts"));
    let list = b.get("/manage/change-blackouts").await;
    assert!(
        list.body
            .contains("Blackout window Quarter-end freeze was deleted."),
        "{}",
        list.body
    );
    assert!(!list.body.contains("<td>Quarter-end freeze</td>"));
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change_blackout&record_id={id}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["items"][0]["action"], "delete", "{}", r.body);
    // The list without an edit form has no delete button.
    assert!(!list.body.contains("Delete the blackout window"));
}

#[tokio::test]
async fn outside_maintenance_windows_of_an_affected_service() {
    let t = TestApp::spawn().await;
    let payroll = service(&t, "Payroll").await;
    let mail = service(&t, "Mail").await;
    // Payroll's maintenance: Mondays 19:00–21:00 and 21:00–23:00 (touching: one window).
    for (s, e) in [
        ("2026-06-01T19:00:00Z", "2026-06-01T21:00:00Z"),
        ("2026-06-01T21:00:00Z", "2026-06-01T23:00:00Z"),
        ("2026-06-08T19:00:00Z", "2026-06-08T21:00:00Z"),
    ] {
        let r = t
            .post(
                &format!("/api/v1/services/{payroll}/outages"),
                &t.admin,
                json!({"kind": "planned", "start": s, "end": e}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // Inside the joined windows: fine. Mail has none recorded: no such conflict.
    let inside = authorized(&t, "Inside", &[], &[payroll, mail], START, END).await;
    assert_eq!(conflicts(&t, inside).await, json!([]));
    // Half outside: a conflict naming Payroll, only.
    let outside = authorized(
        &t,
        "Outside",
        &[],
        &[payroll, mail],
        "2026-06-08T20:00:00Z",
        "2026-06-08T22:00:00Z",
    )
    .await;
    let c = conflicts(&t, outside).await;
    assert_eq!(kinds(&c), ["outside_maintenance"], "{c}");
    assert_eq!(c[0]["service_id"], payroll);
    assert_eq!(c[0]["service_name"], "Payroll");
    let (status, body) = schedule(&t, outside, json!({})).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.to_string().contains("maintenance"), "{body}");
    let (status, body) = schedule(
        &t,
        outside,
        json!({"override_reason": "Agreed with payroll"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["overridden_conflicts"][0]["kind"],
        "outside_maintenance"
    );
}

#[tokio::test]
async fn conflicts_of_every_change_in_a_period() {
    let t = TestApp::spawn().await;
    let db = ci(&t, "db-1").await;
    let app = ci(&t, "app-1").await;
    relate(&t, app, "depends_on", db).await;
    let a = authorized(&t, "A", &[db], &[], START, END).await;
    // Starts before the period asked for, ends inside it.
    let b = authorized(
        &t,
        "B",
        &[app],
        &[],
        "2026-06-01T18:00:00Z",
        "2026-06-01T21:00:00Z",
    )
    .await;
    let c = authorized(
        &t,
        "C",
        &[db],
        &[],
        "2026-06-03T20:00:00Z",
        "2026-06-03T21:00:00Z",
    )
    .await;
    let r = t
        .get(
            "/api/v1/change-conflicts?from=2026-06-01T20:00:00Z&to=2026-06-05T00:00:00Z",
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let got: Vec<(i64, Vec<String>)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["change_id"].as_i64().unwrap(), kinds(&x["conflicts"])))
        .collect();
    // C has none and is left out; A and B meet through app → db.
    assert_eq!(
        got,
        [
            (a, vec!["dependent_ci".to_owned()]),
            (b, vec!["dependent_ci".to_owned()])
        ],
        "{}",
        r.body
    );
    assert_eq!(r.body[1]["conflicts"][0]["path"], json!([app, db]));
    assert_eq!(conflicts(&t, c).await, json!([]));
    // The same answer one change at a time.
    assert_eq!(r.body[0]["conflicts"], conflicts(&t, a).await);
    // Bad periods: 400 naming the parameter, 422 for a reversed one.
    let r = t
        .get(
            "/api/v1/change-conflicts?from=yesterday&to=2026-06-05T00:00:00Z",
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let r = t
        .get(
            "/api/v1/change-conflicts?from=2026-06-05T00:00:00Z&to=2026-06-01T00:00:00Z",
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}
