//! Messages out: notification templates (minijinja), threading headers, SMTP delivery
//! (lettre over rustls). Pure of the desk's records: the use cases decide who hears what.
mod message;
mod smtp;
mod templates;

pub use message::{Outgoing, check_address, message_id};
pub use smtp::{Security, SendError, SmtpSettings, send};
pub use templates::{
    EventKind, Rendered, Template, TemplateError, default_template, render, sample_context,
};
