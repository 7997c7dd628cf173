//! The SMTP settings screen, and a test send to check them.
use super::related;
use crate::AppState;
use crate::ui::foundation::fields::{Field, Group, Input};
use crate::ui::foundation::form_page::FormPage;
use crate::ui::foundation::forms::FieldErrors;
use crate::ui::foundation::list_page::{FormSpec, ListPage, parse_form, saved};
use crate::ui::{FormData, Ui, UiResult, see_other};
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use steward_app::AppError;
use steward_domain::foundation::mail_out::{SmtpSettingsInput, TestMailInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/manage/mail", get(show).post(save))
        .route("/manage/mail/test", get(test_page).post(test))
}

fn page(ui: &Ui) -> ListPage {
    let mut page = ListPage::new(ui, "SMTP settings", "mail");
    page.intro = Some(
        "Notifications go out through this SMTP server while sending is on. Replies thread back to their record by the Message-ID domain and the [INC-000123] tag."
            .into(),
    );
    page.related = related();
    page.related
        .push(("/manage/mail/test".into(), "Send a test mail".into()));
    let security = vec![
        ("starttls".into(), "STARTTLS".into()),
        ("tls".into(), "TLS from the start".into()),
        ("none".into(), "None (a relay on this host only)".into()),
    ];
    let mut spec = FormSpec::new(
        "SMTP settings",
        vec![Group::plain(vec![
            Field::new("host", "Server", Input::Text).required(),
            Field::new("port", "Port", Input::Number)
                .required()
                .hint("587 for STARTTLS, 465 for TLS, 25 for a local relay."),
            Field::new("security", "Security", Input::Choice(security)),
            Field::new("username", "User name", Input::Text),
            Field::new("password", "Password", Input::Password)
                .hint("Leave blank to keep the stored password."),
            Field::new("from_address", "From address", Input::Text)
                .required()
                .hint("For example Service desk <desk@example.org>."),
            Field::new("mail_domain", "Mail domain", Input::Text)
                .required()
                .hint("The domain of every Message-ID, such as desk.example.org."),
            Field::new("public_url", "Address of Steward", Input::Text)
                .hint("Links in mails start with it, for example https://desk.example.org."),
            Field::new("trusted_certificate", "Trusted certificate", Input::Long).hint(
                "PEM. A private CA's certificate, or the server's self-signed one, trusted besides the public roots.",
            ),
            Field::new("enabled", "Send mail", Input::Check),
        ])],
    );
    spec.single = true;
    page.form = Some(spec);
    page
}

async fn show(State(state): State<AppState>, ui: Ui) -> UiResult {
    let s = state.app.mail_settings(&ui.actor).await?;
    let mut page = page(&ui);
    if let Some(error) = &s.password_error {
        // Said where the admin looks: no mail goes out until this is fixed.
        page.intro = Some(format!(
            "{} Mail cannot be sent: {error}.",
            page.intro.unwrap_or_default()
        ));
    }
    let mut values = vec![
        ("host".to_string(), s.host),
        (
            "port".into(),
            if s.port == 0 {
                String::new()
            } else {
                s.port.to_string()
            },
        ),
        (
            "security".into(),
            format!("{:?}", s.security).to_lowercase(),
        ),
        ("username".into(), s.username.unwrap_or_default()),
        ("from_address".into(), s.from_address),
        ("mail_domain".into(), s.mail_domain),
        ("public_url".into(), s.public_url.unwrap_or_default()),
        (
            "trusted_certificate".into(),
            s.trusted_certificate.unwrap_or_default(),
        ),
    ];
    if s.enabled {
        values.push(("enabled".into(), "yes".into()));
    }
    page.values = FormData(values);
    Ok(ui.page(&page))
}

async fn save(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let page = page(&ui);
    // A blank password field is null, which keeps the stored password.
    let result = match parse_form::<SmtpSettingsInput>(&page, &form) {
        Ok(input) => state.app.set_mail_settings(&ui.actor, input).await,
        Err(e) => Err(e),
    };
    saved(&ui, page, None, form, result, |_| {
        "The SMTP settings were saved.".to_owned()
    })
}

fn test_form(ui: &Ui) -> FormPage {
    FormPage {
        l: ui.layout("Send a test mail", "manage"),
        intro: Some("Sends one mail now with the stored SMTP settings, outside the queue.".into()),
        action: "/manage/mail/test".into(),
        submit: "Send test mail",
        groups: vec![Group::plain(vec![
            Field::new("to", "To", Input::Email).required(),
        ])],
        values: FormData::default(),
        errors: FieldErrors::default(),
    }
}

async fn test_page(State(state): State<AppState>, ui: Ui) -> UiResult {
    // Only those who may change the settings see the page.
    state.app.mail_settings(&ui.actor).await?;
    Ok(ui.page(&test_form(&ui)))
}

async fn test(State(state): State<AppState>, ui: Ui, form: FormData) -> UiResult {
    ui.check_csrf(&form)?;
    let to = form.text("to").unwrap_or_default();
    match state
        .app
        .send_test_mail(&ui.actor, TestMailInput { to })
        .await
    {
        Ok(r) if r.sent => Ok(see_other("/manage/mail", "The test mail was sent.")),
        Ok(r) => Ok(see_other(
            "/manage/mail",
            &format!(
                "The test mail was not sent: {}",
                r.error.unwrap_or_default()
            ),
        )),
        Err(AppError::Invalid(invalid)) => test_form(&ui).refused(&ui, form, &invalid.0),
        Err(e) => Err(e.into()),
    }
}
