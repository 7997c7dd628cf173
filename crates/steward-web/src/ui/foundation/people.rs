//! Organizations, teams (with their members) and users, managed from the browser. Managers
//! manage organizations and teams and list users; only admins create and change users.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, opt};
use crate::ui::foundation::screen::{self, no_check, screen};
use crate::ui::{FormData, Ui, UiError};
use axum::Router;
use steward_app::AppError;
use steward_domain::FieldError;
use steward_domain::foundation::people::{
    Organization, OrganizationInput, OrganizationPatch, Team, TeamInput, TeamPatch, User,
    UserInput, UserPatch,
};
use steward_domain::foundation::role::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(screen::routes::<Organizations>())
        .merge(screen::routes::<Teams>())
        .merge(screen::routes::<Users>())
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

// ------------------------------------------------------------------ organizations

async fn org_page(state: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Organizations", "organizations");
    page.headers = vec!["Name", "Description", "Active"];
    let list = state
        .app
        .list_organizations(&ui.actor, Default::default(), Default::default())
        .await?;
    for o in list.items {
        page.row_ids.push(o.id);
        page.rows
            .push(vec![o.name, opt(o.description), yes_no(o.active)]);
    }
    let mut fields = vec![
        Field::text("name", "Name").required(),
        Field::new("description", "Description", Input::Long),
        Field::text("email_domain", "Mail domain").hint(
            "Mail from an unknown address at this domain (example.org) is this organization's.",
        ),
    ];
    if editing.is_some() {
        fields.push(
            Field::new("active", "Active", Input::Check)
                .hint("An inactive organization's people cannot log in."),
        );
    }
    page.form = Some(FormSpec::new("organization", vec![Group::plain(fields)]));
    Ok(page)
}

// ------------------------------------------------------------------ teams

async fn team_page(state: &AppState, ui: &Ui, _editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Teams", "teams");
    page.headers = vec!["Name", "Email", "Members"];
    let staff = choices::staff(state, ui).await;
    let list = state
        .app
        .list_teams(&ui.actor, Default::default(), Default::default())
        .await?;
    for t in list.items {
        page.row_ids.push(t.id);
        let members: Vec<String> = t
            .member_ids
            .iter()
            .map(|m| {
                staff
                    .iter()
                    .find(|(id, _)| id == m)
                    .map_or_else(|| format!("user {m}"), |(_, n)| n.clone())
            })
            .collect();
        let members = if members.is_empty() {
            "none".to_owned()
        } else {
            members.join(", ")
        };
        page.rows.push(vec![t.name, opt(t.email), members]);
    }
    let fields = vec![
        Field::text("name", "Name").required(),
        Field::new("email", "Email", Input::Email),
        Field::new("description", "Description", Input::Long),
        Field::new("member_ids", "Members", Input::Many(staff))
            .hint("Staff only: the people who work the team's records."),
    ];
    page.form = Some(FormSpec::new("team", vec![Group::plain(fields)]));
    Ok(page)
}

// ------------------------------------------------------------------ users

async fn user_page(state: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Users", "users");
    page.headers = vec!["Username", "Name", "Role", "Organization", "Active"];
    let orgs = choices::organizations(state, ui).await;
    let list = state
        .app
        .list_users(&ui.actor, Default::default(), Default::default())
        .await?;
    for u in list.items {
        page.row_ids.push(u.id);
        let org = u.organization_id.map(|o| {
            orgs.iter()
                .find(|(id, _)| *id == o)
                .map_or_else(|| o.to_string(), |(_, n)| n.clone())
        });
        page.rows.push(vec![
            u.username,
            u.display_name,
            u.role.as_str().into(),
            opt(org),
            yes_no(u.active),
        ]);
    }
    // No role is preselected: whoever creates a user chooses its rights on purpose.
    let mut roles = vec![(String::new(), "Choose a role…".to_owned())];
    roles.extend(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.as_str().to_owned())),
    );
    let editing = editing.is_some();
    let username = if editing {
        Field::new("username", "Username", Input::Fixed)
    } else {
        Field::text("username", "Username")
            .required()
            .hint("Letters, digits and . _ - @; people log in with it.")
    };
    let mut fields = vec![
        username,
        Field::text("display_name", "Display name"),
        Field::new("email", "Email", Input::Email),
        Field::new("role", "Role", Input::Choice(roles)).required(),
        Field::new(
            "organization_id",
            "Organization",
            Input::Pick(orgs, "None (staff)"),
        )
        .hint("Customers belong to exactly one organization; staff to none."),
        Field::new("password", "Password", Input::Password).hint(if editing {
            "10 characters or more; blank keeps the current one."
        } else {
            "10 characters or more; without one the user cannot log in yet."
        }),
    ];
    if editing {
        fields.push(
            Field::new("active", "Active", Input::Check)
                .hint("Unticked: the user's sessions end and its tokens stop working."),
        );
    }
    // Only admins may create or change users; managers get the list without forms they could
    // not submit.
    if matches!(ui.actor.role, Role::Admin) {
        page.form = Some(FormSpec::new("user", vec![Group::plain(fields)]));
    } else {
        page.row_ids.clear();
    }
    Ok(page)
}

/// A blank role is named before the API's own message, which would not say which field.
fn role_chosen(form: &FormData) -> Result<(), AppError> {
    match form.text("role") {
        Some(_) => Ok(()),
        None => Err(AppError::Invalid(steward_domain::Invalid(vec![
            FieldError::new("role", "choose a role"),
        ]))),
    }
}

screen!(
    Organizations,
    "/manage/organizations",
    org_page,
    Organization,
    OrganizationInput,
    OrganizationPatch,
    create_organization,
    get_organization,
    update_organization,
    "Organization",
    name,
    no_check
);
screen!(
    Teams,
    "/manage/teams",
    team_page,
    Team,
    TeamInput,
    TeamPatch,
    create_team,
    get_team,
    update_team,
    "Team",
    name,
    no_check
);
screen!(
    Users,
    "/manage/users",
    user_page,
    User,
    UserInput,
    UserPatch,
    create_user,
    get_user,
    update_user,
    "User",
    username,
    role_chosen
);
