//! The availability settings screen: whether major incidents open outages.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::list_page::{FormSpec, ListPage, parse_form, require_manager, saved};
use crate::ui::{FormData, Ui, UiResult};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_domain::assurance::settings::AssuranceSettings;

pub fn routes() -> Router<AppState> {
    Router::new().route("/manage/availability", get(show).post(save))
}

fn page(ui: &Ui) -> ListPage {
    let mut page = ListPage::new(ui, "Availability settings", "availability");
    page.base = "/manage/availability".into();
    page.intro = Some(
        "Availability is measured from the outages recorded on each service (Services, then a service's outages)."
            .into(),
    );
    let mut spec = FormSpec::new(
        "how availability follows incidents",
        vec![Group::plain(vec![
            Field::new(
                "major_incident_opens_outage",
                "A major incident on a service opens an outage of it; resolving or cancelling the incident ends the outage",
                Input::Check,
            )
            .hint("Outages can always be recorded and corrected by hand as well."),
        ])],
    );
    spec.single = true;
    page.form = Some(spec);
    page
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    require_manager(&ui)?;
    let settings = state.app.assurance_settings(&ui.actor).await?;
    let mut page = page(&ui);
    if settings.major_incident_opens_outage {
        page.values = FormData(vec![("major_incident_opens_outage".into(), "yes".into())]);
    }
    Ok(ui.page(&page))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    require_manager(&ui)?;
    ui.check_csrf(&form)?;
    let page = page(&ui);
    let result = match parse_form::<AssuranceSettings>(&page, &form) {
        Ok(settings) => state.app.set_assurance_settings(&ui.actor, settings).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |_: &AssuranceSettings| {
        "The availability settings were saved.".to_owned()
    })
}
