//! The manager's dashboard: SLA compliance, volumes, backlog and availability from the
//! reports, last 30 days against the 30 before, and the continuity plans overdue for a test.
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
    /// Continuity plans overdue for a test (8.7.2): (link, service, plan, due date).
    overdue: Vec<(String, String, String, String)>,
    /// An administrator on a database without services is offered the guided start.
    first_day: bool,
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

    // One query over every plan.
    let overdue = state
        .app
        .overdue_continuity_plans(&ui.actor)
        .await?
        .into_iter()
        .map(|p| {
            (
                format!("/manage/services/{}/continuity/{}", p.service_id, p.id),
                p.service_name,
                p.latest.title,
                p.next_test_due.unwrap_or_default(),
            )
        })
        .collect();

    let first_day = ui.actor.can(steward_domain::Permission::ConfigureTickets)
        && state
            .app
            .list_services(
                &ui.actor,
                Default::default(),
                steward_domain::foundation::page::PageRequest {
                    limit: 1,
                    offset: 0,
                },
            )
            .await?
            .total
            == 0;
    Ok(ui.page(&DashboardPage {
        l: ui.layout("Dashboard", "manage"),
        reports,
        overdue,
        first_day,
    }))
}
