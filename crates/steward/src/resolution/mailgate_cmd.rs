//! `steward mailgate --queue NAME`: one message on standard input from an MTA pipe (Postfix
//! `pipe`, Exim `pipe`, a `.forward`, fetchmail's MDA). The exit status is what the MTA acts on
//! (sysexits.h): 0 accepted, logged as ignored, or a duplicate; 75 try again later (database
//! unreachable or busy); 67 the mailbox or the sender is refused; 65 the message is unreadable.
//! A refused or unreadable message is still kept in the inbound log with its reason.
use crate::config::Config;
use clap::Args;
use std::io::Read;
use std::process::ExitCode;
use steward_app::AppError;
use steward_app::resolution::mail_intake::Intake;
use steward_domain::resolution::mail::message::InboundStatus;

pub const EX_OK: u8 = 0;
pub const EX_DATAERR: u8 = 65;
pub const EX_NOUSER: u8 = 67;
pub const EX_TEMPFAIL: u8 = 75;
pub const EX_CONFIG: u8 = 78;

#[derive(Debug, Args)]
pub struct MailgateArgs {
    /// The mailbox (by name) the message was sent to.
    #[arg(long)]
    pub queue: String,
}

/// Reads the message, then stores it. Never fails with a plain error: every outcome is an
/// exit status the MTA understands, with the reason on standard error.
pub async fn run(config: Result<Config, String>, args: MailgateArgs) -> ExitCode {
    let mut raw = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut raw) {
        eprintln!("steward mailgate: reading the message: {e}");
        return ExitCode::from(EX_TEMPFAIL);
    }
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("steward mailgate: configuration: {e}");
            return ExitCode::from(EX_CONFIG);
        }
    };
    let app = match crate::database::open_without_key(&config).await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("steward mailgate: {e:#}; the MTA should try again later");
            return ExitCode::from(EX_TEMPFAIL);
        }
    };
    let code = deliver(&app, &args.queue, &raw).await;
    app.db().close().await;
    ExitCode::from(code)
}

async fn deliver(app: &steward_app::App, queue: &str, raw: &[u8]) -> u8 {
    let mailbox = match app.mailbox_named(queue).await {
        Ok(m) => m,
        Err(AppError::Invalid(e)) => {
            eprintln!("steward mailgate: {e}");
            return EX_NOUSER;
        }
        Err(e) => return temporary(&e),
    };
    match steward_app::resolution::mail_poll::deliver(app, &mailbox, raw).await {
        Ok(Intake::Duplicate(first)) => {
            println!("duplicate of inbound message {}", first.id);
            EX_OK
        }
        Ok(Intake::Logged(entry)) => {
            let reason = entry.reason.as_deref().unwrap_or("");
            match entry.status {
                InboundStatus::Received | InboundStatus::Ignored => {
                    println!(
                        "inbound message {}: {} {reason}",
                        entry.id,
                        entry.status.as_str()
                    );
                    EX_OK
                }
                InboundStatus::Rejected if reason.starts_with("unreadable") => {
                    eprintln!("steward mailgate: {reason}");
                    EX_DATAERR
                }
                InboundStatus::Rejected => {
                    eprintln!("steward mailgate: {reason}");
                    EX_NOUSER
                }
            }
        }
        Err(e) => temporary(&e),
    }
}

fn temporary(e: &AppError) -> u8 {
    eprintln!("steward mailgate: {e}; the MTA should try again later");
    EX_TEMPFAIL
}
