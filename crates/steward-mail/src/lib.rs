//! Email in and out. Inbound turns an RFC 5322 message into what the desk needs to know
//! (thread, sender, text, attachments, whether it is automatic); outbound renders and sends.
pub mod certificate;
pub mod inbound;
pub mod outbound;
