//! Release environments on the shared list / create / edit screen (8.5.3): where releases are
//! deployed and in which order; production ones need the release accepted and a manager's
//! approval before a result is recorded.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage};
use crate::ui::foundation::screen::{self, Screen, no_check, screen};
use crate::ui::{Ui, UiError};
use axum::Router;
use steward_domain::delivery::release::{Environment, EnvironmentInput};

pub fn routes() -> Router<AppState> {
    screen::routes::<ReleaseEnvironments>()
}

async fn page(state: &AppState, ui: &Ui, _editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Release environments", "releases");
    page.base = ReleaseEnvironments::PATH.into();
    page.intro = Some(
        "Where releases are deployed, in order. A release has one deployment per environment; a production deployment needs the release accepted and a manager's approval before its result is recorded."
            .into(),
    );
    page.related = vec![("/manage/releases".into(), "Releases".into())];
    page.headers = vec!["Name", "Production", "Order"];
    for e in state.app.release_environments(&ui.actor).await? {
        page.row_ids.push(e.id);
        page.rows.push(vec![
            e.name,
            if e.production { "Yes" } else { "No" }.into(),
            e.position.to_string(),
        ]);
    }
    page.form = Some(FormSpec::new(
        "environment",
        vec![Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::new("production", "Production", Input::Check)
                .hint("Deployments here need the release accepted and a manager's approval."),
            Field::new("position", "Order", Input::Number)
                .hint("Lower comes first; empty: after the others (or, when editing, unchanged)."),
        ])],
    ));
    Ok(page)
}

screen!(
    ReleaseEnvironments,
    "/manage/release-environments",
    page,
    Environment,
    EnvironmentInput,
    EnvironmentInput,
    create_release_environment,
    release_environment,
    update_release_environment,
    "Environment",
    name,
    no_check
);
