//! The services screen: the service list with create and edit forms.
use crate::AppState;
use crate::ui::foundation::list_page::{
    ListPage, edit_page, id_of, input, number, opt, pairs, refused_edit, refused_form,
    require_manager,
};
use crate::ui::{FormData, Ui, UiError, UiResult, see_other, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::json;
use steward_app::AppError;
use steward_domain::Invalid;
use steward_domain::delivery::service::{ServiceInput, ServicePatch};
use steward_domain::foundation::page::PageRequest;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/services", get(services).post(create_service))
        .route(
            "/manage/services/{id}",
            get(edit_service).post(update_service),
        )
}

async fn service_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Services", "services");
    page.headers = vec![
        "Name",
        "Status",
        "Criticality",
        "Customers",
        "Availability target",
    ];
    page.form = Some("service");
    page.orgs = state
        .app
        .list_organizations(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    page.rows = state
        .app
        .list_services(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|s| {
            page.row_ids.push(s.id);
            vec![
                s.name,
                status_label(s.status.as_str()),
                s.criticality.to_string(),
                s.customer_ids.len().to_string(),
                opt(s.availability_target_percent.map(|a| format!("{a} %"))),
            ]
        })
        .collect();
    Ok(page)
}

async fn services(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&service_page(&state, &ui).await?))
}

async fn create_service(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let availability = number(&form, "availability_target_percent", &mut errors);
    let criticality = number(&form, "criticality", &mut errors);
    let customers: Vec<i64> = form
        .0
        .iter()
        .filter(|(k, _)| k == "customer_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let parsed = input::<ServiceInput>(json!({
        "name": form.value("name"),
        "description": form.text("description"),
        "status": form.text("status"),
        "criticality": criticality.map(|c| c as i64),
        "availability_target_percent": availability,
        "customer_ids": customers,
    }));
    let result = match parsed {
        Ok(i) if errors.is_empty() => state.app.create_service(&ui.actor, i).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/services",
            &format!("Service {} was created.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_form(&ui, service_page(&state, &ui).await?, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_service(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let s = state.app.get_service(&ui.actor, id).await?;
    let mut values = vec![
        ("name", s.name),
        ("description", s.description.unwrap_or_default()),
        ("status", s.status.as_str().to_owned()),
        ("criticality", s.criticality.to_string()),
        (
            "availability_target_percent",
            s.availability_target_percent
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ),
    ];
    for c in s.customer_ids {
        values.push(("customer_ids", c.to_string()));
    }
    edit_page(&ui, service_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_service(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let mut errors = Vec::new();
    let availability = number(&form, "availability_target_percent", &mut errors);
    let criticality = number(&form, "criticality", &mut errors);
    let customers: Vec<i64> = form
        .0
        .iter()
        .filter(|(k, _)| k == "customer_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    // A blank description or target clears it, as `null` does in the API.
    let parsed = input::<ServicePatch>(json!({
        "name": form.value("name"),
        "description": form.text("description"),
        "status": form.text("status"),
        "criticality": criticality.map(|c| c as i64),
        "availability_target_percent": availability,
        "customer_ids": customers,
    }));
    let result = match parsed {
        Ok(p) if errors.is_empty() => state.app.update_service(&ui.actor, id, p).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/services",
            &format!("Service {} was saved.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_edit(&ui, service_page(&state, &ui).await?, id, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}
