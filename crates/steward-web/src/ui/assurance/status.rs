//! The public status page: readable without signing in, linked from nowhere inside (it is for
//! customers and the world), showing only what the status entry carries.
use crate::AppState;
use crate::ui::foundation::assets;
use crate::ui::{Layout, UiError, UiResult, html, short_time};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::assurance::status::{ServiceState, StatusPage};

pub fn routes() -> Router<AppState> {
    Router::new().route("/status", get(status))
}

struct DayCell {
    /// `up`, `partial`, `down` or `none` (no agreed time).
    class: &'static str,
    text: String,
}

struct Entry {
    name: String,
    state: &'static str,
    state_class: &'static str,
    outages: Vec<(String, String)>,
    maintenance: Vec<(String, String)>,
    availability: String,
    days: Vec<DayCell>,
    /// The days below 100 %, for reading without the strip.
    bad_days: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusView {
    l: Layout,
    generated: (String, String),
    overall: &'static str,
    services: Vec<Entry>,
}

fn percent(p: Option<f64>) -> String {
    p.map_or_else(|| "no agreed time".into(), |p| format!("{p} %"))
}

fn view(page: StatusPage) -> StatusView {
    let worst = page
        .services
        .iter()
        .map(|s| s.state)
        .min_by_key(|s| *s as u8)
        .unwrap_or(ServiceState::Operational);
    let services = page
        .services
        .into_iter()
        .map(|s| {
            let when = |start: &str, end: Option<&str>| {
                (
                    short_time(start),
                    end.map_or_else(|| "not over yet".into(), short_time),
                )
            };
            Entry {
                state: s.state.label(),
                state_class: match s.state {
                    ServiceState::Outage => "down",
                    ServiceState::Degraded => "partial",
                    ServiceState::Maintenance => "none",
                    ServiceState::Operational => "up",
                },
                outages: s
                    .open_outages
                    .iter()
                    .map(|o| when(&o.start, o.end.as_deref()))
                    .collect(),
                maintenance: s
                    .maintenance
                    .iter()
                    .map(|o| when(&o.start, o.end.as_deref()))
                    .collect(),
                availability: percent(s.availability_percent),
                bad_days: s
                    .days
                    .iter()
                    .filter(|d| d.availability_percent.is_some_and(|p| p < 100.0))
                    .map(|d| (d.date.clone(), percent(d.availability_percent)))
                    .collect(),
                days: s
                    .days
                    .into_iter()
                    .map(|d| DayCell {
                        class: match d.availability_percent {
                            None => "none",
                            Some(p) if p >= 100.0 => "up",
                            Some(p) if p >= 99.0 => "partial",
                            Some(_) => "down",
                        },
                        text: format!("{}: {}", d.date, percent(d.availability_percent)),
                    })
                    .collect(),
                name: s.name,
            }
        })
        .collect();
    StatusView {
        l: Layout {
            title: "Service status".into(),
            user: None,
            csrf: String::new(),
            flash: None,
            flash_error: false,
            nav: "status",
            css: assets::CSS_URL.as_str(),
            js: assets::JS_URL.as_str(),
        },
        generated: (page.generated_at.clone(), short_time(&page.generated_at)),
        overall: match worst {
            ServiceState::Operational => "All services are operating normally.",
            ServiceState::Maintenance => "Maintenance is under way.",
            ServiceState::Degraded => "Some services are degraded.",
            ServiceState::Outage => "Some services are down.",
        },
        services,
    }
}

async fn status(State(state): State<AppState>) -> UiResult {
    let page = state.app.status_page().await.map_err(UiError::App)?;
    Ok(html(&view(page)))
}
