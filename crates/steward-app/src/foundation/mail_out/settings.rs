//! The SMTP settings: kept as a setting, the password never shown nor written to the audit
//! trail (the audit entry shows only whether one is set), and a test mail to check them.
use crate::app::{change, require};
use crate::foundation::secrets::random_hex;
use crate::{App, AppError, Result};
use steward_domain::foundation::mail_out::{
    SmtpSecurity, SmtpSettingsInput, SmtpSettingsView, StoredSmtp, TestMailInput, TestMailResult,
};
use steward_domain::foundation::validation::{Errors, FieldError, text};
use steward_domain::{Actor, Permission};
use steward_mail::outbound::{self, Outgoing, Security, SmtpSettings};
use steward_store::Ex;
use steward_store::foundation::settings;

const KEY: &str = "mail_smtp";

/// The stored settings (default: none, disabled).
pub(crate) async fn stored(ex: Ex<'_>) -> Result<StoredSmtp> {
    crate::foundation::settings::read(ex, KEY).await
}

/// The settings when mail is on.
pub(crate) async fn active(ex: Ex<'_>) -> Result<Option<StoredSmtp>> {
    let s = stored(ex).await?;
    Ok((s.enabled && !s.host.is_empty()).then_some(s))
}

pub(crate) fn transport(s: &StoredSmtp) -> SmtpSettings {
    SmtpSettings {
        host: s.host.clone(),
        port: s.port,
        security: match s.security {
            SmtpSecurity::None => Security::None,
            SmtpSecurity::Starttls => Security::Starttls,
            SmtpSecurity::Tls => Security::Tls,
        },
        username: s.username.clone(),
        password: s.password.clone(),
        from_address: s.from_address.clone(),
        trusted_certificate: s.trusted_certificate.clone(),
    }
}

fn address(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    outbound::check_address(v).map_err(|e| FieldError::new(field, e))?;
    Ok(v.to_string())
}

fn parse(input: SmtpSettingsInput, current: &StoredSmtp) -> Result<StoredSmtp> {
    let mut errors = Errors::new();
    let host = errors.take(text("host", &input.host, 1, 253));
    if input.port == 0 {
        errors.push(FieldError::new("port", "must be 1 to 65535"));
    }
    let from_address = errors.take(address("from_address", &input.from_address));
    let mail_domain = errors.take(
        text("mail_domain", &input.mail_domain, 1, 253).and_then(|d| {
            if d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            {
                Ok(d.to_ascii_lowercase())
            } else {
                Err(FieldError::new(
                    "mail_domain",
                    "must be a domain name such as desk.example.org",
                ))
            }
        }),
    );
    let public_url = match input.public_url.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(u) if u.starts_with("https://") || u.starts_with("http://") => {
            Some(u.trim_end_matches('/').to_string())
        }
        Some(_) => {
            errors.push(FieldError::new(
                "public_url",
                "must start with https:// or http://",
            ));
            None
        }
    };
    let username = input
        .username
        .map(|u| u.trim().to_string())
        .filter(|u| !u.is_empty());
    let password = match input.password {
        None => current.password.clone(),
        Some(p) if p.is_empty() => None,
        Some(p) => Some(p),
    };
    let trusted_certificate = match input.trusted_certificate.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(pem) => match outbound::check_certificate(pem) {
            Ok(()) => Some(format!("{pem}\n")),
            Err(e) => {
                errors.push(FieldError::new("trusted_certificate", e));
                None
            }
        },
    };
    errors.finish()?;
    Ok(StoredSmtp {
        host: host.unwrap_or_default(),
        port: input.port,
        security: input.security,
        username,
        password,
        from_address: from_address.unwrap_or_default(),
        mail_domain: mail_domain.unwrap_or_default(),
        public_url,
        enabled: input.enabled,
        trusted_certificate,
    })
}

/// A fresh unique part for a Message-ID.
pub(crate) fn unique() -> Result<String> {
    random_hex(12)
}

impl App {
    pub async fn mail_settings(&self, actor: &Actor) -> Result<SmtpSettingsView> {
        require(actor, Permission::ManageSystem)?;
        let mut conn = self.db.read().await?;
        Ok((&stored(conn.ex()).await?).into())
    }

    /// Replaces the SMTP settings; an absent password keeps the stored one.
    pub async fn set_mail_settings(
        &self,
        actor: &Actor,
        input: SmtpSettingsInput,
    ) -> Result<SmtpSettingsView> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = stored(tx.ex()).await?;
        let after = parse(input, &before)?;
        let json = serde_json::to_string(&after).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), KEY, &json, now).await?;
        let (b, a): (SmtpSettingsView, SmtpSettingsView) = ((&before).into(), (&after).into());
        self.audit(
            &mut tx,
            change(actor, "setting", KEY, "update", Some(&b), Some(&a)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Sends a short mail to `to` with the stored settings (enabled or not), now, outside
    /// the queue, and says what happened.
    pub async fn send_test_mail(
        &self,
        actor: &Actor,
        input: TestMailInput,
    ) -> Result<TestMailResult> {
        self.test_send(
            actor,
            &input.to,
            "Steward test mail".into(),
            "This is a test mail from Steward: the SMTP settings work.\n".into(),
        )
        .await
    }

    pub(crate) async fn test_send(
        &self,
        actor: &Actor,
        to: &str,
        subject: String,
        body: String,
    ) -> Result<TestMailResult> {
        require(actor, Permission::ManageSystem)?;
        let to = address("to", to)?;
        let s = {
            let mut conn = self.db.read().await?;
            stored(conn.ex()).await?
        };
        if s.host.is_empty() {
            return Err(AppError::conflict(
                Some("host"),
                "set the SMTP settings before sending a test mail",
            ));
        }
        let mail = Outgoing {
            to,
            subject,
            body,
            message_id: outbound::message_id(None, &unique()?, &s.mail_domain),
            in_reply_to: None,
            references: None,
        };
        Ok(match outbound::send(&transport(&s), &mail).await {
            Ok(()) => TestMailResult {
                sent: true,
                error: None,
            },
            Err(e) => TestMailResult {
                sent: false,
                error: Some(e.to_string()),
            },
        })
    }
}
