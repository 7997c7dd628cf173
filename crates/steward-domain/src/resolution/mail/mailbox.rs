//! Mailboxes: where mail comes in (an IMAP account the desk polls, or an MTA pipe naming the
//! mailbox), which queue it feeds, and how senders are recognised.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 100;
pub const HOST_MAX: usize = 255;
pub const DOMAINS_MAX: usize = 50;
/// A few certificates in PEM form fit easily.
pub const CERTIFICATE_MAX: usize = 64 * 1024;

text_enum!(
    /// Which kind of record a new thread opens.
    MailQueue { Incident = "incident", Request = "request" }
);

text_enum!(
    /// How the IMAP connection is secured.
    ImapSecurity {
        /// TLS from the first byte (port 993).
        Tls = "tls",
        /// Plain connection upgraded with STARTTLS (port 143).
        Starttls = "starttls",
        /// No encryption: only for a server on the same host or in tests.
        Plain = "plain",
    }
);

text_enum!(
    /// What a message from an address the desk does not know does.
    UnknownSenders {
        /// Refused and kept in the inbound log.
        Reject = "reject",
        /// A customer contact is created (in the organization of the address's domain, if any).
        CreateContact = "create_contact",
    }
);

// The enum comes from `text_enum!`, which derives no `Default`, so `#[default]` is no option.
#[allow(clippy::derivable_impls)]
impl Default for MailQueue {
    fn default() -> Self {
        MailQueue::Incident
    }
}

/// A configured mailbox. The IMAP password is never shown, only whether one is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Mailbox {
    pub id: i64,
    pub name: String,
    pub queue: MailQueue,
    pub service_id: Option<i64>,
    pub team_id: Option<i64>,
    /// The IMAP account to poll; none: mail arrives only through `steward mailgate`.
    pub imap_host: Option<String>,
    pub imap_port: Option<i64>,
    pub imap_security: ImapSecurity,
    pub imap_user: Option<String>,
    pub imap_folder: String,
    /// A certificate (PEM) trusted besides the platform's roots for `tls` and `starttls`: a
    /// private CA's.
    pub imap_trusted_certificate: Option<String>,
    pub has_password: bool,
    /// Addresses in these domains are the provider's own: their replies are internal notes.
    pub internal_domains: Vec<String>,
    pub unknown_senders: UnknownSenders,
    pub active: bool,
    pub last_polled_at: Option<String>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/mailboxes` and of `PUT /api/v1/mailboxes/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MailboxInput {
    pub name: String,
    pub queue: MailQueue,
    pub service_id: Option<i64>,
    pub team_id: Option<i64>,
    pub imap_host: Option<String>,
    /// Default 993 with `tls`, else 143.
    pub imap_port: Option<i64>,
    /// Default `tls`.
    pub imap_security: Option<ImapSecurity>,
    pub imap_user: Option<String>,
    /// Write-only. On update, absent keeps the stored password; an empty string clears it.
    pub imap_password: Option<String>,
    /// Default `INBOX`.
    pub imap_folder: Option<String>,
    /// A certificate (PEM) to trust besides the platform's roots; absent or blank: none.
    pub imap_trusted_certificate: Option<String>,
    #[serde(default)]
    pub internal_domains: Vec<String>,
    /// Default `reject`.
    pub unknown_senders: Option<UnknownSenders>,
    /// Default true.
    pub active: Option<bool>,
}

/// A mailbox input, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailboxDraft {
    pub name: String,
    pub queue: MailQueue,
    pub service_id: Option<i64>,
    pub team_id: Option<i64>,
    pub imap_host: Option<String>,
    pub imap_port: Option<i64>,
    pub imap_security: ImapSecurity,
    pub imap_user: Option<String>,
    pub imap_password: Option<String>,
    pub imap_folder: String,
    pub imap_trusted_certificate: Option<String>,
    pub internal_domains: Vec<String>,
    pub unknown_senders: UnknownSenders,
    pub active: bool,
}

/// The least a trusted certificate must look like; the mail adapter checks that it parses.
fn pem_marker(pem: &str) -> Result<(), String> {
    if pem.contains("-----BEGIN CERTIFICATE-----") {
        Ok(())
    } else {
        Err("must be a certificate in PEM form (-----BEGIN CERTIFICATE-----)".into())
    }
}

impl MailboxInput {
    pub fn parse(self) -> Result<MailboxDraft, Invalid> {
        self.parse_with(pem_marker)
    }

    /// As [`parse`](Self::parse), with `certificate` judging the trusted certificate (the
    /// caller knows how to read one; the domain only looks for the PEM marker).
    pub fn parse_with(
        self,
        certificate: impl Fn(&str) -> Result<(), String>,
    ) -> Result<MailboxDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let host = e
            .take(validation::optional_text(
                "imap_host",
                self.imap_host.as_deref(),
                HOST_MAX,
            ))
            .flatten();
        if host
            .as_deref()
            .is_some_and(|h| h.contains(char::is_whitespace))
        {
            e.push(FieldError::new("imap_host", "a host name has no spaces"));
        }
        let user = e
            .take(validation::optional_text(
                "imap_user",
                self.imap_user.as_deref(),
                HOST_MAX,
            ))
            .flatten();
        let folder = e
            .take(validation::optional_text(
                "imap_folder",
                self.imap_folder.as_deref(),
                NAME_MAX,
            ))
            .flatten()
            .unwrap_or_else(|| "INBOX".to_owned());
        let security = self.imap_security.unwrap_or(ImapSecurity::Tls);
        let port = match self.imap_port {
            Some(p) if !(1..=65535).contains(&p) => {
                e.push(FieldError::new("imap_port", "a port is 1 to 65535"));
                None
            }
            Some(p) => Some(p),
            None if host.is_some() => Some(if security == ImapSecurity::Tls {
                993
            } else {
                143
            }),
            None => None,
        };
        if host.is_some() && user.is_none() {
            e.push(FieldError::new(
                "imap_user",
                "give the IMAP user of the mailbox",
            ));
        }
        let trusted = match self.imap_trusted_certificate.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(pem) if pem.len() > CERTIFICATE_MAX => {
                e.push(FieldError::new(
                    "imap_trusted_certificate",
                    format!("at most {CERTIFICATE_MAX} characters"),
                ));
                None
            }
            Some(pem) => match certificate(pem) {
                Ok(()) => Some(format!("{pem}\n")),
                Err(why) => {
                    e.push(FieldError::new("imap_trusted_certificate", why));
                    None
                }
            },
        };
        if self.internal_domains.len() > DOMAINS_MAX {
            e.push(FieldError::new(
                "internal_domains",
                format!("at most {DOMAINS_MAX} domains"),
            ));
        }
        let mut domains = Vec::new();
        for (i, d) in self.internal_domains.iter().enumerate() {
            match domain(&format!("internal_domains[{i}]"), d) {
                Ok(d) if !domains.contains(&d) => domains.push(d),
                Ok(_) => {}
                Err(err) => e.push(err),
            }
        }
        e.finish()?;
        Ok(MailboxDraft {
            name: name.unwrap_or_default(),
            queue: self.queue,
            service_id: self.service_id,
            team_id: self.team_id,
            imap_host: host,
            imap_port: port,
            imap_security: security,
            imap_user: user,
            imap_password: self.imap_password,
            imap_folder: folder,
            imap_trusted_certificate: trusted,
            internal_domains: domains,
            unknown_senders: self.unknown_senders.unwrap_or(UnknownSenders::Reject),
            active: self.active.unwrap_or(true),
        })
    }
}

/// A mail domain, as organizations have them.
pub fn domain(field: &str, value: &str) -> Result<String, FieldError> {
    validation::mail_domain(field, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imap_defaults_follow_the_security() {
        let d = MailboxInput {
            name: "Support".into(),
            queue: MailQueue::Incident,
            imap_host: Some("imap.example.org".into()),
            imap_user: Some("support".into()),
            imap_security: Some(ImapSecurity::Starttls),
            internal_domains: vec!["@Example.ORG".into(), "example.org".into()],
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.imap_port, Some(143));
        assert_eq!(d.imap_folder, "INBOX");
        assert_eq!(d.internal_domains, ["example.org"]);
    }

    #[test]
    fn bad_fields_are_named() {
        let bad = MailboxInput {
            name: " ".into(),
            imap_host: Some("imap.example.org".into()),
            imap_port: Some(0),
            internal_domains: vec!["not a domain".into()],
            ..Default::default()
        };
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["name", "imap_port", "imap_user", "internal_domains[0]"]
        );
    }

    #[test]
    fn a_trusted_certificate_is_pem_or_blank() {
        let with = |pem: &str| MailboxInput {
            name: "Support".into(),
            imap_trusted_certificate: Some(pem.into()),
            ..Default::default()
        };
        let refused = with("not a certificate").parse().unwrap_err().0;
        assert_eq!(refused[0].field, "imap_trusted_certificate");
        assert_eq!(with("  ").parse().unwrap().imap_trusted_certificate, None);
        let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
        assert_eq!(
            with(pem).parse().unwrap().imap_trusted_certificate,
            Some(format!("{pem}\n"))
        );
        // The caller's reader has the last word.
        let refused = with(pem)
            .parse_with(|_| Err("is not readable".into()))
            .unwrap_err()
            .0;
        assert_eq!(refused[0].message, "is not readable");
    }
}
