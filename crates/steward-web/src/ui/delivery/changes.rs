//! The change screens: the list with filters and the create form (the shared list page), the
//! edit form, and a change's page with its lifecycle actions (8.5.1).
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{self, Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, id_of, input, invalid, opt, saved};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, action_outcome, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use steward_app::AppError;
use steward_domain::delivery::change::{Change, ChangeInput, ChangePatch, ChangeStatus};
use steward_domain::delivery::change_policy::RiskQuestionnaire;

const BASE: &str = "/manage/changes";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route("/manage/changes/{id}", get(edit).post(update))
        .route("/manage/changes/{id}/view", get(show))
        .route("/manage/changes/{id}/act/{action}", post(act))
}

fn may_read(ui: &Ui) -> Result<(), UiError> {
    if ui.staff() {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

fn choice(values: &[&str]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| ((*v).to_owned(), status_label(v)))
        .collect()
}

/// The form's fields; a new change also picks its type and template. Each risk question is a
/// choice named `risk.<key>`, gathered into `risk_answers` when the form is read.
async fn groups(
    state: &AppState,
    ui: &Ui,
    creating: bool,
    q: &RiskQuestionnaire,
) -> Result<Vec<Group>, UiError> {
    let mut main = Vec::new();
    if creating {
        let templates = state
            .app
            .change_templates(&ui.actor)
            .await?
            .into_iter()
            .filter(|t| t.active)
            .map(|t| (t.id, t.name))
            .collect();
        main.push(
            Field::new(
                "change_type",
                "Type",
                Input::Choice(choice(&["normal", "standard", "emergency"])),
            )
            .required(),
        );
        main.push(
            Field::new(
                "template_id",
                "Standard-change template",
                Input::Pick(templates, "None"),
            )
            .hint("A standard change comes from a template, which supplies its plans."),
        );
    }
    let cis = state
        .app
        .list_cis(&ui.actor, Default::default(), Default::default())
        .await?
        .items
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    main.extend([
        Field::text("title", "Title").required(),
        Field::text("category", "Category"),
        Field::new("description", "Description", Input::Long),
        Field::new("justification", "Justification", Input::Long),
        Field::new(
            "service_change",
            "Service change",
            Input::Choice(choice(&["none", "new", "removed"])),
        )
        .hint("A new or removed service makes this a major change: it needs a design and transition record."),
        Field::new(
            "service_ids",
            "Affected services",
            Input::Many(choices::services(state, ui).await),
        ),
        Field::new("ci_ids", "Affected CIs", Input::Many(cis))
            .hint("The services depending on them count towards the impact."),
        Field::new("implementation_plan", "Implementation plan", Input::Long),
        Field::new("test_plan", "Test plan", Input::Long),
        Field::new("backout_plan", "Back-out plan", Input::Long),
        Field::text("planned_start", "Planned start").hint(format!(
            "A date and time in {}, for example 2026-06-01 20:00.",
            ui.zone_name()
        )),
        Field::text("planned_end", "Planned end").hint("After the planned start, in the same form."),
        Field::new("planned_outage", "Open a planned outage while implementing", Input::Check)
            .hint("Starting the change opens a planned outage on each affected service; completing it ends them."),
    ]);
    let risk = q
        .questions
        .iter()
        .map(|question| {
            let options = std::iter::once((String::new(), "Not answered".to_owned()))
                .chain(
                    question
                        .answers
                        .iter()
                        .enumerate()
                        .map(|(i, a)| (i.to_string(), a.label.clone())),
                )
                .collect();
            Field::new(
                format!("risk.{}", question.key),
                question.text.clone(),
                Input::Choice(options),
            )
        })
        .collect();
    Ok(vec![
        Group::plain(main),
        Group {
            legend: Some("Risk assessment".into()),
            fields: risk,
        },
    ])
}

/// The planned window, entered and shown in the reader's time zone.
const PLANNED: [&str; 2] = ["planned_start", "planned_end"];

/// The form as the API's JSON, with the planned window turned into instants and the risk
/// choices gathered into `risk_answers` (left out when none is chosen, so an edit keeps the
/// recorded answers).
fn read<T: serde::de::DeserializeOwned>(
    ui: &Ui,
    page: &ListPage,
    form: &FormData,
) -> Result<T, AppError> {
    let mut json = fields::read(form, page.groups()).map_err(invalid)?;
    let errors = ui.instants_in(&mut json, &PLANNED);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let mut out = Map::new();
    let mut answers = Vec::new();
    for (k, v) in json {
        match k.strip_prefix("risk.") {
            Some(key) => {
                if let Some(i) = v.as_str().and_then(|s| s.parse::<i64>().ok()) {
                    answers.push(json!({"question": key, "answer": i}));
                }
            }
            None => {
                out.insert(k, v);
            }
        }
    }
    if !answers.is_empty() {
        out.insert("risk_answers".into(), Value::Array(answers));
    }
    input::<T>(Value::Object(out)).map_err(invalid)
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListQuery {
    status: Option<String>,
}

async fn list_page(
    state: &AppState,
    ui: &Ui,
    status: Option<ChangeStatus>,
    editing: Option<i64>,
) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Changes", "changes");
    page.intro = Some(
        "Requests for change from draft through assessment, approval, scheduling and implementation to review."
            .into(),
    );
    page.related = vec![
        ("/manage/changes".into(), "All".into()),
        ("/manage/changes/calendar".into(), "Calendar".into()),
    ];
    for s in ChangeStatus::ALL {
        page.related.push((
            format!("/manage/changes?status={}", s.as_str()),
            status_label(s.as_str()),
        ));
    }
    page.related.extend([
        (
            "/manage/change-boards".into(),
            "Change advisory boards".into(),
        ),
        (
            "/manage/change-templates".into(),
            "Standard-change templates".into(),
        ),
        ("/manage/change-blackouts".into(), "Blackout windows".into()),
    ]);
    page.headers = vec![
        "Number",
        "Title",
        "Type",
        "Risk",
        "Impact",
        "Status",
        "Planned start",
    ];
    let filter = steward_store::delivery::changes::Filter {
        status,
        ..Default::default()
    };
    let list = state
        .app
        .list_changes(&ui.actor, filter, Default::default())
        .await?
        .items;
    page.link_label = "Open";
    for c in &list {
        page.row_links
            .push(format!("/manage/changes/{}/view", c.id));
        page.rows.push(vec![
            c.number.clone(),
            c.title.clone(),
            status_label(c.change_type.as_str()),
            status_label(c.risk_level.as_str()),
            status_label(c.impact.as_str()),
            status_label(c.status.as_str()),
            opt(c.planned_start.as_deref().map(|t| ui.local(t))),
        ]);
    }
    let q = state.app.change_risk_questionnaire(&ui.actor).await?;
    if ui.actor.role != steward_domain::Role::Auditor {
        page.form = Some(FormSpec::new(
            "change",
            groups(state, ui, editing.is_none(), &q).await?,
        ));
    }
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui, Query(q): Query<ListQuery>) -> UiResult {
    may_read(&ui)?;
    let status = q.status.as_deref().and_then(ChangeStatus::parse);
    Ok(ui.page(&list_page(&state, &ui, status, None).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    may_read(&ui)?;
    ui.check_csrf(&form)?;
    let page = list_page(&state, &ui, None, None).await?;
    let result = match read::<ChangeInput>(&ui, &page, &form) {
        Ok(i) => state.app.create_change(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |c| {
        format!("Change {} was created.", c.number)
    })
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    may_read(&ui)?;
    let id = id_of(&raw)?;
    let change = state.app.get_change(&ui.actor, id).await?;
    let mut page = list_page(&state, &ui, None, Some(id)).await?;
    // The risk choices are not fields of the record: fill them from its answers.
    let mut json = serde_json::to_value(&change).unwrap_or_default();
    for field in PLANNED {
        if let Some(Value::String(t)) = json.get(field).cloned() {
            json[field] = Value::String(ui.local(&t));
        }
    }
    let mut values = fields::fill(&json, page.groups());
    for a in &change.risk_answers {
        values
            .0
            .push((format!("risk.{}", a.question), a.answer.to_string()));
    }
    page.values = values;
    page.edit = Some(id);
    Ok(ui.page(&page))
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    may_read(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let page = list_page(&state, &ui, None, Some(id)).await?;
    let result = match read::<ChangePatch>(&ui, &page, &form) {
        Ok(p) => state.app.update_change(&ui.actor, id, p).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |c| {
        format!("Change {} was saved.", c.number)
    })
}

#[derive(Template)]
#[template(path = "change.html")]
struct ChangePage {
    l: Layout,
    section: &'static str,
    c: Change,
    /// (question, chosen answer) for each answered risk question.
    risks: Vec<(String, String)>,
    may_work: bool,
    /// (who, decision, comment) of each board decision, by name.
    decisions: Vec<(String, String, Option<String>)>,
    /// The assigned team's name ("" when none), and the teams to assign.
    team: String,
    teams: Vec<(i64, String)>,
    /// The planned window in the reader's zone ("" when not planned).
    start: String,
    end: String,
    /// `INC-… — title` of recent incidents, offered when linking one by number.
    incidents: Vec<String>,
}

impl ChangePage {
    fn is(&self, status: &str) -> bool {
        self.c.status.as_str() == status
    }

    fn can(&self, status: &str) -> bool {
        self.c.allowed_next.iter().any(|s| s.as_str() == status)
    }

    fn label(&self, s: &str) -> String {
        status_label(s)
    }

    /// A conflict's kind in words.
    fn kind_label(&self, kind: &str) -> &'static str {
        match kind {
            "same_ci" => "Same CI",
            "dependent_ci" => "Dependent CI",
            "blackout" => "Blackout window",
            _ => "Outside maintenance windows",
        }
    }

    fn awaiting_decisions(&self) -> bool {
        self.is("assessment") && self.c.approval.state.as_str() == "requested"
    }
}

async fn show(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    may_read(&ui)?;
    let id = id_of(&raw)?;
    let c = state.app.get_change(&ui.actor, id).await?;
    let q = state.app.change_risk_questionnaire(&ui.actor).await?;
    let risks = c
        .risk_answers
        .iter()
        .map(|a| {
            let question = q.questions.iter().find(|x| x.key == a.question);
            let text = question.map_or(a.question.clone(), |x| x.text.clone());
            let answer = question
                .and_then(|x| x.answers.get(a.answer as usize))
                .map_or(a.answer.to_string(), |x| x.label.clone());
            (text, answer)
        })
        .collect();
    let staff = choices::staff(&state, &ui).await;
    let decisions = c
        .approval
        .decisions
        .iter()
        .map(|d| {
            let who = staff
                .iter()
                .find(|(id, _)| *id == d.user_id)
                .map_or_else(|| format!("User {}", d.user_id), |(_, name)| name.clone());
            (who, status_label(d.decision.as_str()), d.comment.clone())
        })
        .collect();
    let local = |t: &Option<String>| t.as_deref().map(|t| ui.local(t)).unwrap_or_default();
    let incidents = state
        .app
        .list_tickets(
            &ui.actor,
            steward_domain::resolution::ticket::TicketKind::Incident,
            Default::default(),
            Default::default(),
            steward_domain::foundation::page::PageRequest {
                limit: 200,
                offset: 0,
            },
        )
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|t| !c.caused_incident_ids.contains(&t.id))
                .map(|t| format!("{} — {}", t.number, t.title))
                .collect()
        })
        .unwrap_or_default();
    let teams = choices::teams(&state, &ui).await;
    let page = ChangePage {
        incidents,
        team: teams
            .iter()
            .find(|(id, _)| Some(*id) == c.team_id)
            .map(|(_, name)| name.clone())
            .unwrap_or_default(),
        teams,
        decisions,
        start: local(&c.planned_start),
        end: local(&c.planned_end),
        l: ui.layout(format!("Change {}", c.number), "manage"),
        section: "changes",
        c,
        risks,
        may_work: ui.actor.role != steward_domain::Role::Auditor,
    };
    Ok(ui.page(&page))
}

/// One lifecycle action from the change's page; a refusal comes back as the flash.
async fn act(
    State(state): State<AppState>,
    ui: Ui,
    Path((raw, action)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    may_read(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let a = &state.app;
    let actor = &ui.actor;
    let text = |name: &str| form.text(name).map_or(Value::Null, Value::String);
    let result = match action.as_str() {
        "submit" => a.submit_change(actor, id).await,
        "assess" => a.assess_change(actor, id).await,
        "start" => a.start_change(actor, id).await,
        "close" => a.close_change(actor, id).await,
        "cancel" => a.cancel_change(actor, id).await,
        "schedule" => {
            let mut window = Map::new();
            for field in PLANNED {
                window.insert(field.into(), text(field));
            }
            window.insert("override_reason".into(), text("override_reason"));
            let errors = ui.instants_in(&mut window, &PLANNED);
            match input(Value::Object(window)) {
                Ok(i) if errors.is_empty() => a.schedule_change(actor, id, i).await,
                Ok(_) => Err(invalid(errors)),
                Err(e) => Err(invalid(e)),
            }
        }
        "complete" => match input(json!({"outcome": text("outcome")})) {
            Ok(i) => a.complete_change(actor, id, i).await,
            Err(e) => Err(invalid(e)),
        },
        "decide" => {
            match input(json!({"decision": text("decision"), "comment": text("comment")})) {
                Ok(i) => a.decide_change(actor, id, i).await,
                Err(e) => Err(invalid(e)),
            }
        }
        "review" => match input(json!({"notes": text("notes").as_str().unwrap_or(""),
                                        "outcome": text("outcome").as_str().unwrap_or("")}))
        {
            Ok(i) => a.review_change(actor, id, i).await,
            Err(e) => Err(invalid(e)),
        },
        "design" => match input(json!({
            "requirements": text("requirements").as_str().unwrap_or(""),
            "design": text("design").as_str().unwrap_or(""),
            "acceptance_criteria": text("acceptance_criteria").as_str().unwrap_or(""),
            "transition_plan": text("transition_plan").as_str().unwrap_or("")}))
        {
            Ok(i) => a.put_change_design(actor, id, i).await,
            Err(e) => Err(invalid(e)),
        },
        "team" => match form.id("team_id") {
            Ok(team) => a.assign_change_team(actor, id, team).await,
            Err(e) => Err(e.into()),
        },
        "incident" => {
            let input = steward_domain::delivery::change::IncidentLinkInput {
                incident_id: None,
                incident_number: Some(form.text("incident_number").unwrap_or_default()),
            };
            a.link_change_incident(actor, id, input).await
        }
        _ => return Err(UiError::NotFound),
    };
    let view = format!("/manage/changes/{id}/view");
    action_outcome(&view, result, |c| {
        format!("Change {}: {}.", c.number, status_label(c.status.as_str()))
    })
}
