//! Sending webhook deliveries: the due ones are claimed (each by one node), POSTed
//! concurrently outside any transaction, and each attempt recorded in its own transaction:
//! the delivery log, the next try by the backoff schedule or the end, and the subscription's
//! count of failures in a row, which disables it at its limit.
use crate::app::change;
use crate::assurance::probe_check::install_tls_provider;
use crate::{App, AppError, Result};
use std::time::{Duration, Instant};
use steward_domain::Actor;
use steward_domain::foundation::webhook::backoff::retry_delay;
use steward_domain::foundation::webhook::signing::{SIGNATURE_HEADER, header_value};
use steward_domain::foundation::webhook::{AttemptOutcome, DeliveryStatus, truncate_response};
use steward_store::foundation::webhooks::{self, AfterAttempt, Claimed};

/// A receiver must answer within this.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most deliveries one round sends.
const BATCH: i64 = 200;

fn client() -> std::result::Result<reqwest::Client, String> {
    install_tls_provider();
    // No redirects (a 3xx is a failure the log shows), no proxy from the environment.
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(TIMEOUT)
        .user_agent(concat!("Steward-Webhook/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| e.to_string())
}

/// The error with its causes, as one line.
fn describe(e: &dyn std::error::Error) -> String {
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

async fn post(client: &reqwest::Client, c: &Claimed, now: i64) -> AttemptOutcome {
    let started = Instant::now();
    let body = c.payload.as_bytes().to_vec();
    let signature = header_value(&c.secret, now.div_euclid(1_000_000), &body);
    let sent = client
        .post(&c.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header("Steward-Event-Id", c.event_seq.to_string())
        .header("Steward-Event-Type", &c.event_type)
        .header("Steward-Delivery-Id", c.delivery_id.to_string())
        .body(body)
        .send()
        .await;
    let (status_code, error, response) = match sent {
        Ok(r) => {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            let error = (!status.is_success()).then(|| format!("answered {status}"));
            (Some(status.as_u16()), error, Some(truncate_response(&text)))
        }
        Err(e) => (None, Some(describe(&e)), None),
    };
    AttemptOutcome {
        status_code,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
        error,
        response,
    }
}

impl App {
    /// Sends the deliveries that are due; returns how many attempts were made.
    pub async fn send_due_webhooks(&self) -> Result<u64> {
        let now = self.now();
        // Claimed past the timeout, so a node that dies mid-send leaves the delivery to be
        // tried again later (receivers deduplicate by event id).
        let until = now + (TIMEOUT.as_micros() as i64) + 30_000_000;
        let mut tx = self.db.begin().await?;
        let claimed = webhooks::claim_due(tx.ex(), now, until, BATCH).await?;
        tx.commit().await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let client = client().map_err(AppError::Internal)?;
        let mut sends = tokio::task::JoinSet::new();
        for c in claimed {
            let client = client.clone();
            sends.spawn(async move {
                let outcome = post(&client, &c, now).await;
                (c, outcome)
            });
        }
        let mut made = 0;
        while let Some(done) = sends.join_next().await {
            let (c, outcome) = done.map_err(|e| AppError::Internal(e.to_string()))?;
            self.record_attempt(&c, now, &outcome).await?;
            made += 1;
        }
        Ok(made)
    }

    async fn record_attempt(&self, c: &Claimed, at: i64, o: &AttemptOutcome) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let Some((attempts, _)) = webhooks::lock_delivery(tx.ex(), c.delivery_id).await? else {
            // Deleted with its subscription while being sent.
            tx.commit().await?;
            return Ok(());
        };
        let attempts = attempts + 1;
        webhooks::add_attempt(tx.ex(), c.delivery_id, c.webhook_id, at, o).await?;
        let after = if o.ok() {
            webhooks::reset_failures(tx.ex(), c.webhook_id).await?;
            AfterAttempt {
                status: DeliveryStatus::Delivered,
                attempts,
                next_attempt_at: at,
                status_code: o.status_code,
                error: None,
                delivered_at: Some(at),
            }
        } else {
            self.count_failure(&mut tx, c.webhook_id, at).await?;
            // Past the schedule (also a redelivery by hand of a delivery given up on, which
            // is tried once), the delivery has failed.
            let next = retry_delay(attempts).map(|d| at + d);
            AfterAttempt {
                status: if next.is_some() {
                    DeliveryStatus::Pending
                } else {
                    DeliveryStatus::Failed
                },
                attempts,
                next_attempt_at: next.unwrap_or(at),
                status_code: o.status_code,
                error: o.error.as_deref(),
                delivered_at: None,
            }
        };
        webhooks::finish_attempt(tx.ex(), c.delivery_id, &after, at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Counts a failed attempt against the subscription and disables it at its limit.
    async fn count_failure(&self, tx: &mut steward_store::Tx, id: i64, at: i64) -> Result<()> {
        let Some((failures, max, enabled)) = webhooks::count_failure(tx.ex(), id).await? else {
            return Ok(());
        };
        if enabled && failures >= max {
            let Some(before) = webhooks::get(tx.ex(), id).await? else {
                return Ok(());
            };
            let reason = format!("disabled after {failures} failed deliveries in a row");
            let after = webhooks::set_enabled(tx.ex(), id, false, Some(&reason), at).await?;
            self.audit(
                tx,
                change(
                    &Actor::system("webhook"),
                    "webhook",
                    id,
                    "disable",
                    Some(&before),
                    Some(&after),
                ),
                at,
            )
            .await?;
        }
        Ok(())
    }
}
