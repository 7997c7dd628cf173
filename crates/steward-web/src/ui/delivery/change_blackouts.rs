//! Change blackout windows on the shared list screen (8.5.1.3): staff see them, managers and
//! admins create and edit them; start and end are entered and shown in the reader's zone.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{self, Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, id_of, input, invalid, opt, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde_json::Value;
use steward_app::AppError;
use steward_domain::delivery::change_blackout::BlackoutInput;

const BASE: &str = "/manage/change-blackouts";
const WINDOW: [&str; 2] = ["start", "end"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route("/manage/change-blackouts/{id}", get(edit).post(update))
        .route("/manage/change-blackouts/{id}/delete", post(remove))
}

async fn page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    if !ui.staff() {
        return Err(UiError::App(AppError::forbidden()));
    }
    let mut page = ListPage::new(ui, "Change blackout windows", "changes");
    page.base = BASE.into();
    page.intro = Some(
        "Periods in which changes should not be implemented. A change planned inside one that covers a service it affects (or every service) shows the conflict and is scheduled only with an override reason."
            .into(),
    );
    page.related = vec![
        ("/manage/changes".into(), "Changes".into()),
        (BASE.into(), "Blackout windows".into()),
        (
            "/manage/change-boards".into(),
            "Change advisory boards".into(),
        ),
    ];
    page.headers = vec!["Name", "Start", "End", "Services", "Reason"];
    let services = choices::services(state, ui).await;
    for b in state.app.change_blackouts(&ui.actor, None, None).await? {
        if ui.manager() {
            page.row_ids.push(b.id);
        }
        let names: Vec<String> = b
            .service_ids
            .iter()
            .map(|s| {
                services
                    .iter()
                    .find(|(id, _)| id == s)
                    .map_or_else(|| format!("Service {s}"), |(_, n)| n.clone())
            })
            .collect();
        page.rows.push(vec![
            b.name.clone(),
            ui.local(&b.start),
            ui.local(&b.end),
            if b.all_services {
                "Every service".into()
            } else {
                names.join(", ")
            },
            opt(b.reason.clone()),
        ]);
    }
    if ui.manager() {
        page.form = Some(FormSpec::new(
            "blackout window",
            vec![Group::plain(vec![
                Field::text("name", "Name").required(),
                Field::text("start", "Start").required().hint(format!(
                    "A date and time in {}, for example 2026-06-29 00:00.",
                    ui.zone_name()
                )),
                Field::text("end", "End")
                    .required()
                    .hint("After the start, in the same form."),
                Field::new("service_ids", "Services", Input::Many(services))
                    .hint("None chosen: the blackout covers every service."),
                Field::new("reason", "Reason", Input::Long),
            ])],
        ));
    }
    Ok(page)
}

/// The form as the API's JSON, the window turned from local times into instants.
fn read(ui: &Ui, page: &ListPage, form: &FormData) -> Result<BlackoutInput, AppError> {
    let mut json = fields::read(form, page.groups()).map_err(invalid)?;
    let errors = ui.instants_in(&mut json, &WINDOW);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    input::<BlackoutInput>(Value::Object(json)).map_err(invalid)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = page(&state, &ui).await?;
    let result = match read(&ui, &page, &form) {
        Ok(i) => state.app.create_change_blackout(&ui.actor, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |b| {
        format!("Blackout window {} was created.", b.name)
    })
}

async fn edit(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let b = state.app.change_blackout(&ui.actor, id).await?;
    let mut page = page(&state, &ui).await?;
    let mut json = serde_json::to_value(&b).unwrap_or_default();
    for field in WINDOW {
        if let Some(Value::String(t)) = json.get(field).cloned() {
            json[field] = Value::String(ui.local(&t));
        }
    }
    page.values = fields::fill(&json, page.groups());
    page.edit = Some(id);
    page.deletable = true;
    Ok(ui.page(&page))
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let page = page(&state, &ui).await?;
    let result = match read(&ui, &page, &form) {
        Ok(i) => state.app.update_change_blackout(&ui.actor, id, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(id), form, result, |b| {
        format!("Blackout window {} was saved.", b.name)
    })
}

async fn remove(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let b = state.app.delete_change_blackout(&ui.actor, id).await?;
    Ok(crate::ui::see_other(
        BASE,
        &format!("Blackout window {} was deleted.", b.name),
    ))
}
