//! Mailboxes: administrators configure where mail comes in and which queue it feeds; the
//! inbound log shows what became of each message. Each change is in the audit trail.
use crate::app::{change, page, require};
use crate::{App, AppError, Result};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::resolution::mail::mailbox::{Mailbox, MailboxDraft, MailboxInput};
use steward_domain::resolution::mail::message::InboundMessage;
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::resolution::inbound_mail::{self, Filter};
use steward_store::resolution::mailboxes;

/// What the IMAP poller needs of a mailbox: its settings and password.
#[derive(Debug, Clone)]
pub struct PollTarget {
    pub mailbox: Mailbox,
    pub password: String,
}

async fn check_references(tx: &mut Tx, d: &MailboxDraft, id: Option<i64>) -> Result<()> {
    if let Some(s) = d.service_id
        && steward_store::delivery::services::existing(tx.ex(), &[s])
            .await?
            .is_empty()
    {
        return Err(AppError::invalid(
            "service_id",
            format!("no service with id {s}"),
        ));
    }
    if let Some(t) = d.team_id
        && steward_store::foundation::teams::get(tx.ex(), t)
            .await?
            .is_none()
    {
        return Err(AppError::invalid("team_id", format!("no team with id {t}")));
    }
    if let Some(other) = mailboxes::by_name(tx.ex(), &d.name).await?
        && Some(other.id) != id
    {
        return Err(AppError::conflict(
            Some("name"),
            format!("a mailbox named {:?} exists already", other.name),
        ));
    }
    Ok(())
}

impl App {
    pub async fn mailboxes(&self, actor: &Actor) -> Result<Vec<Mailbox>> {
        require(actor, Permission::ConfigureTickets)?;
        let mut conn = self.db.read().await?;
        Ok(mailboxes::list(conn.ex()).await?)
    }

    pub async fn get_mailbox(&self, actor: &Actor, id: i64) -> Result<Mailbox> {
        require(actor, Permission::ConfigureTickets)?;
        let mut conn = self.db.read().await?;
        mailboxes::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mailbox", id))
    }

    pub async fn create_mailbox(&self, actor: &Actor, input: MailboxInput) -> Result<Mailbox> {
        require(actor, Permission::ConfigureTickets)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_references(&mut tx, &draft, None).await?;
        let id = mailboxes::insert(tx.ex(), &draft, now).await?;
        let created = mailboxes::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::Internal("the new mailbox vanished".into()))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "mailbox", id, "create", None, Some(&created)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_mailbox(
        &self,
        actor: &Actor,
        id: i64,
        input: MailboxInput,
    ) -> Result<Mailbox> {
        require(actor, Permission::ConfigureTickets)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = mailboxes::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mailbox", id))?;
        check_references(&mut tx, &draft, Some(id)).await?;
        mailboxes::update(tx.ex(), id, &draft, now).await?;
        let after = mailboxes::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mailbox", id))?;
        // The audit entry shows whether a password is set, never the password.
        self.audit(
            &mut tx,
            change(actor, "mailbox", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The inbound log, newest first.
    pub async fn inbound_messages(
        &self,
        actor: &Actor,
        filter: &Filter,
        request: PageRequest,
    ) -> Result<Page<InboundMessage>> {
        require(actor, Permission::ConfigureTickets)?;
        let mut conn = self.db.read().await?;
        Ok(page(
            inbound_mail::list(conn.ex(), filter, request).await?,
            request,
        ))
    }

    pub async fn get_inbound_message(&self, actor: &Actor, id: i64) -> Result<InboundMessage> {
        require(actor, Permission::ConfigureTickets)?;
        let mut conn = self.db.read().await?;
        inbound_mail::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("inbound message", id))
    }

    /// The original message as received (as much as was kept).
    pub async fn inbound_message_raw(&self, actor: &Actor, id: i64) -> Result<Vec<u8>> {
        require(actor, Permission::ConfigureTickets)?;
        let mut conn = self.db.read().await?;
        inbound_mail::raw(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("inbound message", id))
    }

    /// A mailbox with its password, for testing its connection (administrators only).
    pub async fn mailbox_target(&self, actor: &Actor, id: i64) -> Result<PollTarget> {
        let mailbox = self.get_mailbox(actor, id).await?;
        let mut conn = self.db.read().await?;
        let password = mailboxes::imap_password(conn.ex(), id)
            .await?
            .unwrap_or_default();
        Ok(PollTarget { mailbox, password })
    }

    /// The mailbox `steward mailgate --queue NAME` delivers to (no actor: the MTA is trusted
    /// as the operator's own pipe).
    pub async fn mailbox_named(&self, name: &str) -> Result<Mailbox> {
        let mut conn = self.db.read().await?;
        mailboxes::by_name(conn.ex(), name)
            .await?
            .ok_or_else(|| AppError::invalid("queue", format!("no mailbox named {name:?}")))
    }

    /// The active mailboxes with an IMAP account, with their passwords.
    pub async fn mailboxes_to_poll(&self) -> Result<Vec<PollTarget>> {
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for mailbox in mailboxes::list(conn.ex()).await? {
            if !mailbox.active || mailbox.imap_host.is_none() {
                continue;
            }
            let password = mailboxes::imap_password(conn.ex(), mailbox.id)
                .await?
                .unwrap_or_default();
            out.push(PollTarget { mailbox, password });
        }
        Ok(out)
    }

    /// Takes or renews this node's lease on polling one mailbox, so each mailbox is polled by
    /// one node at a time across a cluster. Returns whether the node holds it.
    pub async fn lease_mailbox(&self, node: &str, id: i64, for_micros: i64) -> Result<bool> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let name = format!("mailbox:{id}");
        let held = steward_store::foundation::leases::try_acquire(
            tx.ex(),
            &name,
            node,
            now,
            now + for_micros,
        )
        .await?;
        tx.commit().await?;
        Ok(held)
    }

    /// Notes the outcome of polling a mailbox (shown on its page).
    pub async fn mailbox_polled(&self, id: i64, error: Option<&str>) -> Result<()> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        mailboxes::polled(tx.ex(), id, now, error).await?;
        tx.commit().await?;
        Ok(())
    }
}
