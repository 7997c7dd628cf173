//! The manager's dashboard: SLA compliance, volumes and backlog from the reports, and the
//! agreed availability targets.
use crate::AppState;
use crate::ui::foundation::list_page::require_manager;
use crate::ui::foundation::svg;
use crate::ui::{Layout, Ui, UiResult};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::foundation::page::PageRequest;
use steward_domain::reporting::report::ReportParams;

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage", get(dashboard))
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
    reports: Vec<crate::ui::reporting::reports::ReportView>,
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
        reports.push(crate::ui::reporting::reports::view(&report, name));
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
