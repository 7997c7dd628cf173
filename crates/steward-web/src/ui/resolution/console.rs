//! The agent console: work queues with counts, quick create, and full-text search.
use crate::AppState;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other, short_time, status_label};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use serde::Deserialize;
use std::collections::HashMap;
use steward_app::AppError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{
    IncidentInput, Level, TicketField, TicketKind, TicketSort,
};
use steward_domain::resolution::workflow::Status;
use steward_store::resolution::tickets::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(console))
        .route("/incidents/new", get(new_incident).post(create_incident))
        .route("/search", get(search))
}

/// One line of a ticket list.
pub struct Row {
    pub href: String,
    pub number: String,
    pub title: String,
    pub status: String,
    pub priority: String,
    pub assignee: String,
    pub opened: String,
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

struct Queue {
    key: &'static str,
    label: &'static str,
    count: usize,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    l: Layout,
    queues: Vec<Queue>,
    current: &'static str,
    current_label: &'static str,
    rows: Vec<Row>,
    capped: bool,
}

#[derive(Deserialize)]
struct ConsoleQuery {
    queue: Option<String>,
}

/// The statuses in which a record is still being worked, by kind.
const OPEN: [(TicketKind, &[Status]); 3] = [
    (
        TicketKind::Incident,
        &[
            Status::New,
            Status::Assigned,
            Status::InProgress,
            Status::Pending,
        ],
    ),
    (
        TicketKind::Request,
        &[
            Status::AwaitingApproval,
            Status::New,
            Status::Assigned,
            Status::InProgress,
            Status::Pending,
        ],
    ),
    (
        TicketKind::Problem,
        &[Status::New, Status::Investigating, Status::KnownError],
    ),
];

/// How many open records of one status the console reads at most.
const PER_STATUS: u32 = 500;

/// Open incidents and requests, newest first; `capped` when some status had more than the
/// console reads.
async fn open_work(state: &AppState, ui: &Ui) -> Result<(Vec<Ticket>, bool), AppError> {
    let mut all = Vec::new();
    let mut capped = false;
    for (kind, statuses) in OPEN {
        for status in statuses {
            let filter = Filter {
                status: Some(status.as_str().to_owned()),
                ..Default::default()
            };
            let page = state
                .app
                .list_tickets(
                    &ui.actor,
                    kind,
                    filter,
                    TicketSort::default(),
                    PageRequest {
                        limit: PER_STATUS,
                        offset: 0,
                    },
                )
                .await?;
            capped |= page.total > i64::from(PER_STATUS);
            all.extend(page.items);
        }
    }
    all.sort_by(|a, b| b.opened_at.cmp(&a.opened_at).then(b.id.cmp(&a.id)));
    Ok((all, capped))
}

/// How far ahead "breaching soon" looks for deadlines.
const BREACH_HORIZON: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

async fn console(State(state): State<AppState>, ui: Ui, Query(q): Query<ConsoleQuery>) -> UiResult {
    if !ui.staff() {
        return Ok(see_other(
            "/portal",
            "The console is for staff; here is your portal.",
        ));
    }
    let (open, capped) = open_work(&state, &ui).await?;
    let me = ui.actor.user_id;
    let my_teams: Vec<i64> = match me {
        Some(id) => state
            .app
            .list_teams(
                &ui.actor,
                steward_store::foundation::teams::Filter {
                    member: Some(id),
                    q: None,
                },
                PageRequest::default(),
            )
            .await
            .map(|p| p.items.into_iter().map(|t| t.id).collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let breaching = state
        .app
        .breaching_soon(&ui.actor, BREACH_HORIZON)
        .await
        .unwrap_or_default();
    let in_queue = |key: &str, t: &Ticket| -> bool {
        match key {
            "mine" => t.assignee_id.is_some() && t.assignee_id == me,
            "team" => t.team_id.is_some_and(|team| my_teams.contains(&team)),
            "unassigned" => t.assignee_id.is_none(),
            "breaching" => breaching.contains(&t.id),
            "major" => t.major,
            "problems" => t.kind == TicketKind::Problem,
            _ => true,
        }
    };
    const QUEUES: [(&str, &str); 7] = [
        ("mine", "My work"),
        ("team", "My teams"),
        ("unassigned", "Unassigned"),
        ("breaching", "Breaching soon"),
        ("major", "Major incidents"),
        ("problems", "Problems"),
        ("all", "All open"),
    ];
    let wanted = q.queue.as_deref().unwrap_or("mine");
    let (current, current_label) = QUEUES
        .iter()
        .copied()
        .find(|(k, _)| *k == wanted)
        .ok_or(UiError::NotFound)?;
    let queues = QUEUES
        .iter()
        .map(|(key, label)| Queue {
            key,
            label,
            count: open.iter().filter(|t| in_queue(key, t)).count(),
        })
        .collect();
    let names = staff_names(&state, &ui).await;
    let rows = open
        .iter()
        .filter(|t| in_queue(current, t))
        .map(|t| row(t, &names))
        .collect();
    let page = ConsolePage {
        l: ui.layout(format!("Console: {current_label}"), "console"),
        queues,
        current,
        current_label,
        rows,
        capped,
    };
    Ok(ui.page(&page))
}

// ------------------------------------------------------------------ quick create

pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "incident_new.html")]
struct NewIncidentPage {
    l: Layout,
    title: String,
    description: String,
    impacts: Vec<Choice>,
    urgencies: Vec<Choice>,
    services: Vec<Choice>,
    errors: FieldErrors,
    show_impact: bool,
    show_urgency: bool,
}

fn levels(selected: &str) -> Vec<Choice> {
    ["high", "medium", "low"]
        .into_iter()
        .map(|v| Choice {
            value: v.into(),
            label: status_label(v),
            selected: v == selected,
        })
        .collect()
}

async fn services(state: &AppState, ui: &Ui, selected: Option<i64>) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Not sure".into(),
        selected: selected.is_none(),
    }];
    let options = state
        .app
        .raisable_services(&ui.actor)
        .await
        .unwrap_or_default();
    choices.extend(options.into_iter().map(|(id, label)| Choice {
        value: id.to_string(),
        label,
        selected: Some(id) == selected,
    }));
    choices
}

/// Which of impact and urgency the person raising a record sets: staff both, a customer what
/// the desk settings allow.
async fn level_fields(state: &AppState, ui: &Ui) -> (bool, bool) {
    if ui.staff() {
        return (true, true);
    }
    let desk = state.app.desk_settings(&ui.actor).await.unwrap_or_default();
    (
        desk.customer_may(TicketField::Impact),
        desk.customer_may(TicketField::Urgency),
    )
}

async fn new_incident(State(state): State<AppState>, ui: Ui) -> UiResult {
    let (show_impact, show_urgency) = level_fields(&state, &ui).await;
    let page = NewIncidentPage {
        l: ui.layout(
            if ui.staff() {
                "New incident"
            } else {
                "Report a problem"
            },
            "new",
        ),
        title: String::new(),
        description: String::new(),
        impacts: levels("medium"),
        urgencies: levels("medium"),
        services: services(&state, &ui, None).await,
        errors: FieldErrors::default(),
        show_impact,
        show_urgency,
    };
    Ok(ui.page(&page))
}

async fn create_incident(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let level = |name: &str, errors: &mut Vec<steward_domain::FieldError>| {
        let v = form.value(name);
        Level::parse(&v).unwrap_or_else(|| {
            errors.push(steward_domain::FieldError::new(
                name,
                "choose high, medium or low",
            ));
            Level::Medium
        })
    };
    // A field the form does not show is left to the desk's default.
    let (show_impact, show_urgency) = level_fields(&state, &ui).await;
    let impact = show_impact.then(|| level("impact", &mut errors));
    let urgency = show_urgency.then(|| level("urgency", &mut errors));
    let service_id = form.id("service_id").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let input = IncidentInput {
        title: form.value("title"),
        description: form.text("description"),
        impact,
        urgency,
        service_id,
        organization_id: None,
        requester_id: None,
        ci_id: None,
        category: None,
        channel: None,
    };
    let result = if errors.is_empty() {
        state.app.create_incident(&ui.actor, input).await
    } else {
        // The domain's own check still names every other bad field in the same answer.
        if let Err(invalid) = input.parse() {
            errors.extend(invalid.0);
        }
        Err(AppError::Invalid(steward_domain::Invalid(errors)))
    };
    match result {
        Ok(t) => Ok(see_other(
            &href(t.kind, t.id),
            &format!("{} was created.", t.number),
        )),
        Err(AppError::Invalid(invalid)) => {
            let page = NewIncidentPage {
                l: ui.layout("New incident: please check the input", "new"),
                title: form.value("title"),
                description: form.value("description"),
                impacts: levels(&form.value("impact")),
                urgencies: levels(&form.value("urgency")),
                services: services(&state, &ui, service_id).await,
                errors: FieldErrors::from_list(&invalid.0),
                show_impact,
                show_urgency,
            };
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ search

/// A piece of a snippet: matched text is shown marked.
pub struct Piece {
    pub text: String,
    pub hit: bool,
}

struct Hit {
    href: String,
    number: String,
    title: String,
    status: String,
    snippet: Vec<Piece>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    l: Layout,
    q: String,
    hits: Vec<Hit>,
    total: i64,
    capped: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
struct SearchQuery {
    q: Option<String>,
}

/// Splits a snippet whose matches are between `[` and `]` into pieces, so that the template
/// escapes the text and marks the matches without trusting any markup.
pub fn snippet_pieces(snippet: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut rest = snippet;
    while let Some(open) = rest.find('[') {
        let Some(close) = rest[open..].find(']').map(|c| c + open) else {
            break;
        };
        if open > 0 {
            pieces.push(Piece {
                text: rest[..open].to_owned(),
                hit: false,
            });
        }
        pieces.push(Piece {
            text: rest[open + 1..close].to_owned(),
            hit: true,
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece {
            text: rest.to_owned(),
            hit: false,
        });
    }
    pieces
}

async fn search(State(state): State<AppState>, ui: Ui, Query(q): Query<SearchQuery>) -> UiResult {
    let query = q.q.unwrap_or_default();
    let mut page = SearchPage {
        l: ui.layout(format!("Search: {query}"), "search"),
        q: query.clone(),
        hits: Vec::new(),
        total: 0,
        capped: false,
        error: None,
    };
    if !query.trim().is_empty() {
        match state
            .app
            .search_tickets(&ui.actor, &query, PageRequest::default())
            .await
        {
            Ok(results) => {
                // One record by its number: straight to it.
                let exact: Vec<_> = results.items.iter().filter(|h| h.exact).collect();
                if let [one] = exact.as_slice()
                    && let Some(kind) = TicketKind::parse(&one.kind)
                {
                    return Ok(Redirect::to(&href(kind, one.ticket_id)).into_response());
                }
                page.total = results.total;
                page.capped = results.capped;
                page.hits = results
                    .items
                    .into_iter()
                    .map(|h| Hit {
                        href: TicketKind::parse(&h.kind)
                            .map(|k| href(k, h.ticket_id))
                            .unwrap_or_default(),
                        number: h.number,
                        title: h.title,
                        status: status_label(&h.status),
                        snippet: snippet_pieces(&h.snippet),
                    })
                    .collect();
            }
            Err(AppError::Invalid(invalid)) => {
                page.error = invalid.0.first().map(|e| e.message.clone());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(ui.page(&page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_mark_matches_and_keep_the_rest_as_text() {
        let p = snippet_pieces("the [mail] server <b> is [down]");
        let marked: Vec<_> = p
            .iter()
            .filter(|p| p.hit)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(marked, ["mail", "down"]);
        assert_eq!(p[2].text, " server <b> is ");
        assert_eq!(snippet_pieces("no close [here").len(), 1);
    }
}
