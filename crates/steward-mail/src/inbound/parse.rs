//! RFC 5322 → [`InboundMail`]. Never panics on any input: what cannot be read is an error
//! with a reason, so the caller can keep the message aside instead of losing it.
use mail_parser::{Address, HeaderValue, MessageParser, MimeHeaders};
use steward_domain::resolution::mail::message::{InboundMail, MailAttachment};

/// The most attachments kept of one message; a message with more is refused as malformed.
pub const ATTACHMENTS_MAX: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error("the message has no header block")]
    NoHeaders,
    #[error("the message could not be parsed as RFC 5322")]
    Unreadable,
    #[error("the message has {0} attachments; at most {ATTACHMENTS_MAX} are taken")]
    TooManyAttachments(usize),
}

/// Parses one message.
pub fn parse(raw: &[u8]) -> Result<InboundMail, ParseError> {
    if raw.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ParseError::Empty);
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(ParseError::Unreadable)?;
    if message.headers().is_empty() {
        return Err(ParseError::NoHeaders);
    }
    let from = message
        .from()
        .and_then(Address::first)
        .or_else(|| message.sender().and_then(Address::first));
    let sender = from
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'));
    let from_name = from
        .and_then(|a| a.name())
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty());
    let to = message
        .to()
        .into_iter()
        .chain(message.cc())
        .flat_map(|a| a.iter())
        .filter_map(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .collect();
    let automatic = super::automatic::reason(&message, sender.as_deref());
    let count = message.attachment_count();
    if count > ATTACHMENTS_MAX {
        return Err(ParseError::TooManyAttachments(count));
    }
    let attachments = message
        .attachments()
        .enumerate()
        .filter(|(_, part)| !part.contents().is_empty())
        .map(|(i, part)| MailAttachment {
            name: part
                .attachment_name()
                .map(str::to_owned)
                .unwrap_or_else(|| format!("attachment-{}", i + 1)),
            content: part.contents().to_vec(),
        })
        .collect();
    Ok(InboundMail {
        from: sender,
        from_name,
        to,
        subject: message.subject().unwrap_or_default().trim().to_owned(),
        message_id: message.message_id().map(clean_id).filter(|i| !i.is_empty()),
        in_reply_to: ids(message.in_reply_to()),
        references: ids(message.references()),
        // mail-parser turns an HTML-only body into plain text itself (tags dropped, entities
        // decoded), so no markup from a sender ever reaches the record.
        text: message
            .body_text(0)
            .map(|t| t.trim().to_owned())
            .unwrap_or_default(),
        attachments,
        automatic,
    })
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    value
        .as_text_list()
        .unwrap_or_default()
        .iter()
        .map(|i| clean_id(i))
        .filter(|i| !i.is_empty())
        .collect()
}

fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PLAIN: &str = "From: Ann Smith <Ann@Example.org>\r\nTo: support@desk.example\r\n\
        Subject: Re: [INC-000007] Printer\r\nMessage-ID: <abc@example.org>\r\n\
        In-Reply-To: <INC-000007.1f@desk.example>\r\nReferences: <x@y> <INC-000007.1f@desk.example>\r\n\r\nIt jams again.\r\n";

    #[test]
    fn a_reply_carries_its_thread_keys() {
        let m = parse(PLAIN.as_bytes()).unwrap();
        assert_eq!(m.from.as_deref(), Some("ann@example.org"));
        assert_eq!(m.from_name.as_deref(), Some("Ann Smith"));
        assert_eq!(m.subject, "Re: [INC-000007] Printer");
        assert_eq!(m.message_id.as_deref(), Some("abc@example.org"));
        assert_eq!(m.in_reply_to, ["INC-000007.1f@desk.example"]);
        assert_eq!(m.references, ["x@y", "INC-000007.1f@desk.example"]);
        assert_eq!(m.text, "It jams again.");
        assert_eq!(m.automatic, None);
    }

    #[test]
    fn html_becomes_text_without_markup() {
        let raw = "From: a@b.example\r\nSubject: x\r\nContent-Type: text/html\r\n\r\n\
            <p>Hello <b>there</b> &amp; <script>alert(1)</script>bye</p>";
        let m = parse(raw.as_bytes()).unwrap();
        assert!(m.text.contains("Hello there & "), "{}", m.text);
        assert!(!m.text.contains('<'), "{}", m.text);
    }

    #[test]
    fn automatic_mail_is_recognised() {
        let cases = [
            "Auto-Submitted: auto-replied\r\n",
            "Precedence: bulk\r\n",
            "X-Autoreply: yes\r\n",
            "List-Id: <users.lists.example>\r\n",
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n",
        ];
        for extra in cases {
            let raw = format!("From: a@b.example\r\nSubject: x\r\n{extra}\r\nbody\r\n");
            let m = parse(raw.as_bytes()).unwrap();
            assert!(m.automatic.is_some(), "{extra}");
        }
        let daemon = parse(b"From: MAILER-DAEMON@mx.example\r\nSubject: failure\r\n\r\nx").unwrap();
        assert!(daemon.automatic.is_some());
        let person =
            parse(b"From: a@b.example\r\nAuto-Submitted: no\r\nSubject: x\r\n\r\nx").unwrap();
        assert_eq!(person.automatic, None);
    }

    #[test]
    fn attachments_are_kept_with_their_names() {
        let raw = "From: a@b.example\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
            --b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n\
            --b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"log.txt\"\r\n\r\nline 1\r\n\
            --b--\r\n";
        let m = parse(raw.as_bytes()).unwrap();
        assert_eq!(m.text, "see attached");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].name, "log.txt");
    }

    #[test]
    fn nothing_is_refused_with_a_reason() {
        assert_eq!(parse(b"  \r\n"), Err(ParseError::Empty));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse(&raw);
        }

        #[test]
        fn mangled_messages_never_panic(cut in 0usize..400, noise in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut raw = PLAIN.as_bytes()[..cut.min(PLAIN.len())].to_vec();
            raw.extend(noise);
            let _ = parse(&raw);
        }
    }
}
