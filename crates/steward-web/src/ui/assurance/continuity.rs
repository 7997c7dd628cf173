//! A service's continuity plans (8.7.2): the list with a create form, and each plan's page —
//! the version shown, approval, its version history, an edit form (a new draft when the plan
//! is approved), its tests with a form to record one, and links to the off-site export.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill, label_of, read};
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{
    FormSpec, LinkColumn, ListPage, id_of, input, invalid, parse_form, refused_form,
    require_manager,
};
use crate::ui::{FormData, Layout, REFUSAL, Ui, UiError, UiResult, now, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::assurance::continuity::{
    ContinuityPlan, ContinuityPlanDetail, ContinuityPlanInput, ContinuityPlanPatch, ContinuityTest,
    ContinuityTestInput, DEFAULT_TEST_INTERVAL_DAYS, PlanStatus, PlanVersion, TestResult,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/services/{id}/continuity", get(list).post(create))
        .route(
            "/manage/services/{id}/continuity/{plan}",
            get(show).post(update),
        )
        .route(
            "/manage/services/{id}/continuity/{plan}/approve",
            post(approve),
        )
        .route(
            "/manage/services/{id}/continuity/{plan}/tests",
            post(record_test),
        )
}

fn plan_groups(staff: Vec<(i64, String)>) -> Vec<Group> {
    let duration = "A duration like 30m, 4h, 1h 30m or 2d.";
    vec![
        Group::plain(vec![
            Field::text("title", "Title")
                .required()
                .hint("What the plan covers, for example: loss of the primary data centre."),
            Field::new("owner_id", "Owner", Input::Pick(staff, "Choose…")).required(),
        ]),
        Group::titled(
            "Objectives and testing",
            vec![
                Field::text("rto", "Recovery time objective (RTO)")
                    .required()
                    .hint(format!(
                        "How long the service may take to recover. {duration}"
                    )),
                Field::text("rpo", "Recovery point objective (RPO)")
                    .required()
                    .hint(format!("How much data, as time, may be lost. {duration}")),
                Field::new("test_interval_days", "Test interval in days", Input::Number)
                    .hint("A test is due this many days after the last one; 365 for a new plan left blank."),
            ],
        ),
        Group::titled(
            "The plan",
            vec![
                Field::new("invocation_criteria", "Invocation criteria", Input::Long)
                    .hint("When the plan is invoked, and who decides."),
                Field::new("roles_contacts", "Roles and contacts", Input::Long)
                    .hint("Who does what, and how to reach them when systems are down."),
                Field::new("recovery_steps", "Recovery steps", Input::Long),
                Field::new("return_to_normal", "Return to normal", Input::Long),
            ],
        ),
    ]
}

fn test_groups(versions: &[PlanVersion]) -> Vec<Group> {
    let results = TestResult::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), status_label(r.as_str())))
        .collect();
    let versions = versions
        .iter()
        .map(|v| {
            (
                v.version,
                format!("Version {} ({})", v.version, v.status.as_str()),
            )
        })
        .collect();
    vec![Group::plain(vec![
        Field::text("tested_on", "Date tested")
            .required()
            .hint("YYYY-MM-DD, not in the future."),
        Field::new(
            "version",
            "Version tested",
            Input::Pick(versions, "The approved version (else the latest)"),
        ),
        Field::new("scenario", "Scenario", Input::Long)
            .required()
            .hint("What was simulated, for example: the primary site loses power."),
        Field::text("achieved_recovery", "Achieved recovery time")
            .hint("How long recovery took, like 3h 20m; blank if not measured."),
        Field::text("achieved_data_loss", "Achieved data loss")
            .hint("How much data was lost, as time, like 10m; blank if not measured."),
        Field::new("result", "Result", Input::Choice(results)).required(),
        Field::new("deficiencies", "Deficiencies", Input::Long)
            .hint("What fell short; needed unless the test passed."),
        Field::new("follow_up_actions", "Follow-up actions", Input::Long),
    ])]
}

fn base(service: i64) -> String {
    format!("/manage/services/{service}/continuity")
}

/// "Approved, version 2", "Draft version 3 (version 2 in force)".
fn status_text(p: &ContinuityPlan) -> String {
    match (p.latest.status, p.approved_version) {
        (PlanStatus::Draft, Some(a)) => {
            format!("Draft version {} (version {a} in force)", p.latest.version)
        }
        (PlanStatus::Draft, None) => format!("Draft version {}, not approved", p.latest.version),
        (_, _) => format!("Approved, version {}", p.latest.version),
    }
}

fn due_text(p: &ContinuityPlan) -> String {
    match (&p.next_test_due, p.test_overdue) {
        (Some(d), true) => format!("{d} (overdue)"),
        (Some(d), false) => d.clone(),
        (None, _) => "Once approved".into(),
    }
}

async fn list_page(state: &AppState, ui: &Ui, service: i64) -> Result<ListPage, UiError> {
    require_manager(ui)?;
    let s = state.app.get_service(&ui.actor, service).await?;
    let mut page = ListPage::new(ui, "Continuity plans", "services");
    page.l.title = format!("{}: continuity plans", s.name);
    page.base = base(service);
    page.intro = Some(format!(
        "Service {}. A continuity plan says when it is invoked, who does what, how the service recovers within its recovery time objective (RTO) losing no more data than its recovery point objective (RPO), and how it returns to normal. A manager approves each version; editing an approved plan makes a new draft. A plan is tested at its interval: the next test is due that many days after the last test, or after its first approval while it was never tested.",
        s.name
    ));
    page.related = vec![(
        format!("/manage/services/{service}/outages"),
        "Outages and availability".into(),
    )];
    page.headers = vec![
        "Plan",
        "Status",
        "RTO",
        "RPO",
        "Last tested",
        "Next test due",
    ];
    let mut open = LinkColumn::new("Details");
    for p in state.app.list_continuity_plans(&ui.actor, service).await? {
        open.push(
            format!("{}/{}", page.base, p.id),
            "Details",
            p.test_overdue.then(|| "Test overdue".to_owned()),
        );
        page.rows.push(vec![
            p.latest.title.clone(),
            status_text(&p),
            p.latest.rto.clone(),
            p.latest.rpo.clone(),
            p.last_tested_on.clone().unwrap_or_else(|| "Never".into()),
            due_text(&p),
        ]);
    }
    page.link_columns = vec![open];
    let staff = choices::staff(state, ui).await;
    page.form = Some(FormSpec::new("continuity plan", plan_groups(staff)));
    page.values = FormData(vec![(
        "test_interval_days".into(),
        DEFAULT_TEST_INTERVAL_DAYS.to_string(),
    )]);
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    Ok(ui.page(&list_page(&state, &ui, id_of(&id)?).await?))
}

async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let service = id_of(&id)?;
    let page = list_page(&state, &ui, service).await?;
    let result = match parse_form::<ContinuityPlanInput>(&page, &form) {
        Ok(input) => {
            state
                .app
                .create_continuity_plan(&ui.actor, service, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => Ok(see_other(
            &format!("{}/{}", page.base, p.plan.id),
            &format!(
                "The plan {} was created as draft version 1; a manager approves it.",
                p.plan.latest.title
            ),
        )),
        Err(AppError::Invalid(i)) => refused_form(&ui, page, form, &i.0),
        Err(e) => Err(e.into()),
    }
}

/// One test as a table row's cells.
struct TestRow {
    t: ContinuityTest,
    recovery: String,
    data_loss: String,
}

fn against(achieved: &Option<String>, objective: i64, met: Option<bool>) -> String {
    let objective = steward_domain::assurance::continuity::format_duration(objective);
    match (achieved, met) {
        (Some(a), Some(true)) => format!("{a}: met (objective {objective})"),
        (Some(a), Some(false)) => format!("{a}: missed (objective {objective})"),
        _ => format!("Not measured (objective {objective})"),
    }
}

#[derive(Template)]
#[template(path = "continuity_plan.html")]
struct PlanPage {
    l: Layout,
    section: &'static str,
    base: String,
    p: ContinuityPlanDetail,
    /// The version shown: the latest, or the one asked for.
    shown: PlanVersion,
    owner: String,
    /// (RFC 3339, in the reader's zone, by whom) of the shown version's approval.
    approved: Option<(String, String, String)>,
    /// Each version, when it last changed and when it was approved, in the reader's zone.
    versions: Vec<(PlanVersion, String, String)>,
    tests: Vec<TestRow>,
    plan_groups: Vec<Group>,
    test_groups: Vec<Group>,
    values: FormData,
    errors: FieldErrors,
    /// Which form the errors are for: `plan`, `approve` or `test`.
    refused: &'static str,
}

impl PlanPage {
    fn label_of(&self, name: &str) -> String {
        let mut all = self.plan_groups.clone();
        all.extend(self.test_groups.clone());
        label_of(&all, name)
    }

    fn shown_status(&self) -> &'static str {
        match self.shown.status {
            PlanStatus::Draft => "draft",
            PlanStatus::Approved => "approved, in force",
            PlanStatus::Superseded => "superseded",
        }
    }

    fn result_label(&self, r: &TestResult) -> String {
        status_label(r.as_str())
    }
}

#[derive(serde::Deserialize)]
struct ShowQuery {
    version: Option<i64>,
}

async fn plan_page(
    state: &AppState,
    ui: &Ui,
    service: i64,
    plan: i64,
    version: Option<i64>,
) -> Result<PlanPage, UiError> {
    require_manager(ui)?;
    let p = state
        .app
        .get_continuity_plan(&ui.actor, service, plan)
        .await?;
    let staff = choices::staff(state, ui).await;
    let name = |id: Option<i64>| {
        id.map(|id| {
            staff
                .iter()
                .find(|(s, _)| *s == id)
                .map_or_else(|| format!("user #{id}"), |(_, n)| n.clone())
        })
    };
    let shown = match version {
        Some(v) => p
            .versions
            .iter()
            .find(|x| x.version == v)
            .cloned()
            .ok_or(UiError::NotFound)?,
        None => p.plan.latest.clone(),
    };
    let approved = shown.approved_at.as_ref().map(|at| {
        (
            at.clone(),
            ui.local(at),
            name(shown.approved_by).unwrap_or_default(),
        )
    });
    let versions = p
        .versions
        .iter()
        .map(|v| {
            let approved = v.approved_at.as_deref().map(|a| ui.local(a));
            (
                v.clone(),
                ui.local(&v.updated_at),
                approved.unwrap_or_default(),
            )
        })
        .collect();
    let tests = p
        .tests
        .iter()
        .map(|t| TestRow {
            recovery: against(&t.achieved_recovery, t.rto_seconds, t.recovery_met),
            data_loss: against(&t.achieved_data_loss, t.rpo_seconds, t.data_loss_met),
            t: t.clone(),
        })
        .collect();
    let mut values = fill(
        &serde_json::to_value(&p.plan).unwrap_or_default(),
        &plan_groups(Vec::new()),
    );
    values.0.extend(test_defaults(state, ui));
    let mut l = ui.layout(
        format!("Continuity plan: {}", p.plan.latest.title),
        "manage",
    );
    l.title = format!("{}: {}", p.plan.service_name, p.plan.latest.title);
    Ok(PlanPage {
        l,
        section: "services",
        base: format!("{}/{}", base(service), plan),
        owner: name(Some(shown.owner_id)).unwrap_or_default(),
        approved,
        versions,
        tests,
        test_groups: test_groups(&p.versions),
        plan_groups: plan_groups(staff.clone()),
        values,
        errors: FieldErrors::default(),
        refused: "",
        shown,
        p,
    })
}

/// A form read through `groups` as the API's JSON input `T`.
fn parse<T: serde::de::DeserializeOwned>(groups: &[Group], form: &FormData) -> Result<T, AppError> {
    let json = read(form, groups).map_err(invalid)?;
    input::<T>(serde_json::Value::Object(json)).map_err(invalid)
}

/// The test form's starting values: today in the reader's zone, a passed result.
fn test_defaults(state: &AppState, ui: &Ui) -> Vec<(String, String)> {
    let today = now(state).to_zoned_datetime(ui.zone()).date();
    vec![
        ("tested_on".into(), today.to_string()),
        ("result".into(), "passed".into()),
    ]
}

/// The page again with a form's refused input, answered 422.
fn refused(
    ui: &Ui,
    mut page: PlanPage,
    which: &'static str,
    form: FormData,
    errors: &[FieldError],
) -> UiResult {
    // The other form keeps its values; the refused one shows what was sent.
    let names: Vec<String> = match which {
        "test" => &page.test_groups,
        _ => &page.plan_groups,
    }
    .iter()
    .flat_map(|g| g.fields.iter().map(|f| f.name.clone()))
    .collect();
    if which != "approve" {
        page.values.0.retain(|(k, _)| !names.contains(k));
        page.values
            .0
            .extend(form.0.into_iter().filter(|(k, _)| names.contains(k)));
    }
    page.errors = FieldErrors::from_list(errors);
    page.refused = which;
    let mut response = ui.page(&page);
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

async fn show(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, plan)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> UiResult {
    let page = plan_page(&state, &ui, id_of(&id)?, id_of(&plan)?, q.version).await?;
    Ok(ui.page(&page))
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, plan)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (service, plan) = (id_of(&id)?, id_of(&plan)?);
    let page = plan_page(&state, &ui, service, plan, None).await?;
    // Every field is sent: a blank text clears it, as `null` does in the API.
    let result = match parse::<ContinuityPlanPatch>(&page.plan_groups, &form) {
        Ok(patch) => {
            state
                .app
                .update_continuity_plan(&ui.actor, service, plan, patch)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(p) => {
            let v = &p.plan.latest;
            let done = match p.plan.approved_version {
                Some(a) if a != v.version => format!(
                    "Saved as draft version {}; version {a} stays in force until it is approved.",
                    v.version
                ),
                _ => format!("Draft version {} was saved.", v.version),
            };
            // The form's action named its own place on the page; the answer starts at the top.
            Ok(see_other(&format!("{}#", page.base), &done))
        }
        Err(AppError::Invalid(i)) => refused(&ui, page, "plan", form, &i.0),
        Err(e) => Err(e.into()),
    }
}

async fn approve(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, plan)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (service, plan) = (id_of(&id)?, id_of(&plan)?);
    let page = plan_page(&state, &ui, service, plan, None).await?;
    match state
        .app
        .approve_continuity_plan(&ui.actor, service, plan)
        .await
    {
        Ok(p) => Ok(see_other(
            &format!("{}#", page.base),
            &format!(
                "Version {} was approved and is now in force.",
                p.plan.latest.version
            ),
        )),
        Err(AppError::Invalid(i)) => refused(&ui, page, "approve", form, &i.0),
        Err(AppError::Conflict { message, .. }) => Ok(see_other(
            &format!("{}#", page.base),
            &format!("{REFUSAL}{message}"),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn record_test(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, plan)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (service, plan) = (id_of(&id)?, id_of(&plan)?);
    let page = plan_page(&state, &ui, service, plan, None).await?;
    let result = match parse::<ContinuityTestInput>(&page.test_groups, &form) {
        Ok(input) => {
            state
                .app
                .record_continuity_test(&ui.actor, service, plan, input)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(t) => Ok(see_other(
            &format!("{}#tests-h", page.base),
            &format!(
                "The test of {} was recorded: {}.",
                t.tested_on,
                status_label(t.result.as_str()).to_lowercase()
            ),
        )),
        Err(AppError::Invalid(i)) => refused(&ui, page, "test", form, &i.0),
        Err(e) => Err(e.into()),
    }
}
