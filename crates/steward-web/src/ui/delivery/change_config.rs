//! The change policy's records on the shared list screen: change advisory boards (members,
//! one flagged emergency) and standard-change templates (8.5.1.1, 8.5.1.3).
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, opt};
use crate::ui::foundation::screen::{self, no_check, screen};
use crate::ui::{Ui, UiError};
use axum::Router;
use steward_domain::delivery::change_board::{Board, BoardInput, Template, TemplateInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(screen::routes::<Boards>())
        .merge(screen::routes::<Templates>())
}

fn related() -> Vec<(String, String)> {
    vec![
        ("/manage/changes".into(), "Changes".into()),
        (
            "/manage/change-boards".into(),
            "Change advisory boards".into(),
        ),
        (
            "/manage/change-templates".into(),
            "Standard-change templates".into(),
        ),
        ("/manage/change-policy".into(), "Change policy".into()),
        ("/manage/change-risk".into(), "Risk questionnaire".into()),
        ("/manage/change-blackouts".into(), "Blackout windows".into()),
    ]
}

async fn boards_page(state: &AppState, ui: &Ui, _: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Change advisory boards", "change-boards");
    page.intro = Some(
        "The change policy names which board approves normal changes of each risk level; the board flagged emergency approves emergency changes."
            .into(),
    );
    page.related = related();
    page.headers = vec!["Name", "Emergency board", "Members"];
    let staff = choices::staff(state, ui).await;
    for b in state.app.change_boards(&ui.actor).await? {
        page.row_ids.push(b.id);
        let members: Vec<String> = b
            .member_ids
            .iter()
            .filter_map(|m| staff.iter().find(|(id, _)| id == m).map(|(_, n)| n.clone()))
            .collect();
        page.rows.push(vec![
            b.name.clone(),
            if b.emergency { "Yes" } else { "No" }.into(),
            opt((!members.is_empty()).then(|| members.join(", "))),
        ]);
    }
    page.form = Some(FormSpec::new(
        "change advisory board",
        vec![Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::new("emergency", "Emergency board", Input::Check)
                .hint("At most one board approves emergency changes."),
            Field::new("member_ids", "Members", Input::Many(staff)),
        ])],
    ));
    Ok(page)
}

async fn templates_page(state: &AppState, ui: &Ui, _: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Standard-change templates", "change-templates");
    page.intro = Some(
        "A standard change is pre-approved: it is raised from one of these templates and needs no board."
            .into(),
    );
    page.related = related();
    page.headers = vec!["Name", "Category", "Active"];
    for t in state.app.change_templates(&ui.actor).await? {
        page.row_ids.push(t.id);
        page.rows.push(vec![
            t.name.clone(),
            opt(t.category.clone()),
            if t.active { "Yes" } else { "No" }.into(),
        ]);
    }
    page.form = Some(FormSpec::new(
        "standard-change template",
        vec![Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::text("category", "Category"),
            Field::new("description", "Description", Input::Long),
            Field::new("implementation_plan", "Implementation plan", Input::Long).required(),
            Field::new("test_plan", "Test plan", Input::Long).required(),
            Field::new("backout_plan", "Back-out plan", Input::Long).required(),
            Field::new("active", "Active", Input::Check),
        ])],
    ));
    Ok(page)
}

screen!(
    Boards,
    "/manage/change-boards",
    boards_page,
    Board,
    BoardInput,
    BoardInput,
    create_change_board,
    change_board,
    update_change_board,
    "Board",
    name,
    no_check
);

screen!(
    Templates,
    "/manage/change-templates",
    templates_page,
    Template,
    TemplateInput,
    TemplateInput,
    create_change_template,
    change_template,
    update_change_template,
    "Template",
    name,
    no_check
);
