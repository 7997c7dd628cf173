//! The manager's dashboard: SLA compliance, volumes, backlog and availability from the
//! reports, last 30 days against the 30 before.
use crate::AppState;
use crate::ui::foundation::list_page::require_manager;
use crate::ui::{Layout, Ui, UiResult};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::reporting::report::ReportParams;

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage", get(dashboard))
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    /// SLA compliance, volumes, backlog aging and availability.
    reports: Vec<crate::ui::reporting::reports::ReportView>,
}

async fn dashboard(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    // The reports' defaults are the last 30 days, compared with the 30 days before.
    let mut reports = Vec::new();
    // Availability is measured from the outages recorded on each service (8.7.1).
    for name in ["sla-compliance", "volumes", "backlog-aging", "availability"] {
        let report = state
            .app
            .report(&ui.actor, name, &ReportParams::default())
            .await?;
        reports.push(crate::ui::reporting::reports::view(&report, name));
    }

    Ok(ui.page(&DashboardPage {
        l: ui.layout("Dashboard", "manage"),
        reports,
    }))
}
