//! An inbound message as the desk needs it, parsed from RFC 5322 by the mail adapter, and
//! the log entry each received message leaves.
use crate::foundation::text_enum::text_enum;
use serde::{Deserialize, Serialize};

/// One attached file of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub name: String,
    pub content: Vec<u8>,
}

/// What a message says, parsed. Addresses are lower case; message ids have no angle brackets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboundMail {
    /// The sender's address; none for a null sender (`<>`) or no `From`.
    pub from: Option<String>,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The text of the body; HTML bodies are converted to plain text.
    pub text: String,
    pub attachments: Vec<MailAttachment>,
    /// Why this is automatic mail (auto-reply, bounce, list traffic), if it is: such mail
    /// creates nothing and is never answered, so no mail loop can start.
    pub automatic: Option<String>,
}

text_enum!(
    /// What became of a received message.
    InboundStatus {
        /// It created a record or was added to one.
        Received = "received",
        /// Automatic mail (auto-reply, bounce, list): recorded, nothing created.
        Ignored = "ignored",
        /// Refused (unknown sender, unreadable message); kept with the reason.
        Rejected = "rejected",
    }
);

text_enum!(
    /// What a received message did to its record.
    InboundAction {
        Created = "created",
        Replied = "replied",
        Noted = "noted",
    }
);

/// One received message in the inbound log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InboundMessage {
    pub id: i64,
    pub mailbox_id: Option<i64>,
    pub received_at: String,
    pub status: InboundStatus,
    pub reason: Option<String>,
    pub action: Option<InboundAction>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub ticket_id: Option<i64>,
    /// The number of that record (`INC-000123`).
    pub ticket_number: Option<String>,
    pub comment_id: Option<i64>,
    /// The size of the original message in bytes.
    pub size_bytes: i64,
    /// Whether only the first part of the original was kept (it was over the size limit).
    pub truncated: bool,
}
