//! Raising an incident from the web: the full form (staff and customers) behind the console's
//! quick create, on the shared form page.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::input;
use crate::ui::resolution::rows::href;
use crate::ui::{FormData, Ui, UiResult, see_other, status_label};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::resolution::ticket::{IncidentInput, Level, TicketField};
use steward_domain::{FieldError, Invalid};

pub fn routes() -> Router<AppState> {
    Router::new().route("/incidents/new", get(new_incident).post(create_incident))
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

/// The form: what the person may set, with the services they may raise records against.
async fn page(state: &AppState, ui: &Ui) -> FormPage {
    let (show_impact, show_urgency) = level_fields(state, ui).await;
    let levels: Vec<(String, String)> = Level::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), status_label(l.as_str())))
        .collect();
    let services = state
        .app
        .raisable_services(&ui.actor)
        .await
        .unwrap_or_default();
    let mut fields = vec![
        Field::text("title", "Title").required(),
        Field::new("description", "Description", Input::Long),
    ];
    if show_impact {
        fields.push(
            Field::new("impact", "Impact", Input::Choice(levels.clone()))
                .hint("How many people or how much of the business it affects."),
        );
    }
    if show_urgency {
        fields.push(
            Field::new("urgency", "Urgency", Input::Choice(levels))
                .hint("How soon it hurts if nothing is done."),
        );
    }
    fields.push(Field::new(
        "service_id",
        "Service",
        Input::Pick(services, "Not sure"),
    ));
    FormPage {
        l: ui.layout(
            if ui.staff() {
                "New incident"
            } else {
                "Report a problem"
            },
            "new",
        ),
        intro: None,
        action: "/incidents/new".into(),
        submit: "Create",
        groups: vec![Group::plain(fields)],
        values: FormData(vec![
            ("impact".into(), "medium".into()),
            ("urgency".into(), "medium".into()),
        ]),
        errors: FieldErrors::default(),
    }
}

async fn new_incident(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui).await))
}

/// The form as the API's body; a field the form does not show is left to the desk's default.
/// Every bad field is named at once: the form's own checks and the domain's.
fn incident_input(page: &FormPage, form: &FormData) -> Result<IncidentInput, Vec<FieldError>> {
    let (json, mut errors) = crate::ui::foundation::fields::read_all(form, &page.groups);
    match input::<IncidentInput>(Value::Object(json)) {
        Ok(incident) => {
            if let Err(invalid) = incident.clone().parse() {
                errors.extend(invalid.0);
            }
            if errors.is_empty() {
                Ok(incident)
            } else {
                Err(errors)
            }
        }
        Err(more) => {
            errors.extend(more);
            Err(errors)
        }
    }
}

async fn create_incident(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let page = page(&state, &ui).await;
    let result = match incident_input(&page, &form) {
        Ok(input) => state.app.create_incident(&ui.actor, input).await,
        Err(errors) => Err(AppError::Invalid(Invalid(errors))),
    };
    match result {
        Ok(t) => Ok(see_other(
            &href(t.kind, t.id),
            &format!("{} was created.", t.number),
        )),
        Err(AppError::Invalid(invalid)) => {
            let mut page = page;
            page.l.title = format!("{}: please check the input", page.l.title);
            page.refused(&ui, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}
