//! The change calendar screen (8.5.1.3): the planned changes as a list, a week or a month in
//! the reader's time zone, filtered by service, team and status, with previous, today and
//! next; and the person's iCalendar feed ("Subscribe in your calendar app").
use crate::AppState;
use crate::routes::delivery::change_calendar::{FEED_PATH, base_url};
use crate::ui::foundation::choices;
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, now, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use jiff::Timestamp;
use jiff::civil::Date;
use steward_app::AppError;
use steward_domain::delivery::change::ChangeStatus;
use steward_domain::delivery::change_calendar::{
    CalendarEntry, View, days, on_day, span, step, weekend,
};
use steward_store::delivery::change_calendar::Filter;

const BASE: &str = "/manage/changes/calendar";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(show))
        .route("/manage/changes/calendar/feed", post(issue_feed))
        .route("/manage/changes/calendar/feed/revoke", post(revoke_feed))
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
struct CalendarQuery {
    view: Option<String>,
    date: Option<String>,
    service_id: Option<String>,
    team_id: Option<String>,
    status: Option<String>,
}

/// The query as read: unknown or empty values are left out rather than refused, as in the
/// other screens' filters.
struct Selection {
    view: View,
    anchor: Date,
    today: Date,
    service: Option<i64>,
    team: Option<i64>,
    status: Option<ChangeStatus>,
}

impl Selection {
    fn read(ui: &Ui, q: &CalendarQuery, state: &AppState) -> Self {
        let today = now(state).to_zoned_datetime(ui.zone()).date();
        let id = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
        Selection {
            view: q
                .view
                .as_deref()
                .and_then(View::parse)
                .unwrap_or(View::Week),
            anchor: q
                .date
                .as_deref()
                .and_then(|d| d.trim().parse::<Date>().ok())
                .unwrap_or(today),
            today,
            service: id(&q.service_id),
            team: id(&q.team_id),
            status: q.status.as_deref().and_then(ChangeStatus::parse),
        }
    }

    /// The screen's address for another view or date, keeping the filters.
    fn href(&self, view: View, date: Date) -> String {
        let mut s = format!("{BASE}?view={}&date={date}", view.as_str());
        if let Some(v) = self.service {
            s.push_str(&format!("&service_id={v}"));
        }
        if let Some(v) = self.team {
            s.push_str(&format!("&team_id={v}"));
        }
        if let Some(v) = self.status {
            s.push_str(&format!("&status={}", v.as_str()));
        }
        s
    }
}

/// One change as the screen shows it.
struct Item {
    id: i64,
    number: String,
    title: String,
    status: String,
    change_type: String,
    risk: String,
    team: String,
    /// The whole window in the reader's zone, `2026-03-28 23:30 – 2026-03-29 03:30`.
    when: String,
    /// The window on one day of the grid (`23:30 →`).
    part: String,
    /// Conflict warnings, shown as badges when there are any.
    conflicts: Vec<String>,
}

struct Day {
    date: Date,
    /// `Mon 2 Mar`.
    label: String,
    /// `Monday 2 March 2026`, for screen readers and the list.
    long: String,
    today: bool,
    weekend: bool,
    /// In the month shown (a month grid also shows the edges of the weeks around it).
    outside: bool,
    items: Vec<Item>,
}

struct Feed {
    /// Whether the person has a feed, with its creation in their zone.
    created: Option<String>,
    /// The secret addresses, only right after making them: (what, url).
    urls: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "change_calendar.html")]
struct CalendarPage {
    l: Layout,
    section: &'static str,
    view: &'static str,
    zone: String,
    /// `Week of Monday 2 March 2026`, `March 2026`.
    period: String,
    views: Vec<(String, String, bool)>,
    previous: String,
    today: String,
    next: String,
    date: String,
    services: Vec<(i64, String)>,
    teams: Vec<(i64, String)>,
    statuses: Vec<(String, String)>,
    service: Option<i64>,
    team: Option<i64>,
    status: String,
    days: Vec<Day>,
    /// The list view: each change once.
    list: Vec<Item>,
    truncated: bool,
    feed: Feed,
}

impl CalendarPage {
    fn weekdays(&self) -> [&'static str; 7] {
        ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    }

    fn empty(&self) -> bool {
        self.list.is_empty()
    }

    fn is_service(&self, id: &i64) -> bool {
        self.service == Some(*id)
    }

    fn is_team(&self, id: &i64) -> bool {
        self.team == Some(*id)
    }
}

fn may_read(ui: &Ui) -> Result<(), UiError> {
    if ui.staff() {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

fn parse(t: &str) -> Timestamp {
    t.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

async fn page(
    state: &AppState,
    ui: &Ui,
    q: &CalendarQuery,
    urls: Vec<(String, String)>,
) -> Result<CalendarPage, UiError> {
    let sel = Selection::read(ui, q, state);
    let zone = ui.zone();
    let shown = days(sel.view, sel.anchor);
    let (from, to) = span(&shown, &zone);
    let filter = Filter {
        service: sel.service,
        team: sel.team,
        status: sel.status,
    };
    let calendar = state
        .app
        .change_calendar(&ui.actor, &from.to_string(), &to.to_string(), filter)
        .await?;
    let teams = choices::teams(state, ui).await;
    let team_name = |id: Option<i64>| {
        id.and_then(|id| teams.iter().find(|(t, _)| *t == id))
            .map_or_else(String::new, |(_, n)| n.clone())
    };
    let item = |e: &CalendarEntry, part: String| Item {
        id: e.id,
        number: e.number.clone(),
        title: e.title.clone(),
        status: status_label(e.status.as_str()),
        change_type: status_label(e.change_type.as_str()),
        risk: status_label(e.risk_level.as_str()),
        team: team_name(e.team_id),
        when: format!(
            "{} – {}",
            ui.local(&e.planned_start),
            ui.local(&e.planned_end)
        ),
        part,
        conflicts: e.conflicts.clone(),
    };
    let month = sel.anchor.month();
    let days = shown
        .iter()
        .map(|d| Day {
            date: *d,
            label: d.strftime("%a %-d %b").to_string(),
            long: d.strftime("%A %-d %B %Y").to_string(),
            today: *d == sel.today,
            weekend: weekend(*d),
            outside: sel.view == View::Month && d.month() != month,
            items: calendar
                .entries
                .iter()
                .filter_map(|e| {
                    on_day(parse(&e.planned_start), parse(&e.planned_end), *d, &zone)
                        .map(|p| item(e, p.label))
                })
                .collect(),
        })
        .collect();
    let list = calendar
        .entries
        .iter()
        .map(|e| item(e, String::new()))
        .collect();
    let (prev, next) = step(sel.view, sel.anchor);
    let period = match sel.view {
        View::Week => format!(
            "Week of {}",
            shown
                .first()
                .map_or_else(String::new, |d| d.strftime("%A %-d %B %Y").to_string())
        ),
        View::Month => sel.anchor.strftime("%B %Y").to_string(),
        View::List => format!(
            "{} to {}",
            shown
                .first()
                .map_or_else(String::new, |d| d.strftime("%-d %B %Y").to_string()),
            shown
                .last()
                .map_or_else(String::new, |d| d.strftime("%-d %B %Y").to_string())
        ),
    };
    let feed_status = state.app.change_feed_status(&ui.actor).await?;
    Ok(CalendarPage {
        l: ui.layout("Change calendar", "manage"),
        section: "changes",
        view: sel.view.as_str(),
        zone: ui.zone_name(),
        period,
        views: [View::List, View::Week, View::Month]
            .iter()
            .map(|v| {
                (
                    sel.href(*v, sel.anchor),
                    status_label(v.as_str()),
                    *v == sel.view,
                )
            })
            .collect(),
        previous: sel.href(sel.view, prev),
        today: sel.href(sel.view, sel.today),
        next: sel.href(sel.view, next),
        date: sel.anchor.to_string(),
        services: choices::services(state, ui).await,
        statuses: ChangeStatus::ALL
            .iter()
            .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
            .collect(),
        teams,
        service: sel.service,
        team: sel.team,
        status: sel
            .status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        days,
        list,
        truncated: calendar.truncated,
        feed: Feed {
            created: feed_status.created_at.as_deref().map(|t| ui.local(t)),
            urls,
        },
    })
}

async fn show(State(state): State<AppState>, ui: Ui, Query(q): Query<CalendarQuery>) -> UiResult {
    may_read(&ui)?;
    Ok(ui.page(&page(&state, &ui, &q, Vec::new()).await?))
}

/// Makes (or replaces) the person's feed and shows its addresses this once: all changes,
/// and the team and service chosen in the filters.
async fn issue_feed(
    State(state): State<AppState>,
    ui: Ui,
    headers: HeaderMap,
    form: FormData,
) -> UiResult {
    may_read(&ui)?;
    ui.check_csrf(&form)?;
    let secret = state.app.issue_change_feed(&ui.actor).await?;
    let root = format!(
        "{}{FEED_PATH}/{}",
        base_url(&state, &headers).await,
        secret.token
    );
    let q = CalendarQuery {
        view: form.text("view"),
        date: form.text("date"),
        service_id: form.text("service_id"),
        team_id: form.text("team_id"),
        status: None,
    };
    let mut urls = vec![("All changes you can see".to_owned(), root.clone())];
    let id = |v: &Option<String>| v.as_deref().and_then(|s| s.trim().parse::<i64>().ok());
    if let Some(team) = id(&q.team_id) {
        let name = choices::teams(&state, &ui)
            .await
            .into_iter()
            .find(|(t, _)| *t == team)
            .map_or_else(|| format!("team {team}"), |(_, n)| format!("team {n}"));
        urls.push((
            format!("Changes of {name}"),
            format!("{root}?team_id={team}"),
        ));
    }
    if let Some(service) = id(&q.service_id) {
        let name = choices::services(&state, &ui)
            .await
            .into_iter()
            .find(|(s, _)| *s == service)
            .map_or_else(
                || format!("service {service}"),
                |(_, n)| format!("service {n}"),
            );
        urls.push((
            format!("Changes to {name}"),
            format!("{root}?service_id={service}"),
        ));
    }
    let mut ui = ui;
    ui.flash = Some("Your calendar address was made. Copy it now: it is shown only once.".into());
    Ok(ui.page(&page(&state, &ui, &q, urls).await?))
}

async fn revoke_feed(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    may_read(&ui)?;
    ui.check_csrf(&form)?;
    let flash = match state.app.revoke_change_feed(&ui.actor).await {
        Ok(()) => "Your calendar address was revoked: it no longer works.",
        Err(AppError::NotFound { .. }) => "You had no calendar address.",
        Err(e) => return Err(e.into()),
    };
    Ok(see_other(BASE, flash))
}
