//! The records a form offers to pick from, as (id, name): organizations, staff, services,
//! calendars, teams. Each lists at most 500, in name order; one the actor may not list is
//! offered as nothing rather than failing the page.
use crate::AppState;
use crate::ui::Ui;
use steward_domain::foundation::page::PageRequest;

const ALL: PageRequest = PageRequest {
    limit: 500,
    offset: 0,
};

pub(crate) async fn organizations(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    let page = state
        .app
        .list_organizations(&ui.actor, Default::default(), ALL)
        .await;
    page.map(|p| p.items.into_iter().map(|o| (o.id, o.name)).collect())
        .unwrap_or_default()
}

/// Active staff: owners, members and assignees are people of the provider.
pub(crate) async fn staff(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    let page = state
        .app
        .list_users(&ui.actor, Default::default(), ALL)
        .await;
    let mut people: Vec<(i64, String)> = page
        .map(|p| {
            p.items
                .into_iter()
                .filter(|u| u.active && u.role.is_staff())
                .map(|u| (u.id, u.display_name))
                .collect()
        })
        .unwrap_or_default();
    people.sort_by(|a, b| a.1.cmp(&b.1));
    people
}

pub(crate) async fn services(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    let page = state
        .app
        .list_services(&ui.actor, Default::default(), ALL)
        .await;
    page.map(|p| p.items.into_iter().map(|s| (s.id, s.name)).collect())
        .unwrap_or_default()
}

pub(crate) async fn calendars(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    let list = state.app.list_calendars(&ui.actor).await;
    list.map(|l| l.into_iter().map(|c| (c.id, c.calendar.name)).collect())
        .unwrap_or_default()
}

pub(crate) async fn teams(state: &AppState, ui: &Ui) -> Vec<(i64, String)> {
    let page = state
        .app
        .list_teams(&ui.actor, Default::default(), ALL)
        .await;
    page.map(|p| p.items.into_iter().map(|t| (t.id, t.name)).collect())
        .unwrap_or_default()
}

/// The IANA time zones this build knows, sorted, offered while typing.
pub(crate) fn time_zones() -> Vec<String> {
    let mut zones: Vec<String> = jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
        .collect();
    zones.sort();
    zones
}
