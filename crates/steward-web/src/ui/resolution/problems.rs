//! Raising a problem from the browser (staff): what it is about, how bad, and the incidents
//! it explains.
use crate::AppState;
use crate::ui::foundation::fields::{self, Field, Group, Input};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::resolution::rows::href;
use crate::ui::{FormData, Ui, UiError, UiResult, see_other, status_label};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::Value;
use steward_app::AppError;
use steward_domain::foundation::page::PageRequest;
use steward_domain::resolution::problem::ProblemInput;
use steward_domain::resolution::ticket::{Level, TicketKind, TicketSort};
use steward_domain::{FieldError, Invalid};
use steward_store::resolution::tickets::Filter;

pub fn routes() -> Router<AppState> {
    Router::new().route("/problems/new", get(new).post(create))
}

async fn page(state: &AppState, ui: &Ui) -> Result<FormPage, UiError> {
    if !ui.staff() {
        return Err(UiError::App(AppError::forbidden()));
    }
    let levels: Vec<(String, String)> = Level::ALL
        .iter()
        .map(|l| (l.as_str().to_owned(), status_label(l.as_str())))
        .collect();
    let open = state
        .app
        .list_tickets(
            &ui.actor,
            TicketKind::Incident,
            Filter::default(),
            TicketSort::default(),
            PageRequest {
                limit: 200,
                offset: 0,
            },
        )
        .await?
        .items
        .into_iter()
        .filter(|t| t.status.is_open() && t.problem_id.is_none())
        .map(|t| (t.id, format!("{}: {}", t.number, t.title)))
        .collect();
    let services = state
        .app
        .raisable_services(&ui.actor)
        .await
        .unwrap_or_default();
    Ok(FormPage {
        l: ui.layout("New problem", "console"),
        intro: Some(
            "A problem is the unknown cause of one or more incidents; link the incidents it explains."
                .into(),
        ),
        action: "/problems/new".into(),
        submit: "Create problem",
        groups: vec![Group::plain(vec![
            Field::text("title", "Title").required(),
            Field::new("description", "Description", Input::Long),
            Field::new("impact", "Impact", Input::Choice(levels.clone())),
            Field::new("urgency", "Urgency", Input::Choice(levels)),
            Field::new("service_id", "Service", Input::Pick(services, "Not sure")),
            Field::text("category", "Category"),
            Field::new("incident_ids", "Incidents it explains", Input::Many(open))
                .hint("The 200 newest open incidents not yet linked to a problem."),
        ])],
        values: FormData(vec![
            ("impact".into(), "medium".into()),
            ("urgency".into(), "medium".into()),
        ]),
        errors: FieldErrors::default(),
    })
}

async fn new(State(state): State<AppState>, ui: Ui) -> UiResult {
    Ok(ui.page(&page(&state, &ui).await?))
}

async fn create(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let page = page(&state, &ui).await?;
    let input = fields::read(&form, &page.groups).and_then(|json| {
        serde_json::from_value::<ProblemInput>(Value::Object(json))
            .map_err(|e| vec![FieldError::new("title", e.to_string())])
    });
    let result = match input {
        Ok(input) => state.app.create_problem(&ui.actor, input).await,
        Err(e) => Err(AppError::Invalid(Invalid(e))),
    };
    match result {
        Ok(p) => Ok(see_other(
            &href(TicketKind::Problem, p.id),
            &format!("{} was created.", p.number),
        )),
        Err(AppError::Invalid(invalid)) => page.refused(&ui, form, &invalid.0),
        Err(e) => Err(e.into()),
    }
}
