//! The canned replies screen (managers): each reply's title, team and text.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage};
use crate::ui::foundation::screen::{self, no_check, screen};
use crate::ui::{Ui, UiError};
use axum::Router;
use steward_domain::resolution::canned::{CannedReply, CannedReplyInput};

pub fn routes() -> Router<AppState> {
    screen::routes::<CannedReplies>()
}

async fn page(state: &AppState, ui: &Ui, _editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Canned replies", "canned-replies");
    page.headers = vec!["Title", "Team", "Text"];
    let teams = choices::teams(state, ui).await;
    for r in state.app.canned_replies(&ui.actor).await? {
        page.row_ids.push(r.id);
        let team = r.team_id.map_or_else(
            || "every agent".to_owned(),
            |t| {
                teams
                    .iter()
                    .find(|(id, _)| *id == t)
                    .map_or_else(|| format!("team {t}"), |(_, n)| n.clone())
            },
        );
        let text: String = r.body.chars().take(80).collect();
        page.rows.push(vec![r.title, team, text]);
    }
    page.form = Some(FormSpec::new(
        "canned reply",
        vec![Group::plain(vec![
            Field::text("title", "Title").required(),
            Field::new("team_id", "Team", Input::Pick(teams, "Every agent")),
            Field::new("body", "Text", Input::Long).required(),
        ])],
    ));
    Ok(page)
}

screen!(
    CannedReplies,
    "/manage/canned-replies",
    page,
    CannedReply,
    CannedReplyInput,
    CannedReplyInput,
    create_canned_reply,
    get_canned_reply,
    update_canned_reply,
    "Canned reply",
    title,
    no_check
);
