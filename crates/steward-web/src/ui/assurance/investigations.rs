//! A service's investigations of unplanned non-availability: one per month in which it
//! missed its target, with owner, findings and actions.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input, fill, read};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_page, id_of, input, invalid, opt, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::assurance::investigation::{
    Investigation, InvestigationInput, InvestigationPatch, InvestigationStatus,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/manage/services/{id}/investigations",
            get(list).post(create),
        )
        .route(
            "/manage/services/{id}/investigations/{investigation}",
            get(edit).post(update),
        )
}

async fn page(state: &AppState, ui: &Ui, service: i64, editing: bool) -> Result<ListPage, UiError> {
    require_manager(ui)?;
    let s = state.app.get_service(&ui.actor, service).await?;
    let staff = choices::staff(state, ui).await;
    let mut page = ListPage::new(ui, "Availability investigations", "services");
    page.l.title = format!("{}: availability investigations", s.name);
    page.base = format!("/manage/services/{service}/investigations");
    page.intro = Some(format!(
        "Service {}. A month in which it missed its availability target is investigated once: who owns it, what was found, what is done.",
        s.name
    ));
    page.related = vec![(
        format!("/manage/services/{service}/outages"),
        "Outages and availability".into(),
    )];
    page.headers = vec!["Month", "Owner", "Status", "Findings", "Actions"];
    for i in state.app.list_investigations(&ui.actor, service).await? {
        page.row_ids.push(i.id);
        page.rows.push(vec![
            i.month.clone(),
            staff
                .iter()
                .find(|(id, _)| *id == i.owner_id)
                .map_or_else(|| format!("#{}", i.owner_id), |(_, n)| n.clone()),
            status_label(i.status.as_str()),
            opt(i.findings),
            opt(i.actions),
        ]);
    }
    let mut fields = Vec::new();
    if editing {
        fields.push(Field::new(
            "status",
            "Status",
            Input::Choice(
                InvestigationStatus::ALL
                    .iter()
                    .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
                    .collect(),
            ),
        ));
    } else {
        fields.push(
            Field::text("month", "Month")
                .required()
                .hint("YYYY-MM, a month in which the service missed its target."),
        );
    }
    fields.extend([
        Field::new("owner_id", "Owner", Input::Pick(staff, "Choose…")).required(),
        Field::new("findings", "Findings", Input::Long).hint("Needed to close it."),
        Field::new("actions", "Actions", Input::Long),
    ]);
    page.form = Some(FormSpec::new("investigation", vec![Group::plain(fields)]));
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let page = page(&state, &ui, id_of(&id)?, false).await?;
    Ok(ui.page(&page))
}

async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let service = id_of(&id)?;
    let page = page(&state, &ui, service, false).await?;
    let result = match read(&form, page.groups())
        .and_then(|json| input::<InvestigationInput>(Value::Object(json)))
    {
        // A month already investigated is said next to the month, like any refusal.
        Ok(i) => match state.app.open_investigation(&ui.actor, service, i).await {
            Err(AppError::Conflict { field, message }) => {
                Err(invalid(vec![steward_domain::FieldError::new(
                    field.unwrap_or_else(|| "month".into()),
                    message,
                )]))
            }
            other => other,
        },
        Err(e) => Err(invalid(e)),
    };
    saved(&ui, page, None, form, result, |i: &Investigation| {
        format!("The investigation of {} was opened.", i.month)
    })
}

async fn edit(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, investigation)): Path<(String, String)>,
) -> UiResult {
    let (service, investigation) = (id_of(&id)?, id_of(&investigation)?);
    let page = page(&state, &ui, service, true).await?;
    let i = state
        .app
        .get_investigation(&ui.actor, service, investigation)
        .await?;
    let values = fill(&serde_json::to_value(&i).unwrap_or_default(), page.groups());
    edit_page(&ui, page, investigation, values)
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, investigation)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (service, investigation) = (id_of(&id)?, id_of(&investigation)?);
    let page = page(&state, &ui, service, true).await?;
    let result = match read(&form, page.groups())
        .and_then(|json| input::<InvestigationPatch>(Value::Object(json)))
    {
        Ok(p) => {
            state
                .app
                .update_investigation(&ui.actor, service, investigation, p)
                .await
        }
        Err(e) => Err(invalid(e)),
    };
    saved(
        &ui,
        page,
        Some(investigation),
        form,
        result,
        |i: &Investigation| format!("The investigation of {} was saved.", i.month),
    )
}
