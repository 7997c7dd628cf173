//! The IMAP poller of `steward serve`: on each tick, one watch per active IMAP mailbox that
//! is not being watched already; each watch takes the mailbox's lease, so across a cluster
//! one node at a time reads a mailbox (see `steward_app::resolution::mail_poll`).
use std::collections::HashMap;
use std::time::Duration;
use tokio::task::JoinHandle;

pub async fn run(app: steward_app::App, node: String, mut tick: tokio::time::Interval) {
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let wait = tick.period().max(Duration::from_secs(1));
    let mut watching: HashMap<i64, JoinHandle<()>> = HashMap::new();
    loop {
        tick.tick().await;
        watching.retain(|_, task| !task.is_finished());
        let targets = match app.mailboxes_to_poll().await {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(error = %e, "listing mailboxes to poll");
                continue;
            }
        };
        for target in targets {
            if watching.contains_key(&target.mailbox.id) {
                continue;
            }
            let (app, node) = (app.clone(), node.clone());
            let id = target.mailbox.id;
            watching.insert(
                id,
                tokio::spawn(async move {
                    let name = target.mailbox.name.clone();
                    match steward_app::resolution::mail_poll::watch(&app, &node, &target, wait)
                        .await
                    {
                        Ok(Some(r)) if r.stored > 0 => {
                            tracing::info!(mailbox = %name, stored = r.stored, "mail received")
                        }
                        Ok(_) => {}
                        Err(e) => tracing::warn!(mailbox = %name, error = %e, "polling a mailbox"),
                    }
                }),
            );
        }
    }
}
