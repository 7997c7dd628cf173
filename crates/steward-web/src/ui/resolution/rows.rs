//! What the record lists share: a record's address, a list line, the staff names behind
//! assignee ids, and a choice of a select.
use crate::AppState;
use crate::ui::{Ui, short_time, status_label};
use std::collections::HashMap;
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;

/// One line of a ticket list.
pub struct Row {
    pub href: String,
    pub number: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assignee: String,
    pub opened: String,
    /// `opened` as RFC 3339, for the page script to show in the reader's time zone.
    pub opened_iso: String,
    pub major: bool,
}

pub fn href(kind: TicketKind, id: i64) -> String {
    format!("/{}/{id}", collection(kind))
}

pub fn collection(kind: TicketKind) -> &'static str {
    match kind {
        TicketKind::Incident => "incidents",
        TicketKind::Request => "requests",
        TicketKind::Problem => "problems",
    }
}

pub fn row(t: &Ticket, names: &HashMap<i64, String>) -> Row {
    Row {
        href: href(t.kind, t.id),
        number: t.number.clone(),
        title: t.title.clone(),
        status: status_label(t.status.as_str()),
        priority: String::from(t.priority),
        assignee: t
            .assignee_id
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| "—".into()),
        opened: short_time(&t.opened_at),
        opened_iso: t.opened_at.clone(),
        major: t.major,
    }
}

/// Staff user names by id, for showing assignees.
/// Every user the actor may list (up to 500), or none when it may list none.
async fn users(state: &AppState, ui: &Ui) -> Vec<steward_domain::foundation::people::User> {
    let request = PageRequest {
        limit: 500,
        offset: 0,
    };
    state
        .app
        .list_users(&ui.actor, Default::default(), request)
        .await
        .map(|page| page.items)
        .unwrap_or_default()
}

pub async fn staff_names(state: &AppState, ui: &Ui) -> HashMap<i64, String> {
    users(state, ui)
        .await
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect()
}

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}
