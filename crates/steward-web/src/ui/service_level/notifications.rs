//! The bell's page: the SLA warnings, breaches, escalations and customer replies addressed to
//! the reader or to a team of theirs, newest first, each marked read by hand or all at once.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::resolution::console::href;
use crate::ui::{FormData, Layout, Ui, UiResult, see_other, short_time};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use steward_domain::resolution::ticket::TicketKind;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read", post(read))
}

struct Item {
    id: i64,
    iso: String,
    at: String,
    subject: String,
    body: String,
    href: Option<String>,
    team: Option<String>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    l: Layout,
    items: Vec<Item>,
    unread: usize,
}

async fn list(State(state): State<AppState>, ui: Ui) -> UiResult {
    let notices = state.app.my_notifications(&ui.actor).await?;
    let teams = if ui.staff() {
        choices::teams(&state, &ui).await
    } else {
        Vec::new()
    };
    let mut items = Vec::new();
    for n in notices {
        // The link needs the record's kind; a record the reader may no longer see has none.
        let link = match n.ticket_id {
            Some(id) => state
                .app
                .ticket_kind(&ui.actor, id)
                .await
                .ok()
                .flatten()
                .map(|k: TicketKind| href(k, id)),
            None => None,
        };
        items.push(Item {
            id: n.id,
            iso: n.created_at.clone(),
            at: short_time(&n.created_at),
            subject: n.subject,
            body: n.body,
            href: link,
            team: n.team_id.map(|t| {
                teams
                    .iter()
                    .find(|(id, _)| *id == t)
                    .map_or_else(|| format!("team {t}"), |(_, name)| name.clone())
            }),
            unread: n.read_at.is_none(),
        });
    }
    let unread = items.iter().filter(|i| i.unread).count();
    Ok(ui.page(&NotificationsPage {
        l: ui.layout("Notifications", "notifications"),
        items,
        unread,
    }))
}

/// Marks one notification read, or every unread one when the form names none.
async fn read(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let ids: Vec<i64> = match form.text("id").and_then(|v| v.parse().ok()) {
        Some(id) => vec![id],
        None => state
            .app
            .my_notifications(&ui.actor)
            .await?
            .into_iter()
            .filter(|n| n.read_at.is_none())
            .map(|n| n.id)
            .collect(),
    };
    for id in &ids {
        state.app.read_notification(&ui.actor, *id).await?;
    }
    let message = match ids.len() {
        1 => "The notification was marked read.".to_owned(),
        n => format!("{n} notifications were marked read."),
    };
    Ok(see_other("/notifications", &message))
}
