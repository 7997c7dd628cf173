//! The release screens (8.5.3): the list with status filters and the create form (the shared
//! list page), the edit form, and a release's page with its lifecycle, the changes it groups,
//! its acceptance criteria and one deployment per environment.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_record, id_of, input, invalid, opt, parse_form, saved,
};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, action_outcome, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};
use steward_app::AppError;
use steward_domain::delivery::release::{
    Environment, Release, ReleaseChangeInput, ReleaseInput, ReleasePatch, ReleaseStatus,
};
use steward_domain::foundation::page::PageRequest;

const ALL: PageRequest = PageRequest {
    limit: 500,
    offset: 0,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/releases", get(list).post(create))
        .route("/manage/releases/{id}", get(edit).post(update))
        .route("/manage/releases/{id}/view", get(show))
        .route("/manage/releases/{id}/act/{action}", post(act))
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

/// Changes that may join a release: not cancelled, newest first.
async fn open_changes(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    state
        .app
        .list_changes(&ui.actor, Default::default(), ALL)
        .await
        .map(|p| {
            p.items
                .into_iter()
                .filter(|c| c.status.as_str() != "cancelled")
                .map(|c| (c.id, format!("{} — {}", c.number, c.title)))
                .collect()
        })
        .unwrap_or_default()
}

async fn list_page(
    state: &AppState,
    ui: &Ui,
    status: Option<ReleaseStatus>,
    creating: bool,
) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Releases", "releases");
    page.intro = Some(
        "Releases group changes, are accepted against their acceptance criteria and deployed environment by environment; production needs acceptance and a manager's approval."
            .into(),
    );
    page.related = vec![("/manage/releases".into(), "All".into())];
    for s in ReleaseStatus::ALL {
        page.related.push((
            format!("/manage/releases?status={}", s.as_str()),
            status_label(s.as_str()),
        ));
    }
    page.related
        .push(("/manage/changes".into(), "Changes".into()));
    page.related
        .push(("/manage/release-environments".into(), "Environments".into()));
    page.headers = vec![
        "Number",
        "Title",
        "Type",
        "Status",
        "Planned date",
        "Changes",
        "Criteria met",
    ];
    let filter = steward_store::delivery::releases::Filter {
        status,
        ..Default::default()
    };
    let list = state
        .app
        .list_releases(&ui.actor, filter, Default::default())
        .await?
        .items;
    page.link_label = "Open";
    for r in &list {
        page.row_links
            .push(format!("/manage/releases/{}/view", r.id));
        let met = r.acceptance_criteria.iter().filter(|c| c.met).count();
        page.rows.push(vec![
            r.number.clone(),
            r.title.clone(),
            status_label(r.release_type.as_str()),
            status_label(r.status.as_str()),
            opt(r.planned_date.clone()),
            r.changes.len().to_string(),
            format!("{met} of {}", r.acceptance_criteria.len()),
        ]);
    }
    if ui.actor.role != steward_domain::Role::Auditor {
        let mut fields = vec![
            Field::text("title", "Title").required(),
            Field::new(
                "release_type",
                "Type",
                Input::Choice(choice(&["minor", "major", "emergency"])),
            )
            .required(),
            Field::text("planned_date", "Planned date").hint("YYYY-MM-DD"),
            Field::new("description", "Description", Input::Long),
        ];
        if creating {
            fields.push(
                Field::new(
                    "change_ids",
                    "Changes",
                    Input::Many(open_changes(state, ui).await),
                )
                .hint("More can be added on the release's page."),
            );
        }
        page.form = Some(FormSpec::new("release", vec![Group::plain(fields)]));
    }
    Ok(page)
}

#[derive(Debug, Default, serde::Deserialize)]
struct ListQuery {
    status: Option<String>,
}

async fn list(State(state): State<AppState>, ui: Ui, Query(q): Query<ListQuery>) -> UiResult {
    may_read(&ui)?;
    let status = q.status.as_deref().and_then(ReleaseStatus::parse);
    Ok(ui.page(&list_page(&state, &ui, status, true).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    may_read(&ui)?;
    ui.check_csrf(&form)?;
    let page = list_page(&state, &ui, None, true).await?;
    let result = match parse_form::<ReleaseInput>(&page, &form) {
        Ok(i) => state.app.create_release(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |r| {
        format!("Release {} was created.", r.number)
    })
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    may_read(&ui)?;
    let id = id_of(&raw)?;
    let release = state.app.get_release(&ui.actor, id).await?;
    edit_record(
        &ui,
        list_page(&state, &ui, None, false).await?,
        id,
        &release,
    )
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
    let page = list_page(&state, &ui, None, false).await?;
    let result = match parse_form::<ReleasePatch>(&page, &form) {
        Ok(p) => state.app.update_release(&ui.actor, id, p).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |r| {
        format!("Release {} was saved.", r.number)
    })
}

/// A deployment row as the page shows it.
struct DeploymentView {
    id: i64,
    environment: String,
    production: bool,
    planned: String,
    actual: String,
    result: String,
    approval: String,
    approved: bool,
    notes: String,
}

#[derive(Template)]
#[template(path = "release.html")]
struct ReleasePage {
    l: Layout,
    section: &'static str,
    r: Release,
    may_work: bool,
    may_approve: bool,
    /// Each criterion with who decided it and when, in words ("" while undecided).
    criteria: Vec<(steward_domain::delivery::release::Criterion, String)>,
    met: usize,
    deployments: Vec<DeploymentView>,
    /// Environments without a deployment yet.
    free: Vec<Environment>,
    /// `CHG-… — title` of changes that may be added.
    candidates: Vec<String>,
    zone: String,
}

impl ReleasePage {
    fn label(&self, s: &str) -> String {
        status_label(s)
    }

    fn open(&self) -> bool {
        self.r.status.open()
    }
}

async fn show(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    may_read(&ui)?;
    let id = id_of(&raw)?;
    let r = state.app.get_release(&ui.actor, id).await?;
    let staff = crate::ui::foundation::choices::staff(&state, &ui).await;
    let name = |id: Option<i64>| {
        id.map(|i| {
            staff
                .iter()
                .find(|(s, _)| *s == i)
                .map_or_else(|| format!("User {i}"), |(_, n)| n.clone())
        })
        .unwrap_or_else(|| "someone".into())
    };
    let local = |t: &Option<String>| t.as_deref().map(|t| ui.local(t)).unwrap_or_default();
    let criteria = r
        .acceptance_criteria
        .iter()
        .map(|c| {
            (
                c.clone(),
                c.decided_at.as_ref().map_or_else(String::new, |_| {
                    format!(
                        "{} by {}, {}",
                        if c.met { "met" } else { "not met" },
                        name(c.decided_by),
                        local(&c.decided_at)
                    )
                }),
            )
        })
        .collect();
    let met = r.acceptance_criteria.iter().filter(|c| c.met).count();
    let deployments = r
        .deployments
        .iter()
        .map(|d| DeploymentView {
            id: d.id,
            environment: d.environment.clone(),
            production: d.production,
            planned: local(&d.planned_at),
            actual: local(&d.actual_at),
            result: d
                .result
                .map(|x| status_label(x.as_str()))
                .unwrap_or_default(),
            approval: match d.approved_at {
                Some(_) => format!(
                    "Approved by {}, {}",
                    name(d.approved_by),
                    local(&d.approved_at)
                ),
                None if d.production => "Not approved yet (required)".into(),
                None => "Not required".into(),
            },
            approved: d.approved_at.is_some(),
            notes: d.notes.clone().unwrap_or_default(),
        })
        .collect();
    let free = state
        .app
        .release_environments(&ui.actor)
        .await?
        .into_iter()
        .filter(|e| !r.deployments.iter().any(|d| d.environment_id == e.id))
        .collect();
    let candidates = open_changes(&state, &ui)
        .await
        .into_iter()
        .filter(|(id, _)| !r.changes.iter().any(|c| c.id == *id))
        .map(|(_, label)| label)
        .collect();
    let page = ReleasePage {
        l: ui.layout(format!("Release {}", r.number), "manage"),
        section: "releases",
        r,
        may_work: ui.actor.role != steward_domain::Role::Auditor,
        may_approve: ui.manager(),
        criteria,
        met,
        deployments,
        free,
        candidates,
        zone: ui.zone_name(),
    };
    Ok(ui.page(&page))
}

/// One action from the release's page; a refusal comes back as the flash.
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
    let number = |name: &str| -> Result<i64, AppError> {
        form.id(name)?
            .ok_or_else(|| AppError::invalid(name, "is missing"))
    };
    let result = match action.as_str() {
        "transition" => match input(json!({"to": text("to")})) {
            Ok(i) => a.transition_release(actor, id, i).await,
            Err(e) => Err(invalid(e)),
        },
        "add-change" => {
            let n = form.text("change_number").unwrap_or_default();
            a.add_release_change(
                actor,
                id,
                ReleaseChangeInput {
                    change_id: None,
                    change_number: Some(n),
                },
            )
            .await
        }
        "remove-change" => match number("change_id") {
            Ok(c) => a.remove_release_change(actor, id, c).await,
            Err(e) => Err(e),
        },
        "criterion" => match input(json!({"text": text("text").as_str().unwrap_or("")})) {
            Ok(i) => a.add_release_criterion(actor, id, i).await,
            Err(e) => Err(invalid(e)),
        },
        "criterion-met" | "criterion-unmet" => match number("criterion_id") {
            Ok(c) => {
                let patch = steward_domain::delivery::release::CriterionPatch {
                    met: Some(action == "criterion-met"),
                    text: None,
                };
                a.update_release_criterion(actor, id, c, patch).await
            }
            Err(e) => Err(e),
        },
        "deployment" => {
            let mut json = Map::new();
            json.insert(
                "environment_id".into(),
                json!(number("environment_id").ok()),
            );
            json.insert("planned_at".into(), text("planned_at"));
            json.insert("notes".into(), text("notes"));
            let errors = ui.instants_in(&mut json, &["planned_at"]);
            match input(Value::Object(json)) {
                Ok(i) if errors.is_empty() => a.add_deployment(actor, id, i).await,
                Ok(_) => Err(invalid(errors)),
                Err(e) => Err(invalid(e)),
            }
        }
        "record" => {
            let mut json = Map::new();
            if let Value::String(r) = text("result") {
                json.insert("result".into(), Value::String(r));
            }
            if let Value::String(t) = text("actual_at") {
                json.insert("actual_at".into(), Value::String(t));
            }
            if let Value::String(n) = text("notes") {
                json.insert("notes".into(), Value::String(n));
            }
            let errors = ui.instants_in(&mut json, &["actual_at"]);
            match (number("deployment_id"), input(Value::Object(json))) {
                (Ok(d), Ok(p)) if errors.is_empty() => a.update_deployment(actor, id, d, p).await,
                (Err(e), _) => Err(e),
                (_, Ok(_)) => Err(invalid(errors)),
                (_, Err(e)) => Err(invalid(e)),
            }
        }
        "approve" => match number("deployment_id") {
            Ok(d) => a.approve_deployment(actor, id, d).await,
            Err(e) => Err(e),
        },
        _ => return Err(UiError::NotFound),
    };
    let view = format!("/manage/releases/{id}/view");
    action_outcome(&view, result, |r| {
        format!("Release {}: {}.", r.number, status_label(r.status.as_str()))
    })
}
