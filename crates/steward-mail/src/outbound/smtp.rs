//! SMTP delivery: plain, STARTTLS or implicit TLS, with optional authentication.
use super::message::Outgoing;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// No encryption: only for a relay on the same host or network.
    None,
    #[default]
    Starttls,
    Tls,
}

/// Where and how mail is sent.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from_address: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("address: {0}")]
    Address(String),
    #[error("SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
}

/// Sends one mail; an error says what the server or connection answered.
pub async fn send(settings: &SmtpSettings, mail: &Outgoing) -> Result<(), SendError> {
    let message = mail.build(&settings.from_address)?;
    let builder = match settings.security {
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host),
        Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)?,
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)?,
    };
    let mut builder = builder
        .port(settings.port)
        .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder.build().send(message).await?;
    Ok(())
}
