//! Outgoing mail screens: SMTP settings with a test send, templates with a preview, the
//! outgoing queue with retry (admins), and each person's notification choices.
mod preferences;
mod queue;
mod settings;
mod templates;

use crate::AppState;
use axum::Router;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(settings::routes())
        .merge(templates::routes())
        .merge(queue::routes())
        .merge(preferences::routes())
}

/// Links between the mail screens, under each one's intro.
fn related() -> Vec<(String, String)> {
    vec![
        ("/manage/mail".into(), "SMTP settings".into()),
        ("/manage/mail/templates".into(), "Templates".into()),
        ("/manage/mail/queue".into(), "Outgoing queue".into()),
    ]
}
