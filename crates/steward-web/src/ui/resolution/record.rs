//! One record: its timeline, replies and notes, attachments, the transitions its status allows,
//! assignment, links, live SLA clocks and (for incidents) known-error suggestions.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::resolution::record_edit::{self, EditForm};
use crate::ui::resolution::record_path::{id_of, kind_of, refused};
use crate::ui::resolution::rows::{Choice, collection, href, staff_names};
use crate::ui::{
    FormData, Layout, REFUSAL, Ui, UiError, UiResult, foundation::multipart, human_duration,
    see_other, short_time, status_label,
};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::routing::{get, post};
use steward_app::AppError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{AssignInput, CommentInput, TicketKind};
use steward_domain::resolution::workflow::{PendingReason, Status, TransitionInput};
use steward_domain::service_level::clock::{ClockState, ClockView};

pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for kind in [
        TicketKind::Incident,
        TicketKind::Request,
        TicketKind::Problem,
    ] {
        let base = format!("/{}/{{id}}", collection(kind));
        router = router
            .route(&base, get(show))
            .route(&format!("{base}/transition"), post(transition))
            .route(&format!("{base}/assign"), post(assign))
            .route(&format!("{base}/reply"), post(reply))
            .route(&format!("{base}/attach"), post(attach));
        if kind != TicketKind::Problem {
            router = router
                .route(&format!("{base}/supplier"), post(supplier))
                .route(&format!("{base}/supplier/acknowledge"), post(supplier))
                .route(&format!("{base}/supplier/release"), post(supplier));
        }
    }
    router
        .route("/incidents/{id}/problem", post(link_problem))
        .route("/requests/{id}/approval", post(approval))
        .route("/incidents/{id}/major", post(major))
        .route("/incidents/{id}/children", post(major))
        .route("/incidents/{id}/notify", post(major))
        .route("/incidents/{id}/review", post(major))
}

/// An SLA clock as shown: its state in words (never by colour alone), what it means now, and
/// the numbers the script counts down from while business time runs.
pub struct Clock {
    pub label: &'static str,
    pub state: &'static str,
    pub state_text: String,
    pub icon: &'static str,
    pub remaining: String,
    pub remaining_seconds: i64,
    /// Whether the page counts down: running, and inside service hours.
    pub counting: bool,
    /// When counting must stop (the service hours close), in Unix seconds.
    pub until: Option<i64>,
    /// An instant that belongs to the state ("resumes Mon 09:00"): (RFC 3339, text).
    pub when: Option<(String, String)>,
    pub due: String,
    pub due_at: Option<(String, String)>,
    pub target: String,
    /// Met: the business time it took.
    pub taken: String,
    /// Breached: by how much, and when.
    pub overdue: String,
    pub breached: Option<(String, String)>,
}

fn instant(t: &jiff::Timestamp) -> (String, String) {
    (t.to_string(), short_time(&t.to_string()))
}

/// `hours`: whether the service hours are open now and when that changes (from the SLA
/// status); unknown for agreement clocks, which then show as plain running clocks.
pub fn clock(
    label: &'static str,
    c: &ClockView,
    now: jiff::Timestamp,
    hours: (Option<bool>, Option<jiff::Timestamp>),
) -> Clock {
    let warning = c.state == ClockState::Running && c.warn_at.is_some_and(|w| w <= now);
    let closed = c.state == ClockState::Running && hours.0 == Some(false);
    let (state, icon) = match c.state {
        ClockState::Running if closed => ("outside", "‖"),
        ClockState::Running if warning => ("warning", "⚠"),
        ClockState::Running => ("running", "▶"),
        ClockState::Paused => ("paused", "‖"),
        ClockState::Met => ("met", "✔"),
        ClockState::Breached => ("breached", "✖"),
    };
    let (state_text, when) = match state {
        "outside" => (
            "Running, but outside service hours: no time counts until they open".to_owned(),
            hours.1.as_ref().map(instant),
        ),
        "warning" => ("Running: warning, close to breach".to_owned(), None),
        other => (status_label(other), None),
    };
    Clock {
        label,
        state,
        state_text,
        icon,
        remaining: human_duration(c.remaining_seconds),
        remaining_seconds: c.remaining_seconds,
        counting: c.state == ClockState::Running && !closed,
        until: if closed {
            None
        } else {
            hours.1.map(|t| t.as_second())
        },
        when,
        due: match (&c.due_at, c.state) {
            (Some(d), _) => short_time(&d.to_string()),
            (None, ClockState::Paused) => "depends on when work resumes".into(),
            (None, _) => "—".into(),
        },
        due_at: c.due_at.as_ref().map(instant),
        target: human_duration(c.target_seconds),
        taken: human_duration(c.elapsed_seconds),
        overdue: human_duration(-c.remaining_seconds),
        breached: c.breached_at.as_ref().map(instant),
    }
}

struct Event {
    iso: String,
    at: String,
    actor: String,
    text: String,
}

struct Entry {
    iso: String,
    at: String,
    author: String,
    public: bool,
    body: String,
    minutes: i64,
}

struct File {
    href: String,
    name: String,
    size: String,
    public: bool,
    by: String,
}

struct Link {
    href: String,
    number: String,
    title: String,
    status: String,
}

struct Suggestion {
    number: String,
    href: String,
    title: String,
    workaround: String,
    reasons: String,
}

struct Target {
    to: &'static str,
    label: String,
    danger: bool,
}

#[derive(Template)]
#[template(path = "record.html")]
struct RecordPage {
    l: Layout,
    base: String,
    staff: bool,
    /// False for a role that changes nothing (auditors): the page offers no form.
    changes: bool,
    t: Ticket,
    status: String,
    priority: String,
    opened: String,
    kind: &'static str,
    assignee: String,
    team: String,
    clocks: Vec<Clock>,
    sla_name: Option<String>,
    sla_note: Option<String>,
    events: Vec<Event>,
    entries: Vec<Entry>,
    files: Vec<File>,
    links: Vec<Link>,
    targets: Vec<Target>,
    teams: Vec<Choice>,
    agents: Vec<Choice>,
    suggestions: Vec<Suggestion>,
    answers: Vec<(String, String)>,
    /// Incidents: the problem that explains it, or the open problems it could be linked to.
    problem: Option<Link>,
    problems: Vec<Choice>,
    /// Staff: OLA and underpinning-contract clocks, one group per stint.
    agreements: Vec<AgreementView>,
    /// Staff: the supplier the record is engaged with, in words, and the suppliers to pick.
    supplier: Option<String>,
    supplier_acknowledged: bool,
    suppliers: Vec<Choice>,
    /// Staff, incidents: the major-incident parts.
    major: Option<MajorView>,
    /// The details this person may change, if any.
    edit: Option<EditForm>,
    /// Staff, problems: the analysis form.
    can_analyse: bool,
    /// Staff, open incidents that are not major: merging into another as its duplicate.
    can_merge: bool,
    /// Staff: the canned replies they may insert, and the reply text to start from.
    canned: Vec<Choice>,
    reply_text: String,
    /// Incidents and requests once resolved: the satisfaction survey (the requester answers
    /// it here; staff read the answer and the link).
    survey: Option<crate::ui::improvement::satisfaction::SurveyView>,
}

#[derive(serde::Deserialize)]
struct ShowQuery {
    /// A canned reply to start the reply with.
    canned: Option<i64>,
}

pub struct AgreementView {
    heading: String,
    clocks: Vec<Clock>,
}

pub struct MajorView {
    owner: String,
    parent: Option<Link>,
    notifications: Vec<steward_domain::resolution::major::Notification>,
    review: Option<steward_domain::resolution::major::Review>,
    /// Open incidents that can become children (not major, no parent, not this one).
    candidates: Vec<Choice>,
}

/// Names for the ids a timeline entry carries.
struct Names<'a> {
    people: &'a std::collections::HashMap<i64, String>,
    teams: &'a [steward_domain::foundation::people::Team],
    services: &'a [(i64, String)],
}

impl Names<'_> {
    fn person(&self, id: Option<i64>) -> String {
        id.map_or_else(
            || "nobody".into(),
            |i| {
                self.people
                    .get(&i)
                    .cloned()
                    .unwrap_or_else(|| format!("user {i}"))
            },
        )
    }

    fn team(&self, id: Option<i64>) -> String {
        id.map_or_else(
            || "no team".into(),
            |i| {
                self.teams
                    .iter()
                    .find(|t| t.id == i)
                    .map(|t| t.name.clone())
                    .unwrap_or_else(|| format!("team {i}"))
            },
        )
    }

    fn service(&self, id: Option<i64>) -> String {
        id.map_or_else(
            || "none".into(),
            |i| {
                self.services
                    .iter()
                    .find(|(s, _)| *s == i)
                    .map(|(_, n)| n.clone())
                    .unwrap_or_else(|| format!("service {i}"))
            },
        )
    }

    /// One edited field's old and new value in words.
    fn change(&self, field: &str, from: &serde_json::Value, to: &serde_json::Value) -> String {
        let id = |v: &serde_json::Value| v.as_i64();
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::Null => "—".to_owned(),
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match field {
            "service_id" => format!(
                "service {} → {}",
                self.service(id(from)),
                self.service(id(to))
            ),
            // A long text is named, not quoted.
            "description" => "description".to_owned(),
            "ci_id" => format!("CI {} → {}", text(from), text(to)),
            other => format!("{} {} → {}", other.replace('_', " "), text(from), text(to)),
        }
    }
}

fn event_text(e: &steward_domain::resolution::ticket::TicketEvent, names: &Names<'_>) -> String {
    let detail = e.detail.as_ref();
    match e.event.as_str() {
        "created" => "Created".to_owned(),
        "transition" => format!(
            "Status {} → {}",
            status_label(e.from_status.as_deref().unwrap_or("—")),
            status_label(e.to_status.as_deref().unwrap_or("—"))
        ),
        "assignment" => {
            let side = |key: &str| {
                let d = detail.and_then(|d| d.get(key));
                let team = d.and_then(|d| d["team_id"].as_i64());
                let person = d.and_then(|d| d["assignee_id"].as_i64());
                format!("{} / {}", names.team(team), names.person(person))
            };
            format!("Assignment {} → {}", side("from"), side("to"))
        }
        "edited" => {
            let changes: Vec<String> = detail
                .and_then(|d| d["changes"].as_object())
                .map(|c| {
                    c.iter()
                        .map(|(field, v)| names.change(field, &v["from"], &v["to"]))
                        .collect()
                })
                .unwrap_or_default();
            format!("Changed {}", changes.join("; "))
        }
        "merged" => format!(
            "Merged into {} as its duplicate",
            detail
                .and_then(|d| d["number"].as_str())
                .unwrap_or("another incident")
        ),
        "merged_here" => format!(
            "{} was merged into this record",
            detail
                .and_then(|d| d["number"].as_str())
                .unwrap_or("A duplicate")
        ),
        "low_satisfaction" => format!(
            "Low satisfaction rating: {}{}",
            detail
                .and_then(|d| d["rating"].as_i64())
                .map(crate::ui::improvement::satisfaction::rating_text)
                .unwrap_or_else(|| "low".into()),
            detail
                .and_then(|d| d["comment"].as_str())
                .map(|c| format!(" — “{c}”"))
                .unwrap_or_default()
        ),
        other => status_label(other),
    }
}

/// The moves offered as buttons: staff get what the lifecycle allows next; a customer may
/// confirm or reopen a resolved record.
fn targets(staff: bool, t: &Ticket) -> Vec<Target> {
    if !staff {
        return if t.status == Status::Resolved && t.kind != TicketKind::Problem {
            vec![
                Target {
                    to: "closed",
                    label: "Confirm resolution".into(),
                    danger: false,
                },
                Target {
                    to: "in_progress",
                    label: "Reopen: not solved".into(),
                    danger: false,
                },
            ]
        } else {
            Vec::new()
        };
    }
    t.status
        .allowed_next(t.kind)
        .iter()
        // Assigning (the assignment form) is what makes a record assigned.
        .filter(|s| **s != Status::Assigned)
        .map(|s| Target {
            to: s.as_str(),
            label: match s {
                Status::InProgress if t.status == Status::Resolved => "Reopen".into(),
                Status::InProgress => "Start work".into(),
                Status::Pending => "Set pending".into(),
                Status::Resolved => "Resolve".into(),
                Status::Closed => "Close".into(),
                Status::Cancelled => "Cancel record".into(),
                other => status_label(other.as_str()),
            },
            danger: *s == Status::Cancelled,
        })
        .collect()
}

fn size_text(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} bytes")
    }
}

async fn show(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    Query(q): Query<ShowQuery>,
) -> UiResult {
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let t = state.app.get_ticket(&ui.actor, kind, id).await?;
    let staff = ui.staff();
    let comments = state.app.ticket_comments(&ui.actor, kind, id).await?;
    let attachments = state.app.ticket_attachments(&ui.actor, kind, id).await?;
    let now = crate::ui::now(&state);
    let names = if staff {
        staff_names(&state, &ui).await
    } else {
        Default::default()
    };
    let teams_page = if staff {
        state
            .app
            .list_teams(&ui.actor, Default::default(), PageRequest::default())
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut clocks = Vec::new();
    let (mut sla_name, mut sla_note) = (None, None);
    if let Some(sla) = &t.sla {
        sla_name = Some(sla.name.clone());
        if !sla.applies {
            sla_note = Some(sla.explanation.clone());
        }
        let hours = (sla.in_service_hours, sla.service_hours_change_at);
        if let Some(c) = &sla.response {
            clocks.push(clock("Response", c, now, hours));
        }
        if let Some(c) = &sla.resolution {
            clocks.push(clock("Resolution", c, now, hours));
        }
    }
    let suggestions = if staff && kind == TicketKind::Incident && t.status.is_open() {
        state
            .app
            .incident_known_errors(&ui.actor, id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|m| Suggestion {
                href: href(TicketKind::Problem, m.known_error.problem_id),
                number: m.known_error.number,
                title: m.known_error.title,
                workaround: m.known_error.workaround,
                reasons: m.reasons.join("; "),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut teams = vec![Choice {
        value: String::new(),
        label: "No team".into(),
        selected: t.team_id.is_none(),
    }];
    teams.extend(teams_page.iter().map(|team| Choice {
        value: team.id.to_string(),
        label: team.name.clone(),
        selected: Some(team.id) == t.team_id,
    }));
    let mut agents = vec![Choice {
        value: String::new(),
        label: "Nobody".into(),
        selected: t.assignee_id.is_none(),
    }];
    let people = if staff {
        choices::staff(&state, &ui).await
    } else {
        Vec::new()
    };
    agents.extend(people.into_iter().map(|(id, name)| Choice {
        value: id.to_string(),
        label: name,
        selected: Some(id) == t.assignee_id,
    }));
    // Answers are shown under the labels their form asked them with, in the form's order.
    let form = match t.catalogue_item_id {
        Some(item) => state
            .app
            .get_catalogue_item(&ui.actor, item)
            .await
            .map(|i| i.form)
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let answers = t
        .answers
        .as_ref()
        .and_then(|a| a.as_object())
        .map(|o| {
            let mut shown: Vec<(usize, String, String)> = o
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
                        other => other.to_string(),
                    };
                    let at = form.iter().position(|f| f.key == *k);
                    let label = at.map_or_else(|| status_label(k), |i| form[i].label.clone());
                    (at.unwrap_or(usize::MAX), label, text)
                })
                .collect();
            shown.sort_by_key(|(at, _, _)| *at);
            shown.into_iter().map(|(_, l, v)| (l, v)).collect()
        })
        .unwrap_or_default();
    let (problem, problems) = incident_problem(&state, &ui, &t).await;
    let agreements = agreement_views(&t, &teams_page, now);
    let (supplier, supplier_acknowledged, suppliers) = supplier_parts(&state, &ui, &t).await;
    let major = major_view(&state, &ui, &t, &names).await;
    let services = state
        .app
        .raisable_services(&ui.actor)
        .await
        .unwrap_or_default();
    let changes = !ui.actor.role.reads_only();
    let edit = if changes {
        record_edit::form(&state, &ui, &t, &services).await
    } else {
        None
    };
    let canned_list = if staff {
        state
            .app
            .canned_replies(&ui.actor)
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let reply_text = q
        .canned
        .and_then(|id| canned_list.iter().find(|r| r.id == id))
        .map(|r| r.body.clone())
        .unwrap_or_default();
    let canned = canned_list
        .into_iter()
        .map(|r| Choice {
            selected: Some(r.id) == q.canned,
            value: r.id.to_string(),
            label: r.title,
        })
        .collect();
    let timeline_names = Names {
        people: &names,
        teams: &teams_page,
        services: &services,
    };
    let survey = crate::ui::improvement::satisfaction::record_part(&state, &ui, kind, id).await?;
    let page = RecordPage {
        survey,
        canned,
        reply_text,
        edit,
        can_analyse: changes && staff && kind == TicketKind::Problem && t.status.is_open(),
        can_merge: changes
            && staff
            && kind == TicketKind::Incident
            && t.status.is_open()
            && !t.major,
        problem,
        problems,
        agreements,
        supplier,
        supplier_acknowledged,
        suppliers,
        major,
        l: ui.layout(
            format!("{}: {}", t.number, t.title),
            if staff { "console" } else { "mine" },
        ),
        base: href(kind, id),
        staff,
        changes,
        status: status_label(t.status.as_str()),
        priority: String::from(t.priority),
        opened: short_time(&t.opened_at),
        kind: kind.as_str(),
        assignee: t
            .assignee_id
            .map(|a| {
                names
                    .get(&a)
                    .cloned()
                    .unwrap_or_else(|| format!("user {a}"))
            })
            .unwrap_or_else(|| "Nobody".into()),
        team: t
            .team_id
            .map(|team| {
                teams_page
                    .iter()
                    .find(|x| x.id == team)
                    .map(|x| x.name.clone())
                    .unwrap_or_else(|| format!("team {team}"))
            })
            .unwrap_or_else(|| "No team".into()),
        clocks,
        sla_name,
        sla_note,
        events: t
            .timeline
            .iter()
            .flatten()
            .map(|e| Event {
                iso: e.at.clone(),
                at: short_time(&e.at),
                actor: e.actor.clone(),
                text: event_text(e, &timeline_names),
            })
            .collect(),
        entries: comments
            .into_iter()
            .map(|c| Entry {
                iso: c.at.clone(),
                at: short_time(&c.at),
                author: c.author,
                public: c.public,
                body: c.body,
                minutes: c.time_spent_minutes,
            })
            .collect(),
        files: attachments
            .into_iter()
            .map(|a| File {
                href: format!("/api/v1/attachments/{}", a.id),
                name: a.file_name,
                size: size_text(a.size_bytes),
                public: a.public,
                by: a.uploaded_by,
            })
            .collect(),
        links: t
            .linked
            .iter()
            .flatten()
            .map(|r| Link {
                href: href(TicketKind::Incident, r.id),
                number: r.number.clone(),
                title: r.title.clone(),
                status: status_label(r.status.as_str()),
            })
            .collect(),
        targets: if changes {
            targets(staff, &t)
        } else {
            Vec::new()
        },
        teams,
        agents,
        suggestions,
        answers,
        t,
    };
    Ok(ui.page(&page))
}

/// Each OLA or contract stint with its clocks, headed by whom it binds and when it started.
fn agreement_views(
    t: &Ticket,
    teams: &[steward_domain::foundation::people::Team],
    now: jiff::Timestamp,
) -> Vec<AgreementView> {
    t.agreements
        .iter()
        .flatten()
        .map(|a| {
            let party = match (a.team_id, a.supplier_id) {
                (Some(team), _) => format!(
                    "team {}",
                    teams
                        .iter()
                        .find(|x| x.id == team)
                        .map(|x| x.name.clone())
                        .unwrap_or_else(|| team.to_string())
                ),
                (None, Some(s)) => format!("supplier {s}"),
                _ => "—".into(),
            };
            let level = match a.level.as_str() {
                "ola" => "OLA",
                "underpinning_contract" => "Underpinning contract",
                other => other,
            };
            let mut clocks = Vec::new();
            if let Some(c) = &a.response {
                clocks.push(clock("Response", c, now, (None, None)));
            }
            if let Some(c) = &a.resolution {
                clocks.push(clock("Resolution", c, now, (None, None)));
            }
            AgreementView {
                heading: format!(
                    "{level} {} ({party}), stint {} since {}",
                    a.name,
                    a.stint,
                    a.started_at.strftime("%Y-%m-%d %H:%M UTC")
                ),
                clocks,
            }
        })
        .collect()
}

/// The supplier engagement in words, whether it was acknowledged, and the suppliers to engage.
async fn supplier_parts(
    state: &AppState,
    ui: &Ui,
    t: &Ticket,
) -> (Option<String>, bool, Vec<Choice>) {
    if !ui.staff() || t.kind == TicketKind::Problem {
        return (None, false, Vec::new());
    }
    let list = state
        .app
        .list_suppliers(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let name_of = |id: i64| {
        list.iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| format!("supplier {id}"))
    };
    let engaged = t.supplier.as_ref().map(|e| {
        format!(
            "Engaged with {}{} since {}; {}.",
            name_of(e.supplier_id),
            e.reference
                .as_deref()
                .map(|r| format!(" (their reference {r})"))
                .unwrap_or_default(),
            short_time(&e.engaged_at),
            match &e.acknowledged_at {
                Some(at) => format!("acknowledged {}", short_time(at)),
                None => "not acknowledged yet".into(),
            }
        )
    });
    let acknowledged = t
        .supplier
        .as_ref()
        .is_some_and(|e| e.acknowledged_at.is_some());
    let choices = list
        .iter()
        .map(|s| Choice {
            value: s.id.to_string(),
            label: s.name.clone(),
            selected: false,
        })
        .collect();
    (engaged, acknowledged, choices)
}

/// The major-incident parts of an incident's page, for staff.
async fn major_view(
    state: &AppState,
    ui: &Ui,
    t: &Ticket,
    names: &std::collections::HashMap<i64, String>,
) -> Option<MajorView> {
    if !ui.staff() || t.kind != TicketKind::Incident {
        return None;
    }
    let notifications = if t.major {
        state
            .app
            .major_notifications(&ui.actor, t.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|mut n| {
                n.at = short_time(&n.at);
                n
            })
            .collect()
    } else {
        Vec::new()
    };
    let parent = match t.parent_id {
        Some(p) => state
            .app
            .get_ticket(&ui.actor, TicketKind::Incident, p)
            .await
            .ok()
            .map(|p| Link {
                href: href(TicketKind::Incident, p.id),
                number: p.number,
                title: p.title,
                status: status_label(p.status.as_str()),
            }),
        None => None,
    };
    let candidates = if t.major && t.status.is_open() {
        state
            .app
            .list_tickets(
                &ui.actor,
                TicketKind::Incident,
                Default::default(),
                Default::default(),
                PageRequest {
                    limit: 200,
                    offset: 0,
                },
            )
            .await
            .map(|p| p.items)
            .unwrap_or_default()
            .into_iter()
            .filter(|c| c.id != t.id && c.status.is_open() && !c.major && c.parent_id.is_none())
            .map(|c| Choice {
                value: c.id.to_string(),
                label: format!("{}: {}", c.number, c.title),
                selected: false,
            })
            .collect()
    } else {
        Vec::new()
    };
    Some(MajorView {
        owner: t
            .major_owner_id
            .map(|o| {
                names
                    .get(&o)
                    .cloned()
                    .unwrap_or_else(|| format!("user {o}"))
            })
            .unwrap_or_else(|| "nobody yet".into()),
        parent,
        notifications,
        review: t.post_incident_review.clone().map(|mut r| {
            r.recorded_at = short_time(&r.recorded_at);
            r
        }),
        candidates,
    })
}

/// Declare major, attach children, log a notification or record the review: one handler,
/// told apart by the path's last segment.
async fn major(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let base = href(TicketKind::Incident, id);
    let action = parts.uri.path().rsplit('/').next().unwrap_or_default();
    let (what, result) = match action {
        "major" => {
            let owner = match form.id("owner_id") {
                Ok(Some(o)) => o,
                Ok(None) => {
                    return refused(
                        &base,
                        "declare it major",
                        AppError::invalid("owner_id", "choose the major-incident manager"),
                    );
                }
                Err(e) => return refused(&base, "declare it major", e.into()),
            };
            let input = steward_domain::resolution::major::DeclareInput {
                owner_id: owner,
                reason: form.text("reason"),
            };
            (
                "declare it major",
                state
                    .app
                    .declare_major(&ui.actor, id, input)
                    .await
                    .map(|_| "It was declared a major incident.".to_owned()),
            )
        }
        "children" => {
            let ids: Vec<i64> = form
                .0
                .iter()
                .filter(|(k, _)| k == "incident_ids")
                .filter_map(|(_, v)| v.parse().ok())
                .collect();
            let n = ids.len();
            let input = steward_domain::resolution::ticket::LinkInput { incident_ids: ids };
            (
                "attach incidents",
                state
                    .app
                    .add_children(&ui.actor, id, input)
                    .await
                    .map(|_| format!("{n} incident(s) attached.")),
            )
        }
        "notify" => {
            let input = steward_domain::resolution::major::NotificationInput {
                audience: form.value("audience"),
                channel: form.value("channel"),
                message: form.value("message"),
            };
            (
                "record the notification",
                state
                    .app
                    .notify_major(&ui.actor, id, input)
                    .await
                    .map(|_| "The notification was recorded.".to_owned()),
            )
        }
        _ => {
            let input = steward_domain::resolution::major::ReviewInput {
                what_happened: form.value("what_happened"),
                cause: form.value("cause"),
                actions: form
                    .value("actions")
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect(),
            };
            (
                "record the review",
                state
                    .app
                    .record_review(&ui.actor, id, input)
                    .await
                    .map(|_| "The post-incident review was recorded.".to_owned()),
            )
        }
    };
    match result {
        Ok(message) => Ok(see_other(&base, &message)),
        Err(e) => refused(&base, what, e),
    }
}

/// Engage a supplier, record its acknowledgement or release it.
async fn supplier(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let base = href(kind, id);
    let action = parts.uri.path().rsplit('/').next().unwrap_or_default();
    let (what, result) = match action {
        "acknowledge" => (
            "record the acknowledgement",
            state
                .app
                .acknowledge_supplier(
                    &ui.actor,
                    kind,
                    id,
                    steward_domain::service_level::agreement_clock::AcknowledgeInput {
                        reference: form.text("reference"),
                    },
                )
                .await
                .map(|_| "The supplier's acknowledgement was recorded.".to_owned()),
        ),
        "release" => (
            "release the supplier",
            state
                .app
                .release_supplier(&ui.actor, kind, id)
                .await
                .map(|_| "The supplier was released.".to_owned()),
        ),
        _ => {
            let supplier_id = match form.id("supplier_id") {
                Ok(Some(s)) => s,
                Ok(None) => {
                    return refused(
                        &base,
                        "engage a supplier",
                        AppError::invalid("supplier_id", "choose the supplier"),
                    );
                }
                Err(e) => return refused(&base, "engage a supplier", e.into()),
            };
            (
                "engage a supplier",
                state
                    .app
                    .engage_supplier(
                        &ui.actor,
                        kind,
                        id,
                        steward_domain::service_level::agreement_clock::EngageInput {
                            supplier_id,
                            reference: form.text("reference"),
                        },
                    )
                    .await
                    .map(|_| "The supplier was engaged.".to_owned()),
            )
        }
    };
    match result {
        Ok(message) => Ok(see_other(&base, &message)),
        Err(e) => refused(&base, what, e),
    }
}

/// An incident's problem, or (for staff, while the incident is open) the open problems to
/// link it to.
async fn incident_problem(state: &AppState, ui: &Ui, t: &Ticket) -> (Option<Link>, Vec<Choice>) {
    if t.kind != TicketKind::Incident || !ui.staff() {
        return (None, Vec::new());
    }
    if let Some(id) = t.problem_id {
        let link = match state
            .app
            .get_ticket(&ui.actor, TicketKind::Problem, id)
            .await
        {
            Ok(p) => Link {
                href: href(TicketKind::Problem, id),
                number: p.number,
                title: p.title,
                status: status_label(p.status.as_str()),
            },
            Err(_) => return (None, Vec::new()),
        };
        return (Some(link), Vec::new());
    }
    if !t.status.is_open() {
        return (None, Vec::new());
    }
    let open = state
        .app
        .list_tickets(
            &ui.actor,
            TicketKind::Problem,
            Default::default(),
            Default::default(),
            PageRequest {
                limit: 200,
                offset: 0,
            },
        )
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let choices = open
        .into_iter()
        .filter(|p| !p.status.is_final())
        .map(|p| Choice {
            value: p.id.to_string(),
            label: format!("{}: {}", p.number, p.title),
            selected: false,
        })
        .collect();
    (None, choices)
}

async fn link_problem(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let base = href(TicketKind::Incident, id);
    let problem = match form.id("problem_id") {
        Ok(Some(p)) => p,
        Ok(None) => {
            return refused(
                &base,
                "link",
                AppError::invalid("problem_id", "choose a problem"),
            );
        }
        Err(e) => return refused(&base, "link", e.into()),
    };
    let input = steward_domain::resolution::ticket::LinkInput {
        incident_ids: vec![id],
    };
    match state.app.link_incidents(&ui.actor, problem, input).await {
        Ok(p) => Ok(see_other(&base, &format!("Linked to {}.", p.number))),
        Err(e) => refused(&base, "link", e),
    }
}

/// An approver approves or rejects a request awaiting approval; the app checks who may.
async fn approval(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let base = href(TicketKind::Request, id);
    let Some(decision) =
        steward_domain::resolution::workflow::Decision::parse(&form.value("decision"))
    else {
        return refused(
            &base,
            "decide",
            AppError::invalid("decision", "approve or reject"),
        );
    };
    let what = if decision == steward_domain::resolution::workflow::Decision::Approve {
        "approve"
    } else {
        "reject"
    };
    let input = steward_domain::resolution::request::DecisionInput {
        decision,
        comment: form.text("comment"),
    };
    match state.app.decide_request(&ui.actor, id, input).await {
        Ok(t) => Ok(see_other(
            &base,
            &format!(
                "{} was {}; it is now {}.",
                t.number,
                if what == "approve" {
                    "approved"
                } else {
                    "rejected"
                },
                status_label(t.status.as_str()).to_lowercase()
            ),
        )),
        // Someone who is not an approver is told so on the record rather than on an error page.
        Err(AppError::Forbidden(message)) => Ok(see_other(
            &base,
            &format!("{REFUSAL}Could not {what}: {message}"),
        )),
        Err(e) => refused(&base, what, e),
    }
}

async fn transition(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let base = href(kind, id);
    let to = form.value("to");
    let input = TransitionInput {
        to: to.clone(),
        reason: form.get("reason").and_then(PendingReason::parse),
        resolution_code: form.text("resolution_code"),
        resolution_notes: form.text("resolution_notes"),
        root_cause: form.text("root_cause"),
        workaround: form.text("workaround"),
    };
    match state
        .app
        .transition_ticket(&ui.actor, kind, id, input)
        .await
    {
        Ok(t) => Ok(see_other(
            &base,
            &format!(
                "{} is now {}.",
                t.number,
                status_label(t.status.as_str()).to_lowercase()
            ),
        )),
        Err(e) => refused(
            &base,
            &format!("move to {}", status_label(&to).to_lowercase()),
            e,
        ),
    }
}

async fn assign(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let base = href(kind, id);
    let input = match (form.id("team_id"), form.id("assignee_id")) {
        (Ok(team_id), Ok(assignee_id)) => AssignInput {
            team_id,
            assignee_id,
        },
        (Err(e), _) | (_, Err(e)) => return refused(&base, "assign", e.into()),
    };
    match state.app.assign_ticket(&ui.actor, kind, id, input).await {
        Ok(t) => Ok(see_other(&base, &format!("{} was assigned.", t.number))),
        Err(e) => refused(&base, "assign", e),
    }
}

async fn reply(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let base = href(kind, id);
    let public = !ui.staff() || form.get("visibility") != Some("internal");
    let minutes = match form.text("time_spent_minutes") {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                return refused(
                    &base,
                    "add the entry",
                    AppError::invalid("time_spent_minutes", "must be a whole number of minutes"),
                );
            }
        },
    };
    let input = CommentInput {
        body: form.value("body"),
        public: Some(public),
        time_spent_minutes: minutes,
    };
    match state.app.comment_ticket(&ui.actor, kind, id, input).await {
        Ok(_) => Ok(see_other(
            &format!("{base}#conversation"),
            if public {
                "Your reply was added."
            } else {
                "The internal note was added."
            },
        )),
        Err(e) => refused(&base, "add the entry", e),
    }
}

async fn attach(
    State(state): State<AppState>,
    ui: Ui,
    parts: Parts,
    Path(raw): Path<String>,
    body: axum::body::Body,
) -> UiResult {
    // Room for the largest attachment plus the form's other parts.
    let max = state.app.settings().attachment_max_bytes + 64 * 1024;
    let body = axum::body::to_bytes(body, max).await.map_err(|_| {
        UiError::BadForm(format!(
            "the file is larger than the limit of {} bytes",
            state.app.settings().attachment_max_bytes
        ))
    })?;
    let kind = kind_of(&parts)?;
    let id = id_of(&raw)?;
    let base = href(kind, id);
    let form = multipart::parse(&parts.headers, &body).map_err(UiError::BadForm)?;
    if form.field("csrf") != Some(ui.csrf.as_str()) {
        return Err(UiError::Csrf);
    }
    let Some(file) = form.file("file") else {
        return refused(
            &base,
            "attach",
            AppError::invalid("file", "choose a file to attach"),
        );
    };
    let public = !ui.staff() || form.field("visibility") != Some("internal");
    match state
        .app
        .attach(&ui.actor, kind, id, &file.name, public, &file.content)
        .await
    {
        Ok(a) => Ok(see_other(&base, &format!("{} was attached.", a.file_name))),
        Err(e) => refused(&base, "attach", e),
    }
}
