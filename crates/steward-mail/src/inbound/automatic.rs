//! Automatic mail: auto-replies, bounces (delivery status notifications) and list traffic.
//! Such mail must never open a record or be answered, or two robots could mail each other
//! for ever (RFC 3834).
use mail_parser::{Message, MimeHeaders};

/// Why the message is automatic, or none for mail a person wrote.
pub fn reason(message: &Message<'_>, sender: Option<&str>) -> Option<String> {
    let header = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(v) = header("Auto-Submitted")
        && !v.starts_with("no")
    {
        return Some(format!("Auto-Submitted: {v}"));
    }
    if let Some(v) = header("Precedence")
        && ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str())
    {
        return Some(format!("Precedence: {v}"));
    }
    for name in ["X-Autoreply", "X-Autorespond"] {
        if header(name).is_some() {
            return Some(format!("{name} header"));
        }
    }
    if header("List-Id").is_some() {
        return Some("List-Id header (mailing list)".into());
    }
    if let Some(ct) = message.content_type() {
        let report = ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"));
        if report {
            let kind = ct.attribute("report-type").unwrap_or("unknown");
            return Some(format!("delivery or disposition report ({kind})"));
        }
    }
    match sender {
        None => Some("null sender (bounce)".into()),
        Some(s) => {
            let local = s.split('@').next().unwrap_or_default();
            ["mailer-daemon", "postmaster"]
                .contains(&local)
                .then(|| format!("sent by {s}"))
        }
    }
}
