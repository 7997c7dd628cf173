//! Outgoing mail as the desk sees it: the SMTP settings (the password write-only), the
//! outgoing queue, and each person's choice of which notifications to get and when.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    None,
    #[default]
    Starttls,
    Tls,
}

/// The SMTP settings as stored. The password must be sent to the server, so it is kept
/// encrypted (sealed) under the node's secret key, never in plain text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSmtp {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    /// The password in plain text as versions before encryption stored it (under
    /// `password`); `steward serve` seals it at start-up, and nothing writes it any more.
    #[serde(default, rename = "password", skip_serializing_if = "Option::is_none")]
    pub password_plain: Option<String>,
    /// The password, sealed (see steward-app's `sealing`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_sealed: Option<String>,
    pub from_address: String,
    /// The right-hand side of every Message-ID (`<INC-000123.…@{mail_domain}>`).
    pub mail_domain: String,
    /// Where links in mails point (`https://desk.example`); none leaves links out.
    pub public_url: Option<String>,
    pub enabled: bool,
    /// A certificate (PEM) trusted besides the public roots: a private CA's, or the
    /// server's own self-signed one.
    #[serde(default)]
    pub trusted_certificate: Option<String>,
}

/// The SMTP settings as shown: the password only as whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SmtpSettingsView {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password_set: bool,
    /// Why the stored password cannot be read on this node (another or no secret key): mail
    /// cannot go out until the key is fixed or the password entered again.
    #[serde(default)]
    pub password_error: Option<String>,
    pub from_address: String,
    pub mail_domain: String,
    pub public_url: Option<String>,
    /// Mail goes out only while enabled.
    pub enabled: bool,
    /// A certificate (PEM) trusted besides the public roots for STARTTLS and TLS.
    pub trusted_certificate: Option<String>,
}

impl From<&StoredSmtp> for SmtpSettingsView {
    fn from(s: &StoredSmtp) -> Self {
        Self {
            host: s.host.clone(),
            port: s.port,
            security: s.security,
            username: s.username.clone(),
            password_set: s.password_sealed.is_some() || s.password_plain.is_some(),
            password_error: None,
            from_address: s.from_address.clone(),
            mail_domain: s.mail_domain.clone(),
            public_url: s.public_url.clone(),
            enabled: s.enabled,
            trusted_certificate: s.trusted_certificate.clone(),
        }
    }
}

/// A change of the SMTP settings. `password`: absent keeps it, `""` clears it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettingsInput {
    pub host: String,
    pub port: u16,
    #[serde(default)]
    pub security: SmtpSecurity,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    pub from_address: String,
    pub mail_domain: String,
    #[serde(default)]
    pub public_url: Option<String>,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// A certificate (PEM) to trust besides the public roots; absent or blank: none.
    #[serde(default)]
    pub trusted_certificate: Option<String>,
}

fn yes() -> bool {
    true
}

/// Where a queued mail stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MailStatus {
    /// Waiting to be sent (again, if it has an error).
    Pending,
    /// Claimed by a node that is sending it.
    Sending,
    Sent,
    /// Gave up after the last attempt; an admin may retry.
    Failed,
    /// Waiting for the recipient's daily digest.
    Digest,
    /// Went out inside a digest.
    Digested,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sending => "sending",
            MailStatus::Sent => "sent",
            MailStatus::Failed => "failed",
            MailStatus::Digest => "digest",
            MailStatus::Digested => "digested",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => MailStatus::Pending,
            "sending" => MailStatus::Sending,
            "sent" => MailStatus::Sent,
            "failed" => MailStatus::Failed,
            "digest" => MailStatus::Digest,
            "digested" => MailStatus::Digested,
            _ => return None,
        })
    }
}

/// One mail in the outgoing queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub record_number: Option<String>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    pub status: MailStatus,
    pub attempts: i64,
    /// RFC 3339, UTC.
    pub next_attempt_at: String,
    /// What the last failed attempt answered.
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// How a person gets one kind of notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = MailDelivery)]
pub enum Delivery {
    #[default]
    Immediate,
    /// Collected into one mail a day.
    Digest,
    Off,
}

/// A person's notification choices, by event kind (`record_created`, …); a kind not listed
/// is sent immediately.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MailPreferences {
    pub events: BTreeMap<String, Delivery>,
}

impl MailPreferences {
    pub fn delivery(&self, kind: &str) -> Delivery {
        self.events.get(kind).copied().unwrap_or_default()
    }
}

/// A notification template as shown and edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MailTemplateView {
    pub kind: String,
    pub label: String,
    pub subject: String,
    pub body: String,
    /// Whether an admin changed it from the shipped default.
    pub customized: bool,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailTemplateInput {
    pub subject: String,
    pub body: String,
}

/// A template rendered against the sample record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MailPreview {
    pub subject: String,
    pub body: String,
}

/// Where a test mail goes.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TestMailInput {
    pub to: String,
}

/// What a test send answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TestMailResult {
    pub sent: bool,
    /// The server's or connection's answer when it was not sent.
    pub error: Option<String>,
}
