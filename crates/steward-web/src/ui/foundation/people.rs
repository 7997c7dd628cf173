//! Teams and users, managed from the browser: managers list them; admins create and edit users.
use crate::AppState;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{
    ListPage, edit_page, id_of, opt, pairs, refused_edit, require_manager,
};
use crate::ui::{FormData, Ui, UiError, UiResult, see_other};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use steward_app::AppError;
use steward_domain::Invalid;
use steward_domain::foundation::page::PageRequest;
use steward_domain::foundation::people::{TeamInput, TeamPatch, UserInput, UserPatch};
use steward_domain::foundation::role::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/teams", get(teams).post(create_team))
        .route("/manage/users", get(users).post(create_user))
        .route("/manage/teams/{id}", get(edit_team).post(update_team))
        .route("/manage/users/{id}", get(edit_user).post(update_user))
}

async fn team_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Teams", "teams");
    page.headers = vec!["Name", "Email", "Members"];
    page.form = Some("team");
    page.rows = state
        .app
        .list_teams(
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
        .map(|t| {
            page.row_ids.push(t.id);
            vec![t.name, opt(t.email), t.member_ids.len().to_string()]
        })
        .collect();
    Ok(page)
}

async fn teams(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&team_page(&state, &ui).await?))
}

async fn create_team(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let input = TeamInput {
        name: form.value("name"),
        description: form.text("description"),
        email: form.text("email"),
        member_ids: Vec::new(),
    };
    match state.app.create_team(&ui.actor, input).await {
        Ok(t) => Ok(see_other(
            "/manage/teams",
            &format!("Team {} was created.", t.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut page = team_page(&state, &ui).await?;
            page.errors = FieldErrors::from_list(&invalid.0);
            page.values = form;
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_team(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let t = state.app.get_team(&ui.actor, id).await?;
    let values = vec![
        ("name", t.name),
        ("email", t.email.unwrap_or_default()),
        ("description", t.description.unwrap_or_default()),
    ];
    edit_page(&ui, team_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_team(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    // Members are kept: the patch leaves them out.
    let patch = TeamPatch {
        name: Some(form.value("name")),
        description: Some(form.text("description")),
        email: Some(form.text("email")),
        member_ids: None,
    };
    match state.app.update_team(&ui.actor, id, patch).await {
        Ok(t) => Ok(see_other(
            "/manage/teams",
            &format!("Team {} was saved.", t.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_edit(&ui, team_page(&state, &ui).await?, id, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Users", "users");
    page.headers = vec!["Username", "Name", "Role", "Organization", "Active"];
    page.form = Some("user");
    let orgs = state
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
        .items;
    page.rows = state
        .app
        .list_users(
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
        .map(|u| {
            page.row_ids.push(u.id);
            vec![
                u.username,
                u.display_name,
                u.role.as_str().into(),
                u.organization_id
                    .map(|o| {
                        orgs.iter()
                            .find(|x| x.id == o)
                            .map(|x| x.name.clone())
                            .unwrap_or_else(|| o.to_string())
                    })
                    .unwrap_or_else(|| "—".into()),
                if u.active { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    page.orgs = orgs.into_iter().map(|o| (o.id, o.name)).collect();
    // Only admins may create or change users; managers get the list without forms they could
    // not submit.
    if !matches!(ui.actor.role, Role::Admin) {
        page.form = None;
        page.row_ids.clear();
    }
    Ok(page)
}

async fn users(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&user_page(&state, &ui).await?))
}

async fn create_user(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let role = form.value("role").parse::<Role>().ok();
    let organization_id = form.id("organization_id").ok().flatten();
    let result = match role {
        Some(role) => {
            state
                .app
                .create_user(
                    &ui.actor,
                    UserInput {
                        username: form.value("username"),
                        display_name: form.text("display_name"),
                        email: form.text("email"),
                        role,
                        organization_id,
                        password: form.text("password"),
                    },
                )
                .await
        }
        None => Err(AppError::invalid("role", "choose a role")),
    };
    match result {
        Ok(u) => Ok(see_other(
            "/manage/users",
            &format!("User {} was created.", u.username),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut page = user_page(&state, &ui).await?;
            page.errors = FieldErrors::from_list(&invalid.0);
            page.values = form;
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_user(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let u = state.app.get_user(&ui.actor, id).await?;
    let mut values = vec![
        ("username", u.username),
        ("display_name", u.display_name),
        ("email", u.email.unwrap_or_default()),
        ("role", u.role.as_str().to_owned()),
        (
            "organization_id",
            u.organization_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
    ];
    if u.active {
        values.push(("active", "yes".into()));
    }
    edit_page(&ui, user_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_user(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let role = form.value("role").parse::<Role>().ok();
    let organization_id = form.id("organization_id");
    let result = match (role, organization_id) {
        (Some(role), Ok(organization_id)) => {
            let patch = UserPatch {
                display_name: Some(form.value("display_name")),
                email: Some(form.text("email")),
                role: Some(role),
                organization_id: Some(organization_id),
                active: Some(form.checked("active")),
                // Blank keeps the password.
                password: form.text("password"),
            };
            state.app.update_user(&ui.actor, id, patch).await
        }
        (None, _) => Err(AppError::invalid("role", "choose a role")),
        (_, Err(e)) => Err(AppError::Invalid(Invalid(vec![e]))),
    };
    match result {
        Ok(u) => Ok(see_other(
            "/manage/users",
            &format!("User {} was saved.", u.username),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_edit(&ui, user_page(&state, &ui).await?, id, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}
