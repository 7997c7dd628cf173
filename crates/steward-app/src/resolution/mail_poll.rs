//! Polling IMAP mailboxes: each mailbox under its own lease, so across a cluster one node at
//! a time reads it. A round fetches the unseen messages, stores each (the intake commits it)
//! and only then flags it `\Seen`; a crash between the two fetches it again and the duplicate
//! check stores it once. The IMAP adapter and the parser live in `steward-mail`; this use
//! case drives them.
use crate::resolution::mail_intake::Intake;
use crate::resolution::mailboxes::PollTarget;
use crate::{App, Result as AppResult};
use std::time::Duration;
use steward_domain::resolution::mail::mailbox::Mailbox;
use steward_mail::inbound::imap::{Account, ImapError, Mailbox as Imap};

/// One delivered message into the desk: parsed, then placed by the intake use case; an
/// unreadable message is kept as rejected.
pub async fn deliver(app: &App, mailbox: &Mailbox, raw: &[u8]) -> AppResult<Intake> {
    let parsed = steward_mail::inbound::parse(raw).map_err(|e| e.to_string());
    app.receive_mail(mailbox, raw, parsed).await
}

/// How long a node holds a mailbox's lease without renewing it.
pub const LEASE: Duration = Duration::from_secs(120);
/// Bounds connecting, logging in and each IMAP command.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// What a round did with one mailbox.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Round {
    pub stored: usize,
    pub duplicates: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Imap(#[from] ImapError),
    #[error("storing a message: {0}")]
    Store(#[from] crate::AppError),
    #[error("the mailbox has no IMAP account configured")]
    NotImap,
    /// The stored password cannot be read on this node (no or another secret key).
    #[error("{0}")]
    Password(String),
}

/// The IMAP account of a configured mailbox.
pub fn account(target: &PollTarget) -> Result<Account, PollError> {
    let m = &target.mailbox;
    let (Some(host), Some(user)) = (m.imap_host.clone(), m.imap_user.clone()) else {
        return Err(PollError::NotImap);
    };
    let port = m
        .imap_port
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(993);
    let password = target.password.clone().map_err(PollError::Password)?;
    Ok(Account {
        host,
        port,
        security: m.imap_security,
        user,
        password,
        folder: m.imap_folder.clone(),
        trusted_certificate: m.imap_trusted_certificate.clone(),
        timeout: TIMEOUT,
    })
}

/// Stores what an open session has unseen, flagging each stored message.
async fn drain(app: &App, target: &PollTarget, imap: &mut Imap) -> Result<Round, PollError> {
    let mut round = Round::default();
    loop {
        let batch = imap.unseen().await?;
        if batch.is_empty() {
            return Ok(round);
        }
        for fetched in batch {
            match deliver(app, &target.mailbox, &fetched.raw).await? {
                Intake::Logged(_) => round.stored += 1,
                Intake::Duplicate(_) => round.duplicates += 1,
            }
            imap.mark_seen(fetched.uid).await?;
        }
    }
}

/// One round for one mailbox: connect, store everything unseen, log out. A failure, from
/// an unreadable password to a refused certificate, is noted on the mailbox as its error.
pub async fn poll_once(app: &App, target: &PollTarget) -> Result<Round, PollError> {
    let result = async {
        let account = account(target)?;
        let mut imap = Imap::open(&account).await?;
        let result = drain(app, target, &mut imap).await;
        imap.logout().await;
        result
    }
    .await;
    let error = result.as_ref().err().map(ToString::to_string);
    if let Err(e) = app
        .mailbox_polled(target.mailbox.id, error.as_deref())
        .await
    {
        tracing::warn!(error = %e, "noting a mailbox poll");
    }
    result
}

/// One watch of one mailbox, if this node holds (or takes) its lease: stores what is there,
/// waits up to `wait` for more — with IDLE when the server offers it, so new mail is stored as
/// it arrives, else by sleeping — stores that, and logs out. The caller starts the next
/// watch, which picks up changed settings. Returns none when another node holds the lease.
pub async fn watch(
    app: &App,
    node: &str,
    target: &PollTarget,
    wait: Duration,
) -> Result<Option<Round>, PollError> {
    let lease_micros = i64::try_from(LEASE.as_micros()).unwrap_or(i64::MAX);
    if !app
        .lease_mailbox(node, target.mailbox.id, lease_micros)
        .await?
    {
        return Ok(None);
    }
    let result = async {
        let account = account(target)?;
        let mut imap = Imap::open(&account).await?;
        let mut round = drain(app, target, &mut imap).await?;
        let mut imap = imap.wait(wait.min(LEASE / 2)).await?;
        let more = drain(app, target, &mut imap).await?;
        imap.logout().await;
        round.stored += more.stored;
        round.duplicates += more.duplicates;
        Ok::<_, PollError>(round)
    }
    .await;
    let error = result.as_ref().err().map(ToString::to_string);
    app.mailbox_polled(target.mailbox.id, error.as_deref())
        .await?;
    result.map(Some)
}

/// What testing a mailbox's IMAP connection found: a refused login is an answer, not an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionCheck {
    pub ok: bool,
    pub message: String,
}

impl App {
    /// Logs in to the mailbox's IMAP account and opens its folder, changing nothing
    /// (administrators only, as reading the mailbox's password is).
    pub async fn test_mailbox(
        &self,
        actor: &steward_domain::Actor,
        id: i64,
    ) -> AppResult<ConnectionCheck> {
        let target = self.mailbox_target(actor, id).await?;
        let account = match account(&target) {
            Ok(a) => a,
            Err(PollError::NotImap) => {
                return Err(crate::AppError::invalid(
                    "imap_host",
                    "the mailbox has no IMAP account to test",
                ));
            }
            // An unreadable password is an answer too: the test says why it cannot log in.
            Err(e) => {
                return Ok(ConnectionCheck {
                    ok: false,
                    message: e.to_string(),
                });
            }
        };
        Ok(match steward_mail::inbound::imap::check(&account).await {
            Ok(message) => ConnectionCheck { ok: true, message },
            Err(e) => ConnectionCheck {
                ok: false,
                message: e.to_string(),
            },
        })
    }
}
