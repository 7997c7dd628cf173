//! Mailboxes: administrators configure where mail comes in and which queue it feeds; the
//! inbound log shows what became of each message. Each change is in the audit trail.
use crate::app::{change, page, require};
use crate::foundation::sealing::{self, SealError};
use crate::{App, AppError, Result};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::resolution::mail::mailbox::{Mailbox, MailboxDraft, MailboxInput};
use steward_domain::resolution::mail::message::InboundMessage;
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::resolution::inbound_mail::{self, Filter};
use steward_store::resolution::mailboxes::{self, PasswordChange, StoredPassword};

/// What the sealed IMAP password is bound to (see `sealing`).
const PURPOSE: &str = "mailbox.imap_password";

/// What the IMAP poller needs of a mailbox: its settings and password, or why the stored
/// password cannot be read on this node (no or another secret key).
#[derive(Clone)]
pub struct PollTarget {
    pub mailbox: Mailbox,
    pub password: Result<String, String>,
}

impl std::fmt::Debug for PollTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        f.debug_struct("PollTarget")
            .field("mailbox", &self.mailbox)
            .field("password_readable", &self.password.is_ok())
            .finish()
    }
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
    fn seal_imap_password(&self, plain: &str) -> Result<String> {
        sealing::seal(self.settings.secret_key.as_ref(), PURPOSE, plain).map_err(|e| {
            AppError::conflict(
                Some("imap_password"),
                format!("the password cannot be stored encrypted: {e}"),
            )
        })
    }

    /// The stored password in plain text (empty when none is set).
    fn read_imap_password(&self, stored: Option<StoredPassword>) -> Result<String, String> {
        match stored {
            None => Ok(String::new()),
            // Stored before encryption and not yet sealed (`serve` seals it at start-up).
            Some(StoredPassword::Plain(p)) => Ok(p),
            Some(StoredPassword::Sealed(s)) => {
                sealing::open(self.settings.secret_key.as_ref(), PURPOSE, &s)
                    .map_err(|e: SealError| format!("the stored IMAP password cannot be read: {e}"))
            }
        }
    }

    /// Moves mail passwords stored in plain text (before encryption) into their sealed
    /// form: each mailbox's IMAP password and the SMTP password, in one transaction with an
    /// audit entry for each. `steward serve` runs it at start-up; nodes running it at once
    /// agree, as they share the key. Returns how many it sealed.
    pub async fn seal_plain_mail_passwords(&self) -> Result<usize> {
        let actor = steward_domain::Actor::system("startup");
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let mut sealed = 0;
        for (id, plain) in mailboxes::plain_passwords(tx.ex()).await? {
            let value =
                sealing::seal(self.settings.secret_key.as_ref(), PURPOSE, &plain).map_err(|e| {
                    AppError::Internal(format!("encrypting mailbox {id}'s password: {e}"))
                })?;
            if mailboxes::seal_password(tx.ex(), id, &plain, &value).await? {
                self.audit(
                    &mut tx,
                    change::<(), ()>(&actor, "mailbox", id, "encrypt_password", None, None),
                    now,
                )
                .await?;
                sealed += 1;
            }
        }
        if self.seal_plain_smtp_password(&mut tx, &actor, now).await? {
            sealed += 1;
        }
        tx.commit().await?;
        Ok(sealed)
    }

    /// Every stored mail password (each mailbox's IMAP password, then the SMTP password),
    /// named, with why this node's key cannot open it, or `None` when it can. For `steward
    /// doctor`: a restored backup without its key, or a node with another node's key, shows
    /// here rather than at the next poll or send.
    pub async fn mail_password_check(&self) -> Result<Vec<(String, Option<String>)>> {
        let mut conn = self.db.read().await?;
        let mut stored = mailboxes::imap_passwords(conn.ex()).await?;
        let mut checked = Vec::new();
        for mailbox in mailboxes::list(conn.ex()).await? {
            if let Some(password) = stored.remove(&mailbox.id) {
                checked.push((
                    format!("mailbox {:?}", mailbox.name),
                    self.read_imap_password(Some(password)).err(),
                ));
            }
        }
        if let Some(smtp) = self.smtp_password_check(conn.ex()).await? {
            checked.push(("SMTP".to_owned(), smtp));
        }
        Ok(checked)
    }

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
        let draft = input.parse_with(steward_mail::certificate::check)?;
        let sealed = match draft.imap_password.as_deref() {
            None | Some("") => None,
            Some(p) => Some(self.seal_imap_password(p)?),
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_references(&mut tx, &draft, None).await?;
        let id = mailboxes::insert(tx.ex(), &draft, sealed.as_deref(), now).await?;
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
        let draft = input.parse_with(steward_mail::certificate::check)?;
        let password = match draft.imap_password.as_deref() {
            None => PasswordChange::Keep,
            Some("") => PasswordChange::Clear,
            Some(p) => PasswordChange::Set(self.seal_imap_password(p)?),
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = mailboxes::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("mailbox", id))?;
        check_references(&mut tx, &draft, Some(id)).await?;
        mailboxes::update(tx.ex(), id, &draft, &password, now).await?;
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
        let password = self.read_imap_password(mailboxes::imap_password(conn.ex(), id).await?);
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
        let mut passwords = mailboxes::imap_passwords(conn.ex()).await?;
        Ok(mailboxes::list(conn.ex())
            .await?
            .into_iter()
            .filter(|m| m.active && m.imap_host.is_some())
            .map(|mailbox| PollTarget {
                password: self.read_imap_password(passwords.remove(&mailbox.id)),
                mailbox,
            })
            .collect())
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
