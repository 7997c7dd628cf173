//! The SMTP settings: kept as a setting, the password encrypted under the node's secret key,
//! never shown nor written to the audit trail (the audit entry shows only whether one is
//! set), and a test mail to check them.
use crate::app::{change, require};
use crate::foundation::sealing::{self, SealError, SecretKey};
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
/// What the sealed password is bound to (see `sealing`).
const PURPOSE: &str = "setting.mail_smtp.password";

/// The stored settings (default: none, disabled).
pub(crate) async fn stored(ex: Ex<'_>) -> Result<StoredSmtp> {
    crate::foundation::settings::read(ex, KEY).await
}

/// The settings when mail is on.
pub(crate) async fn active(ex: Ex<'_>) -> Result<Option<StoredSmtp>> {
    let s = stored(ex).await?;
    Ok((s.enabled && !s.host.is_empty()).then_some(s))
}

/// The stored password in plain text, to log in with; an error says why it cannot be read.
pub(crate) fn password(s: &StoredSmtp, key: Option<&SecretKey>) -> Result<Option<String>, String> {
    match (&s.password_sealed, &s.password_plain) {
        (Some(sealed), _) => sealing::open(key, PURPOSE, sealed)
            .map(Some)
            .map_err(|e| format!("the stored SMTP password cannot be read: {e}")),
        (None, plain) => Ok(plain.clone()),
    }
}

/// Seals a plain-text password left by a version before encryption; whether there was one.
pub(crate) fn seal_plain(s: &mut StoredSmtp, key: Option<&SecretKey>) -> Result<bool, SealError> {
    let Some(plain) = s.password_plain.take() else {
        return Ok(false);
    };
    match sealing::seal(key, PURPOSE, &plain) {
        Ok(sealed) => {
            s.password_sealed = Some(sealed);
            Ok(true)
        }
        Err(e) => {
            s.password_plain = Some(plain);
            Err(e)
        }
    }
}

/// How to reach the server, with the password already read (see [`password`]).
pub(crate) fn transport(s: &StoredSmtp, password: Option<String>) -> SmtpSettings {
    SmtpSettings {
        host: s.host.clone(),
        port: s.port,
        security: match s.security {
            SmtpSecurity::None => Security::None,
            SmtpSecurity::Starttls => Security::Starttls,
            SmtpSecurity::Tls => Security::Tls,
        },
        username: s.username.clone(),
        password,
        from_address: s.from_address.clone(),
        trusted_certificate: s.trusted_certificate.clone(),
    }
}

fn address(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    outbound::check_address(v).map_err(|e| FieldError::new(field, e))?;
    Ok(v.to_string())
}

fn parse(
    input: SmtpSettingsInput,
    current: &StoredSmtp,
    key: Option<&SecretKey>,
) -> Result<StoredSmtp> {
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
    // A new password replaces a plain-text one left from before encryption too.
    let (password_sealed, password_plain) = match input.password {
        None => (
            current.password_sealed.clone(),
            current.password_plain.clone(),
        ),
        Some(p) if p.is_empty() => (None, None),
        Some(p) => match sealing::seal(key, PURPOSE, &p) {
            Ok(sealed) => (Some(sealed), None),
            Err(e) => {
                return Err(AppError::conflict(
                    Some("password"),
                    format!("the password cannot be stored encrypted: {e}"),
                ));
            }
        },
    };
    let trusted_certificate = match input.trusted_certificate.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(pem) => match steward_mail::certificate::check(pem) {
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
        password_plain,
        password_sealed,
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
        let s = stored(conn.ex()).await?;
        Ok(self.smtp_view(&s))
    }

    /// The settings as shown, with why the password cannot be read if it cannot.
    fn smtp_view(&self, s: &StoredSmtp) -> SmtpSettingsView {
        let mut view = SmtpSettingsView::from(s);
        view.password_error = password(s, self.settings.secret_key.as_ref()).err();
        view
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
        let after = parse(input, &before, self.settings.secret_key.as_ref())?;
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
        Ok(self.smtp_view(&after))
    }

    /// `None` when no SMTP password is stored; otherwise why this node's key cannot open
    /// it, or `Some(None)` when it can (for `steward doctor`).
    pub(crate) async fn smtp_password_check(&self, ex: Ex<'_>) -> Result<Option<Option<String>>> {
        let s = stored(ex).await?;
        if s.password_sealed.is_none() && s.password_plain.is_none() {
            return Ok(None);
        }
        Ok(Some(password(&s, self.settings.secret_key.as_ref()).err()))
    }

    /// Seals the SMTP password if it is still in plain text (stored before encryption), in
    /// the caller's transaction with an audit entry; whether there was one to seal.
    pub(crate) async fn seal_plain_smtp_password(
        &self,
        tx: &mut steward_store::Tx,
        actor: &Actor,
        now: i64,
    ) -> Result<bool> {
        let mut s = stored(tx.ex()).await?;
        if !seal_plain(&mut s, self.settings.secret_key.as_ref())
            .map_err(|e| AppError::Internal(format!("encrypting the SMTP password: {e}")))?
        {
            return Ok(false);
        }
        let json = serde_json::to_string(&s).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), KEY, &json, now).await?;
        self.audit(
            tx,
            change::<(), ()>(actor, "setting", KEY, "encrypt_password", None, None),
            now,
        )
        .await?;
        Ok(true)
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
        let password = match password(&s, self.settings.secret_key.as_ref()) {
            Ok(p) => p,
            Err(error) => {
                return Ok(TestMailResult {
                    sent: false,
                    error: Some(error),
                });
            }
        };
        Ok(
            match outbound::send(&transport(&s, password), &mail).await {
                Ok(()) => TestMailResult {
                    sent: true,
                    error: None,
                },
                Err(e) => TestMailResult {
                    sent: false,
                    error: Some(e.to_string()),
                },
            },
        )
    }
}
