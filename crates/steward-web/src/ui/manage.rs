//! Manager views: the dashboard (SLA compliance, volumes and backlog from the reports,
//! availability targets) and the configuration screens for services, calendars, SLAs, teams
//! and users.
use super::forms::FieldErrors;
use super::{FormData, Layout, Ui, UiError, UiResult, see_other, status_label, svg};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::{Value, json};
use steward_app::AppError;
use steward_domain::calendar::CalendarSpec;
use steward_domain::page::PageRequest;
use steward_domain::people::{TeamInput, TeamPatch, UserInput, UserPatch};
use steward_domain::report::ReportParams;
use steward_domain::role::Role;
use steward_domain::service::{ServiceInput, ServicePatch};
use steward_domain::sla::SlaInput;
use steward_domain::{FieldError, Invalid};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage", get(dashboard))
        .route("/manage/services", get(services).post(create_service))
        .route("/manage/calendars", get(calendars).post(create_calendar))
        .route("/manage/slas", get(slas).post(create_sla))
        .route("/manage/teams", get(teams).post(create_team))
        .route("/manage/users", get(users).post(create_user))
        .route(
            "/manage/services/{id}",
            get(edit_service).post(update_service),
        )
        .route(
            "/manage/calendars/{id}",
            get(edit_calendar).post(update_calendar),
        )
        .route("/manage/teams/{id}", get(edit_team).post(update_team))
        .route("/manage/slas/{id}", get(edit_sla).post(update_sla))
        .route("/manage/users/{id}", get(edit_user).post(update_user))
}

fn id_of(raw: &str) -> Result<i64, UiError> {
    raw.parse().map_err(|_| UiError::NotFound)
}

fn pairs(list: &[(&str, String)]) -> FormData {
    FormData(
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    )
}

fn require_manager(ui: &Ui) -> Result<(), UiError> {
    if ui.manager() {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

struct Chart {
    heading: &'static str,
    note: String,
    svg: String,
    /// The same figures as a table, for anyone who cannot read the chart.
    table: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    /// SLA compliance, volumes and backlog aging: last 30 days against the 30 before.
    reports: Vec<super::reports::ReportView>,
    availability: Chart,
}

fn chart(
    heading: &'static str,
    note: String,
    id: &str,
    unit: &str,
    data: Vec<(String, f64)>,
) -> Chart {
    Chart {
        heading,
        note,
        svg: svg::bars(id, heading, &data, unit),
        table: data
            .iter()
            .map(|(k, v)| {
                let shown = if v.fract() == 0.0 {
                    format!("{v:.0}{unit}")
                } else {
                    format!("{v:.1}{unit}")
                };
                (k.clone(), shown)
            })
            .collect(),
    }
}

async fn dashboard(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    // The reports' defaults are the last 30 days, compared with the 30 days before.
    let mut reports = Vec::new();
    for name in ["sla-compliance", "volumes", "backlog-aging"] {
        let report = state
            .app
            .report(&ui.actor, name, &ReportParams::default())
            .await?;
        reports.push(super::reports::view(&report, name));
    }

    // Steward measures no availability yet: only the agreed targets are shown, and said so.
    let services = state
        .app
        .list_services(&ui.actor, Default::default(), PageRequest::default())
        .await?;
    let availability: Vec<(String, f64)> = services
        .items
        .iter()
        .filter_map(|s| s.availability_target_percent.map(|a| (s.name.clone(), a)))
        .collect();
    let availability = chart(
        "Availability targets",
        if availability.is_empty() {
            "No service has an availability target yet. Steward does not measure availability yet."
                .into()
        } else {
            "Agreed availability per service, in percent. These are targets only: Steward does not measure availability yet.".into()
        },
        "availability",
        " %",
        availability,
    );
    Ok(ui.page(&DashboardPage {
        l: ui.layout("Dashboard", "manage"),
        reports,
        availability,
    }))
}

// ------------------------------------------------------------------ configuration lists

/// A configuration screen: a table, optional charts per row and an optional create form.
#[derive(Template)]
#[template(path = "manage_list.html")]
struct ListPage {
    l: Layout,
    heading: &'static str,
    section: &'static str,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
    previews: Vec<(String, String)>,
    form: Option<&'static str>,
    values: FormData,
    errors: FieldErrors,
    roles: Vec<&'static str>,
    orgs: Vec<(i64, String)>,
    services: Vec<(i64, String)>,
    calendars: Vec<(i64, String)>,
    priorities: Vec<&'static str>,
    days: Vec<(&'static str, &'static str)>,
    /// One id per row, for its Edit link (empty: the rows are not editable here).
    row_ids: Vec<i64>,
    /// Set when the form edits this record instead of creating one.
    edit: Option<i64>,
}

impl ListPage {
    /// Askama hands the loop index by reference.
    fn row_id(&self, index: &usize) -> Option<i64> {
        self.row_ids.get(*index).copied()
    }

    fn new(ui: &Ui, heading: &'static str, section: &'static str) -> Self {
        ListPage {
            l: ui.layout(heading, "manage"),
            heading,
            section,
            headers: Vec::new(),
            rows: Vec::new(),
            previews: Vec::new(),
            form: None,
            values: FormData::default(),
            errors: FieldErrors::default(),
            roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
            orgs: Vec::new(),
            services: Vec::new(),
            calendars: Vec::new(),
            priorities: vec!["P1", "P2", "P3", "P4", "P5"],
            days: DAYS.to_vec(),
            row_ids: Vec::new(),
            edit: None,
        }
    }
}

fn opt(v: Option<impl ToString>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

async fn service_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Services", "services");
    page.headers = vec![
        "Name",
        "Status",
        "Criticality",
        "Customers",
        "Availability target",
    ];
    page.form = Some("service");
    page.orgs = state
        .app
        .list_organizations(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    page.rows = state
        .app
        .list_services(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|s| {
            page.row_ids.push(s.id);
            vec![
                s.name,
                status_label(s.status.as_str()),
                s.criticality.to_string(),
                s.customer_ids.len().to_string(),
                opt(s.availability_target_percent.map(|a| format!("{a} %"))),
            ]
        })
        .collect();
    Ok(page)
}

async fn services(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&service_page(&state, &ui).await?))
}

/// Re-renders a configuration screen with the refused input and its messages.
fn refused_form(ui: &Ui, mut page: ListPage, form: FormData, errors: &[FieldError]) -> UiResult {
    page.errors = FieldErrors::from_list(errors);
    page.values = form;
    let mut response = ui.page(&page);
    *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    Ok(response)
}

/// Builds a use case's input from JSON the way the API would parse it, so that the form and
/// the API refuse the same things with the same field names.
fn input<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, Vec<FieldError>> {
    serde_json::from_value(value).map_err(|e| {
        let message = e.to_string();
        let field = message
            .split('`')
            .nth(1)
            .filter(|_| message.contains("field"))
            .unwrap_or("form")
            .to_owned();
        vec![FieldError::new(field, message)]
    })
}

/// An optional decimal form field; a non-number names the field.
fn number(form: &FormData, name: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let v = form.text(name)?;
    match v.replace(',', ".").parse::<f64>() {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(name, "must be a number"));
            None
        }
    }
}

async fn create_service(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let availability = number(&form, "availability_target_percent", &mut errors);
    let criticality = number(&form, "criticality", &mut errors);
    let customers: Vec<i64> = form
        .0
        .iter()
        .filter(|(k, _)| k == "customer_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let parsed = input::<ServiceInput>(json!({
        "name": form.value("name"),
        "description": form.text("description"),
        "status": form.text("status"),
        "criticality": criticality.map(|c| c as i64),
        "availability_target_percent": availability,
        "customer_ids": customers,
    }));
    let result = match parsed {
        Ok(i) if errors.is_empty() => state.app.create_service(&ui.actor, i).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/services",
            &format!("Service {} was created.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_form(&ui, service_page(&state, &ui).await?, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// `09:00-12:00, 13:00-17:00` as `[["09:00","12:00"],["13:00","17:00"]]`; blank is closed.
fn intervals(text: &str) -> Result<Vec<[String; 2]>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (a, b) = p
                .split_once(['-', '–'])
                .ok_or_else(|| format!("{p:?} is not a range like 09:00-17:00"))?;
            Ok([a.trim().to_owned(), b.trim().to_owned()])
        })
        .collect()
}

async fn create_calendar(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let mut hours = serde_json::Map::new();
    for (day, _) in DAYS {
        match intervals(&form.value(day)) {
            Ok(list) => {
                hours.insert(day.to_owned(), json!(list));
            }
            Err(m) => errors.push(FieldError::new(day, m)),
        }
    }
    let holidays: Vec<String> = form
        .value("holidays")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    let parsed = input::<CalendarSpec>(json!({
        "name": form.value("name"),
        "time_zone": form.value("time_zone"),
        "hours": hours,
        "holidays": holidays,
    }));
    let result = match parsed {
        Ok(spec) if errors.is_empty() => state.app.create_calendar(&ui.actor, spec).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(c) => Ok(see_other(
            "/manage/calendars",
            &format!("Calendar {} was created.", c.calendar.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            // `hours.mon[0]` is shown next to the Monday field.
            let errors: Vec<FieldError> = invalid
                .0
                .into_iter()
                .map(|e| {
                    let day = DAYS
                        .iter()
                        .find(|(d, _)| e.field.starts_with(&format!("hours.{d}")))
                        .map(|(d, _)| (*d).to_owned());
                    FieldError::new(day.unwrap_or(e.field), e.message)
                })
                .collect();
            refused_form(&ui, calendar_page(&state, &ui).await?, form, &errors)
        }
        Err(e) => Err(e.into()),
    }
}

/// `HH:MM` as hours since midnight.
fn hours(hhmm: &str) -> f64 {
    let (h, m) = hhmm.split_once(':').unwrap_or((hhmm, "0"));
    h.parse::<f64>().unwrap_or(0.0) + m.parse::<f64>().unwrap_or(0.0) / 60.0
}

async fn calendars(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&calendar_page(&state, &ui).await?))
}

async fn calendar_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Calendars", "calendars");
    page.form = Some("calendar");
    page.headers = vec!["Name", "Time zone", "Holidays", "Version"];
    for c in state.app.list_calendars(&ui.actor).await? {
        page.row_ids.push(c.id);
        let spec = &c.calendar;
        page.rows.push(vec![
            spec.name.clone(),
            spec.time_zone.clone(),
            spec.holidays.len().to_string(),
            c.version.to_string(),
        ]);
        let h = &spec.hours;
        let days: Vec<svg::Day<'_>> = [
            ("Mon", &h.mon),
            ("Tue", &h.tue),
            ("Wed", &h.wed),
            ("Thu", &h.thu),
            ("Fri", &h.fri),
            ("Sat", &h.sat),
            ("Sun", &h.sun),
        ]
        .into_iter()
        .map(|(day, intervals)| {
            let text = if intervals.is_empty() {
                "closed".to_owned()
            } else {
                intervals
                    .iter()
                    .map(|[a, b]| format!("{a}–{b}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            (
                day,
                intervals
                    .iter()
                    .map(|[a, b]| (hours(a), hours(b)))
                    .collect(),
                text,
            )
        })
        .collect();
        let title = format!("Working hours of {} ({})", spec.name, spec.time_zone);
        page.previews.push((
            title.clone(),
            svg::week(&format!("cal{}", c.id), &title, &days),
        ));
    }
    Ok(page)
}

async fn slas(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&sla_page(&state, &ui).await?))
}

async fn sla_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Service level agreements", "slas");
    page.form = Some("service level agreement");
    page.headers = vec![
        "Name",
        "Service",
        "Calendar",
        "Targets (response / resolution)",
        "Warning at",
        "Next review",
        "Active",
    ];
    let services = state
        .app
        .list_services(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items;
    let calendars = state.app.list_calendars(&ui.actor).await?;
    page.rows = state
        .app
        .list_slas(&ui.actor, None)
        .await?
        .into_iter()
        .map(|s| {
            page.row_ids.push(s.id);
            vec![
                format!("{} ({})", s.name, s.level.as_str()),
                match s.service_id {
                    Some(id) => services
                        .iter()
                        .find(|x| x.id == id)
                        .map(|x| x.name.clone())
                        .unwrap_or_else(|| format!("service {id}")),
                    None => "—".into(),
                },
                s.calendar_id
                    .map(|id| {
                        calendars
                            .iter()
                            .find(|c| c.id == id)
                            .map(|c| c.calendar.name.clone())
                            .unwrap_or_else(|| format!("calendar {id}"))
                    })
                    .unwrap_or_else(|| "24×7".into()),
                s.targets
                    .iter()
                    .map(|(p, t)| {
                        format!(
                            "{p}: {} / {}",
                            super::human_duration(t.response_seconds),
                            super::human_duration(t.resolution_seconds)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                format!("{} %", s.warning_percent),
                format!(
                    "{}{}",
                    s.next_review_on,
                    if s.review_overdue { " (overdue)" } else { "" }
                ),
                if s.active { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    page.services = services.into_iter().map(|s| (s.id, s.name)).collect();
    page.calendars = calendars
        .into_iter()
        .map(|c| (c.id, c.calendar.name))
        .collect();
    Ok(page)
}

/// What the SLA create and edit forms share: per-priority targets in hours, the warning
/// threshold, the service and the calendar.
struct SlaFields {
    targets: serde_json::Map<String, Value>,
    warning: Option<f64>,
    service_id: Option<i64>,
    calendar_id: Option<i64>,
}

fn sla_fields(form: &FormData, errors: &mut Vec<FieldError>) -> SlaFields {
    let mut targets = serde_json::Map::new();
    for p in ["P1", "P2", "P3", "P4", "P5"] {
        let response = number(form, &format!("{p}_response"), errors);
        let resolution = number(form, &format!("{p}_resolution"), errors);
        match (response, resolution) {
            (Some(a), Some(b)) => {
                targets.insert(
                    p.to_owned(),
                    json!({"response_seconds": (a * 3600.0).round() as i64,
                           "resolution_seconds": (b * 3600.0).round() as i64}),
                );
            }
            (None, None) => {}
            _ => errors.push(FieldError::new(
                format!("{p}_resolution"),
                "give both the response and the resolution hours, or neither",
            )),
        }
    }
    let warning = number(form, "warning_percent", errors);
    let mut id = |name: &str| {
        form.id(name).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let service_id = id("service_id");
    let calendar_id = id("calendar_id");
    SlaFields {
        targets,
        warning,
        service_id,
        calendar_id,
    }
}

/// The API's field names as the SLA form shows them: `targets.P1.response_seconds` goes next
/// to P1's fields.
fn on_sla_form(invalid: Invalid) -> Vec<FieldError> {
    invalid
        .0
        .into_iter()
        .map(|e| {
            let field = match e.field.strip_prefix("targets.") {
                Some(rest) => format!("{}_resolution", rest.split('.').next().unwrap_or(rest)),
                None => e.field,
            };
            FieldError::new(field, e.message)
        })
        .collect()
}

async fn create_sla(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let SlaFields {
        targets,
        warning,
        service_id,
        calendar_id,
    } = sla_fields(&form, &mut errors);
    let pause = if form.checked("pause_customer") {
        json!([{"status": "pending", "reasons": ["customer"]}])
    } else {
        json!([])
    };
    let parsed = input::<SlaInput>(json!({
        "name": form.value("name"),
        "service_id": service_id.unwrap_or(0),
        "calendar_id": calendar_id,
        "targets": targets,
        "warning_percent": warning.map(|w| w.round() as i64),
        "pause": pause,
    }));
    if service_id.is_none() {
        errors.push(FieldError::new("service_id", "choose the service"));
    }
    let result = match parsed {
        Ok(i) if errors.is_empty() => state.app.create_sla(&ui.actor, i).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/slas",
            &format!("SLA {} was created.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            let errors = on_sla_form(invalid);
            refused_form(&ui, sla_page(&state, &ui).await?, form, &errors)
        }
        Err(e) => Err(e.into()),
    }
}

async fn team_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Teams", "teams");
    page.headers = vec!["Name", "Email", "Members"];
    page.form = Some("team");
    page.rows = state
        .app
        .list_teams(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|t| {
            page.row_ids.push(t.id);
            vec![t.name, opt(t.email), t.member_ids.len().to_string()]
        })
        .collect();
    Ok(page)
}

async fn teams(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&team_page(&state, &ui).await?))
}

async fn create_team(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let input = TeamInput {
        name: form.value("name"),
        description: form.text("description"),
        email: form.text("email"),
        member_ids: Vec::new(),
    };
    match state.app.create_team(&ui.actor, input).await {
        Ok(t) => Ok(see_other(
            "/manage/teams",
            &format!("Team {} was created.", t.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut page = team_page(&state, &ui).await?;
            page.errors = FieldErrors::from_list(&invalid.0);
            page.values = form;
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_page(state: &AppState, ui: &Ui) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Users", "users");
    page.headers = vec!["Username", "Name", "Role", "Organization", "Active"];
    page.form = Some("user");
    let orgs = state
        .app
        .list_organizations(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items;
    page.rows = state
        .app
        .list_users(
            &ui.actor,
            Default::default(),
            PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .map(|u| {
            page.row_ids.push(u.id);
            vec![
                u.username,
                u.display_name,
                u.role.as_str().into(),
                u.organization_id
                    .map(|o| {
                        orgs.iter()
                            .find(|x| x.id == o)
                            .map(|x| x.name.clone())
                            .unwrap_or_else(|| o.to_string())
                    })
                    .unwrap_or_else(|| "—".into()),
                if u.active { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    page.orgs = orgs.into_iter().map(|o| (o.id, o.name)).collect();
    // Only admins may create or change users; managers get the list without forms they could
    // not submit.
    if !matches!(ui.actor.role, Role::Admin) {
        page.form = None;
        page.row_ids.clear();
    }
    Ok(page)
}

async fn users(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    Ok(ui.page(&user_page(&state, &ui).await?))
}

async fn create_user(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let role = form.value("role").parse::<Role>().ok();
    let organization_id = form.id("organization_id").ok().flatten();
    let result = match role {
        Some(role) => {
            state
                .app
                .create_user(
                    &ui.actor,
                    UserInput {
                        username: form.value("username"),
                        display_name: form.text("display_name"),
                        email: form.text("email"),
                        role,
                        organization_id,
                        password: form.text("password"),
                    },
                )
                .await
        }
        None => Err(AppError::invalid("role", "choose a role")),
    };
    match result {
        Ok(u) => Ok(see_other(
            "/manage/users",
            &format!("User {} was created.", u.username),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut page = user_page(&state, &ui).await?;
            page.errors = FieldErrors::from_list(&invalid.0);
            page.values = form;
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ edit forms

/// Renders a configuration screen with its form editing record `id`, or the refusal.
fn edit_page(ui: &Ui, mut page: ListPage, id: i64, values: FormData) -> UiResult {
    page.edit = Some(id);
    page.values = values;
    Ok(ui.page(&page))
}

fn refused_edit(
    ui: &Ui,
    mut page: ListPage,
    id: i64,
    form: FormData,
    errors: &[FieldError],
) -> UiResult {
    page.edit = Some(id);
    refused_form(ui, page, form, errors)
}

async fn edit_service(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let s = state.app.get_service(&ui.actor, id).await?;
    let mut values = vec![
        ("name", s.name),
        ("description", s.description.unwrap_or_default()),
        ("status", s.status.as_str().to_owned()),
        ("criticality", s.criticality.to_string()),
        (
            "availability_target_percent",
            s.availability_target_percent
                .map(|a| a.to_string())
                .unwrap_or_default(),
        ),
    ];
    for c in s.customer_ids {
        values.push(("customer_ids", c.to_string()));
    }
    edit_page(&ui, service_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_service(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let mut errors = Vec::new();
    let availability = number(&form, "availability_target_percent", &mut errors);
    let criticality = number(&form, "criticality", &mut errors);
    let customers: Vec<i64> = form
        .0
        .iter()
        .filter(|(k, _)| k == "customer_ids")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    // A blank description or target clears it, as `null` does in the API.
    let parsed = input::<ServicePatch>(json!({
        "name": form.value("name"),
        "description": form.text("description"),
        "status": form.text("status"),
        "criticality": criticality.map(|c| c as i64),
        "availability_target_percent": availability,
        "customer_ids": customers,
    }));
    let result = match parsed {
        Ok(p) if errors.is_empty() => state.app.update_service(&ui.actor, id, p).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/services",
            &format!("Service {} was saved.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_edit(&ui, service_page(&state, &ui).await?, id, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_calendar(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let c = state.app.get_calendar(&ui.actor, id).await?;
    let spec = c.calendar;
    let h = &spec.hours;
    let text = |list: &Vec<[String; 2]>| {
        list.iter()
            .map(|[a, b]| format!("{a}-{b}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let values = vec![
        ("name", spec.name.clone()),
        ("time_zone", spec.time_zone.clone()),
        ("mon", text(&h.mon)),
        ("tue", text(&h.tue)),
        ("wed", text(&h.wed)),
        ("thu", text(&h.thu)),
        ("fri", text(&h.fri)),
        ("sat", text(&h.sat)),
        ("sun", text(&h.sun)),
        ("holidays", spec.holidays.join(", ")),
    ];
    edit_page(&ui, calendar_page(&state, &ui).await?, id, pairs(&values))
}

/// The calendar form as a spec, with messages by field.
fn calendar_spec(form: &FormData) -> Result<CalendarSpec, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut hours = serde_json::Map::new();
    for (day, _) in DAYS {
        match intervals(&form.value(day)) {
            Ok(list) => {
                hours.insert(day.to_owned(), json!(list));
            }
            Err(m) => errors.push(FieldError::new(day, m)),
        }
    }
    let holidays: Vec<String> = form
        .value("holidays")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .collect();
    let parsed = input::<CalendarSpec>(json!({
        "name": form.value("name"),
        "time_zone": form.value("time_zone"),
        "hours": hours,
        "holidays": holidays,
    }));
    match parsed {
        Ok(spec) if errors.is_empty() => Ok(spec),
        Ok(_) => Err(errors),
        Err(e) => Err(e),
    }
}

/// `hours.mon[0]` is shown next to the Monday field.
fn by_day(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let day = DAYS
                .iter()
                .find(|(d, _)| e.field.starts_with(&format!("hours.{d}")))
                .map(|(d, _)| (*d).to_owned());
            FieldError::new(day.unwrap_or(e.field), e.message)
        })
        .collect()
}

async fn update_calendar(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let result = match calendar_spec(&form) {
        Ok(spec) => state.app.update_calendar(&ui.actor, id, spec).await,
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(c) => Ok(see_other(
            "/manage/calendars",
            &format!("Calendar {} was saved.", c.calendar.name),
        )),
        Err(AppError::Invalid(invalid)) => refused_edit(
            &ui,
            calendar_page(&state, &ui).await?,
            id,
            form,
            &by_day(invalid.0),
        ),
        Err(e) => Err(e.into()),
    }
}

async fn edit_team(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let t = state.app.get_team(&ui.actor, id).await?;
    let values = vec![
        ("name", t.name),
        ("email", t.email.unwrap_or_default()),
        ("description", t.description.unwrap_or_default()),
    ];
    edit_page(&ui, team_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_team(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    // Members are kept: the patch leaves them out.
    let patch = TeamPatch {
        name: Some(form.value("name")),
        description: Some(form.text("description")),
        email: Some(form.text("email")),
        member_ids: None,
    };
    match state.app.update_team(&ui.actor, id, patch).await {
        Ok(t) => Ok(see_other(
            "/manage/teams",
            &format!("Team {} was saved.", t.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_edit(&ui, team_page(&state, &ui).await?, id, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_user(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let u = state.app.get_user(&ui.actor, id).await?;
    let mut values = vec![
        ("username", u.username),
        ("display_name", u.display_name),
        ("email", u.email.unwrap_or_default()),
        ("role", u.role.as_str().to_owned()),
        (
            "organization_id",
            u.organization_id.map(|o| o.to_string()).unwrap_or_default(),
        ),
    ];
    if u.active {
        values.push(("active", "yes".into()));
    }
    edit_page(&ui, user_page(&state, &ui).await?, id, pairs(&values))
}

async fn update_user(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let role = form.value("role").parse::<Role>().ok();
    let organization_id = form.id("organization_id");
    let result = match (role, organization_id) {
        (Some(role), Ok(organization_id)) => {
            let patch = UserPatch {
                display_name: Some(form.value("display_name")),
                email: Some(form.text("email")),
                role: Some(role),
                organization_id: Some(organization_id),
                active: Some(form.checked("active")),
                // Blank keeps the password.
                password: form.text("password"),
            };
            state.app.update_user(&ui.actor, id, patch).await
        }
        (None, _) => Err(AppError::invalid("role", "choose a role")),
        (_, Err(e)) => Err(AppError::Invalid(Invalid(vec![e]))),
    };
    match result {
        Ok(u) => Ok(see_other(
            "/manage/users",
            &format!("User {} was saved.", u.username),
        )),
        Err(AppError::Invalid(invalid)) => {
            refused_edit(&ui, user_page(&state, &ui).await?, id, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}

/// Hours for a target field: `1800` seconds → `0.5`.
fn hours_text(seconds: i64) -> String {
    let h = seconds as f64 / 3600.0;
    if h.fract() == 0.0 {
        format!("{h:.0}")
    } else {
        format!("{}", (h * 1000.0).round() / 1000.0)
    }
}

fn pauses_for_customer(rule: &Value) -> bool {
    rule["status"] == "pending"
        && rule["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().any(|x| x == "customer"))
}

async fn edit_sla(State(state): State<AppState>, ui: Ui, Path(raw): Path<String>) -> UiResult {
    require_manager(&ui)?;
    let id = id_of(&raw)?;
    let s = state.app.get_sla(&ui.actor, id).await?;
    let mut values = vec![
        ("name", s.name.clone()),
        (
            "service_id",
            s.service_id.map(|x| x.to_string()).unwrap_or_default(),
        ),
        (
            "calendar_id",
            s.calendar_id.map(|x| x.to_string()).unwrap_or_default(),
        ),
        ("warning_percent", s.warning_percent.to_string()),
    ];
    let pause = serde_json::to_value(&s.pause).unwrap_or_default();
    if pause
        .as_array()
        .is_some_and(|p| p.iter().any(pauses_for_customer))
    {
        values.push(("pause_customer", "yes".into()));
    }
    let names: Vec<(String, String, String)> = s
        .targets
        .iter()
        .map(|(p, t)| {
            (
                p.clone(),
                hours_text(t.response_seconds),
                hours_text(t.resolution_seconds),
            )
        })
        .collect();
    let mut form = pairs(&values);
    for (p, response, resolution) in names {
        form.0.push((format!("{p}_response"), response));
        form.0.push((format!("{p}_resolution"), resolution));
    }
    edit_page(&ui, sla_page(&state, &ui).await?, id, form)
}

/// Saves the fields the form shows; everything else of the SLA (level, escalations,
/// exceptions, review interval, other pause rules) is sent back unchanged.
async fn update_sla(
    State(state): State<AppState>,
    ui: Ui,
    Path(raw): Path<String>,
    form: FormData,
) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let id = id_of(&raw)?;
    let current = state.app.get_sla(&ui.actor, id).await?;
    let mut errors = Vec::new();
    let SlaFields {
        targets,
        warning,
        service_id,
        calendar_id,
    } = sla_fields(&form, &mut errors);
    let mut body = serde_json::to_value(&current).unwrap_or_default();
    let mut pause: Vec<Value> = body["pause"].as_array().cloned().unwrap_or_default();
    let had = pause.iter().any(pauses_for_customer);
    if form.checked("pause_customer") && !had {
        pause.push(json!({"status": "pending", "reasons": ["customer"]}));
    } else if !form.checked("pause_customer") {
        pause.retain(|r| !pauses_for_customer(r));
    }
    if let Some(o) = body.as_object_mut() {
        // Only the input's fields go back; the derived ones would be refused.
        for derived in [
            "id",
            "next_review_on",
            "review_overdue",
            "version",
            "created_at",
            "updated_at",
        ] {
            o.remove(derived);
        }
        o.insert("name".into(), json!(form.value("name")));
        o.insert("service_id".into(), json!(service_id));
        o.insert("calendar_id".into(), json!(calendar_id));
        o.insert("targets".into(), Value::Object(targets));
        o.insert(
            "warning_percent".into(),
            json!(warning.map(|w| w.round() as i64)),
        );
        o.insert("pause".into(), json!(pause));
    }
    let result = match input::<SlaInput>(body) {
        Ok(i) if errors.is_empty() => state.app.update_sla(&ui.actor, id, i).await,
        Ok(_) => Err(AppError::Invalid(Invalid(errors))),
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(s) => Ok(see_other(
            "/manage/slas",
            &format!("SLA {} was saved.", s.name),
        )),
        Err(AppError::Invalid(invalid)) => {
            let errors = on_sla_form(invalid);
            refused_edit(&ui, sla_page(&state, &ui).await?, id, form, &errors)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clock_times_become_hours() {
        assert_eq!(super::hours("09:30"), 9.5);
        assert_eq!(super::hours("24:00"), 24.0);
    }
}
