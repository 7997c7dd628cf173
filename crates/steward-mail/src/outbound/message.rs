//! One outgoing mail and its threading headers. Every mail about a record carries a
//! Message-ID `<{NUMBER}.{unique}@{domain}>` and the record's earlier ids in References, so
//! a reply threads back to the record (the inbound side reads the number off the id).
use super::smtp::SendError;
use lettre::Message;
use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};

/// A rendered mail, ready to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: String,
    pub subject: String,
    pub body: String,
    /// With its angle brackets.
    pub message_id: String,
    pub in_reply_to: Option<String>,
    /// Space-separated ids, oldest first.
    pub references: Option<String>,
}

/// The Message-ID for a mail about `record` (or none), unique by `unique`.
pub fn message_id(record: Option<&str>, unique: &str, domain: &str) -> String {
    match record {
        Some(number) => format!("<{number}.{unique}@{domain}>"),
        None => format!("<steward.{unique}@{domain}>"),
    }
}

/// Whether `address` is one mailbox (`ann@example.org` or `Ann <ann@example.org>`).
pub fn check_address(address: &str) -> Result<(), String> {
    address
        .parse::<Mailbox>()
        .map(|_| ())
        .map_err(|e| format!("is not a mail address: {e}"))
}

impl Outgoing {
    /// The RFC 5322 message from `from`.
    pub(crate) fn build(&self, from: &str) -> Result<Message, SendError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e| SendError::Address(format!("from address {from:?}: {e}")))?;
        let to: Mailbox = self
            .to
            .parse()
            .map_err(|e| SendError::Address(format!("recipient {:?}: {e}", self.to)))?;
        let mut builder = Message::builder()
            .from(from)
            .to(to)
            .subject(self.subject.clone())
            .message_id(Some(self.message_id.clone()))
            // Marks the mail as automatic (RFC 3834), so auto-responders do not answer it.
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("Auto-Submitted"),
                "auto-generated".into(),
            ))
            .header(ContentType::TEXT_PLAIN);
        if let Some(parent) = &self.in_reply_to {
            builder = builder.in_reply_to(parent.clone());
        }
        if let Some(refs) = &self.references {
            builder = builder.references(refs.clone());
        }
        builder
            .body(self.body.clone())
            .map_err(|e| SendError::Address(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_carry_the_record_number() {
        assert_eq!(
            message_id(Some("INC-000123"), "8f3a", "desk.example"),
            "<INC-000123.8f3a@desk.example>"
        );
        assert_eq!(
            message_id(None, "8f3a", "desk.example"),
            "<steward.8f3a@desk.example>"
        );
    }

    #[test]
    fn built_message_has_threading_headers() {
        let m = Outgoing {
            to: "ann@example.org".into(),
            subject: "[INC-000001] Printer".into(),
            body: "Hello".into(),
            message_id: "<INC-000001.b@d.example>".into(),
            in_reply_to: Some("<INC-000001.a@d.example>".into()),
            references: Some("<INC-000001.a@d.example>".into()),
        };
        let raw = String::from_utf8(m.build("desk@d.example").unwrap().formatted()).unwrap();
        assert!(
            raw.contains("Message-ID: <INC-000001.b@d.example>"),
            "{raw}"
        );
        assert!(
            raw.contains("In-Reply-To: <INC-000001.a@d.example>"),
            "{raw}"
        );
        assert!(
            raw.contains("References: <INC-000001.a@d.example>"),
            "{raw}"
        );
        assert!(raw.contains("Auto-Submitted: auto-generated"), "{raw}");
        assert!(m.build("not an address").is_err());
    }
}
