//! My settings: the signed-in person's own time zone.
use crate::AppState;
use crate::ui::foundation::choices;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::{FormData, Ui, UiResult, see_other};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_domain::foundation::people::Preferences;

pub fn routes() -> Router<AppState> {
    Router::new().route("/account", get(show).post(save))
}

fn page(ui: &Ui, zone: Option<String>) -> FormPage {
    FormPage {
        l: ui.layout("My settings", "account"),
        intro: Some(format!(
            "Signed in as {}. Times on every page are shown in your time zone; hover over a time to see it in UTC.",
            ui.actor.name
        )),
        action: "/account".into(),
        submit: "Save settings",
        groups: vec![Group::plain(vec![
            Field::new("time_zone", "Time zone", Input::Suggest(choices::time_zones())).hint(
                "An IANA time zone, for example Europe/Berlin; start typing to choose. Leave it blank to use your browser's time zone.",
            ),
        ])],
        values: FormData(vec![("time_zone".into(), zone.unwrap_or_default())]),
        errors: FieldErrors::default(),
    }
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    let prefs = state.app.my_preferences(&ui.actor).await?;
    Ok(ui.page(&page(&ui, prefs.time_zone)))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let input = Preferences {
        time_zone: form.text("time_zone"),
    };
    match state.app.set_my_preferences(&ui.actor, input).await {
        Ok(p) => Ok(see_other(
            "/account",
            &match p.time_zone {
                Some(z) => format!("Your settings were saved: times show in {z}."),
                None => "Your settings were saved: times show in your browser's time zone.".into(),
            },
        )),
        Err(AppError::Invalid(invalid)) => page(&ui, None).refused(&ui, form, &invalid.0),
        Err(e) => Err(e.into()),
    }
}
