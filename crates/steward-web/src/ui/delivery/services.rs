//! The services screen: the service portfolio with create and edit forms (owner, customers,
//! dependencies, service hours and availability target).
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, LinkColumn, ListPage, opt};
use crate::ui::foundation::screen::{self, no_check, screen};
use crate::ui::{Ui, UiError, status_label};
use axum::Router;
use steward_domain::delivery::service::{Service, ServiceInput, ServicePatch};

pub fn routes() -> Router<AppState> {
    screen::routes::<Services>()
}

fn fields(
    orgs: Vec<(i64, String)>,
    staff: Vec<(i64, String)>,
    others: Vec<(i64, String)>,
    calendars: Vec<(i64, String)>,
) -> Vec<Group> {
    let statuses = ["pipeline", "live", "retired"]
        .map(|s| (s.to_owned(), status_label(s)))
        .to_vec();
    vec![Group::plain(vec![
        Field::text("name", "Name").required(),
        Field::new("description", "Description", Input::Long),
        Field::new("intended_outcome", "Intended outcome", Input::Long),
        Field::new("status", "Status", Input::Choice(statuses))
            .hint("Customers raise records against live services."),
        Field::new("owner_id", "Owner", Input::Pick(staff, "No owner yet")),
        Field::new("criticality", "Criticality", Input::Number)
            .hint("1 (most critical) to 4; 3 when blank."),
        Field::new("customer_ids", "Customers", Input::Many(orgs)),
        Field::new("depends_on", "Depends on", Input::Many(others)),
        Field::new(
            "service_hours_calendar_id",
            "Service hours",
            Input::Pick(calendars, "24×7"),
        ),
        Field::new(
            "availability_target_percent",
            "Availability target (percent)",
            Input::Number,
        )
        .hint("For example 99.5."),
        Field::new(
            "on_status_page",
            "Shown on the public status page",
            Input::Check,
        )
        .hint(
            "Its name, current state, maintenance and daily availability at /status; nothing else.",
        ),
    ])]
}

async fn page(state: &AppState, ui: &Ui, editing: Option<i64>) -> Result<ListPage, UiError> {
    let mut page = ListPage::new(ui, "Services", "services");
    page.intro = Some(
        "Each service's outages and availability, health probes and continuity plans are under its links; whether major incidents open outages is in the availability settings."
            .into(),
    );
    page.headers = vec![
        "Name",
        "Status",
        "Owner",
        "Criticality",
        "Customers",
        "Availability target",
    ];
    let staff = choices::staff(state, ui).await;
    let list = state
        .app
        .list_services(&ui.actor, Default::default(), Default::default())
        .await?
        .items;
    page.link_label = "Outages and availability";
    // Every service's continuity plans in one query, to mark the services with a test overdue.
    let plans = state.app.all_continuity_plans(&ui.actor).await?;
    let mut continuity = LinkColumn::new("Continuity");
    // Every probe in one query, to mark the services with a target down.
    let probes = state.app.all_probes(&ui.actor).await?;
    let mut monitoring = LinkColumn::new("Monitoring");
    for s in &list {
        page.row_ids.push(s.id);
        page.row_links
            .push(format!("/manage/services/{}/outages", s.id));
        let down = probes.iter().any(|p| {
            p.service_id == s.id
                && p.config.enabled
                && p.state == steward_domain::assurance::probe::ProbeState::Down
        });
        monitoring.push(
            format!("/manage/services/{}/probes", s.id),
            "Health probes",
            down.then(|| "Target down".to_owned()),
        );
        let overdue = plans.iter().any(|p| p.service_id == s.id && p.test_overdue);
        continuity.push(
            format!("/manage/services/{}/continuity", s.id),
            "Continuity plans",
            overdue.then(|| "Test overdue".to_owned()),
        );
        let owner = s
            .owner_id
            .and_then(|o| staff.iter().find(|(id, _)| *id == o))
            .map(|(_, n)| n.clone());
        page.rows.push(vec![
            s.name.clone(),
            status_label(s.status.as_str()),
            opt(owner),
            s.criticality.to_string(),
            s.customer_ids.len().to_string(),
            opt(s.availability_target_percent.map(|a| format!("{a} %"))),
        ]);
    }
    page.link_columns = vec![monitoring, continuity];
    // A service cannot depend on itself.
    let others = list
        .iter()
        .filter(|s| Some(s.id) != editing)
        .map(|s| (s.id, s.name.clone()))
        .collect();
    let groups = fields(
        choices::organizations(state, ui).await,
        staff,
        others,
        choices::calendars(state, ui).await,
    );
    page.form = Some(FormSpec::new("service", groups));
    Ok(page)
}

screen!(
    Services,
    "/manage/services",
    page,
    Service,
    ServiceInput,
    ServicePatch,
    create_service,
    get_service,
    update_service,
    "Service",
    name,
    no_check
);
