//! The thread SQLite's write commands run on, sharing one CPU with the write connection.
//!
//! sqlx runs each SQLite connection on a thread of its own, and every statement crosses to
//! that thread and back. A create runs about seventeen statements on the one write
//! connection, one after another. When the task that issues them runs on another CPU than the
//! connection's thread, each crossing wakes the other CPU (on a virtual machine, an idle vCPU
//! resumed by the host), and the writer's serial path is made of those waits: at 16 clients
//! the CPUs were 55 % idle while creates stopped near 1,000/s (bench/README.md).
//!
//! So the commands that write (the web layer sends every mutating request here) run on a
//! single-threaded runtime whose thread is pinned to one CPU, and the write connection is
//! opened from that thread, so that its own thread inherits the pin. A statement's crossing
//! is then a switch between two threads of the same CPU. Readers, background jobs and the
//! rest of the server run on the main runtime, on every CPU, as before; a command started
//! there still works, it only crosses CPUs as it did.
//!
//! Once the connection is open, the writer thread (not the connection's, which started under
//! the default policy) goes under `SCHED_BATCH`: a woken thread of the default policy
//! preempts the one that woke it, so the writer, woken by a statement's first row, took the
//! CPU from the connection's thread before it had finished the statement, and the two
//! switched back and forth twice more per statement. A batch thread waits until the
//! connection's thread blocks for its next command. Measured at 16 clients on two CPUs: the
//! writer thread's CPU per create fell by about a third, and creates rose 12-23 %
//! (bench/README.md, 2026-12-07).
use tokio::runtime::Handle;
use tokio::sync::oneshot;

/// A dedicated thread running a single-threaded runtime until this value is dropped.
#[derive(Debug)]
pub struct WriterThread {
    handle: Handle,
    /// Dropping it ends the thread's runtime (and with it any task still on it).
    _stop: oneshot::Sender<()>,
}

impl WriterThread {
    pub fn start() -> std::io::Result<Self> {
        let (stop, stopped) = oneshot::channel::<()>();
        let (ready, handle) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("steward-writer".into())
            .spawn(move || {
                pin_to_one_cpu();
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                let _ = ready.send(Ok(runtime.handle().clone()));
                // Returns when the sender is dropped, with or without a value.
                let _ = runtime.block_on(stopped);
            })?;
        let handle = handle
            .recv()
            .map_err(|_| std::io::Error::other("the writer thread stopped at its start"))??;
        Ok(WriterThread {
            handle,
            _stop: stop,
        })
    }

    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Puts the writer thread under `SCHED_BATCH` (see the module's note); threads it starts
    /// from now on inherit it, so call it after opening the write connection. A failure only
    /// costs speed, so it is logged and otherwise ignored.
    pub async fn stop_preempting_on_wakeup(&self) {
        if let Err(e) = self.handle.spawn(async { batch_policy() }).await {
            tracing::warn!(error = %e, "setting the writer thread's scheduling policy");
        }
    }
}

#[cfg(target_os = "linux")]
fn batch_policy() {
    use thread_priority::unix::{
        NormalThreadSchedulePolicy, ThreadSchedulePolicy, set_thread_priority_and_policy,
        thread_native_id,
    };
    use thread_priority::{ThreadPriority, ThreadPriorityOsValue};
    // The niceness stays 0, the default policy's own.
    if let Err(e) = set_thread_priority_and_policy(
        thread_native_id(),
        ThreadPriority::Os(ThreadPriorityOsValue::default()),
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Batch),
    ) {
        tracing::warn!(error = %e, "putting the writer thread under SCHED_BATCH");
    }
}

#[cfg(not(target_os = "linux"))]
fn batch_policy() {}

/// Pins the calling thread to the last CPU it may run on (the first ones tend to take more
/// of the machine's interrupts). Threads it starts inherit the pin. A failure only costs
/// speed, so it is logged and otherwise ignored.
#[cfg(target_os = "linux")]
fn pin_to_one_cpu() {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    use nix::unistd::Pid;
    let this_thread = Pid::from_raw(0);
    let allowed = match sched_getaffinity(this_thread) {
        Ok(set) => set,
        Err(e) => {
            tracing::warn!(error = %e, "reading the writer thread's CPUs");
            return;
        }
    };
    let cpus: Vec<usize> = (0..CpuSet::count())
        .filter(|&cpu| allowed.is_set(cpu).unwrap_or(false))
        .collect();
    let Some(&last) = cpus.last() else {
        return;
    };
    if cpus.len() == 1 {
        return;
    }
    let mut one = CpuSet::new();
    if let Err(e) = one
        .set(last)
        .and_then(|()| sched_setaffinity(this_thread, &one))
    {
        tracing::warn!(error = %e, cpu = last, "pinning the writer thread");
    }
}

#[cfg(not(target_os = "linux"))]
fn pin_to_one_cpu() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use crate::{Db, DbOptions};

    /// Each thread of this process by name, with the CPUs it may run on (from /proc).
    fn threads() -> Vec<(String, String)> {
        threads_with_policy()
            .into_iter()
            .map(|(name, cpus, _)| (name, cpus))
            .collect()
    }

    /// [`threads`] with each thread's scheduling policy (`stat` field 41: 0 the default, 3
    /// `SCHED_BATCH`).
    fn threads_with_policy() -> Vec<(String, String, u32)> {
        let mut found = Vec::new();
        for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
            let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_owned())
                    .unwrap_or_default()
            };
            let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
            let policy = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(38))
                .and_then(|p| p.parse().ok())
                .unwrap_or(u32::MAX);
            found.push((field("Name:"), field("Cpus_allowed_list:"), policy));
        }
        found
    }

    /// The write connection's own thread (opened from the writer thread) runs on the writer
    /// thread's one CPU; the readers' threads keep every CPU. (Without the pin inherited, no
    /// SQLite thread would run on one CPU only.)
    #[tokio::test]
    async fn the_write_connection_shares_the_writer_threads_cpu_and_the_writer_yields_to_it() {
        let all_cpus = threads().into_iter().next().map(|(_, cpus)| cpus).unwrap();
        if !all_cpus.contains(['-', ',']) {
            println!("skipped: this process may run on one CPU only ({all_cpus})");
            return;
        }
        let dir = std::env::temp_dir().join(format!("steward-writer-cpu-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("t.db").display());
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        // Other tests of this process open databases at the same time: each has its writer
        // thread and write connection, so the check is per CPU, not a count.
        let threads = threads();
        let pinned_writers: Vec<&String> = threads
            .iter()
            .filter(|(name, _)| name == "steward-writer")
            .map(|(_, cpus)| cpus)
            .collect();
        assert!(!pinned_writers.is_empty(), "{threads:?}");
        assert!(
            pinned_writers
                .iter()
                .all(|cpus| cpus.parse::<usize>().is_ok()),
            "every writer thread runs on one CPU: {threads:?}"
        );
        let sqlite: Vec<&String> = threads
            .iter()
            .filter(|(name, _)| name.starts_with("sqlx-sqlite"))
            .map(|(_, cpus)| cpus)
            .collect();
        assert!(
            sqlite.iter().any(|cpus| pinned_writers.contains(cpus)),
            "a write connection runs on its writer thread's CPU: {threads:?}"
        );
        assert!(
            sqlite.iter().any(|cpus| **cpus == all_cpus),
            "the readers keep every CPU: {threads:?}"
        );
        let policies = threads_with_policy();
        assert!(
            policies
                .iter()
                .filter(|(name, _, _)| name == "steward-writer")
                .any(|(_, _, policy)| *policy == 3),
            "this database's writer thread runs under SCHED_BATCH (others may still be opening): {policies:?}"
        );
        assert!(
            policies
                .iter()
                .filter(|(name, _, _)| name.starts_with("sqlx-sqlite"))
                .all(|(_, _, policy)| *policy == 0),
            "no SQLite connection thread does, the write connection's included: {policies:?}"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
