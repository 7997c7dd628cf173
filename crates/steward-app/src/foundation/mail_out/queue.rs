//! The outgoing queue as admins see it: pending, sent and failed mails with their errors,
//! and a retry by hand.
use crate::app::{change, page, require};
use crate::{App, AppError, Result};
use steward_domain::foundation::mail_out::{MailStatus, OutboxEntry};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::{Actor, Permission};
use steward_store::foundation::mail_outbox;

impl App {
    pub async fn mail_queue(
        &self,
        actor: &Actor,
        status: Option<&str>,
        request: PageRequest,
    ) -> Result<Page<OutboxEntry>> {
        require(actor, Permission::ManageSystem)?;
        let status = match status {
            None | Some("") => None,
            Some(s) => Some(MailStatus::parse(s).ok_or_else(|| {
                AppError::invalid(
                    "status",
                    "must be pending, sending, sent, failed, digest or digested",
                )
            })?),
        };
        let mut conn = self.db.read().await?;
        Ok(page(
            mail_outbox::list(conn.ex(), status, request).await?,
            request,
        ))
    }

    pub async fn mail_queue_entry(&self, actor: &Actor, id: i64) -> Result<OutboxEntry> {
        require(actor, Permission::ManageSystem)?;
        let mut conn = self.db.read().await?;
        mail_outbox::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mail", id))
    }

    /// Makes a pending or failed mail due now; the next send round takes it.
    pub async fn retry_mail(&self, actor: &Actor, id: i64) -> Result<OutboxEntry> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = mail_outbox::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mail", id))?;
        if !mail_outbox::retry(tx.ex(), id, now).await? {
            return Err(AppError::conflict(
                Some("status"),
                format!("a {} mail cannot be retried", before.status.as_str()),
            ));
        }
        let after = mail_outbox::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mail", id))?;
        self.audit(
            &mut tx,
            change(actor, "mail", id, "retry", Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }
}
