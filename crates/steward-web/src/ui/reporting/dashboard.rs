//! The manager's dashboard: SLA compliance, volumes and backlog from the reports, and each
//! live service's availability against its target.
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

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    /// SLA compliance, volumes and backlog aging: last 30 days against the 30 before.
    reports: Vec<crate::ui::reporting::reports::ReportView>,
    availability: Availability,
}

/// Each live service's availability against its target.
struct Availability {
    note: String,
    svg: String,
    /// Service, availability, target, verdict, outages.
    rows: Vec<[String; 5]>,
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

    // Availability over the same 30 days, measured from the outage records (8.7.1).
    let now = crate::ui::now(&state).as_microsecond();
    let from = now - 30 * 86_400_000_000;
    let services = state
        .app
        .list_services(&ui.actor, Default::default(), PageRequest::default())
        .await?;
    let mut measured = Vec::new();
    let mut rows = Vec::new();
    for s in services
        .items
        .iter()
        .filter(|s| s.status.as_str() == "live")
    {
        let a = state
            .app
            .service_availability(&ui.actor, s.id, from, now)
            .await?;
        let f = &a.figures;
        if let Some(p) = f.availability_percent {
            measured.push((s.name.clone(), p));
        }
        rows.push([
            s.name.clone(),
            f.availability_percent
                .map_or_else(|| "—".into(), |p| format!("{p} %")),
            f.target_percent
                .map_or_else(|| "none".into(), |t| format!("{t} %")),
            match f.met {
                Some(true) => "met".into(),
                Some(false) => "missed".into(),
                None => f
                    .reason
                    .clone()
                    .map_or_else(|| "no target".into(), |_| "no agreed time".into()),
            },
            f.outage_count.to_string(),
        ]);
    }
    let note = if rows.is_empty() {
        "No live service yet.".to_owned()
    } else {
        "Live services, last 30 days: agreed time (service hours less planned maintenance) against unplanned outages, from the outages recorded on each service.".to_owned()
    };
    let availability = Availability {
        note,
        svg: svg::bars(
            "availability",
            "Availability, last 30 days",
            &measured,
            " %",
        ),
        rows,
    };
    Ok(ui.page(&DashboardPage {
        l: ui.layout("Dashboard", "manage"),
        reports,
        availability,
    }))
}
