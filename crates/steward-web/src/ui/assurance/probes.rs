//! A service's health probes: what each checks and how often, its state and last error, and
//! per probe its latest results. Set up by those who manage services.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input, fill, read};
use crate::ui::foundation::list_page::{
    FormSpec, ListPage, edit_page, id_of, input, invalid, opt, pairs, require_manager, saved,
};
use crate::ui::{FormData, Ui, UiError, UiResult, status_label};
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::Value;
use steward_domain::assurance::probe::{METHODS, Probe, ProbeConfig, ProbeInput, ProbeKind};
use steward_domain::resolution::ticket::Level;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/services/{id}/probes", get(list).post(create))
        .route(
            "/manage/services/{id}/probes/{probe}",
            get(edit).post(update),
        )
        .route("/manage/services/{id}/probes/{probe}/results", get(results))
}

fn choices<T: Copy>(all: &[T], text: impl Fn(T) -> &'static str) -> Vec<(String, String)> {
    all.iter()
        .map(|v| (text(*v).to_owned(), status_label(text(*v))))
        .collect()
}

fn what(c: &ProbeConfig) -> String {
    match c.kind {
        ProbeKind::Http => format!(
            "{} {} → {}",
            c.method.as_deref().unwrap_or("GET"),
            c.url.as_deref().unwrap_or(""),
            c.expected_status.unwrap_or(200)
        ),
        ProbeKind::Tcp => format!(
            "TCP {}:{}",
            c.host.as_deref().unwrap_or(""),
            c.port.unwrap_or(0)
        ),
    }
}

fn state_text(p: &Probe) -> String {
    match (p.config.enabled, p.state.as_str()) {
        (false, _) => "Paused".into(),
        (true, "up") if p.consecutive_failures > 0 => {
            format!("Up (retrying, {} failed)", p.consecutive_failures)
        }
        (true, s) => status_label(s),
    }
}

fn fields() -> Vec<Group> {
    let levels = choices(Level::ALL, Level::as_str);
    vec![
        Group::plain(vec![
            Field::text("name", "Name").required(),
            Field::new(
                "kind",
                "Check",
                Input::Choice(vec![
                    ("http".into(), "HTTP(S) request".into()),
                    ("tcp".into(), "TCP connect".into()),
                ]),
            )
            .required(),
        ]),
        Group::titled(
            "HTTP(S) request",
            vec![
                Field::new(
                    "method",
                    "Method",
                    Input::Choice(
                        METHODS
                            .iter()
                            .map(|m| (m.to_string(), m.to_string()))
                            .collect(),
                    ),
                ),
                Field::text("url", "URL").hint("http:// or https://; redirects are not followed."),
                Field::new("expected_status", "Expected status", Input::Number)
                    .hint("Default 200."),
                Field::text("body_contains", "Answer contains")
                    .hint("Text the answer must contain; blank: any answer."),
            ],
        ),
        Group::titled(
            "TCP connect",
            vec![
                Field::text("host", "Host"),
                Field::new("port", "Port", Input::Number),
            ],
        ),
        Group::titled(
            "Schedule",
            vec![
                Field::new("interval_seconds", "Every (seconds)", Input::Number)
                    .hint("10 to 86400."),
                Field::new("timeout_seconds", "Timeout (seconds)", Input::Number)
                    .hint("Shorter than the interval; at most 60."),
                Field::new("retries", "Retries", Input::Number)
                    .hint("Further failed checks in a row before the target is declared down."),
                Field::new("enabled", "Enabled", Input::Check),
            ],
        ),
        Group::titled(
            "When the target goes down",
            vec![
                Field::new("open_incident", "Open an incident", Input::Check).hint(
                    "An unplanned outage is always opened; it ends with the first good check.",
                ),
                Field::new("impact", "Impact", Input::Choice(levels.clone())),
                Field::new("urgency", "Urgency", Input::Choice(levels)),
            ],
        ),
    ]
}

async fn page(state: &AppState, ui: &Ui, service: i64) -> Result<ListPage, UiError> {
    require_manager(ui)?;
    let s = state.app.get_service(&ui.actor, service).await?;
    let mut page = ListPage::new(ui, "Health probes", "services");
    page.l.title = format!("{}: health probes", s.name);
    page.base = format!("/manage/services/{service}/probes");
    page.intro = Some(format!(
        "Service {}. Each probe checks a target on an interval; after its retries fail in a row the service is down: an unplanned outage opens (and an incident, if asked), and the first good check ends it.",
        s.name
    ));
    page.related = vec![(
        format!("/manage/services/{service}/outages"),
        "Outages and availability".into(),
    )];
    page.headers = vec![
        "Name",
        "Checks",
        "Every",
        "State",
        "Last check",
        "Last error",
    ];
    page.link_label = "Results";
    for p in state.app.list_probes(&ui.actor, service).await? {
        page.row_ids.push(p.id);
        page.row_links
            .push(format!("{}/{}/results", page.base, p.id));
        page.rows.push(vec![
            p.config.name.clone(),
            what(&p.config),
            format!("{} s", p.config.interval_seconds),
            state_text(&p),
            opt(p.last_checked_at.as_deref().map(|t| ui.local_seconds(t))),
            opt(p.last_error.clone()),
        ]);
    }
    page.form = Some(FormSpec::new("probe", fields()));
    Ok(page)
}

async fn list(State(state): State<AppState>, ui: Ui, Path(id): Path<String>) -> UiResult {
    let mut page = page(&state, &ui, id_of(&id)?).await?;
    page.values = pairs(&[
        ("kind", "http".into()),
        ("method", "GET".into()),
        ("expected_status", "200".into()),
        ("interval_seconds", "60".into()),
        ("timeout_seconds", "10".into()),
        ("retries", "2".into()),
        ("enabled", "yes".into()),
        ("open_incident", "yes".into()),
        ("impact", "medium".into()),
        ("urgency", "high".into()),
    ]);
    Ok(ui.page(&page))
}

/// The form as the API's input; a blank "answer contains" clears it.
fn probe_input(page: &ListPage, form: &FormData) -> Result<ProbeInput, steward_app::AppError> {
    let mut json = read(form, page.groups()).map_err(invalid)?;
    if json.get("body_contains").is_none_or(Value::is_null) {
        json.insert("body_contains".into(), Value::from(""));
    }
    input::<ProbeInput>(Value::Object(json)).map_err(invalid)
}

async fn create(
    State(state): State<AppState>,
    ui: Ui,
    Path(id): Path<String>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let service = id_of(&id)?;
    let page = page(&state, &ui, service).await?;
    let result = match probe_input(&page, &form) {
        Ok(i) => state.app.create_probe(&ui.actor, service, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |p: &Probe| {
        format!(
            "The probe {} was added; its first check runs now.",
            p.config.name
        )
    })
}

async fn edit(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, probe)): Path<(String, String)>,
) -> UiResult {
    let (service, probe) = (id_of(&id)?, id_of(&probe)?);
    let page = page(&state, &ui, service).await?;
    let p = state.app.get_probe(&ui.actor, service, probe).await?;
    let values = fill(&serde_json::to_value(&p).unwrap_or_default(), page.groups());
    edit_page(&ui, page, probe, values)
}

async fn update(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, probe)): Path<(String, String)>,
    form: FormData,
) -> UiResult {
    ui.check_csrf(&form)?;
    let (service, probe) = (id_of(&id)?, id_of(&probe)?);
    let page = page(&state, &ui, service).await?;
    let result = match probe_input(&page, &form) {
        Ok(i) => state.app.update_probe(&ui.actor, service, probe, i).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, Some(probe), form, result, |p: &Probe| {
        format!(
            "The probe {} was saved; it is checked again now.",
            p.config.name
        )
    })
}

/// A probe's latest results, newest first, and which opened an outage.
async fn results(
    State(state): State<AppState>,
    ui: Ui,
    Path((id, probe)): Path<(String, String)>,
) -> UiResult {
    require_manager(&ui)?;
    let (service, probe) = (id_of(&id)?, id_of(&probe)?);
    let p = state.app.get_probe(&ui.actor, service, probe).await?;
    let mut page = ListPage::new(&ui, "Probe results", "services");
    page.l.title = format!("{}: results", p.config.name);
    page.base = format!("/manage/services/{service}/probes");
    page.intro = Some(format!(
        "{} — {}. The latest 100 checks; results are kept 30 days, and for good when they opened an outage.",
        p.config.name,
        what(&p.config)
    ));
    page.related = vec![
        (page.base.clone(), "All probes of the service".into()),
        (
            format!("/manage/services/{service}/outages"),
            "Outages and availability".into(),
        ),
    ];
    page.headers = vec![
        "Checked",
        "Result",
        "Took",
        "HTTP status",
        "Error",
        "Outage",
    ];
    for r in state
        .app
        .probe_results(&ui.actor, service, probe, 100)
        .await?
    {
        page.rows.push(vec![
            ui.local_seconds(&r.checked_at),
            if r.ok { "Up" } else { "Failed" }.into(),
            format!("{} ms", r.latency_ms),
            opt(r.status_code),
            opt(r.error),
            opt(r.outage_id.map(|o| format!("#{o}"))),
        ]);
    }
    Ok(ui.page(&page))
}
