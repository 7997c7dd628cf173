//! The bell's page: the SLA warnings, breaches, escalations and customer replies addressed to
//! the reader or to a team of theirs, newest first, each marked read by hand or all at once.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::resolution::rows::href;
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
    let items: Vec<Item> = notices
        .into_iter()
        .map(|n| Item {
            id: n.id,
            iso: n.created_at.clone(),
            at: short_time(&n.created_at),
            subject: n.subject,
            body: n.body,
            // The record page itself decides whether the reader may still see it.
            href: n
                .ticket_id
                .zip(n.ticket_kind.as_deref().and_then(TicketKind::parse))
                .map(|(id, kind)| href(kind, id)),
            team: n.team_id.map(|t| {
                teams
                    .iter()
                    .find(|(id, _)| *id == t)
                    .map_or_else(|| format!("team {t}"), |(_, name)| name.clone())
            }),
            unread: n.read_at.is_none(),
        })
        .collect();
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
    let count = match form.text("id").and_then(|v| v.parse().ok()) {
        Some(id) => {
            state.app.read_notification(&ui.actor, id).await?;
            1
        }
        None => state.app.read_all_notifications(&ui.actor).await?,
    };
    let message = match count {
        1 => "The notification was marked read.".to_owned(),
        n => format!("{n} notifications were marked read."),
    };
    Ok(see_other("/notifications", &message))
}
