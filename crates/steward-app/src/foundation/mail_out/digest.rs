//! The daily digest: once a (UTC) day, the mails people chose to get in a digest are folded
//! into one mail each, queued like any other, under a lease so one node does it.
use super::{settings, templates};
use crate::{App, Result};
use serde_json::json;
use steward_domain::foundation::mail_out::{MailStatus, OutboxEntry};
use steward_mail::outbound::{self, EventKind};
use steward_store::foundation::mail_outbox::{self, NewMail};
use steward_store::foundation::{leases, users};

const LEASE: &str = "mail-digest";
const CURSOR: &str = "digest_day";

impl App {
    /// Queues today's digests unless done today (or `force`); how many, or `None` when
    /// another node holds the lease.
    pub async fn mail_digest(&self, node: &str, force: bool) -> Result<Option<u64>> {
        let now = self.now();
        let day = i64::from(self.today().year()) * 10_000
            + i64::from(self.today().month()) * 100
            + i64::from(self.today().day());
        let mut tx = self.db.begin().await?;
        if !leases::try_acquire(tx.ex(), LEASE, node, now, now + 60_000_000).await? {
            tx.commit().await?;
            return Ok(None);
        }
        if !force && mail_outbox::cursor(tx.ex(), CURSOR).await? >= day {
            tx.commit().await?;
            return Ok(Some(0));
        }
        let Some(smtp) = settings::active(tx.ex()).await? else {
            tx.commit().await?;
            return Ok(Some(0));
        };
        let waiting = mail_outbox::digest_waiting(tx.ex()).await?;
        let mut queued = 0;
        for group in waiting.chunk_by(|a, b| a.user_id == b.user_id && a.to_address == b.to_address)
        {
            let first = &group[0];
            let name = match first.user_id {
                Some(u) => users::get(tx.ex(), u).await?.map(|p| p.display_name),
                None => None,
            };
            let items: Vec<_> = group
                .iter()
                .map(|e: &OutboxEntry| json!({ "subject": e.subject, "body": e.body }))
                .collect();
            let ctx = json!({
                "recipient": { "name": name.unwrap_or_default(), "email": first.to_address },
                "items": items,
            });
            let Some(r) = templates::render(tx.ex(), EventKind::Digest, &ctx).await? else {
                continue;
            };
            let mail = NewMail {
                kind: EventKind::Digest.as_str().into(),
                user_id: first.user_id,
                to_address: first.to_address.clone(),
                record_number: None,
                subject: r.subject,
                body: r.body,
                message_id: outbound::message_id(None, &settings::unique()?, &smtp.mail_domain),
                in_reply_to: None,
                references: None,
                status: MailStatus::Pending,
            };
            mail_outbox::enqueue(tx.ex(), &mail, now).await?;
            for e in group {
                mail_outbox::mark_digested(tx.ex(), e.id, now).await?;
            }
            queued += 1;
        }
        mail_outbox::set_cursor(tx.ex(), CURSOR, day).await?;
        tx.commit().await?;
        Ok(Some(queued))
    }
}
