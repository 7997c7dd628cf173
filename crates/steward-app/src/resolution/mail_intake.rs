//! Mail intake: one received message, in one transaction with its audit entry, becomes a new
//! incident or request, a public reply, an internal note — or, for automatic mail and refused
//! senders, only an entry in the inbound log. Every message is logged with its original bytes
//! (up to [`RAW_MAX`]), and a message delivered twice (same Message-ID, or same bytes without
//! one) is stored once.
use crate::app::change;
use crate::foundation::auth::actor_of;
use crate::resolution::tickets::priority_of;
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use steward_domain::Actor;
use steward_domain::foundation::people::{User, UserInput};
use steward_domain::foundation::role::Role;
use steward_domain::resolution::mail::mailbox::{MailQueue, Mailbox, UnknownSenders};
use steward_domain::resolution::mail::message::{
    InboundAction, InboundMail, InboundMessage, InboundStatus,
};
use steward_domain::resolution::mail::thread::{domain_of, number_in_message_id, subject_tag};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{
    Channel, CommentDraft, DESCRIPTION_MAX, Level, TITLE_MAX, TicketDraft, TicketKind,
};
use steward_domain::resolution::workflow::Status;
use steward_store::Tx;
use steward_store::foundation::users;
use steward_store::resolution::inbound_mail::{self, NewInbound};
use steward_store::resolution::tickets;

/// The most of an original message kept in the log; beyond it the start is kept and the entry
/// says so.
pub const RAW_MAX: usize = 25 * 1024 * 1024;

/// What became of a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Intake {
    /// Logged (received, ignored or rejected): the entry says what and why.
    Logged(InboundMessage),
    /// The same message was delivered before; nothing new was stored.
    Duplicate(InboundMessage),
}

impl Intake {
    pub fn entry(&self) -> &InboundMessage {
        match self {
            Intake::Logged(m) | Intake::Duplicate(m) => m,
        }
    }
}

/// The intake's own name in the audit trail.
fn mail_actor() -> Actor {
    Actor::system("mail")
}

/// The key that makes a second delivery find the first.
fn dedupe_key(raw: &[u8], parsed: Option<&InboundMail>) -> String {
    match parsed.and_then(|m| m.message_id.as_deref()) {
        Some(id) => format!("id:{id}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(raw))),
    }
}

/// Where a message goes, decided before anything is written.
struct Placement {
    status: InboundStatus,
    reason: Option<String>,
    ticket_id: Option<i64>,
    comment_id: Option<i64>,
    action: Option<InboundAction>,
}

impl Placement {
    fn refused(status: InboundStatus, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: Some(reason.into()),
            ticket_id: None,
            comment_id: None,
            action: None,
        }
    }
}

/// The first `max` characters of `s`.
fn clip(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

impl App {
    /// Takes one message delivered to `mailbox`. `parsed` is the mail adapter's reading of
    /// `raw`, or why it could not read it (then the message is kept as rejected).
    pub async fn receive_mail(
        &self,
        mailbox: &Mailbox,
        raw: &[u8],
        parsed: std::result::Result<InboundMail, String>,
    ) -> Result<Intake> {
        let key = dedupe_key(raw, parsed.as_ref().ok());
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if let Some(first) = inbound_mail::by_key(tx.ex(), &key).await? {
            return Ok(Intake::Duplicate(first));
        }
        let (placement, mail) = match parsed {
            Err(reason) => (
                Placement::refused(
                    InboundStatus::Rejected,
                    format!("unreadable message: {reason}"),
                ),
                None,
            ),
            Ok(mail) => match self.place(&mut tx, mailbox, &mail, now).await {
                Ok(placement) => (placement, Some(mail)),
                // A message the desk refuses (a mailbox naming a service that is gone, say)
                // is kept aside with the reason rather than retried for ever. Its half-done
                // work is rolled back: the log entry goes into a fresh transaction.
                Err(
                    e @ (AppError::Invalid(_)
                    | AppError::Conflict { .. }
                    | AppError::NotFound { .. }
                    | AppError::TransitionNotAllowed { .. }),
                ) => {
                    drop(tx);
                    tx = self.db.begin().await?;
                    let reason = format!("could not be placed: {e}");
                    (
                        Placement::refused(InboundStatus::Rejected, reason),
                        Some(mail),
                    )
                }
                Err(e) => return Err(e),
            },
        };
        let kept = &raw[..raw.len().min(RAW_MAX)];
        let new = NewInbound {
            mailbox_id: Some(mailbox.id),
            status: placement.status,
            reason: placement.reason.as_deref(),
            action: placement.action,
            sender: mail.as_ref().and_then(|m| m.from.as_deref()),
            subject: mail.as_ref().map(|m| m.subject.as_str()),
            message_id: mail.as_ref().and_then(|m| m.message_id.as_deref()),
            dedupe_key: &key,
            ticket_id: placement.ticket_id,
            comment_id: placement.comment_id,
            size_bytes: raw.len() as i64,
            truncated: kept.len() < raw.len(),
            raw: kept,
        };
        let Some(id) = inbound_mail::insert(tx.ex(), &new, now).await? else {
            // Another node stored the same message meanwhile: drop everything this did.
            drop(tx);
            let mut conn = self.db.read().await?;
            let first = inbound_mail::by_key(conn.ex(), &key)
                .await?
                .ok_or_else(|| AppError::Internal("a duplicate message vanished".into()))?;
            return Ok(Intake::Duplicate(first));
        };
        let entry = inbound_mail::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::Internal("the new log entry vanished".into()))?;
        self.audit(
            &mut tx,
            change::<(), _>(
                &mail_actor(),
                "inbound_message",
                id,
                entry.status.as_str(),
                None,
                Some(&entry),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Intake::Logged(entry))
    }

    /// Decides what a readable message does and does it (record, reply or note).
    async fn place(
        &self,
        tx: &mut Tx,
        mailbox: &Mailbox,
        mail: &InboundMail,
        now: i64,
    ) -> Result<Placement> {
        if let Some(why) = &mail.automatic {
            return Ok(Placement::refused(
                InboundStatus::Ignored,
                format!("automatic mail: {why}"),
            ));
        }
        let Some(address) = mail.from.as_deref() else {
            return Ok(Placement::refused(
                InboundStatus::Ignored,
                "automatic mail: no sender",
            ));
        };
        let user = match inbound_mail::user_by_email(tx.ex(), address).await? {
            Some(id) => users::get(tx.ex(), id).await?,
            None => None,
        };
        let domain = domain_of(address);
        let internal = user.as_ref().is_some_and(|u| u.role.is_staff())
            || domain
                .as_ref()
                .is_some_and(|d| mailbox.internal_domains.contains(d));
        // An unknown outside sender becomes a contact first (or is refused), whether it
        // starts a thread or answers one.
        let user = match user {
            None if !internal => match self.contact_for(tx, mailbox, mail, address, now).await? {
                Ok(u) => Some(u),
                Err(refusal) => return Ok(refusal),
            },
            known => known,
        };
        if let Some(ticket) = self.thread_of(tx, mail).await? {
            return self
                .reply(tx, mail, &ticket, user.as_ref(), internal, address, now)
                .await;
        }
        let Some(user) = user else {
            return Ok(Placement::refused(
                InboundStatus::Rejected,
                format!(
                    "{address} is an internal address of no user and the message answers no record"
                ),
            ));
        };
        self.open_from_mail(tx, mailbox, mail, &user, now).await
    }

    /// The record a message answers: by the `[INC-000123]` tag in its subject, else by the
    /// messages it replies to (stored ones, then record numbers in outgoing Message-IDs).
    async fn thread_of(&self, tx: &mut Tx, mail: &InboundMail) -> Result<Option<Ticket>> {
        if let Some(number) = subject_tag(&mail.subject)
            && let Some(t) = tickets::by_numbers(tx.ex(), &[number]).await?.pop()
        {
            return Ok(Some(t));
        }
        let ids: Vec<String> = mail
            .in_reply_to
            .iter()
            .chain(mail.references.iter().rev())
            .cloned()
            .collect();
        if let Some(id) = inbound_mail::ticket_of_messages(tx.ex(), &ids).await? {
            return Ok(tickets::get_any(tx.ex(), id).await?);
        }
        for id in &ids {
            if let Some(number) = number_in_message_id(id)
                && let Some(t) = tickets::by_numbers(tx.ex(), &[number]).await?.pop()
            {
                return Ok(Some(t));
            }
        }
        Ok(None)
    }

    /// A reply: a public comment from the customer, an internal note from the provider.
    #[allow(clippy::too_many_arguments)]
    async fn reply(
        &self,
        tx: &mut Tx,
        mail: &InboundMail,
        ticket: &Ticket,
        user: Option<&User>,
        internal: bool,
        address: &str,
        now: i64,
    ) -> Result<Placement> {
        let actor = match (user, internal) {
            (Some(u), _) => actor_of(u),
            (None, true) => Actor::system(&format!("mail:{address}")),
            (None, false) => {
                return Ok(Placement::refused(
                    InboundStatus::Rejected,
                    format!(
                        "{address} is no known contact, so it may not reply on {}",
                        ticket.number
                    ),
                ));
            }
        };
        if !internal
            && (ticket.kind == TicketKind::Problem || !actor.scope().sees(ticket.organization_id))
        {
            return Ok(Placement::refused(
                InboundStatus::Rejected,
                format!("{address} is not of the organization of {}", ticket.number),
            ));
        }
        let body = if mail.text.is_empty() {
            "(the message had no text)".to_owned()
        } else {
            clip(&mail.text, steward_domain::resolution::ticket::COMMENT_MAX)
        };
        let draft = CommentDraft {
            body,
            public: !internal,
            time_spent_minutes: 0,
        };
        let comment = self.add_comment_in(tx, &actor, ticket, &draft, now).await?;
        let skipped = self
            .attach_all(tx, &actor, ticket, mail, !internal, now)
            .await?;
        Ok(Placement {
            status: InboundStatus::Received,
            reason: skipped,
            ticket_id: Some(ticket.id),
            comment_id: Some(comment.id),
            action: Some(if internal {
                InboundAction::Noted
            } else {
                InboundAction::Replied
            }),
        })
    }

    /// A customer contact for an unknown sender, when the mailbox creates them and the
    /// address's domain is an organization's; else the refusal to log.
    async fn contact_for(
        &self,
        tx: &mut Tx,
        mailbox: &Mailbox,
        mail: &InboundMail,
        address: &str,
        now: i64,
    ) -> Result<std::result::Result<User, Placement>> {
        if mailbox.unknown_senders == UnknownSenders::Reject {
            return Ok(Err(Placement::refused(
                InboundStatus::Rejected,
                format!("unknown sender {address}"),
            )));
        }
        let org = match domain_of(address) {
            Some(d) => inbound_mail::organization_by_domain(tx.ex(), &d).await?,
            None => None,
        };
        let Some(org) = org else {
            return Ok(Err(Placement::refused(
                InboundStatus::Rejected,
                format!("unknown sender {address}, and no organization has its mail domain"),
            )));
        };
        let base: String = address
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
            .take(56)
            .collect();
        let mut username = base.clone();
        let mut n = 1;
        while users::by_username(tx.ex(), &username).await?.is_some() {
            n += 1;
            username = format!("{base}-{n}");
        }
        let input = UserInput {
            username,
            display_name: mail
                .from_name
                .as_deref()
                .map(|n| clip(n, steward_domain::foundation::people::NAME_MAX)),
            email: Some(address.to_owned()),
            role: Role::Customer,
            organization_id: Some(org),
            password: None,
        };
        let new = match input.parse() {
            Ok(new) => new,
            Err(invalid) => {
                return Ok(Err(Placement::refused(
                    InboundStatus::Rejected,
                    format!("a contact for {address} could not be created: {invalid}"),
                )));
            }
        };
        let user = users::insert(tx.ex(), &new, None, now).await?;
        self.audit(
            tx,
            change::<(), _>(&mail_actor(), "user", user.id, "create", None, Some(&user)),
            now,
        )
        .await?;
        Ok(Ok(user))
    }

    /// A new incident or request from a message, for the sender's organization (its own, or
    /// the one whose mail domain the address has).
    async fn open_from_mail(
        &self,
        tx: &mut Tx,
        mailbox: &Mailbox,
        mail: &InboundMail,
        user: &User,
        now: i64,
    ) -> Result<Placement> {
        let actor = actor_of(user);
        let organization_id = match user.organization_id {
            Some(o) => Some(o),
            None if user.role == Role::Customer => match mail.from.as_deref().and_then(domain_of) {
                Some(d) => inbound_mail::organization_by_domain(tx.ex(), &d).await?,
                None => None,
            },
            None => None,
        };
        let kind = match mailbox.queue {
            MailQueue::Incident => TicketKind::Incident,
            MailQueue::Request => TicketKind::Request,
        };
        let title = match mail.subject.trim() {
            "" => "(no subject)".to_owned(),
            s => clip(s, TITLE_MAX),
        };
        let description = (!mail.text.is_empty()).then(|| clip(&mail.text, DESCRIPTION_MAX));
        let draft = TicketDraft {
            title,
            description,
            impact: Level::Medium,
            urgency: Level::Medium,
            service_id: mailbox.service_id,
            organization_id,
            requester_id: Some(user.id),
            ci_id: None,
            category: None,
            channel: Channel::Email,
        };
        let opening = tickets::Opening {
            status: mailbox.team_id.map(|_| Status::Assigned),
            team_id: mailbox.team_id,
            ..Default::default()
        };
        crate::resolution::tickets::check_references(tx, &draft).await?;
        let priority = priority_of(tx.ex(), &draft).await?;
        let ticket = self
            .open_ticket(tx, &actor, kind, &draft, priority, &opening, now)
            .await?;
        let skipped = self
            .attach_all(tx, &actor, &ticket, mail, true, now)
            .await?;
        Ok(Placement {
            status: InboundStatus::Received,
            reason: skipped,
            ticket_id: Some(ticket.id),
            comment_id: None,
            action: Some(InboundAction::Created),
        })
    }

    /// Stores a message's attachments under the usual rules; those refused (too large, no
    /// usable name) are named in the returned note instead of failing the message.
    async fn attach_all(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ticket: &Ticket,
        mail: &InboundMail,
        public: bool,
        now: i64,
    ) -> Result<Option<String>> {
        let mut skipped = Vec::new();
        for a in &mail.attachments {
            match self
                .attach_in(tx, actor, ticket, &a.name, public, &a.content, now)
                .await
            {
                Ok(_) => {}
                Err(AppError::Invalid(why)) => skipped.push(format!("{}: {why}", a.name)),
                Err(other) => return Err(other),
            }
        }
        Ok((!skipped.is_empty()).then(|| format!("attachments not kept: {}", skipped.join("; "))))
    }
}
