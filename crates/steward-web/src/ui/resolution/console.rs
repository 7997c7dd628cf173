//! The agent console: work queues paged, filtered and sorted in the database, saved views, and
//! bulk assignment and transitions.
use crate::AppState;
use crate::routes::resolution::console::console_query;
use crate::ui::foundation::choices;
use crate::ui::resolution::rows::{Choice, href};
use crate::ui::{
    FormData, Layout, REFUSAL, Ui, UiResult, now, see_other, short_time, status_label,
};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use steward_app::AppError;
use steward_domain::resolution::console::{
    BulkInput, BulkTarget, ConsoleItem, ConsoleQuery, ConsoleSort, Queue, SavedView,
};
use steward_domain::resolution::ticket::{AssignInput, TicketKind};
use steward_domain::resolution::workflow::{PendingReason, Status, TransitionInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/console", get(console))
        .route("/console/views", post(save_view))
        .route("/console/views/delete", post(delete_view))
        .route("/console/bulk", post(bulk))
}

struct QueueLink {
    href: String,
    label: &'static str,
    count: String,
    current: bool,
}

/// One line of a queue.
struct Line {
    /// `kind:id`, the bulk form's value.
    key: String,
    href: String,
    number: String,
    title: String,
    major: bool,
    status: String,
    priority: u8,
    team: String,
    assignee: String,
    /// (RFC 3339, text, overdue) of the earliest running deadline.
    due: Option<(String, String, bool)>,
    opened: (String, String),
}

struct ViewLink {
    id: i64,
    name: String,
    href: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    l: Layout,
    queues: Vec<QueueLink>,
    current: Queue,
    lines: Vec<Line>,
    /// "51–100 of 1000+".
    range: String,
    previous: Option<String>,
    next: Option<String>,
    /// The current question as a query string, for saving it as a view.
    query: String,
    views: Vec<ViewLink>,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    priorities: Vec<Choice>,
    teams: Vec<Choice>,
    assignees: Vec<Choice>,
    services: Vec<Choice>,
    sorts: Vec<Choice>,
    /// For the bulk form: every team and agent, and the statuses one can move to.
    bulk_teams: Vec<Choice>,
    bulk_agents: Vec<Choice>,
    bulk_statuses: Vec<Choice>,
    reasons: Vec<Choice>,
    filtered: bool,
}

fn choices(
    any: &str,
    options: impl IntoIterator<Item = (String, String)>,
    selected: Option<String>,
) -> Vec<Choice> {
    let mut list = vec![Choice {
        value: String::new(),
        label: any.into(),
        selected: selected.is_none(),
    }];
    list.extend(options.into_iter().map(|(value, label)| Choice {
        selected: selected.as_deref() == Some(value.as_str()),
        value,
        label,
    }));
    list
}

fn by_id(options: &[(i64, String)]) -> Vec<(String, String)> {
    options
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect()
}

fn kind_label(kind: TicketKind) -> String {
    status_label(kind.as_str())
}

fn line(
    item: ConsoleItem,
    staff: &std::collections::HashMap<i64, String>,
    teams: &[(i64, String)],
    now: i64,
) -> Line {
    let name = |id: Option<i64>, names: &dyn Fn(i64) -> Option<String>| {
        id.and_then(names).unwrap_or_else(|| "—".into())
    };
    let due = item.sla_due_at.map(|iso| {
        let overdue = iso
            .parse::<jiff::Timestamp>()
            .is_ok_and(|t| t.as_microsecond() <= now);
        (iso.clone(), short_time(&iso), overdue)
    });
    Line {
        key: format!("{}:{}", item.kind.as_str(), item.id),
        href: href(item.kind, item.id),
        number: item.number,
        title: item.title,
        major: item.major,
        status: status_label(item.status.as_str()),
        priority: item.priority,
        team: name(item.team_id, &|id| {
            teams.iter().find(|t| t.0 == id).map(|t| t.1.clone())
        }),
        assignee: name(item.assignee_id, &|id| staff.get(&id).cloned()),
        due,
        opened: (item.opened_at.clone(), short_time(&item.opened_at)),
    }
}

async fn console(
    State(state): State<AppState>,
    ui: Ui,
    Query(pairs): Query<Vec<(String, String)>>,
) -> UiResult {
    if !ui.staff() {
        return Ok(see_other(
            "/portal",
            "The console is for staff; here is your portal.",
        ));
    }
    let q = match console_query(&pairs) {
        Ok(q) => q,
        Err(problem) => {
            return Ok(see_other(
                "/console",
                &format!("{REFUSAL}That view was not understood: {}", problem.detail),
            ));
        }
    };
    let view = state.app.console(&ui.actor, &q).await?;
    let saved = state.app.saved_views(&ui.actor).await.unwrap_or_default();
    let agents = choices::staff(&state, &ui).await;
    // Assignees are staff: the agents offered in the forms name them too (one read of users).
    let staff: std::collections::HashMap<i64, String> = agents.iter().cloned().collect();
    let teams = choices::teams(&state, &ui).await;
    let services = choices::services(&state, &ui).await;
    let at = now(&state).as_microsecond();

    let queues = view
        .queues
        .iter()
        .map(|c| QueueLink {
            href: format!(
                "/console?{}",
                ConsoleQuery {
                    queue: c.queue,
                    ..q.on_page(1)
                }
                .to_query_string()
            ),
            label: c.label,
            count: c.count.to_string(),
            current: c.queue == q.queue,
        })
        .collect();
    let first = q.offset() + 1;
    let shown = view.items.len() as u64;
    let range = if shown == 0 {
        String::new()
    } else {
        format!("{first}–{} of {}", first + shown - 1, view.total)
    };
    let link = |page: u32| format!("/console?{}", q.on_page(page).to_query_string());
    let this_query = q.on_page(1).to_query_string();
    let f = &q.filter;
    let open_statuses: Vec<(String, String)> = Status::ALL
        .iter()
        .filter(|s| s.is_open())
        .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
        .collect();
    let page = ConsolePage {
        l: ui.layout(format!("Console: {}", q.queue.label()), "console"),
        queues,
        current: q.queue,
        lines: view
            .items
            .into_iter()
            .map(|i| line(i, &staff, &teams, at))
            .collect(),
        range,
        previous: (q.page > 1).then(|| link(q.page - 1)),
        next: view.more.then(|| link(q.page + 1)),
        views: saved
            .into_iter()
            .map(|v: SavedView| ViewLink {
                current: v.query == this_query,
                href: format!("/console?{}", v.query),
                id: v.id,
                name: v.name,
            })
            .collect(),
        query: this_query,
        kinds: choices(
            "Any kind",
            TicketKind::ALL
                .iter()
                .map(|k| (k.as_str().to_owned(), kind_label(*k))),
            f.kind.map(|k| k.as_str().to_owned()),
        ),
        statuses: choices(
            "Any open status",
            open_statuses.clone(),
            f.status.map(|s| s.as_str().to_owned()),
        ),
        priorities: choices(
            "Any priority",
            (1..=5).map(|p| (p.to_string(), format!("P{p}"))),
            f.priority.map(|p| p.to_string()),
        ),
        teams: choices("Any team", by_id(&teams), f.team.map(|t| t.to_string())),
        assignees: choices("Anyone", by_id(&agents), f.assignee.map(|a| a.to_string())),
        services: choices(
            "Any service",
            by_id(&services),
            f.service.map(|s| s.to_string()),
        ),
        sorts: ConsoleSort::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: s.label().into(),
                selected: *s == q.sort,
            })
            .collect(),
        bulk_teams: choices("No team", by_id(&teams), None),
        bulk_agents: choices("Nobody", by_id(&agents), None),
        bulk_statuses: choices("Choose a status", open_statuses_and_ends(), None),
        reasons: choices(
            "No reason",
            PendingReason::ALL
                .iter()
                .map(|r| (r.as_str().to_owned(), status_label(r.as_str()))),
            None,
        ),
        filtered: f != &Default::default() || q.sort != ConsoleSort::Newest,
    };
    Ok(ui.page(&page))
}

/// Where a bulk move may go: every status a worked record moves to by hand.
fn open_statuses_and_ends() -> Vec<(String, String)> {
    [
        Status::Assigned,
        Status::InProgress,
        Status::Pending,
        Status::Resolved,
        Status::Cancelled,
    ]
    .iter()
    .map(|s| (s.as_str().to_owned(), status_label(s.as_str())))
    .collect()
}

async fn save_view(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let query = form.value("query");
    match state
        .app
        .save_view(&ui.actor, &form.value("name"), &query)
        .await
    {
        Ok(view) => Ok(see_other(
            &format!("/console?{}", view.query),
            &format!("The view \u{201c}{}\u{201d} was saved.", view.name),
        )),
        Err(AppError::Invalid(invalid)) => Ok(see_other(
            &format!("/console?{query}"),
            &format!(
                "{REFUSAL}The view was not saved: {}",
                invalid
                    .0
                    .iter()
                    .map(|e| format!(
                        "{} {}",
                        if e.field == "name" {
                            "its name"
                        } else {
                            &e.field
                        },
                        e.message
                    ))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
        Err(e) => Err(e.into()),
    }
}

async fn delete_view(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let id = form.id("id").ok().flatten().unwrap_or(0);
    state.app.delete_view(&ui.actor, id).await?;
    Ok(see_other("/console", "The view was deleted."))
}

/// The most refusals a bulk answer names one by one (the flash travels in a cookie).
const NAMED_REFUSALS: usize = 8;

async fn bulk(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let back = format!("/console?{}", form.value("query"));
    let records: Vec<BulkTarget> = form
        .0
        .iter()
        .filter(|(k, _)| k == "record")
        .filter_map(|(_, v)| {
            let (kind, id) = v.split_once(':')?;
            Some(BulkTarget {
                kind: TicketKind::parse(kind)?,
                id: id.parse().ok()?,
            })
        })
        .collect();
    let id = |name: &str| form.id(name).ok().flatten();
    let input = match form.value("action").as_str() {
        "assign" => BulkInput {
            records,
            assign: Some(AssignInput {
                team_id: id("team_id"),
                assignee_id: id("assignee_id"),
            }),
            transition: None,
        },
        _ => BulkInput {
            records,
            assign: None,
            transition: Some(TransitionInput {
                to: form.value("to"),
                reason: form
                    .text("reason")
                    .as_deref()
                    .and_then(PendingReason::parse),
                resolution_code: form.text("resolution_code"),
                resolution_notes: form.text("resolution_notes"),
                ..Default::default()
            }),
        },
    };
    let outcomes = match state.app.bulk_update(&ui.actor, input).await {
        Ok(o) => o,
        Err(AppError::Invalid(invalid)) => {
            let why: Vec<_> = invalid.0.iter().map(|e| e.message.clone()).collect();
            return Ok(see_other(
                &back,
                &format!("{REFUSAL}Nothing changed: {}.", why.join("; ")),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let changed = outcomes.iter().filter(|o| o.changed).count();
    let refused: Vec<_> = outcomes.iter().filter(|o| !o.changed).collect();
    let mut message = format!(
        "{changed} record{} changed.",
        if changed == 1 { "" } else { "s" }
    );
    if !refused.is_empty() {
        let named: Vec<String> = refused
            .iter()
            .take(NAMED_REFUSALS)
            .map(|o| {
                let number = o.number.clone().unwrap_or_else(|| format!("#{}", o.id));
                format!("{number}: {}", o.error.as_deref().unwrap_or("refused"))
            })
            .collect();
        message = format!(
            "{REFUSAL}{message} {} not changed: {}.",
            refused.len(),
            named.join(". ")
        );
        if refused.len() > NAMED_REFUSALS {
            message.push_str(&format!(" And {} more.", refused.len() - NAMED_REFUSALS));
        }
    }
    Ok(see_other(&back, &message))
}
