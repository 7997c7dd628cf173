//! Fetching from an IMAP mailbox: unseen messages are read without marking them (`BODY.PEEK`),
//! handed to the caller to store, and flagged `\Seen` only after that, so a crash in between
//! fetches the message again (the desk's duplicate check then stores it once).
use async_imap::{Client, Session};
use futures_util::TryStreamExt;
use std::fmt::Debug;
use std::time::Duration;
use steward_domain::resolution::mail::mailbox::ImapSecurity;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The most messages one fetch returns; the rest come on the next round.
pub const BATCH: usize = 50;

/// Where and as whom to log in.
#[derive(Clone)]
pub struct Account {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    pub user: String,
    pub password: String,
    pub folder: String,
    /// A certificate (PEM) trusted besides the platform's roots for TLS and STARTTLS.
    pub trusted_certificate: Option<String>,
    /// Bounds connecting, logging in and each command.
    pub timeout: Duration,
}

impl Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the password.
        write!(
            f,
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.folder
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImapError {
    #[error("connecting to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("TLS with {0}: {1}")]
    Tls(String, std::io::Error),
    #[error("the server did not greet")]
    NoGreeting,
    #[error("logging in: {0}")]
    Login(async_imap::error::Error),
    #[error("IMAP: {0}")]
    Protocol(#[from] async_imap::error::Error),
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),
}

/// Any connection a session runs over: plain TCP or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Io for T {}

/// A fetched message, by its UID in the folder.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub uid: u32,
    pub raw: Vec<u8>,
}

/// A logged-in session with the folder selected.
pub struct Mailbox {
    session: Session<Box<dyn Io>>,
    timeout: Duration,
    /// Whether the server offers IDLE (RFC 2177).
    pub idle: bool,
    /// How many messages the folder holds, from SELECT.
    pub exists: u32,
}

async fn within<T>(
    limit: Duration,
    f: impl std::future::Future<Output = Result<T, ImapError>>,
) -> Result<T, ImapError> {
    tokio::time::timeout(limit, f)
        .await
        .map_err(|_| ImapError::Timeout(limit))?
}

async fn greeted(mut client: Client<Box<dyn Io>>) -> Result<Client<Box<dyn Io>>, ImapError> {
    client
        .read_response()
        .await
        .map_err(|e| ImapError::Connect("greeting".into(), e))?
        .ok_or(ImapError::NoGreeting)?;
    Ok(client)
}

impl Mailbox {
    /// Connects, logs in and selects the account's folder.
    pub async fn open(account: &Account) -> Result<Self, ImapError> {
        within(account.timeout, Self::open_now(account)).await
    }

    async fn open_now(account: &Account) -> Result<Self, ImapError> {
        let address = format!("{}:{}", account.host, account.port);
        let tcp = TcpStream::connect(&address)
            .await
            .map_err(|e| ImapError::Connect(address.clone(), e))?;
        let trusted = account.trusted_certificate.as_deref();
        let client: Client<Box<dyn Io>> = match account.security {
            ImapSecurity::Plain => greeted(Client::new(Box::new(tcp) as Box<dyn Io>)).await?,
            ImapSecurity::Tls => {
                let tls = super::tls::wrap(tcp, &account.host, trusted)
                    .await
                    .map_err(|e| ImapError::Tls(address.clone(), e))?;
                greeted(Client::new(Box::new(tls) as Box<dyn Io>)).await?
            }
            ImapSecurity::Starttls => {
                let mut plain = greeted(Client::new(Box::new(tcp) as Box<dyn Io>)).await?;
                plain.run_command_and_check_ok("STARTTLS", None).await?;
                let tls = super::tls::wrap(plain.into_inner(), &account.host, trusted)
                    .await
                    .map_err(|e| ImapError::Tls(address.clone(), e))?;
                // No greeting after STARTTLS (RFC 3501 6.2.1).
                Client::new(Box::new(tls) as Box<dyn Io>)
            }
        };
        let mut session = client
            .login(&account.user, &account.password)
            .await
            .map_err(|(e, _)| ImapError::Login(e))?;
        let idle = session.capabilities().await?.has_str("IDLE");
        let selected = session.select(&account.folder).await?;
        Ok(Self {
            session,
            timeout: account.timeout,
            idle,
            exists: selected.exists,
        })
    }

    /// Up to [`BATCH`] unseen messages, oldest first, left unseen on the server.
    pub async fn unseen(&mut self) -> Result<Vec<Fetched>, ImapError> {
        let limit = self.timeout;
        within(limit, async {
            let mut uids: Vec<u32> = self
                .session
                .uid_search("UNSEEN")
                .await?
                .into_iter()
                .collect();
            uids.sort_unstable();
            uids.truncate(BATCH);
            if uids.is_empty() {
                return Ok(Vec::new());
            }
            let set = uids
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let fetches: Vec<_> = self
                .session
                .uid_fetch(&set, "(UID BODY.PEEK[])")
                .await?
                .try_collect()
                .await?;
            let mut out: Vec<Fetched> = fetches
                .iter()
                .filter_map(|f| {
                    Some(Fetched {
                        uid: f.uid?,
                        raw: f.body()?.to_vec(),
                    })
                })
                .collect();
            out.sort_by_key(|f| f.uid);
            Ok(out)
        })
        .await
    }

    /// Flags a stored message `\Seen`, so it is not fetched again.
    pub async fn mark_seen(&mut self, uid: u32) -> Result<(), ImapError> {
        let limit = self.timeout;
        within(limit, async {
            let _: Vec<_> = self
                .session
                .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
                .await?
                .try_collect()
                .await?;
            Ok(())
        })
        .await
    }

    /// Waits up to `at_most` for new mail: with IDLE when the server offers it (returning as
    /// soon as the server reports a change), else by sleeping. Gives the session back.
    pub async fn wait(self, at_most: Duration) -> Result<Self, ImapError> {
        if !self.idle {
            tokio::time::sleep(at_most).await;
            return Ok(self);
        }
        let (timeout, exists) = (self.timeout, self.exists);
        let mut handle = self.session.idle();
        within(timeout, async { Ok(handle.init().await?) }).await?;
        let (waiting, _stop) = handle.wait_with_timeout(at_most);
        waiting.await?;
        let session = within(timeout, async { Ok(handle.done().await?) }).await?;
        Ok(Self {
            session,
            timeout,
            idle: true,
            exists,
        })
    }

    /// Adds a message to the selected folder (as a mail client files one; tests deliver
    /// with it).
    pub async fn append(&mut self, folder: &str, raw: &[u8]) -> Result<(), ImapError> {
        let limit = self.timeout;
        within(limit, async {
            Ok(self.session.append(folder, None, None, raw).await?)
        })
        .await
    }

    /// How many messages of the folder are not flagged `\Seen`.
    pub async fn unseen_count(&mut self) -> Result<usize, ImapError> {
        let limit = self.timeout;
        within(limit, async {
            Ok(self.session.uid_search("UNSEEN").await?.len())
        })
        .await
    }

    pub async fn logout(mut self) {
        let _ = within(self.timeout, async { Ok(self.session.logout().await?) }).await;
    }
}

/// Logs in, selects the folder and logs out: what a "test connection" reports.
pub async fn check(account: &Account) -> Result<String, ImapError> {
    let mailbox = Mailbox::open(account).await?;
    let summary = format!(
        "logged in as {} and opened {} ({} messages; IDLE {})",
        account.user,
        account.folder,
        mailbox.exists,
        if mailbox.idle {
            "offered"
        } else {
            "not offered"
        }
    );
    mailbox.logout().await;
    Ok(summary)
}
