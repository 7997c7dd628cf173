//! The web interface over HTTP: the login form and its messages, CSRF refusals, role start
//! pages, a form that names its invalid fields, tenancy on record pages, reports and report
//! definitions, and approvals.
use crate::support::{ADMIN_PASSWORD, TestApp};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

/// A browser without JavaScript: cookies kept by hand, redirects not followed.
pub(crate) struct Browser {
    http: reqwest::Client,
    base: String,
    cookies: Vec<(String, String)>,
}

pub(crate) struct Page {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

impl Browser {
    pub(crate) fn new(t: &TestApp) -> Self {
        Browser {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: t.url.clone(),
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn keep(&mut self, r: reqwest::Response) -> Page {
        for v in r.headers().get_all(SET_COOKIE) {
            let pair = v.to_str().unwrap().split(';').next().unwrap();
            let (k, val) = pair.split_once('=').unwrap();
            self.cookies.retain(|(name, _)| name != k);
            if !val.is_empty() {
                self.cookies.push((k.to_owned(), val.to_owned()));
            }
        }
        Page {
            status: r.status().as_u16(),
            location: r
                .headers()
                .get(LOCATION)
                .map(|v| v.to_str().unwrap().to_owned()),
            body: r.text().await.unwrap(),
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Page {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .send()
            .await
            .unwrap();
        self.keep(r).await
    }

    pub(crate) async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.keep(r).await
    }

    pub(crate) async fn login(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        let csrf = csrf_of(&form.body);
        self.post(
            "/login",
            &[
                ("csrf", &csrf),
                ("username", username),
                ("password", password),
                ("next", ""),
            ],
        )
        .await
    }
}

/// Form encoding: unreserved bytes as they are, everything else as %XX.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The first CSRF token in a page's forms.
pub(crate) fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF field")
        + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn login_explains_wrong_credentials_and_sends_each_role_to_its_start_page() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    t.user("wile", "customer", Some(acme)).await;
    let mut b = Browser::new(&t);

    let start = b.get("/console").await;
    assert_eq!(start.status, 303);
    assert_eq!(start.location.as_deref(), Some("/login?next=%2Fconsole"));

    let wrong = b.login("admin", "not-the-password").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong username or password."));

    // A login form without its matching token is refused, whatever the password.
    b.get("/login").await;
    let forged = b
        .post(
            "/login",
            &[
                ("csrf", "forged"),
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);

    let ok = b.login("admin", ADMIN_PASSWORD).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location.as_deref(), Some("/console"));
    let console = b.get("/console").await;
    assert_eq!(console.status, 200);
    assert!(console.body.contains("My work"));

    let mut c = Browser::new(&t);
    let ok = c.login("wile", "wile-password").await;
    assert_eq!(ok.location.as_deref(), Some("/portal"));
    // The console is for staff.
    let console = c.get("/console").await;
    assert_eq!(console.location.as_deref(), Some("/portal"));
}

#[tokio::test]
async fn an_address_nothing_serves_shows_a_browser_the_error_page_and_api_clients_a_problem() {
    let t = TestApp::spawn().await;
    let http = reqwest::Client::new();
    let get = |path: &str, accept: &str| {
        http.get(format!("{}{path}", t.url))
            .header(reqwest::header::ACCEPT, accept)
            .send()
    };
    let browser = get("/incidents", "text/html,application/xhtml+xml,*/*;q=0.8")
        .await
        .unwrap();
    assert_eq!(browser.status(), 404);
    let kind = browser.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    assert!(kind.starts_with("text/html"), "{kind}");
    let body = browser.text().await.unwrap();
    assert!(body.contains("Not found"), "{body}");
    assert!(body.contains("Back to the start page"), "{body}");
    // Under the API, and for clients that do not ask for HTML, the problem document as before.
    for (path, accept) in [
        ("/api/v1/nothing", "text/html"),
        ("/incidents", "application/json"),
    ] {
        let r = get(path, accept).await.unwrap();
        assert_eq!(r.status(), 404, "{path}");
        assert_eq!(
            r.headers()[CONTENT_TYPE],
            "application/problem+json",
            "{path}"
        );
        let problem: serde_json::Value = r.json().await.unwrap();
        assert_eq!(problem["detail"], format!("no resource at {path}"));
    }
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_are_refused_and_change_nothing() {
    let t = TestApp::spawn().await;
    let mut b = Browser::new(&t);
    b.login("admin", ADMIN_PASSWORD).await;
    let refused = b
        .post(
            "/incidents/new",
            &[
                ("csrf", "wrong"),
                ("title", "Sneaky"),
                ("impact", "low"),
                ("urgency", "low"),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    let list = t.get("/api/v1/incidents", &t.admin).await;
    assert_eq!(list.body["total"], 0, "{}", list.body);

    let page = b.get("/incidents/new").await;
    let csrf = csrf_of(&page.body);
    let made = b
        .post(
            "/incidents/new",
            &[
                ("csrf", &csrf),
                ("title", "Printer on fire"),
                ("impact", "high"),
                ("urgency", "high"),
                ("service_id", ""),
            ],
        )
        .await;
    assert_eq!(made.status, 303);
    let to = made.location.unwrap();
    assert!(to.starts_with("/incidents/"), "{to}");
    let record = b.get(&to).await;
    assert_eq!(record.status, 200);
    assert!(record.body.contains("Printer on fire"));
    assert!(
        record.body.contains("INC-000001 was created."),
        "the flash is shown once"
    );
    assert!(!b.get(&to).await.body.contains("was created."));

    // Logging out needs the token too; after it the session is gone.
    assert_eq!(b.post("/logout", &[("csrf", "wrong")]).await.status, 403);
    let out = b.post("/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert_eq!(b.get("/console").await.status, 303);
}

#[tokio::test]
async fn an_invalid_form_names_its_fields_and_keeps_the_input() {
    let t = TestApp::spawn().await;
    let mut b = Browser::new(&t);
    b.login("admin", ADMIN_PASSWORD).await;
    let csrf = csrf_of(&b.get("/incidents/new").await.body);
    let long = "x".repeat(300);
    let page = b
        .post(
            "/incidents/new",
            &[
                ("csrf", &csrf),
                ("title", &long),
                ("description", "kept <b>as typed</b>"),
                ("impact", "enormous"),
                ("urgency", "low"),
            ],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("id=\"ce-title\""), "{}", page.body);
    assert!(page.body.contains("id=\"ce-impact\""), "{}", page.body);
    assert!(page.body.contains("choose High, Medium or Low"));
    assert!(
        page.body.contains("kept &#60;b&#62;as typed&#60;/b&#62;")
            || page.body.contains("kept &lt;b&gt;as typed&lt;/b&gt;"),
        "the input is kept, escaped"
    );
}

#[tokio::test]
async fn a_customer_cannot_open_another_organizations_record_page() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, acme_token) = t.user("wile", "customer", Some(acme)).await;
    t.user("hank", "customer", Some(globex)).await;
    let id = t
        .post(
            "/api/v1/incidents",
            &acme_token,
            json!({"title": "Acme secret outage", "urgency": "low"}),
        )
        .await
        .id();
    let mut hank = Browser::new(&t);
    hank.login("hank", "hank-password").await;
    let page = hank.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, 404);
    assert!(!page.body.contains("Acme secret outage"));
    let mine = hank.get("/portal/tickets").await;
    assert!(!mine.body.contains("Acme secret outage"));

    let mut wile = Browser::new(&t);
    wile.login("wile", "wile-password").await;
    let page = wile.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Acme secret outage"));
    // Customers are offered no staff controls.
    assert!(!page.body.contains("/assign\""));
    assert!(!page.body.contains("Internal note"));
}

#[tokio::test]
async fn assets_are_cached_by_content_and_revalidated_by_etag() {
    let t = TestApp::spawn().await;
    let mut b = Browser::new(&t);
    let login = b.get("/login").await;
    let href = login
        .body
        .split("href=\"")
        .find(|s| s.starts_with("/assets/app.css?v="))
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let r = b.http.get(format!("{}{href}", t.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert!(href.ends_with(etag.trim_matches('"')));
    let again = b
        .http
        .get(format!("{}/assets/app.css", t.url))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn the_console_lists_breaching_records_and_the_record_shows_clocks_and_known_errors() {
    let start: jiff::Timestamp = "2026-11-24T08:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    t.user("arne", "agent", None).await;
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let targets: serde_json::Map<String, serde_json::Value> = ["P1", "P2", "P3", "P4", "P5"]
        .iter()
        .map(|p| {
            (
                (*p).to_owned(),
                json!({"response_seconds": 3 * 3600, "resolution_seconds": 4 * 3600}),
            )
        })
        .collect();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Mail 24x7", "service_id": service, "targets": targets,
                   "warning_percent": 75,
                   "pause": [{"status": "pending", "reasons": ["customer"]}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let new = |title: &'static str| {
        let t = &t;
        async move {
            t.post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": title, "impact": "low", "urgency": "low", "service_id": service}),
            )
            .await
            .id()
        }
    };
    let urgent = new("Mail server disk full").await;
    // Opened later, so its deadlines are further away.
    clock.set(start + jiff::SignedDuration::from_hours(2));
    let calm = new("Calendar sync slow").await;

    // A known error about full disks is offered on the first incident.
    let problem = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Mail server disk fills up", "impact": "high", "urgency": "medium",
                   "service_id": service}),
        )
        .await
        .id();
    for to in [
        json!({"to": "investigating"}),
        json!({"to": "known_error", "root_cause": "Log rotation disabled",
               "workaround": "Delete old logs and restart the mail service"}),
    ] {
        let r = t
            .post(
                &format!("/api/v1/problems/{problem}/transition"),
                &t.admin,
                to,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }

    // At 08:00 + 3 h 10 min the first incident's resolution clock (4 h, warning at 75 %) is
    // past its warning point; the second, opened at 10:00, is not due within the hour.
    clock.set(start + jiff::SignedDuration::from_mins(190));
    let mut b = Browser::new(&t);
    b.login("arne", "arne-password").await;
    let queue = b.get("/console?queue=breaching").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("Mail server disk full"),
        "{}",
        queue.body
    );
    assert!(!queue.body.contains("Calendar sync slow"));

    let page = b.get(&format!("/incidents/{urgent}")).await;
    assert!(
        page.body.contains("Running: warning, close to breach"),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("50 min"),
        "50 minutes of business time remain"
    );
    assert!(page.body.contains("Known errors that may match"));
    assert!(
        page.body
            .contains("Delete old logs and restart the mail service")
    );
    // Only the lifecycle's next statuses are offered from "new"; "assigned" comes from the
    // assignment form, never from a button that would be refused without an assignee.
    for offered in ["value=\"in_progress\"", "value=\"cancelled\""] {
        assert!(page.body.contains(offered), "{offered}");
    }
    assert!(!page.body.contains("name=\"to\" value=\"resolved\""));
    assert!(!page.body.contains("name=\"to\" value=\"assigned\""));

    // Waiting for the customer pauses the resolution clock, shown in words.
    let csrf = csrf_of(&page.body);
    for (to, reason) in [("in_progress", ""), ("pending", "customer")] {
        let r = b
            .post(
                &format!("/incidents/{calm}/transition"),
                &[("csrf", &csrf), ("to", to), ("reason", reason)],
            )
            .await;
        assert_eq!(r.status, 303);
    }
    let page = b.get(&format!("/incidents/{calm}")).await;
    assert!(
        page.body
            .contains("Status: <strong class=\"status\" id=\"record-status\">Pending")
    );
    assert!(
        page.body.contains("data-clock-state>Paused<"),
        "{}",
        page.body
    );
    assert!(page.body.contains("depends on when work resumes"));

    // A refused move comes back as an error naming what is missing, shown once.
    let r = b
        .post(
            &format!("/incidents/{calm}/transition"),
            &[("csrf", &csrf), ("to", "resolved")],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get(&format!("/incidents/{calm}")).await;
    assert!(
        page.body
            .contains("<p class=\"error\" role=\"alert\">⚠ Could not move to resolved."),
        "{}",
        page.body
    );
    assert!(page.body.contains("Resolution code"));
    assert!(
        !b.get(&format!("/incidents/{calm}"))
            .await
            .body
            .contains("Could not")
    );

    // The incident is linked to the problem from its page; both pages show the link.
    let problem_id = problem.to_string();
    let r = b
        .post(
            &format!("/incidents/{urgent}/problem"),
            &[("csrf", &csrf), ("problem_id", &problem_id)],
        )
        .await;
    assert_eq!(r.status, 303);
    let page = b.get(&format!("/incidents/{urgent}")).await;
    assert!(page.body.contains("Linked to PRB-000001."), "{}", page.body);
    assert!(
        page.body
            .contains(&format!("href=\"/problems/{problem}\">PRB-000001</a>"))
    );
    let problem_page = b.get(&format!("/problems/{problem}")).await;
    assert!(problem_page.body.contains("Linked records"));
    assert!(problem_page.body.contains("Mail server disk full"));
}

#[tokio::test]
async fn a_manager_configures_a_service_a_calendar_and_an_sla_with_forms() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    t.user("mona", "manager", None).await;
    t.user("arne", "agent", None).await;
    let mut agent = Browser::new(&t);
    agent.login("arne", "arne-password").await;
    assert_eq!(agent.get("/manage").await.status, 403);

    let mut b = Browser::new(&t);
    assert_eq!(
        b.login("mona", "mona-password").await.location.as_deref(),
        Some("/manage")
    );
    let dashboard = b.get("/manage").await;
    assert_eq!(dashboard.status, 200);
    // SLA compliance, volumes and backlog come from the reports; availability from outages.
    for heading in [
        "SLA compliance",
        "Volumes: opened, resolved and backlog",
        "Backlog aging",
    ] {
        assert!(dashboard.body.contains(heading), "{heading}");
    }
    assert!(
        dashboard
            .body
            .contains("Availability against target as a table")
    );
    assert!(!dashboard.body.contains("does not measure availability"));
    let csrf = csrf_of(&dashboard.body);
    let acme_id = acme.to_string();

    let made = b
        .post(
            "/manage/services",
            &[
                ("csrf", &csrf),
                ("name", "Mail"),
                ("status", "live"),
                ("criticality", "2"),
                ("availability_target_percent", "99.9"),
                ("customer_ids", &acme_id),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let services = t.get("/api/v1/services", &t.admin).await.body;
    assert_eq!(services["items"][0]["customer_ids"], json!([acme]));
    let service = services["items"][0]["id"].as_i64().unwrap().to_string();

    // A malformed day is named next to its field, and the input is kept.
    let bad = b
        .post(
            "/manage/calendars",
            &[
                ("csrf", &csrf),
                ("name", "Office"),
                ("time_zone", "Europe/Berlin"),
                ("mon", "09:00 to 17:00"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"ce-mon\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"09:00 to 17:00\""));
    let mut office = vec![
        ("csrf", csrf.as_str()),
        ("name", "Office"),
        ("time_zone", "Europe/Berlin"),
        ("holidays", "2026-12-25, 2026-12-26"),
    ];
    for day in ["mon", "tue", "wed", "thu", "fri"] {
        office.push((day, "09:00-12:00, 13:00-17:00"));
    }
    let made = b.post("/manage/calendars", &office).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let page = b.get("/manage/calendars").await;
    assert!(
        page.body
            .contains("Week preview: Working hours of Office (Europe/Berlin)")
    );
    assert!(page.body.contains("09:00–12:00, 13:00–17:00"));
    let calendar = t.get("/api/v1/calendars", &t.admin).await.body[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();

    let made = b
        .post(
            "/manage/slas",
            &[
                ("csrf", &csrf),
                ("name", "Mail office hours"),
                ("service_id", &service),
                ("calendar_id", &calendar),
                ("warning_percent", "75"),
                ("pause_customer", "yes"),
                ("P1_response", "0.5"),
                ("P1_resolution", "4"),
                ("P3_response", "4"),
                ("P3_resolution", "16"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let sla = &t.get("/api/v1/slas", &t.admin).await.body[0];
    assert_eq!(sla["targets"]["P1"]["response_seconds"], 1800);
    assert_eq!(sla["targets"]["P3"]["resolution_seconds"], 16 * 3600);
    assert_eq!(sla["pause"][0]["reasons"], json!(["customer"]));
    let list = b.get("/manage/slas").await;
    assert!(list.body.contains("Mail office hours"));
    assert!(list.body.contains("<td>Mail</td>") && list.body.contains("<td>Office</td>"));

    // Edit forms: prefilled, refused without the token, errors next to fields, saved.
    let edit = b.get(&format!("/manage/services/{service}")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("Edit the service"));
    assert!(edit.body.contains("value=\"99.9\""));
    assert!(edit.body.contains(&format!("value=\"{acme_id}\" checked")));
    let forged = b
        .post(
            &format!("/manage/services/{service}"),
            &[("csrf", "stale"), ("name", "Mail"), ("status", "live")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let bad = b
        .post(
            &format!("/manage/services/{service}"),
            &[
                ("csrf", &csrf),
                ("name", "Mail"),
                ("status", "live"),
                ("criticality", "lots"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"ce-criticality\""), "{}", bad.body);
    let saved = b
        .post(
            &format!("/manage/services/{service}"),
            &[
                ("csrf", &csrf),
                ("name", "Mail and calendar"),
                ("status", "live"),
                ("criticality", "1"),
                ("availability_target_percent", "99.95"),
                ("customer_ids", &acme_id),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let s = t
        .get(&format!("/api/v1/services/{service}"), &t.admin)
        .await
        .body;
    assert_eq!(s["name"], "Mail and calendar");
    assert_eq!(s["availability_target_percent"], 99.95);

    let edit = b.get(&format!("/manage/calendars/{calendar}")).await;
    assert!(edit.body.contains("value=\"09:00-12:00, 13:00-17:00\""));
    assert!(edit.body.contains("Week preview: Working hours of Office"));
    let mut changed = office.clone();
    changed.push(("sat", "10:00 until 12:00"));
    let bad = b
        .post(&format!("/manage/calendars/{calendar}"), &changed)
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"ce-sat\""));
    changed.pop();
    changed.push(("sat", "10:00-12:00"));
    let saved = b
        .post(&format!("/manage/calendars/{calendar}"), &changed)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let c = t
        .get(&format!("/api/v1/calendars/{calendar}"), &t.admin)
        .await
        .body;
    assert_eq!(c["hours"]["sat"], json!([["10:00", "12:00"]]));

    let sla_id = sla["id"].as_i64().unwrap();
    let edit = b.get(&format!("/manage/slas/{sla_id}")).await;
    assert!(
        edit.body.contains(
            "id=\"c-P1_response\" name=\"P1_response\" value=\"0.5\" inputmode=\"decimal\""
        ),
        "{}",
        edit.body
    );
    let saved = b
        .post(
            &format!("/manage/slas/{sla_id}"),
            &[
                ("csrf", &csrf),
                ("name", "Mail office hours"),
                ("service_id", &service),
                ("calendar_id", &calendar),
                ("warning_percent", "75"),
                ("pause_customer", "yes"),
                ("P1_response", "0.5"),
                ("P1_resolution", "6"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let s = t
        .get(&format!("/api/v1/slas/{sla_id}"), &t.admin)
        .await
        .body;
    assert_eq!(s["targets"]["P1"]["resolution_seconds"], 6 * 3600);
    assert!(s["targets"]["P3"].is_null());
    assert_eq!(s["pause"][0]["reasons"], json!(["customer"]));

    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let saved = b
        .post(
            &format!("/manage/teams/{team}"),
            &[
                ("csrf", &csrf),
                ("name", "Service desk"),
                ("email", "desk@example.com"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let team_now = t.get(&format!("/api/v1/teams/{team}"), &t.admin).await.body;
    assert_eq!(team_now["email"], "desk@example.com");

    let users = t.get("/api/v1/users", &t.admin).await.body;
    let arne = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "arne")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // Changing users is for admins (the app's rule); a manager is told so.
    let mut admin = Browser::new(&t);
    admin.login("admin", ADMIN_PASSWORD).await;
    let edit = admin.get(&format!("/manage/users/{arne}")).await;
    let csrf = csrf_of(&edit.body);
    assert!(edit.body.contains("name=\"active\" value=\"yes\" checked"));
    let saved = admin
        .post(
            &format!("/manage/users/{arne}"),
            &[
                ("csrf", &csrf),
                ("display_name", "Arne A."),
                ("role", "agent"),
                ("organization_id", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let u = t.get(&format!("/api/v1/users/{arne}"), &t.admin).await.body;
    assert_eq!(u["display_name"], "Arne A.");
    assert_eq!(u["active"], false, "unticked deactivates");
}

#[tokio::test]
async fn a_manager_reads_reports_and_keeps_report_definitions_with_snapshots_and_actions() {
    let t = TestApp::spawn().await;
    t.user("mona", "manager", None).await;
    t.user("arne", "agent", None).await;
    let made = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Printer jam", "impact": "low", "urgency": "low"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);

    // Manager screens are not for agents.
    let mut agent = Browser::new(&t);
    agent.login("arne", "arne-password").await;
    for path in [
        "/manage/reports",
        "/manage/reports/sla-compliance",
        "/manage/report-definitions",
    ] {
        assert_eq!(agent.get(path).await.status, 403, "{path}");
    }

    let mut b = Browser::new(&t);
    b.login("mona", "mona-password").await;
    let list = b.get("/manage/reports").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body
            .contains("href=\"/manage/reports/sla-compliance\"")
    );
    assert_eq!(b.get("/manage/reports/no-such-report").await.status, 404);

    let volumes = b.get("/manage/reports/volumes?grouping=day&kind=").await;
    assert_eq!(volumes.status, 200, "{}", volumes.body);
    assert!(
        volumes
            .body
            .contains("role=\"img\" aria-labelledby=\"cap-report\"")
    );
    assert!(volumes.body.contains("<figcaption id=\"cap-report\">"));
    assert!(
        volumes.body.contains("on the previous period") || volumes.body.contains("previous period")
    );
    assert!(
        volumes
            .body
            .contains("/api/v1/reports/volumes?format=csv&#38;grouping=day"),
        "{}",
        volumes.body
    );
    // The export link works with the session cookie.
    let csv = b
        .get("/api/v1/reports/volumes?format=csv&grouping=day")
        .await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("Period,"), "{}", csv.body);

    // A bad period is named next to its field.
    let bad = b
        .get("/manage/reports/sla-compliance?from=yesterday&by=service")
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"fe-from\""), "{}", bad.body);
    assert!(bad.body.contains("value=\"yesterday\""));

    // Report definitions: CSRF, field errors, create, edit, generate, record an action.
    let page = b.get("/manage/report-definitions").await;
    assert_eq!(page.status, 200);
    let csrf = csrf_of(&page.body);
    let forged = b
        .post(
            "/manage/report-definitions",
            &[
                ("csrf", "forged"),
                ("name", "Weekly"),
                ("audience", "Board"),
                ("reports", "volumes"),
                ("cadence", "weekly"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    let refused = b
        .post(
            "/manage/report-definitions",
            &[
                ("csrf", &csrf),
                ("name", ""),
                ("audience", "Board"),
                ("cadence", "weekly"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"ce-name\""), "{}", refused.body);
    assert!(refused.body.contains("id=\"ce-reports\""));
    assert!(refused.body.contains("value=\"Board\""));
    assert!(
        b.get("/manage/report-definitions")
            .await
            .body
            .contains("None yet."),
        "nothing created"
    );
    let made = b
        .post(
            "/manage/report-definitions",
            &[
                ("csrf", &csrf),
                ("name", "Weekly service review"),
                ("audience", "Service review board"),
                ("reports", "sla-compliance"),
                ("reports", "volumes"),
                ("cadence", "weekly"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let at = made.location.unwrap();
    assert!(at.starts_with("/manage/report-definitions/"), "{at}");
    let edit = b.get(&at).await;
    assert!(edit.body.contains("value=\"Weekly service review\""));
    assert!(edit.body.contains("value=\"volumes\" checked"));
    let saved = b
        .post(
            &at,
            &[
                ("csrf", &csrf),
                ("name", "Weekly service review"),
                ("audience", "Service review board and Acme"),
                ("reports", "sla-compliance"),
                ("reports", "volumes"),
                ("cadence", "weekly"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert!(
        b.get(&at)
            .await
            .body
            .contains("Service review board and Acme")
    );

    let run = b.post(&format!("{at}/run"), &[("csrf", &csrf)]).await;
    assert_eq!(run.status, 303, "{}", run.body);
    let snapshot_at = run.location.unwrap();
    assert!(snapshot_at.starts_with("/manage/report-snapshots/"));
    let snapshot = b.get(&snapshot_at).await;
    assert_eq!(snapshot.status, 200);
    assert!(snapshot.body.contains("SHA-256"));
    assert!(
        snapshot
            .body
            .contains("<h2 id=\"rep-1\">SLA compliance</h2>")
    );
    assert!(
        snapshot
            .body
            .contains("Volumes: opened, resolved and backlog")
    );
    assert!(b.get(&at).await.body.contains(&snapshot_at));

    let actions = format!("{snapshot_at}/actions");
    let bad = b
        .post(
            &actions,
            &[
                ("csrf", &csrf),
                ("kind", "action"),
                ("text", "Review P3 targets"),
                ("due_date", "next week"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("id=\"fe-due_date\""), "{}", bad.body);
    assert!(bad.body.contains("Review P3 targets"));
    let ok = b
        .post(
            &actions,
            &[
                ("csrf", &csrf),
                ("kind", "decision"),
                ("text", "Review P3 targets"),
                ("due_date", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    let shown = b.get(&snapshot_at).await;
    assert!(
        shown
            .body
            .contains("<td class=\"pre\">Review P3 targets</td>")
    );
    assert!(shown.body.contains("2026-12-31"));
}

#[tokio::test]
async fn an_approver_approves_or_rejects_a_request_on_its_record_page() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (approver_id, _) = t.user("paula", "agent", None).await;
    t.user("arne", "agent", None).await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Workplace"}))
        .await
        .id();
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Workplace IT", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    let entry = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "Workplace", "published": true}),
        )
        .await
        .id();
    let item = t
        .post(
            &format!("/api/v1/catalogue/{entry}/items"),
            &t.admin,
            json!({"name": "New laptop", "form": [], "approval": {"by": "users", "user_ids": [approver_id]}, "fulfilment_team_id": team}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let raise = || async {
        let r = t
            .post(
                "/api/v1/requests",
                &customer,
                json!({"catalogue_item_id": item.id(), "answers": {}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    };
    let first = raise().await;
    let second = raise().await;
    let page_of = |id: i64| format!("/requests/{id}");

    // Someone who is not an approver is told so on the record; nothing changes.
    let mut arne = Browser::new(&t);
    arne.login("arne", "arne-password").await;
    let record = arne.get(&page_of(first)).await;
    assert!(record.body.contains(">Approve</button>"));
    let csrf = csrf_of(&record.body);
    let no = arne
        .post(
            &format!("/requests/{first}/approval"),
            &[("csrf", &csrf), ("decision", "approve")],
        )
        .await;
    assert_eq!(no.status, 303);
    assert!(
        arne.get(&page_of(first))
            .await
            .body
            .contains("only the approvers")
    );

    let mut paula = Browser::new(&t);
    paula.login("paula", "paula-password").await;
    let csrf = csrf_of(&paula.get(&page_of(first)).await.body);
    let forged = paula
        .post(
            &format!("/requests/{first}/approval"),
            &[("csrf", "x"), ("decision", "approve")],
        )
        .await;
    assert_eq!(forged.status, 403);
    // Rejecting needs a reason.
    let why = paula
        .post(
            &format!("/requests/{second}/approval"),
            &[("csrf", &csrf), ("decision", "reject"), ("comment", " ")],
        )
        .await;
    assert_eq!(why.status, 303);
    assert!(
        paula
            .get(&page_of(second))
            .await
            .body
            .contains("say why the request is rejected")
    );
    let status = |id: i64| {
        let t = &t;
        async move {
            t.get(&format!("/api/v1/requests/{id}"), &t.admin)
                .await
                .body["status"]
                .clone()
        }
    };
    assert_eq!(status(first).await, "awaiting_approval");
    assert_eq!(status(second).await, "awaiting_approval");

    let yes = paula
        .post(
            &format!("/requests/{first}/approval"),
            &[
                ("csrf", &csrf),
                ("decision", "approve"),
                ("comment", "Budget ok"),
            ],
        )
        .await;
    assert_eq!(yes.status, 303);
    assert!(
        paula
            .get(&page_of(first))
            .await
            .body
            .contains("was approved")
    );
    assert_ne!(status(first).await, "awaiting_approval");
    let rejected = paula
        .post(
            &format!("/requests/{second}/approval"),
            &[
                ("csrf", &csrf),
                ("decision", "reject"),
                ("comment", "Not in budget"),
            ],
        )
        .await;
    assert_eq!(rejected.status, 303);
    assert_ne!(status(second).await, "awaiting_approval");
    assert!(
        !paula
            .get(&page_of(second))
            .await
            .body
            .contains(">Approve</button>")
    );
}

#[tokio::test]
async fn staff_run_a_major_incident_and_a_supplier_engagement_from_the_record_page() {
    let t = TestApp::spawn().await;
    let (arne_id, _) = t.user("arne", "agent", None).await;
    let supplier = t
        .post("/api/v1/suppliers", &t.admin, json!({"name": "Telco"}))
        .await
        .id();
    let mut targets = serde_json::Map::new();
    for p in ["P1", "P2", "P3", "P4", "P5"] {
        targets.insert(
            p.into(),
            json!({"response_seconds": 3600, "resolution_seconds": 36_000}),
        );
    }
    let uc = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Telco UC", "level": "underpinning_contract", "supplier_id": supplier,
                   "targets": targets}),
        )
        .await;
    assert_eq!(uc.status, 201, "{}", uc.body);
    let incident = |title: &str| {
        let t = &t;
        let title = title.to_owned();
        async move {
            let r = t
                .post(
                    "/api/v1/incidents",
                    &t.admin,
                    json!({"title": title, "impact": "high", "urgency": "high"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.id()
        }
    };
    let main = incident("Core network down").await;
    let child = incident("Branch office offline").await;
    let page = format!("/incidents/{main}");

    let mut b = Browser::new(&t);
    b.login("arne", "arne-password").await;
    let record = b.get(&page).await;
    assert!(record.body.contains("Declare major incident"));
    let csrf = csrf_of(&record.body);
    let owner = arne_id.to_string();

    // Without its token the form is refused; without an owner it says so on the record.
    let forged = b
        .post(
            &format!("{page}/major"),
            &[("csrf", "x"), ("owner_id", &owner)],
        )
        .await;
    assert_eq!(forged.status, 403);
    let none = b
        .post(
            &format!("{page}/major"),
            &[("csrf", &csrf), ("owner_id", "")],
        )
        .await;
    assert_eq!(none.status, 303);
    assert!(
        b.get(&page)
            .await
            .body
            .contains("choose the major-incident manager")
    );
    let declared = b
        .post(
            &format!("{page}/major"),
            &[
                ("csrf", &csrf),
                ("owner_id", &owner),
                ("reason", "All sites"),
            ],
        )
        .await;
    assert_eq!(declared.status, 303);
    let record = b.get(&page).await;
    assert!(
        record.body.contains("Managed by <strong>arne"),
        "{}",
        record.body
    );
    assert!(record.body.contains("Branch office offline"));

    let child_id = child.to_string();
    let attached = b
        .post(
            &format!("{page}/children"),
            &[("csrf", &csrf), ("incident_ids", &child_id)],
        )
        .await;
    assert_eq!(attached.status, 303);
    let c = t.get(&format!("/api/v1/incidents/{child}"), &t.admin).await;
    assert_eq!(c.body["parent_id"], main);
    assert!(
        b.get(&format!("/incidents/{child}"))
            .await
            .body
            .contains("Part of major incident")
    );

    let blank = b
        .post(
            &format!("{page}/notify"),
            &[
                ("csrf", &csrf),
                ("audience", "Board"),
                ("channel", "phone"),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(blank.status, 303);
    assert!(
        b.get(&page)
            .await
            .body
            .contains("Could not record the notification")
    );
    b.post(
        &format!("{page}/notify"),
        &[
            ("csrf", &csrf),
            ("audience", "Executive board"),
            ("channel", "phone"),
            ("message", "All sites down, ETA 2 h"),
        ],
    )
    .await;
    let reviewed = b
        .post(
            &format!("{page}/review"),
            &[
                ("csrf", &csrf),
                ("what_happened", "Core switch failed"),
                ("cause", "Firmware bug"),
                ("actions", "Update firmware\nAdd a spare"),
            ],
        )
        .await;
    assert_eq!(reviewed.status, 303);
    let record = b.get(&page).await;
    assert!(record.body.contains("All sites down, ETA 2 h"));
    assert!(record.body.contains("<li>Add a spare</li>"));
    assert!(
        !record
            .body
            .contains("Required before the incident can be closed")
    );

    // A supplier: engaged, its contract's clocks shown in words, acknowledged, released.
    let supplier_id = supplier.to_string();
    let engaged = b
        .post(
            &format!("{page}/supplier"),
            &[
                ("csrf", &csrf),
                ("supplier_id", &supplier_id),
                ("reference", "T-77"),
            ],
        )
        .await;
    assert_eq!(engaged.status, 303);
    let record = b.get(&page).await;
    assert!(
        record
            .body
            .contains("Engaged with Telco (their reference T-77)"),
        "{}",
        record.body
    );
    assert!(record.body.contains("Underpinning contract Telco UC"));
    assert!(record.body.contains("not acknowledged yet"));
    assert!(record.body.contains("Running"));
    b.post(&format!("{page}/supplier/acknowledge"), &[("csrf", &csrf)])
        .await;
    assert!(b.get(&page).await.body.contains("acknowledged 20"));
    b.post(&format!("{page}/supplier/release"), &[("csrf", &csrf)])
        .await;
    let record = b.get(&page).await;
    assert!(record.body.contains("Engage supplier"));
    assert!(record.body.contains("Met") || record.body.contains("Breached"));
}

#[tokio::test]
async fn a_clock_outside_service_hours_says_so_and_a_met_clock_says_what_it_took() {
    // Saturday 19 December 2026, 11:00 in Berlin: the office is closed until Monday 09:00.
    let (t, clock) = TestApp::spawn_at("2026-12-19T10:00:00Z".parse().unwrap()).await;
    let day = json!([["09:00", "17:00"]]);
    let calendar = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "Office", "time_zone": "Europe/Berlin",
                   "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day}}),
        )
        .await
        .id();
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Office hours", "service_id": service, "calendar_id": calendar,
                   "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 14400}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Mail bounces", "service_id": service}),
        )
        .await
        .id();
    let shown = t
        .get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .body;
    assert_eq!(shown["sla"]["in_service_hours"], false, "{}", shown["sla"]);
    assert_eq!(
        shown["sla"]["service_hours_change_at"],
        "2026-12-21T08:00:00Z"
    );
    t.user("arne", "agent", None).await;
    let mut b = Browser::new(&t);
    b.login("arne", "arne-password").await;
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("outside service hours"), "{}", page.body);
    assert!(page.body.contains("data-running=\"false\""));
    assert!(
        page.body
            .contains("<time datetime=\"2026-12-21T08:00:00Z\">")
    );

    // Monday 09:20: the hours are open until 17:00, and the page may count down until then.
    clock.set("2026-12-21T08:20:00Z".parse().unwrap());
    // The Saturday session has expired by Monday.
    b.login("arne", "arne-password").await;
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(
        page.body
            .contains("data-running=\"true\" data-until=\"1797868800\""),
        "{}",
        page.body
    );
    // A public reply at 09:20 meets the response target after 20 minutes of business time.
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/comments"),
            &t.admin,
            json!({"body": "We are on it."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(
        page.body
            .contains("Met: took <strong>20 min</strong> of 1 h"),
        "{}",
        page.body
    );
}
