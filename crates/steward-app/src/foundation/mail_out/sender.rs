//! The sender: claims due mails (each claimed by one node only), sends them outside any
//! transaction, then marks each sent, or records the error and when to try again, with
//! exponential backoff until it gives up. A node that dies mid-send leaves its rows
//! `sending`; once their claim runs out another node sends them (so a crash between the
//! server's acceptance and the mark can send a mail twice: SMTP offers no better).
use super::settings;
use crate::{App, Result};
use steward_domain::foundation::mail_out::OutboxEntry;
use steward_mail::outbound::{self, Outgoing};
use steward_store::foundation::mail_outbox;

const BATCH: i64 = 20;
/// How long a claim lasts: longer than a send can take (lettre times out at 30 s each step).
const CLAIM_MICROS: i64 = 300_000_000;
/// After this many attempts a mail is `failed` until an admin retries it.
pub(crate) const MAX_ATTEMPTS: i64 = 6;

/// When to try again after `attempts` attempts: 1 min, 2, 4, … capped at 6 h.
pub(crate) fn backoff_micros(attempts: i64) -> i64 {
    let minutes = 1i64 << (attempts - 1).clamp(0, 9);
    (minutes * 60_000_000).min(6 * 3_600_000_000)
}

fn outgoing(e: &OutboxEntry) -> Outgoing {
    Outgoing {
        to: e.to_address.clone(),
        subject: e.subject.clone(),
        body: e.body.clone(),
        message_id: e.message_id.clone(),
        in_reply_to: e.in_reply_to.clone(),
        references: e.references.clone(),
    }
}

impl App {
    /// Sends the mails that are due; how many went out. Safe to run on every node at once.
    pub async fn mail_send(&self) -> Result<u64> {
        let smtp = {
            let mut conn = self.db.read().await?;
            settings::active(conn.ex()).await?
        };
        let Some(smtp) = smtp else {
            return Ok(0);
        };
        // A password this node cannot read fails each due mail with the reason, so the queue
        // shows it (mail goes out again once the key or the password is fixed).
        let transport = settings::password(&smtp, self.settings.secret_key.as_ref())
            .map(|password| settings::transport(&smtp, password));
        let mut sent = 0;
        loop {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            let claimed = mail_outbox::claim(tx.ex(), now, now + CLAIM_MICROS, BATCH).await?;
            tx.commit().await?;
            for entry in &claimed {
                let result = match &transport {
                    Ok(transport) => outbound::send(transport, &outgoing(entry))
                        .await
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.clone()),
                };
                let now = self.now();
                let mut tx = self.db.begin().await?;
                match result {
                    Ok(()) => {
                        mail_outbox::mark_sent(tx.ex(), entry.id, now).await?;
                        sent += 1;
                    }
                    Err(e) => {
                        tracing::warn!(mail = entry.id, to = %entry.to_address, error = %e, "mail not sent");
                        let give_up = entry.attempts >= MAX_ATTEMPTS;
                        let next = now + backoff_micros(entry.attempts);
                        mail_outbox::mark_failed(tx.ex(), entry.id, &e, next, give_up).await?;
                    }
                }
                tx.commit().await?;
            }
            if (claimed.len() as i64) < BATCH {
                return Ok(sent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_stops_growing() {
        assert_eq!(backoff_micros(1), 60_000_000);
        assert_eq!(backoff_micros(2), 120_000_000);
        assert_eq!(backoff_micros(4), 480_000_000);
        assert_eq!(backoff_micros(40), 6 * 3_600_000_000);
    }
}
