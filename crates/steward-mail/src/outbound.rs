//! Messages out: SMTP delivery and notification templates.
