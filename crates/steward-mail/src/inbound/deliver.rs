//! One delivered message into the desk: parsed here, placed by the intake use case.
use steward_app::resolution::mail_intake::Intake;
use steward_app::{App, Result};
use steward_domain::resolution::mail::mailbox::Mailbox;

/// Parses `raw` and hands it to the intake; an unreadable message is kept as rejected.
pub async fn deliver(app: &App, mailbox: &Mailbox, raw: &[u8]) -> Result<Intake> {
    let parsed = super::parse(raw).map_err(|e| e.to_string());
    app.receive_mail(mailbox, raw, parsed).await
}
