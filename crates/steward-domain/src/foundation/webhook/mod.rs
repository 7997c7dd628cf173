//! Webhooks: an administrator subscribes a URL to events (changes recorded in the audit
//! trail) with an optional filter on the record; each matching event is POSTed to it as
//! signed JSON, retried with backoff, logged, and the subscription is disabled after too many
//! failures in a row. Targets are configured by administrators only; Steward refuses schemes
//! other than http and https but otherwise trusts the address it is given (see README).
pub mod backoff;
pub mod event;
pub mod signing;

use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use event::{Condition, parse_conditions_text, pattern_valid};
use serde::{Deserialize, Serialize};

pub const NAME_MAX: usize = 200;
pub const URL_MAX: usize = 2000;
pub const EVENTS_MAX: usize = 50;
pub const CONDITIONS_MAX: usize = 20;
/// Consecutive failed attempts after which a subscription is disabled, unless it says.
pub const DEFAULT_MAX_FAILURES: u32 = 10;
/// How much of a receiver's answer the delivery log keeps.
pub const RESPONSE_KEEP: usize = 1024;

/// A subscription as read; its secret is never shown again after creation or rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Webhook {
    pub id: i64,
    pub name: String,
    pub url: String,
    /// Event types or patterns: `incident.created`, `incident.*`, `*`.
    pub events: Vec<String>,
    /// All must hold for an event to be sent (none: every event of the types).
    pub conditions: Vec<Condition>,
    /// The conditions as text, one a line: `priority = p1, p2`.
    pub filter: String,
    pub enabled: bool,
    /// Why it was disabled (by hand, or after too many failures).
    pub disabled_reason: Option<String>,
    pub consecutive_failures: u32,
    pub max_failures: u32,
    pub created_at: String,
    pub updated_at: String,
}

/// A subscription with its signing secret: the answer to creating one or rotating its
/// secret, the only time the secret is shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    pub secret: String,
}

/// Body of `POST /api/v1/webhooks` and `PUT /api/v1/webhooks/{id}`. The filter is given either
/// as `conditions` or as `filter` text (one `field = value, value` a line), not both.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookInput {
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    #[serde(default)]
    pub conditions: Option<Vec<Condition>>,
    #[serde(default)]
    pub filter: Option<String>,
    /// Default 10.
    #[serde(default)]
    pub max_failures: Option<u32>,
}

/// A checked subscription configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    pub name: String,
    pub url: String,
    pub events: Vec<String>,
    pub conditions: Vec<Condition>,
    pub max_failures: u32,
}

fn url(value: &str) -> Result<String, FieldError> {
    let v = validation::text("url", value, 1, URL_MAX)?;
    let lower = v.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| FieldError::new("url", "must be an http:// or https:// address"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('@') {
        return Err(FieldError::new(
            "url",
            "must name a host, without user or password",
        ));
    }
    Ok(v)
}

impl WebhookInput {
    /// Trimmed and checked; every bad field is named.
    pub fn parse(self) -> Result<WebhookConfig, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let url = e.take(url(&self.url));
        let events: Vec<String> = self.events.iter().map(|s| s.trim().to_owned()).collect();
        if events.is_empty() {
            e.push(FieldError::new("events", "name at least one event type"));
        } else if events.len() > EVENTS_MAX {
            e.push(FieldError::new(
                "events",
                format!("at most {EVENTS_MAX} event types"),
            ));
        }
        if let Some(bad) = events.iter().find(|p| !pattern_valid(p)) {
            e.push(FieldError::new(
                "events",
                format!("{bad:?} is not an event type: write record.action, record.* or *"),
            ));
        }
        let conditions = match (self.conditions, self.filter) {
            (Some(_), Some(f)) if !f.trim().is_empty() => {
                e.push(FieldError::new(
                    "filter",
                    "give conditions or filter, not both",
                ));
                Vec::new()
            }
            (Some(c), _) => c,
            (None, Some(f)) => match parse_conditions_text(&f) {
                Ok(c) => c,
                Err(m) => {
                    e.push(FieldError::new("filter", m));
                    Vec::new()
                }
            },
            (None, None) => Vec::new(),
        };
        let field = |i: usize| format!("conditions[{i}]");
        if conditions.len() > CONDITIONS_MAX {
            e.push(FieldError::new(
                "conditions",
                format!("at most {CONDITIONS_MAX} conditions"),
            ));
        }
        let mut cleaned = Vec::with_capacity(conditions.len());
        for (i, c) in conditions.into_iter().enumerate() {
            let f = c.field.trim().to_owned();
            let values: Vec<String> = c
                .values
                .iter()
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .collect();
            if f.is_empty() || f.len() > 100 {
                e.push(FieldError::new(field(i), "name the record's field"));
            } else if values.is_empty() {
                e.push(FieldError::new(
                    field(i),
                    format!("give {f} at least one value"),
                ));
            }
            cleaned.push(Condition { field: f, values });
        }
        let max_failures = self.max_failures.unwrap_or(DEFAULT_MAX_FAILURES);
        if !(1..=1000).contains(&max_failures) {
            e.push(FieldError::new("max_failures", "must be 1 to 1000"));
        }
        e.finish()?;
        Ok(WebhookConfig {
            name: name.unwrap_or_default(),
            url: url.unwrap_or_default(),
            events,
            conditions: cleaned,
            max_failures,
        })
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    Delivered,
    /// Every attempt failed; redeliver by hand.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

/// One event for one subscription.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = WebhookDelivery)]
pub struct Delivery {
    pub id: i64,
    pub webhook_id: i64,
    /// The event's id (its audit seq).
    pub event_id: i64,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// When it is tried next (pending only).
    pub next_attempt_at: Option<String>,
    pub last_status_code: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
    pub created_at: String,
}

/// One attempt at a delivery: the delivery log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Attempt {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: String,
    /// A 2xx answer.
    pub ok: bool,
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    /// Why it failed: the connection error, or the status.
    pub error: Option<String>,
    /// The start of the receiver's answer.
    pub response: Option<String>,
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptOutcome {
    pub status_code: Option<u16>,
    pub duration_ms: i64,
    pub error: Option<String>,
    pub response: Option<String>,
}

impl AttemptOutcome {
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The first `RESPONSE_KEEP` bytes of a receiver's answer, cut at a character boundary.
pub fn truncate_response(body: &str) -> String {
    if body.len() <= RESPONSE_KEEP {
        return body.to_owned();
    }
    let mut end = RESPONSE_KEEP;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> WebhookInput {
        WebhookInput {
            name: "Chat".into(),
            url: "https://hooks.example.org/in".into(),
            events: vec!["incident.*".into()],
            conditions: None,
            filter: Some("priority = p1, p2\n\nservice_id = 3".into()),
            max_failures: None,
        }
    }

    #[test]
    fn a_good_input_parses_with_its_filter() {
        let c = input().parse().unwrap();
        assert_eq!(c.conditions.len(), 2);
        assert_eq!(c.conditions[0].values, ["p1", "p2"]);
        assert_eq!(c.max_failures, DEFAULT_MAX_FAILURES);
    }

    #[test]
    fn bad_fields_are_named() {
        let mut bad = input();
        bad.url = "file:///etc/passwd".into();
        bad.events = vec!["Incident".into()];
        bad.filter = Some("priority".into());
        bad.max_failures = Some(0);
        let fields: Vec<String> = bad
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["url", "events", "filter", "max_failures"]);
        let mut user = input();
        user.url = "http://user:pw@example.org/".into();
        assert!(user.parse().is_err());
    }

    #[test]
    fn responses_are_cut_at_a_character() {
        let long = "é".repeat(RESPONSE_KEEP);
        let cut = truncate_response(&long);
        assert!(cut.len() <= RESPONSE_KEEP + '…'.len_utf8());
        assert_eq!(truncate_response("short"), "short");
    }
}
