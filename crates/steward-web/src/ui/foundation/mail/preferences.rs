//! My notifications: for each kind, by mail at once, in a daily digest, or not at all.
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::{FormData, Ui, UiResult, see_other};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_domain::foundation::mail_out::{Delivery, MailPreferences};
use steward_mail::outbound::EventKind;

pub fn routes() -> Router<AppState> {
    Router::new().route("/account/notifications", get(show).post(save))
}

/// The kinds a person chooses for (the digest itself is not one).
fn kinds() -> impl Iterator<Item = EventKind> {
    EventKind::ALL
        .iter()
        .copied()
        .filter(|k| *k != EventKind::Digest)
}

fn choice(d: Delivery) -> &'static str {
    match d {
        Delivery::Immediate => "immediate",
        Delivery::Digest => "digest",
        Delivery::Off => "off",
    }
}

fn page(ui: &Ui, prefs: &MailPreferences) -> FormPage {
    let options = || {
        vec![
            ("immediate".to_string(), "At once".to_string()),
            ("digest".into(), "In the daily digest".into()),
            ("off".into(), "Not at all".into()),
        ]
    };
    FormPage {
        l: ui.layout("My notifications", "account"),
        intro: Some("Which notifications you get by mail, and when.".into()),
        action: "/account/notifications".into(),
        submit: "Save notifications",
        groups: vec![Group::plain(
            kinds()
                .map(|k| Field::new(k.as_str(), k.label(), Input::Choice(options())))
                .collect(),
        )],
        values: FormData(
            kinds()
                .map(|k| {
                    (
                        k.as_str().to_string(),
                        choice(prefs.delivery(k.as_str())).to_string(),
                    )
                })
                .collect(),
        ),
        errors: FieldErrors::default(),
    }
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    let prefs = state.app.my_mail_preferences(&ui.actor).await?;
    Ok(ui.page(&page(&ui, &prefs)))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let mut input = MailPreferences::default();
    for k in kinds() {
        let d = match form.text(k.as_str()).as_deref() {
            Some("digest") => Delivery::Digest,
            Some("off") => Delivery::Off,
            _ => Delivery::Immediate,
        };
        if d != Delivery::Immediate {
            input.events.insert(k.as_str().into(), d);
        }
    }
    match state.app.set_my_mail_preferences(&ui.actor, input).await {
        Ok(_) => Ok(see_other(
            "/account/notifications",
            "Your notifications were saved.",
        )),
        Err(AppError::Invalid(invalid)) => {
            page(&ui, &MailPreferences::default()).refused(&ui, form, &invalid.0)
        }
        Err(e) => Err(e.into()),
    }
}
