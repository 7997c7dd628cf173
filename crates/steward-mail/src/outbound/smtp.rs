//! SMTP delivery: plain, STARTTLS or implicit TLS, with optional authentication.
use super::message::Outgoing;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
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
    /// A certificate (PEM) trusted besides the public roots.
    pub trusted_certificate: Option<String>,
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
    let tls = || -> Result<TlsParameters, SendError> {
        let mut params = TlsParameters::builder(settings.host.clone());
        if let Some(pem) = &settings.trusted_certificate {
            params = params.add_root_certificate(Certificate::from_pem(pem.as_bytes())?);
        }
        Ok(params.build_rustls()?)
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host);
    // STARTTLS is required, never opportunistic: a server that does not offer it (or a
    // man in the middle stripping it) gets no mail and no password.
    let builder = match settings.security {
        Security::None => builder,
        Security::Starttls => builder.tls(Tls::Required(tls()?)),
        Security::Tls => builder.tls(Tls::Wrapper(tls()?)),
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
