//! The first-run page: an administrator seeds the ISO/IEC 20000 starting configuration with
//! one button (the same as `steward init --template iso20000`), then sees what remains to be
//! done — each red clause of the evidence map with its next step.
use crate::AppState;
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, see_other};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_app::improvement::guided_start::ISO20000;
use steward_domain::Permission;
use steward_domain::improvement::evidence::{ClauseStatus, Colour};

const PATH: &str = "/manage/start";

pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(page).post(seed))
}

#[derive(Template)]
#[template(path = "guided_start.html")]
struct StartPage {
    l: Layout,
    /// The red clauses under a main clause, with their checks' next steps.
    remaining: Vec<ClauseStatus>,
}

fn require_admin(ui: &Ui) -> Result<(), UiError> {
    if ui.actor.can(Permission::ConfigureTickets) {
        Ok(())
    } else {
        Err(UiError::App(AppError::forbidden()))
    }
}

async fn page(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_admin(&ui)?;
    let map = state.app.conformity_map(&ui.actor).await?;
    let remaining = map
        .clauses
        .into_iter()
        .filter(|c| c.depth > 0 && !c.checks.is_empty() && c.colour == Some(Colour::Red))
        .map(|mut c| {
            c.checks.retain(|k| k.finding.colour == Colour::Red);
            c
        })
        .collect();
    Ok(ui.page(&StartPage {
        l: ui.layout("Guided start", "manage"),
        remaining,
    }))
}

async fn seed(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    require_admin(&ui)?;
    let report = state.app.seed_template(&ui.actor, ISO20000).await?;
    let flash = if report.created.is_empty() {
        "The starting configuration was already in place; nothing was changed.".to_owned()
    } else {
        format!(
            "The starting configuration is in place: {} records created. What remains to be done is listed below.",
            report.created.len()
        )
    };
    Ok(see_other(PATH, &flash))
}

fn anchor(clause: &str) -> String {
    format!("/manage/conformity#clause-{}", clause.replace('.', "-"))
}
