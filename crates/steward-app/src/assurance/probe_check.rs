//! One check of a probe's target over the network: an HTTP(S) request or a TCP connect, each
//! bounded by the probe's timeout as a whole (connect, answer and body), so a hanging target
//! costs at most that long.
use std::error::Error;
use std::time::{Duration, Instant};
use steward_domain::assurance::probe::{CheckOutcome, ProbeConfig, ProbeKind, judge_http};

/// The most of an answer's body read to look for the expected text.
const BODY_LIMIT: usize = 64 * 1024;

/// Makes ring the process's TLS provider, which every HTTPS client (reqwest) needs before it
/// is built. Callers may race; the first one wins and that is fine. ring has no post-quantum
/// key exchange (hence the deprecation); a health check carries no secret worth harvesting,
/// and the default provider, aws-lc, would need cmake to build.
pub fn install_tls_provider() {
    #[allow(deprecated)]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The client probes share: no redirects followed (the expected status is the first answer),
/// no proxy from the environment, no cookies.
pub(crate) fn client() -> Result<reqwest::Client, String> {
    install_tls_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("Steward-probe/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// The error with its causes, as one line ("error sending request: connection refused").
fn describe(e: &dyn Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

fn millis(since: Instant) -> i64 {
    i64::try_from(since.elapsed().as_millis()).unwrap_or(i64::MAX)
}

pub(crate) async fn check(client: &reqwest::Client, config: &ProbeConfig) -> CheckOutcome {
    let limit = Duration::from_secs(u64::from(config.timeout_seconds));
    let started = Instant::now();
    let attempt = async {
        match config.kind {
            ProbeKind::Http => http(client, config).await,
            ProbeKind::Tcp => tcp(config).await,
        }
    };
    match tokio::time::timeout(limit, attempt).await {
        Ok((status_code, verdict)) => CheckOutcome {
            ok: verdict.is_ok(),
            latency_ms: millis(started),
            status_code,
            error: verdict.err(),
        },
        Err(_) => CheckOutcome {
            ok: false,
            latency_ms: millis(started),
            status_code: None,
            error: Some(format!(
                "no answer within {} s (timed out)",
                config.timeout_seconds
            )),
        },
    }
}

async fn http(client: &reqwest::Client, config: &ProbeConfig) -> (Option<u16>, Result<(), String>) {
    let method = config
        .method
        .as_deref()
        .unwrap_or("GET")
        .parse::<reqwest::Method>()
        .unwrap_or(reqwest::Method::GET);
    let url = config.url.as_deref().unwrap_or_default();
    let mut response = match client.request(method, url).send().await {
        Ok(r) => r,
        Err(e) => return (None, Err(describe(&e))),
    };
    let status = response.status().as_u16();
    let mut body = Vec::new();
    if config.body_contains.is_some() {
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() >= BODY_LIMIT {
                        body.truncate(BODY_LIMIT);
                        break;
                    }
                }
                Ok(None) => break,
                Err(e) => return (Some(status), Err(describe(&e))),
            }
        }
    }
    let text = String::from_utf8_lossy(&body);
    (Some(status), judge_http(config, status, &text))
}

async fn tcp(config: &ProbeConfig) -> (Option<u16>, Result<(), String>) {
    let host = config.host.as_deref().unwrap_or_default();
    let port = config.port.unwrap_or_default();
    let verdict = tokio::net::TcpStream::connect((host, port))
        .await
        .map(drop)
        .map_err(|e| format!("cannot connect to {host}:{port}: {}", describe(&e)));
    (None, verdict)
}
