//! `steward serve`: open, migrate, bootstrap, serve until SIGTERM/SIGINT.
use crate::config::Config;
use crate::database::{open_for_serving, redact};
use anyhow::Context;
use std::process::ExitCode;
use std::time::Duration;
use steward_store::SqliteLock;
use tracing_subscriber::EnvFilter;

pub async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let url = config.database_url();
    if let Some(seconds) = config.job_interval_seconds {
        let _ = JOB_INTERVAL.set(Duration::from_secs(seconds.max(1)));
    }
    // One node per SQLite file: take the lock before touching the database.
    let _lock = SqliteLock::for_url(&url)?;
    let app = open_for_serving(&config).await?;
    // Passwords stored in plain text by versions before encryption are sealed now; failing
    // that, they keep working as they are and the next start tries again.
    match app.seal_plain_mail_passwords().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(sealed = n, "encrypted mail passwords stored in plain text"),
        Err(e) => tracing::warn!(error = %e, "encrypting mail passwords stored in plain text"),
    }
    let node = format!("{}-{}", hostname(), std::process::id());
    if let Some(password) = app
        .bootstrap_admin()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        println!("Created the first user. Log in as:");
        println!("  username: admin");
        println!("  password: {password}");
        println!("(shown once; change it with PATCH /api/v1/users/{{id}} or create other admins)");
    }
    steward_web::install_recorder();
    let router = steward_web::router(app.clone(), config.web_options());
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("listening on {}", config.listen))?;
    let addr = listener.local_addr()?;
    println!(
        "Steward is serving http://{addr} (database {})",
        redact(&url)
    );
    println!("API documentation: http://{addr}/api/docs");
    let housekeeping = tokio::spawn(housekeeping(app.clone(), node.clone()));
    let sla_scan = tokio::spawn(sla_scan(app.clone(), node.clone()));
    let clock_recompute = tokio::spawn(clock_recompute(app.clone(), node.clone()));
    let report_days = tokio::spawn(report_days(app.clone(), node.clone()));
    let scheduled_reports = tokio::spawn(scheduled_reports(app.clone(), node.clone()));
    let probes = tokio::spawn(probes(app.clone(), node.clone()));
    let mail = tokio::spawn(mail(app.clone(), node.clone()));
    let webhooks = tokio::spawn(webhooks(app.clone(), node.clone()));
    let improvements = tokio::spawn(improvements(app.clone(), node.clone()));
    let mail_poll = tokio::spawn(crate::resolution::mail_poll::run(
        app.clone(),
        node,
        every(Duration::from_secs(60)),
    ));
    let metrics = match &config.metrics_listen {
        Some(address) => Some(serve_metrics(&app, &config, address).await?),
        None => None,
    };
    steward_web::serve(listener, router, config.serve_options(), shutdown_signal())
        .await
        .context("serving HTTP")?;
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    housekeeping.abort();
    sla_scan.abort();
    clock_recompute.abort();
    report_days.abort();
    scheduled_reports.abort();
    probes.abort();
    improvements.abort();
    mail.abort();
    webhooks.abort();
    mail_poll.abort();
    app.db().close().await;
    println!("Steward stopped");
    Ok(ExitCode::SUCCESS)
}

/// `/metrics` on an address of its own (Prometheus reaches it, users need not).
async fn serve_metrics(
    app: &steward_app::App,
    config: &Config,
    address: &str,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .with_context(|| format!("listening on {address} for metrics"))?;
    println!("Metrics: http://{}/metrics", listener.local_addr()?);
    let router = steward_web::metrics_router(app.clone(), config.web_options());
    let options = config.serve_options();
    Ok(tokio::spawn(async move {
        if let Err(e) = steward_web::serve(listener, router, options, std::future::pending()).await
        {
            tracing::error!(error = %e, "serving metrics");
        }
    }))
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_owned())
        .unwrap_or_else(|_| "node".into())
}

/// Set from `job_interval_seconds`: one interval for every background job, so a test harness
/// sees SLA scans, reports and housekeeping run within seconds.
static JOB_INTERVAL: std::sync::OnceLock<Duration> = std::sync::OnceLock::new();

/// A tick every `default`, or every configured job interval when one is set.
fn every(default: Duration) -> tokio::time::Interval {
    tokio::time::interval(JOB_INTERVAL.get().copied().unwrap_or(default))
}

/// Periodic cleanup; the lease makes it run on one node at a time.
async fn housekeeping(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match app.housekeeping(&node).await {
            Ok(Some(n)) if n > 0 => tracing::info!(removed = n, "housekeeping"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "housekeeping failed"),
        }
    }
}

/// Raises SLA warnings and breaches as they come due; the lease keeps it on one node.
async fn sla_scan(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(10));
    loop {
        tick.tick().await;
        match app.sla_scan(&node).await {
            Ok(Some(n)) if n > 0 => tracing::info!(raised = n, "SLA warnings and breaches"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "SLA scan failed"),
        }
    }
}

/// Recomputes the deadlines that a change to an SLA or calendar with many open tickets under
/// it left to the background; the lease keeps it on one node.
async fn clock_recompute(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(2));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match app.clock_recompute(&node).await {
            Ok(Some(n)) if n > 0 => tracing::info!(tickets = n, "deadlines recomputed"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "recomputing deadlines failed"),
        }
    }
}

/// Folds the daily report counts' deltas; the lease keeps it on one node.
async fn report_days(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match app.compact_report_days(&node).await {
            Ok(Some(n)) if n > 0 => tracing::debug!(days = n, "report days folded"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "folding the report days failed"),
        }
    }
}

/// Outgoing mail: queues the mails new events call for (under a lease, one node), sends what
/// is due (every node; each mail is claimed by one), and once a day queues the digests.
async fn mail(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if let Err(e) = app.mail_dispatch(&node).await {
            tracing::warn!(error = %e, "mail dispatch failed");
        }
        if let Err(e) = app.mail_digest(&node, false).await {
            tracing::warn!(error = %e, "mail digest failed");
        }
        match app.mail_send().await {
            Ok(n) if n > 0 => tracing::info!(sent = n, "mail sent"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail sending failed"),
        }
    }
}

/// Generates the report snapshots that have come due; the lease keeps it on one node.
async fn scheduled_reports(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(60));
    loop {
        tick.tick().await;
        match app.run_due_reports(&node).await {
            Ok(Some(n)) if n > 0 => tracing::info!(generated = n, "scheduled report snapshots"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduled reports failed"),
        }
    }
}

/// Raises the improvement opportunities last month's figures call for (missed availability
/// targets, breached SLAs), once each, and keeps the day's evidence map; the leases keep each
/// on one node.
async fn improvements(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(600));
    loop {
        tick.tick().await;
        match app.raise_improvements(&node).await {
            Ok(Some(n)) if n > 0 => tracing::info!(raised = n, "improvement opportunities"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "raising improvement opportunities failed"),
        }
        match app.snapshot_conformity(&node).await {
            Ok(Some(true)) => tracing::info!("evidence map snapshot taken"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "evidence map snapshot failed"),
        }
    }
}

/// Checks the health probes that are due; the lease keeps it on one node. Each round runs on
/// its own task, so a slow target never delays the next round's other probes; a probe being
/// checked is claimed, so rounds never check it twice at once.
async fn probes(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut rounds = tokio::task::JoinSet::new();
    loop {
        tick.tick().await;
        while rounds.try_join_next().is_some() {}
        let (app, node) = (app.clone(), node.clone());
        rounds.spawn(async move {
            match app.run_due_probes(&node).await {
                Ok(Some(n)) if n > 0 => tracing::debug!(checked = n, "health probes"),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "health probes failed"),
            }
        });
    }
}

/// Enqueues webhook deliveries for new events (the dispatcher's lease keeps that on one node)
/// and sends the due ones (every node sends; each delivery is claimed by one).
async fn webhooks(app: steward_app::App, node: String) {
    let mut tick = every(Duration::from_secs(5));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        match app.run_webhooks(&node).await {
            Ok(n) if n > 0 => tracing::debug!(attempts = n, "webhook deliveries"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "webhook deliveries failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
