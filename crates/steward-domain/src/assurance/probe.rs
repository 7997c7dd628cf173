//! Health probes of a service (ISO/IEC 20000-1 8.7.1): an HTTP(S) request or a TCP connect,
//! checked on an interval. A target is declared down only after `retries` further failures in
//! a row, so one lost packet does not open an outage; one good check declares it up again.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use crate::resolution::ticket::Level;
use serde::{Deserialize, Serialize};

text_enum!(
    ProbeKind { Http = "http", Tcp = "tcp" }
);

text_enum!(
    /// `unknown` until the first check.
    ProbeState { Unknown = "unknown", Up = "up", Down = "down" }
);

pub const METHODS: [&str; 5] = ["GET", "HEAD", "POST", "PUT", "OPTIONS"];
pub const INTERVAL_MIN: u32 = 10;
pub const INTERVAL_MAX: u32 = 86_400;
pub const TIMEOUT_MAX: u32 = 60;
pub const RETRIES_MAX: u32 = 10;
const NAME_MAX: usize = 200;
const URL_MAX: usize = 2000;
const BODY_MAX: usize = 500;

/// What staff set for a probe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProbeConfig {
    pub name: String,
    pub kind: ProbeKind,
    /// HTTP: the request method.
    pub method: Option<String>,
    /// HTTP: an `http://` or `https://` address.
    pub url: Option<String>,
    /// HTTP: the status the target must answer (redirects are not followed).
    pub expected_status: Option<u16>,
    /// HTTP: text the answer's body must contain.
    pub body_contains: Option<String>,
    /// TCP: host name or address.
    pub host: Option<String>,
    /// TCP: port.
    pub port: Option<u16>,
    pub interval_seconds: u32,
    /// A check that has not answered by then failed.
    pub timeout_seconds: u32,
    /// Further failed checks in a row, after the first, before the target is declared down.
    pub retries: u32,
    pub enabled: bool,
    /// Whether going down also opens an incident on the service.
    pub open_incident: bool,
    pub impact: Level,
    pub urgency: Level,
}

/// A probe as read: its configuration and what its checks found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Probe {
    pub id: i64,
    pub service_id: i64,
    #[serde(flatten)]
    pub config: ProbeConfig,
    pub state: ProbeState,
    pub consecutive_failures: u32,
    pub last_checked_at: Option<String>,
    pub last_error: Option<String>,
    pub next_check_at: String,
    /// The outage the probe opened and has not closed yet.
    pub outage_id: Option<i64>,
    /// The incident it opened with that outage.
    pub incident_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// One check's result, kept for a while (and for good when it belongs to an outage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProbeResult {
    pub id: i64,
    pub probe_id: i64,
    pub checked_at: String,
    pub ok: bool,
    pub latency_ms: i64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    /// The outage this failed check helped open.
    pub outage_id: Option<i64>,
}

/// Body of `POST /api/v1/services/{id}/probes` (`name` and `kind` required) and of `PATCH`
/// (only what changes; an empty `body_contains` clears it).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeInput {
    pub name: Option<String>,
    pub kind: Option<ProbeKind>,
    pub method: Option<String>,
    pub url: Option<String>,
    pub expected_status: Option<u16>,
    pub body_contains: Option<String>,
    pub host: Option<String>,
    pub port: Option<u16>,
    /// Default 60.
    pub interval_seconds: Option<u32>,
    /// Default 10.
    pub timeout_seconds: Option<u32>,
    /// Default 2.
    pub retries: Option<u32>,
    /// Default true.
    pub enabled: Option<bool>,
    /// Default true.
    pub open_incident: Option<bool>,
    /// Default medium.
    pub impact: Option<Level>,
    /// Default high.
    pub urgency: Option<Level>,
}

fn url(value: &str) -> Result<String, FieldError> {
    let v = validation::text("url", value, 1, URL_MAX)?;
    let rest = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
        .ok_or_else(|| FieldError::new("url", "must start with http:// or https://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(FieldError::new("url", "must name a host after the scheme"));
    }
    Ok(v)
}

fn within(field: &str, value: u32, min: u32, max: u32) -> Result<u32, FieldError> {
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(FieldError::new(
            field,
            format!("must be between {min} and {max}"),
        ))
    }
}

impl ProbeInput {
    /// The configuration this input makes of `current` (none: a new probe), checked.
    pub fn apply(self, current: Option<&ProbeConfig>) -> Result<ProbeConfig, Invalid> {
        let mut e = Errors::new();
        let name = match (&self.name, current) {
            (Some(n), _) => e.take(validation::text("name", n, 1, NAME_MAX)),
            (None, Some(c)) => Some(c.name.clone()),
            (None, None) => e.take(Err(FieldError::new("name", "is required"))),
        };
        let kind = match (self.kind, current) {
            (Some(k), _) => Some(k),
            (None, Some(c)) => Some(c.kind),
            (None, None) => e.take(Err(FieldError::new("kind", "is required: http or tcp"))),
        };
        let keep = |new: Option<String>, old: Option<&String>| {
            new.map(|s| s.trim().to_owned())
                .or_else(|| old.cloned())
                .filter(|s| !s.is_empty())
        };
        let mut config = ProbeConfig {
            name: name.unwrap_or_default(),
            kind: kind.unwrap_or(ProbeKind::Http),
            method: keep(
                self.method.map(|m| m.to_uppercase()),
                current.and_then(|c| c.method.as_ref()),
            ),
            url: keep(self.url, current.and_then(|c| c.url.as_ref())),
            expected_status: self
                .expected_status
                .or(current.and_then(|c| c.expected_status)),
            body_contains: match self.body_contains {
                Some(b) => Some(b).filter(|b| !b.is_empty()),
                None => current.and_then(|c| c.body_contains.clone()),
            },
            host: keep(self.host, current.and_then(|c| c.host.as_ref())),
            port: self.port.or(current.and_then(|c| c.port)),
            interval_seconds: self
                .interval_seconds
                .or(current.map(|c| c.interval_seconds))
                .unwrap_or(60),
            timeout_seconds: self
                .timeout_seconds
                .or(current.map(|c| c.timeout_seconds))
                .unwrap_or(10),
            retries: self.retries.or(current.map(|c| c.retries)).unwrap_or(2),
            enabled: self.enabled.or(current.map(|c| c.enabled)).unwrap_or(true),
            open_incident: self
                .open_incident
                .or(current.map(|c| c.open_incident))
                .unwrap_or(true),
            impact: self
                .impact
                .or(current.map(|c| c.impact))
                .unwrap_or(Level::Medium),
            urgency: self
                .urgency
                .or(current.map(|c| c.urgency))
                .unwrap_or(Level::High),
        };
        match config.kind {
            ProbeKind::Http => {
                config.host = None;
                config.port = None;
                let method = config.method.get_or_insert_with(|| "GET".into());
                if !METHODS.contains(&method.as_str()) {
                    e.push(FieldError::new(
                        "method",
                        format!("must be one of {}", METHODS.join(", ")),
                    ));
                }
                match &config.url {
                    Some(u) => {
                        e.take(url(u));
                    }
                    None => e.push(FieldError::new("url", "is required for an HTTP probe")),
                }
                let status = *config.expected_status.get_or_insert(200);
                if !(100..=599).contains(&status) {
                    e.push(FieldError::new(
                        "expected_status",
                        "must be an HTTP status between 100 and 599",
                    ));
                }
                if config
                    .body_contains
                    .as_ref()
                    .is_some_and(|b| b.chars().count() > BODY_MAX)
                {
                    e.push(FieldError::new(
                        "body_contains",
                        format!("must be at most {BODY_MAX} characters"),
                    ));
                }
            }
            ProbeKind::Tcp => {
                config.method = None;
                config.url = None;
                config.expected_status = None;
                config.body_contains = None;
                match &config.host {
                    Some(h) if h.contains(char::is_whitespace) || h.contains('/') => {
                        e.push(FieldError::new("host", "must be a host name or address"))
                    }
                    Some(_) => {}
                    None => e.push(FieldError::new("host", "is required for a TCP probe")),
                }
                match config.port {
                    Some(0) => e.push(FieldError::new("port", "must be between 1 and 65535")),
                    Some(_) => {}
                    None => e.push(FieldError::new("port", "is required for a TCP probe")),
                }
            }
        }
        e.take(within(
            "interval_seconds",
            config.interval_seconds,
            INTERVAL_MIN,
            INTERVAL_MAX,
        ));
        e.take(within(
            "timeout_seconds",
            config.timeout_seconds,
            1,
            TIMEOUT_MAX,
        ));
        if config.timeout_seconds >= config.interval_seconds {
            e.push(FieldError::new(
                "timeout_seconds",
                "must be shorter than the interval, or checks would overlap",
            ));
        }
        e.take(within("retries", config.retries, 0, RETRIES_MAX));
        e.finish()?;
        Ok(config)
    }
}

/// What one check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    pub ok: bool,
    pub latency_ms: i64,
    pub status_code: Option<u16>,
    pub error: Option<String>,
}

/// Whether an HTTP answer is the one expected; the reason when it is not.
pub fn judge_http(config: &ProbeConfig, status: u16, body: &str) -> Result<(), String> {
    let expected = config.expected_status.unwrap_or(200);
    if status != expected {
        return Err(format!("answered HTTP {status}, expected {expected}"));
    }
    match &config.body_contains {
        Some(text) if !body.contains(text.as_str()) => {
            Err(format!("the answer does not contain \"{text}\""))
        }
        _ => Ok(()),
    }
}

/// A probe's running state, as the checks move it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracking {
    pub state: ProbeState,
    pub consecutive_failures: u32,
    /// When the current run of failures began (microseconds).
    pub failing_since: Option<i64>,
}

/// What a check changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    None,
    /// The target is down, and has been since the first failure of the run.
    WentDown {
        since: i64,
    },
    Recovered,
}

impl Tracking {
    /// The state after a check at `at` that succeeded or not.
    pub fn observe(self, ok: bool, at: i64, retries: u32) -> (Tracking, Transition) {
        if ok {
            let transition = if self.state == ProbeState::Down {
                Transition::Recovered
            } else {
                Transition::None
            };
            let next = Tracking {
                state: ProbeState::Up,
                consecutive_failures: 0,
                failing_since: None,
            };
            return (next, transition);
        }
        let failures = self.consecutive_failures.saturating_add(1);
        let since = self.failing_since.unwrap_or(at);
        let down = self.state != ProbeState::Down && failures > retries;
        let next = Tracking {
            state: if down { ProbeState::Down } else { self.state },
            consecutive_failures: failures,
            failing_since: Some(since),
        };
        let transition = if down {
            Transition::WentDown { since }
        } else {
            Transition::None
        };
        (next, transition)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http() -> ProbeInput {
        ProbeInput {
            name: Some("Home page".into()),
            kind: Some(ProbeKind::Http),
            url: Some("https://example.org/health".into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_new_probe_gets_defaults_and_is_checked() {
        let c = http().apply(None).unwrap();
        assert_eq!(c.method.as_deref(), Some("GET"));
        assert_eq!(c.expected_status, Some(200));
        assert_eq!(
            (c.interval_seconds, c.timeout_seconds, c.retries),
            (60, 10, 2)
        );
        let bad = ProbeInput {
            url: Some("ftp://x".into()),
            timeout_seconds: Some(60),
            interval_seconds: Some(30),
            ..http()
        };
        let fields: Vec<_> = bad
            .apply(None)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["url", "timeout_seconds"]);
        let tcp = ProbeInput {
            name: Some("Database".into()),
            kind: Some(ProbeKind::Tcp),
            host: Some("db.internal".into()),
            ..Default::default()
        };
        assert_eq!(tcp.apply(None).unwrap_err().0[0].field, "port");
    }

    #[test]
    fn a_patch_keeps_what_it_does_not_name() {
        let c = http().apply(None).unwrap();
        let patched = ProbeInput {
            retries: Some(0),
            body_contains: Some("ok".into()),
            ..Default::default()
        }
        .apply(Some(&c))
        .unwrap();
        assert_eq!(patched.name, "Home page");
        assert_eq!(patched.retries, 0);
        assert_eq!(patched.body_contains.as_deref(), Some("ok"));
    }

    #[test]
    fn down_after_retries_up_after_one_success() {
        let mut t = Tracking {
            state: ProbeState::Unknown,
            consecutive_failures: 0,
            failing_since: None,
        };
        let mut transitions = Vec::new();
        for (at, ok) in [(1, false), (2, false), (3, false), (4, false), (5, true)] {
            let (next, tr) = t.observe(ok, at, 2);
            transitions.push(tr);
            t = next;
        }
        assert_eq!(
            transitions,
            [
                Transition::None,
                Transition::None,
                Transition::WentDown { since: 1 },
                Transition::None,
                Transition::Recovered
            ]
        );
        assert_eq!(t.state, ProbeState::Up);
    }

    #[test]
    fn a_flapping_target_never_reaches_the_threshold() {
        let mut t = Tracking {
            state: ProbeState::Up,
            consecutive_failures: 0,
            failing_since: None,
        };
        for at in 0..20 {
            let (next, tr) = t.observe(at % 2 == 0, at, 1);
            assert_eq!(tr, Transition::None);
            t = next;
        }
    }

    #[test]
    fn the_expected_answer_is_judged() {
        let mut c = http().apply(None).unwrap();
        assert!(judge_http(&c, 200, "").is_ok());
        assert!(judge_http(&c, 503, "").unwrap_err().contains("503"));
        c.body_contains = Some("healthy".into());
        assert!(judge_http(&c, 200, "all healthy").is_ok());
        assert!(judge_http(&c, 200, "degraded").is_err());
    }
}
