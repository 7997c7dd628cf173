//! Outgoing mail: SMTP settings, templates, each person's preferences, the dispatcher that
//! turns events into queued mails, the sender that delivers them once, the daily digest, and
//! the admins' view of the queue.
mod digest;
mod dispatch;
mod dispatch_staff;
mod preferences;
mod queue;
mod sender;
mod settings;
mod templates;
