//! Raising an incident from the web: the full form (staff and customers) behind the console's
//! quick create.
use crate::AppState;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::resolution::rows::{Choice, href};
use crate::ui::{FormData, Layout, Ui, UiResult, see_other, status_label};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_domain::resolution::ticket::{IncidentInput, Level, TicketField};

pub fn routes() -> Router<AppState> {
    Router::new().route("/incidents/new", get(new_incident).post(create_incident))
}

#[derive(Template)]
#[template(path = "incident_new.html")]
struct NewIncidentPage {
    l: Layout,
    title: String,
    description: String,
    impacts: Vec<Choice>,
    urgencies: Vec<Choice>,
    services: Vec<Choice>,
    errors: FieldErrors,
    show_impact: bool,
    show_urgency: bool,
}

impl NewIncidentPage {
    /// A field's label, for the list of errors above the form.
    fn label_of(&self, field: &str) -> &'static str {
        match field {
            "title" => "Title",
            "description" => "Description",
            "impact" => "Impact",
            "urgency" => "Urgency",
            "service_id" => "Service",
            _ => "This form",
        }
    }
}

fn levels(selected: &str) -> Vec<Choice> {
    ["high", "medium", "low"]
        .into_iter()
        .map(|v| Choice {
            value: v.into(),
            label: status_label(v),
            selected: v == selected,
        })
        .collect()
}

async fn services(state: &AppState, ui: &Ui, selected: Option<i64>) -> Vec<Choice> {
    let mut choices = vec![Choice {
        value: String::new(),
        label: "Not sure".into(),
        selected: selected.is_none(),
    }];
    let options = state
        .app
        .raisable_services(&ui.actor)
        .await
        .unwrap_or_default();
    choices.extend(options.into_iter().map(|(id, label)| Choice {
        value: id.to_string(),
        label,
        selected: Some(id) == selected,
    }));
    choices
}

/// Which of impact and urgency the person raising a record sets: staff both, a customer what
/// the desk settings allow.
async fn level_fields(state: &AppState, ui: &Ui) -> (bool, bool) {
    if ui.staff() {
        return (true, true);
    }
    let desk = state.app.desk_settings(&ui.actor).await.unwrap_or_default();
    (
        desk.customer_may(TicketField::Impact),
        desk.customer_may(TicketField::Urgency),
    )
}

async fn new_incident(State(state): State<AppState>, ui: Ui) -> UiResult {
    let (show_impact, show_urgency) = level_fields(&state, &ui).await;
    let page = NewIncidentPage {
        l: ui.layout(
            if ui.staff() {
                "New incident"
            } else {
                "Report a problem"
            },
            "new",
        ),
        title: String::new(),
        description: String::new(),
        impacts: levels("medium"),
        urgencies: levels("medium"),
        services: services(&state, &ui, None).await,
        errors: FieldErrors::default(),
        show_impact,
        show_urgency,
    };
    Ok(ui.page(&page))
}

async fn create_incident(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let mut errors = Vec::new();
    let level = |name: &str, errors: &mut Vec<steward_domain::FieldError>| {
        let v = form.value(name);
        Level::parse(&v).unwrap_or_else(|| {
            errors.push(steward_domain::FieldError::new(
                name,
                "choose high, medium or low",
            ));
            Level::Medium
        })
    };
    // A field the form does not show is left to the desk's default.
    let (show_impact, show_urgency) = level_fields(&state, &ui).await;
    let impact = show_impact.then(|| level("impact", &mut errors));
    let urgency = show_urgency.then(|| level("urgency", &mut errors));
    let service_id = form.id("service_id").unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let input = IncidentInput {
        title: form.value("title"),
        description: form.text("description"),
        impact,
        urgency,
        service_id,
        organization_id: None,
        requester_id: None,
        ci_id: None,
        category: None,
        channel: None,
    };
    let result = if errors.is_empty() {
        state.app.create_incident(&ui.actor, input).await
    } else {
        // The domain's own check still names every other bad field in the same answer.
        if let Err(invalid) = input.parse() {
            errors.extend(invalid.0);
        }
        Err(AppError::Invalid(steward_domain::Invalid(errors)))
    };
    match result {
        Ok(t) => Ok(see_other(
            &href(t.kind, t.id),
            &format!("{} was created.", t.number),
        )),
        Err(AppError::Invalid(invalid)) => {
            let page = NewIncidentPage {
                l: ui.layout("New incident: please check the input", "new"),
                title: form.value("title"),
                description: form.value("description"),
                impacts: levels(&form.value("impact")),
                urgencies: levels(&form.value("urgency")),
                services: services(&state, &ui, service_id).await,
                errors: FieldErrors::from_list(&invalid.0),
                show_impact,
                show_urgency,
            };
            let mut response = ui.page(&page);
            *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
        Err(e) => Err(e.into()),
    }
}
