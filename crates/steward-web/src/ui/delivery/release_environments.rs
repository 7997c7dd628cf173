//! Release environments on the shared list screen (8.5.3): staff see where releases are
//! deployed and in which order; managers and admins add environments. Production ones need
//! the release accepted and a manager's approval before a result is recorded.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, invalid, parse_form, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_domain::delivery::release::EnvironmentInput;
use steward_domain::foundation::validation::FieldError;

const BASE: &str = "/manage/release-environments";

pub fn routes() -> Router<AppState> {
    Router::new().route(BASE, get(list).post(create))
}

async fn page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    if !ui.staff() {
        return Err(UiError::App(AppError::forbidden()));
    }
    let mut page = ListPage::new(ui, "Release environments", "releases");
    page.base = BASE.into();
    page.intro = Some(
        "Where releases are deployed, in order. A release has one deployment per environment; a production deployment needs the release accepted and a manager's approval before its result is recorded."
            .into(),
    );
    page.related = vec![
        ("/manage/releases".into(), "Releases".into()),
        (BASE.into(), "Environments".into()),
    ];
    page.headers = vec!["Name", "Production", "Order"];
    for e in state.app.release_environments(&ui.actor).await? {
        page.rows.push(vec![
            e.name,
            if e.production { "Yes" } else { "No" }.into(),
            e.position.to_string(),
        ]);
    }
    if ui.manager() {
        page.form = Some(FormSpec::new(
            "environment",
            vec![Group::plain(vec![
                Field::text("name", "Name").required(),
                Field::new("production", "Production", Input::Check)
                    .hint("Deployments here need the release accepted and a manager's approval."),
                Field::new("position", "Order", Input::Number)
                    .hint("Lower comes first; empty: after the others."),
            ])],
        ));
    }
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = page(&state, &ui).await?;
    let result = match parse_form::<EnvironmentInput>(&page, &form) {
        Ok(i) => state.app.create_release_environment(&ui.actor, i).await,
        Err(e) => Err(e),
    }
    // A name already taken is shown next to the name, like any other refusal.
    .map_err(|e| match e {
        AppError::Conflict {
            field: Some(field),
            message,
        } => invalid(vec![FieldError::new(field, message)]),
        e => e,
    });
    saved(&ui, page, None, form, result, |e| {
        format!("Environment {} was added.", e.name)
    })
}
