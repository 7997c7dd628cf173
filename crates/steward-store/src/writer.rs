//! Group commit on SQLite's single write connection.
//!
//! SQLite runs one writer at a time, and each transaction pays a fixed cost at `BEGIN` and,
//! above all, at `COMMIT` (the WAL frames of every page it touched, the WAL index update and,
//! with `synchronous=FULL`, an fsync). Commands that arrive while another holds the writer
//! therefore share one transaction:
//!
//! * [`Writer::begin`] queues for the connection (a fair, FIFO lock). The first command of a
//!   group opens the transaction with `BEGIN IMMEDIATE` and runs in it directly: if it fails,
//!   nothing else is in the transaction yet, so `ROLLBACK` undoes exactly its changes. Every
//!   later member runs inside its own `SAVEPOINT`, so a command that fails (or is dropped,
//!   e.g. when its request is cancelled) rolls back only its own changes with `ROLLBACK TO`.
//!   (A savepoint is not free: SQLite copies each page the command first touches into a
//!   sub-journal, about a tenth of a create's instructions; a lone command skips it.)
//! * [`SqliteTx::commit`] releases the savepoint, if it has one. If other commands are queued and the group
//!   is below [`MAX_GROUP`], the connection passes to the next one and this command waits;
//!   otherwise the group commits at once. Every member learns the result of the shared
//!   `COMMIT` and returns only then: nothing is acknowledged before it is committed, and a
//!   lone command commits immediately (no added latency at one client).
//! * A command that fails after its savepoint was released cannot touch the others' data:
//!   its changes are merged into the group and the only thing left to fail is the shared
//!   `COMMIT`, which fails (and is reported to) every member alike.
//! * The `COMMIT` runs in its own task, so a caller cancelled while waiting cannot interrupt
//!   it half-way; its command is then committed but not acknowledged, like a reply lost on the
//!   network.
//! * A caller cancelled while one of these statements is on its way to the connection (a
//!   client that disconnects aborts its request) cannot know whether it ran. The slot is then
//!   marked `unsure`, and the next holder rolls back whatever transaction is open and fails
//!   the group, none of which was acknowledged (see [`Slot::recover`]).
//!
//! The audit trail stays one gap-free hash chain: members run one after another on the same
//! connection, each reading the head the previous one left, and a rolled-back savepoint takes
//! its audit entry with it.
use crate::{Result, StoreError};
use sqlx::{Connection, SqliteConnection};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

/// Commands committed together at most. Bounds how long the first member of a group waits
/// for its acknowledgement while later members run.
pub const MAX_GROUP: usize = 64;

/// How long a command waits for the write connection before it gives up (as the pool's
/// acquire timeout did before group commit).
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(30);

/// How a group ends once the database holds the search index's pending list (migration
/// 0050): the search documents its commands noted as pending are indexed, then it commits.
/// FTS5 writes a segment at every savepoint and at every statement that may need undoing, so
/// indexing each document as it was inserted cost each command of a group a segment of its
/// own; here the group's documents make one. One text, so one crossing to the connection's
/// thread: a failure stops it before `COMMIT`, and the group is rolled back as for a failed
/// `COMMIT`.
const INDEX_AND_COMMIT: &str = "INSERT INTO search_fts (rowid, title, body, scope)
     SELECT d.id, d.title, d.body, d.scope FROM search_fts_pending p JOIN search_docs d ON d.id = p.doc_id;
     DELETE FROM search_fts_pending;
     COMMIT";

/// The outcome of a group's `COMMIT`, shared with every member (errors as text: one error
/// value cannot be handed to several callers).
type Outcome = Option<std::result::Result<(), String>>;

/// The single SQLite write connection and the group transaction it may have open.
#[derive(Debug)]
pub struct Writer {
    slot: Arc<Mutex<Slot>>,
    /// Commands waiting in [`Writer::begin`] for the connection.
    waiting: AtomicUsize,
}

#[derive(Debug)]
pub struct Slot {
    /// `None` once the database was closed.
    conn: Option<SqliteConnection>,
    group: Option<Group>,
    /// A command is open: set when it begins, cleared when it commits or is rolled back.
    /// Still set when the next holder arrives only if a command was dropped where no task
    /// could be spawned to roll it back.
    in_command: bool,
    /// The open command runs in a savepoint (it is not the first of its group).
    in_savepoint: bool,
    /// A savepoint is already open for the next command: the one before released its own and
    /// opened this one in the same crossing to the connection's thread, seeing others queued.
    savepoint_ready: bool,
    /// A statement that begins or ends a transaction or savepoint was sent, and its sender was
    /// cancelled (its request aborted) before learning whether it ran: the connection's state
    /// no longer matches the fields above until [`Slot::recover`] runs.
    unsure: bool,
    /// The database has the search index's pending list: each group indexes it before it
    /// commits ([`INDEX_AND_COMMIT`]). Not so in a database not migrated yet.
    indexes_search: bool,
}

#[derive(Debug)]
struct Group {
    /// Commands whose savepoint was released into this transaction.
    members: usize,
    done: watch::Sender<Outcome>,
}

impl Slot {
    pub fn conn(&mut self) -> &mut SqliteConnection {
        self.conn
            .as_mut()
            .expect("the write connection is open while its slot is held")
    }

    /// Looks whether the database has the search index's pending list (see
    /// `indexes_search`): when the connection opens and after migrations.
    pub async fn look_for_pending_search(&mut self) -> Result<()> {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_fts_pending'",
        )
        .fetch_optional(self.conn())
        .await?;
        self.indexes_search = found.is_some();
        Ok(())
    }

    /// Runs one of the statements that begin or end a transaction or savepoint. The statement
    /// runs on the connection's thread even if this future is dropped half-way: `unsure` then
    /// stays set for the next holder.
    async fn exec(&mut self, sql: &'static str) -> Result<()> {
        self.unsure = true;
        let conn = self.conn.as_mut().ok_or(sqlx::Error::PoolClosed)?;
        let done = sqlx::query(sql).execute(conn).await;
        self.unsure = false;
        done?;
        Ok(())
    }

    /// Brings the connection back to a known state after a holder was cancelled mid-statement
    /// (`unsure`): whatever transaction is open is rolled back (`ROLLBACK` fails harmlessly
    /// when none is), and the group, none of whose members was acknowledged, fails. Without
    /// it a cancelled `BEGIN IMMEDIATE` left a transaction no holder knew of, and every later
    /// command failed until a restart.
    async fn recover(&mut self) {
        if !self.unsure {
            return;
        }
        // A cancelled lone COMMIT has normally run, leaving nothing open: say which it was.
        match self.exec("ROLLBACK").await {
            Ok(()) => tracing::warn!(
                "a write was cancelled mid-statement; the transaction it left open is rolled back"
            ),
            Err(e) => tracing::info!(
                error = %e,
                "a write was cancelled mid-statement; it left no transaction open"
            ),
        }
        self.in_command = false;
        self.in_savepoint = false;
        self.savepoint_ready = false;
        if let Some(group) = self.group.take() {
            group.done.send_replace(Some(Err(
                "the transaction was rolled back after a cancelled write".into(),
            )));
        }
    }

    /// Undoes the open command: its savepoint, or, for the first command of a group (which
    /// has none), the whole transaction, which holds nothing else. If undoing a savepoint
    /// fails, SQLite has already rolled the whole transaction back (e.g. after an I/O error)
    /// or the connection is gone: the group then fails as a whole, and its members learn so;
    /// none of them was acknowledged.
    async fn roll_back_command(&mut self) {
        if !self.in_command {
            return;
        }
        self.in_command = false;
        if !self.in_savepoint {
            if let Err(e) = self.exec("ROLLBACK").await {
                // Already rolled back by SQLite itself (an I/O error), or the connection is
                // gone; either way nothing of the command remains.
                tracing::warn!(error = %e, "rolling back a group's first command failed");
            }
            if let Some(group) = self.group.take() {
                group
                    .done
                    .send_replace(Some(Err("the transaction was rolled back".into())));
            }
            return;
        }
        let undone = match self.exec("ROLLBACK TO SAVEPOINT command").await {
            Ok(()) => self.exec("RELEASE SAVEPOINT command").await,
            Err(e) => Err(e),
        };
        if let Err(e) = undone {
            tracing::error!(error = %e, "rolling back a command's savepoint failed; the group fails");
            let _ = self.exec("ROLLBACK").await;
            if let Some(group) = self.group.take() {
                group.done.send_replace(Some(Err(e.to_string())));
            }
        }
    }

    /// Commits the open group (if any) and tells its members the outcome.
    async fn finish(&mut self) {
        self.savepoint_ready = false;
        let Some(group) = self.group.take() else {
            return;
        };
        let commit = if self.indexes_search {
            INDEX_AND_COMMIT
        } else {
            "COMMIT"
        };
        let outcome = match self.exec(commit).await {
            Ok(()) => Ok(()),
            Err(e) => {
                tracing::error!(error = %e, members = group.members, "group commit failed");
                let _ = self.exec("ROLLBACK").await;
                Err(e.to_string())
            }
        };
        group.done.send_replace(Some(outcome));
    }
}

/// Counts a command as queued for the writer while it waits for the lock. If it is cancelled
/// before it gets there and it was the last one queued, the command that left a group open for
/// it is waiting in vain: a task then commits that group.
struct Queued<'a> {
    writer: &'a Arc<Writer>,
    armed: bool,
}

impl<'a> Queued<'a> {
    fn new(writer: &'a Arc<Writer>) -> Self {
        writer.waiting.fetch_add(1, Ordering::SeqCst);
        Queued {
            writer,
            armed: true,
        }
    }

    fn arrived(mut self) {
        self.armed = false;
        self.writer.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        if self.armed && self.writer.waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            let slot = self.writer.slot.clone();
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(async move {
                    let mut slot = slot.lock_owned().await;
                    slot.recover().await;
                    slot.roll_back_command().await;
                    slot.finish().await;
                });
            }
        }
    }
}

impl Writer {
    pub fn new(conn: SqliteConnection) -> Self {
        Writer {
            slot: Arc::new(Mutex::new(Slot {
                conn: Some(conn),
                group: None,
                in_command: false,
                in_savepoint: false,
                savepoint_ready: false,
                unsure: false,
                indexes_search: false,
            })),
            waiting: AtomicUsize::new(0),
        }
    }

    async fn lock(self: &Arc<Self>) -> Result<OwnedMutexGuard<Slot>> {
        let queued = Queued::new(self);
        let slot = tokio::time::timeout(ACQUIRE_TIMEOUT, self.slot.clone().lock_owned())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        queued.arrived();
        if slot.conn.is_none() {
            return Err(sqlx::Error::PoolClosed.into());
        }
        Ok(slot)
    }

    /// The connection alone, outside any group (an open group is committed first): for
    /// migrations and `ANALYZE`, which manage their own transactions.
    pub async fn exclusive(self: &Arc<Self>) -> Result<OwnedMutexGuard<Slot>> {
        let mut slot = self.lock().await?;
        slot.recover().await;
        slot.roll_back_command().await;
        slot.finish().await;
        Ok(slot)
    }

    /// Commits any open group and closes the connection; later commands fail.
    pub async fn close(self: &Arc<Self>) {
        let mut slot = self.slot.clone().lock_owned().await;
        slot.recover().await;
        slot.roll_back_command().await;
        slot.finish().await;
        if let Some(conn) = slot.conn.take() {
            let _ = conn.close().await;
        }
    }
}

/// One command on the SQLite writer: a savepoint inside the current group transaction.
pub struct SqliteTx {
    slot: Option<OwnedMutexGuard<Slot>>,
    writer: Arc<Writer>,
}

impl std::fmt::Debug for SqliteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SqliteTx")
    }
}

impl SqliteTx {
    pub async fn begin(writer: &Arc<Writer>) -> Result<SqliteTx> {
        // Held by the command from here on, so that if its caller is cancelled at any await
        // below, `Drop` puts the connection back in order and finishes the group.
        let mut tx = SqliteTx {
            slot: Some(writer.lock().await?),
            writer: writer.clone(),
        };
        let slot = tx.slot_mut();
        slot.recover().await;
        // Left over only if a command was dropped where no task could be spawned.
        slot.roll_back_command().await;
        if slot.group.is_none() {
            slot.exec("BEGIN IMMEDIATE").await?;
            slot.group = Some(Group {
                members: 0,
                done: watch::channel(None).0,
            });
            slot.in_command = true;
            slot.in_savepoint = false;
            return Ok(tx);
        }
        // The command before may have opened this one's savepoint already.
        if !std::mem::take(&mut slot.savepoint_ready)
            && let Err(e) = slot.exec("SAVEPOINT command").await
        {
            // The transaction is unusable; fail the group rather than commit half of it.
            let _ = slot.exec("ROLLBACK").await;
            if let Some(group) = slot.group.take() {
                group.done.send_replace(Some(Err(e.to_string())));
            }
            return Err(e);
        }
        slot.in_command = true;
        slot.in_savepoint = true;
        Ok(tx)
    }

    fn slot_mut(&mut self) -> &mut Slot {
        self.slot
            .as_mut()
            .expect("a transaction holds the writer until it ends")
    }

    pub fn conn(&mut self) -> &mut SqliteConnection {
        self.slot
            .as_mut()
            .expect("a transaction holds the writer until it ends")
            .conn()
    }

    pub async fn commit(mut self) -> Result<()> {
        let waiting = self.writer.waiting.load(Ordering::SeqCst);
        // Until the release is done the slot stays in `self`: if this caller is cancelled
        // meanwhile, `Drop` puts the connection back in order.
        let slot = self.slot_mut();
        // When others are queued and the group has room, the next one will join it: its
        // savepoint is opened in the same crossing that releases this one. (If it is cancelled
        // meanwhile, the group commits with that savepoint empty and open, which is harmless.)
        let joined_next = slot
            .group
            .as_ref()
            .is_some_and(|g| g.members + 1 < MAX_GROUP)
            && waiting > 0;
        if slot.in_savepoint {
            let release = if joined_next {
                "RELEASE SAVEPOINT command; SAVEPOINT command"
            } else {
                "RELEASE SAVEPOINT command"
            };
            // On an error, drop rolls the command back. (Had the release succeeded and only
            // the new savepoint failed, undoing the command fails, and with it the whole group,
            // none of which was acknowledged.)
            slot.exec(release).await?;
            slot.savepoint_ready = joined_next;
        }
        let mut slot = self
            .slot
            .take()
            .expect("a transaction holds the writer until it ends");
        slot.in_command = false;
        let Some(group) = slot.group.as_mut() else {
            return Err(StoreError::Database(sqlx::Error::WorkerCrashed));
        };
        group.members += 1;
        let mut done = group.done.subscribe();
        let alone = group.members == 1;
        if alone && self.writer.waiting.load(Ordering::SeqCst) == 0 {
            // A lone command commits inline: no task hand-off, which on a busy machine costs
            // scheduler wake-ups. If its caller is cancelled during the COMMIT, only its own
            // acknowledgement is lost; the connection finishes the COMMIT regardless.
            slot.finish().await;
        } else if group.members >= MAX_GROUP || self.writer.waiting.load(Ordering::SeqCst) == 0 {
            // Commit in a task of its own, so that cancelling this caller cannot stop the
            // COMMIT half-way and leave the others without an answer.
            tokio::spawn(async move {
                let mut slot = slot;
                slot.finish().await;
            });
        } else {
            // The next queued command joins this transaction.
            drop(slot);
        }
        let outcome = done
            .wait_for(Option::is_some)
            .await
            .map(|o| o.clone())
            .map_err(|_| StoreError::Database(sqlx::Error::WorkerCrashed))?;
        match outcome {
            Some(Ok(())) => Ok(()),
            Some(Err(e)) => Err(StoreError::Database(sqlx::Error::Protocol(format!(
                "the group commit failed: {e}"
            )))),
            None => unreachable!("wait_for returns a value that is Some"),
        }
    }
}

impl Drop for SqliteTx {
    /// A command that ends without `commit` (an error, or its request was cancelled) rolls
    /// back its savepoint; if no one else is queued, the group commits what its other members
    /// released. That needs the connection, so a task does it while holding the slot.
    fn drop(&mut self) {
        let Some(mut slot) = self.slot.take() else {
            return;
        };
        let writer = self.writer.clone();
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                slot.recover().await;
                slot.roll_back_command().await;
                let full = slot.group.as_ref().is_some_and(|g| g.members >= MAX_GROUP);
                if full || writer.waiting.load(Ordering::SeqCst) == 0 {
                    slot.finish().await;
                }
            });
        }
        // Without a runtime the slot is released with `in_command` set: the next holder rolls
        // the savepoint back before doing anything else.
    }
}

#[cfg(test)]
mod tests {
    use crate::{Db, DbOptions, Ex, Tx};

    async fn temp_db(label: &str) -> (Db, std::path::PathBuf) {
        let (dir, url) = crate::db::temp_sqlite(&format!("writer-{label}"));
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let Ex::Sqlite(c) = tx.ex() else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL UNIQUE)")
            .execute(c)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        (db, dir)
    }

    /// The values in `t`, in insertion order, as a reader on another connection sees them.
    async fn stored(db: &Db) -> Vec<String> {
        let mut conn = db.read().await.unwrap();
        let Ex::Sqlite(c) = conn.ex() else {
            unreachable!()
        };
        sqlx::query_scalar("SELECT v FROM t ORDER BY id")
            .fetch_all(c)
            .await
            .unwrap()
    }

    async fn insert(tx: &mut Tx, v: &str) -> crate::Result<()> {
        let Ex::Sqlite(c) = tx.ex() else {
            unreachable!()
        };
        sqlx::query("INSERT INTO t (v) VALUES ($1)")
            .bind(v)
            .execute(c)
            .await?;
        Ok(())
    }

    /// Commands run concurrently; some fail after they wrote (a duplicate), some are dropped
    /// after they wrote (as a cancelled request is). Exactly the committed ones remain.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_failed_or_dropped_command_leaves_nothing_and_the_others_all_stay() {
        let (db, dir) = temp_db("savepoints").await;

        let mut tasks = Vec::new();
        for i in 0..200 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = db.begin().await?;
                insert(&mut tx, &format!("row {i}")).await?;
                tokio::task::yield_now().await;
                match i % 5 {
                    // Fails after a write: the second insert breaks the unique rule.
                    1 => insert(&mut tx, &format!("row {i}")).await?,
                    // Dropped after a write, without commit or error.
                    3 => return Ok(false),
                    _ => {}
                }
                insert(&mut tx, &format!("row {i} second")).await?;
                tx.commit().await?;
                Ok::<_, crate::StoreError>(true)
            }));
        }
        let mut committed = std::collections::BTreeSet::new();
        for (i, task) in tasks.into_iter().enumerate() {
            match task.await.unwrap() {
                Ok(true) => {
                    committed.insert(format!("row {i}"));
                    committed.insert(format!("row {i} second"));
                }
                Ok(false) => assert_eq!(i % 5, 3),
                Err(crate::StoreError::Duplicate(_)) => assert_eq!(i % 5, 1),
                Err(e) => panic!("command {i}: {e}"),
            }
        }
        assert_eq!(committed.len(), 2 * 120);
        let stored: std::collections::BTreeSet<String> = stored(&db).await.into_iter().collect();
        assert_eq!(stored, committed);
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// Runs `f` until it finishes or has had to wait `waits` times, then drops it there, as a
    /// request's task is dropped when its client goes away.
    async fn cancel_after_waits<F: std::future::Future>(waits: usize, f: F) -> Option<F::Output> {
        let mut f = std::pin::pin!(f);
        let mut left = waits;
        std::future::poll_fn(move |cx| match f.as_mut().poll(cx) {
            std::task::Poll::Ready(v) => std::task::Poll::Ready(Some(v)),
            std::task::Poll::Pending if left == 0 => std::task::Poll::Ready(None),
            std::task::Poll::Pending => {
                left -= 1;
                std::task::Poll::Pending
            }
        })
        .await
    }

    /// Commands cancelled at any point (a client that disconnects aborts its request's task),
    /// including while `BEGIN`, `SAVEPOINT`, `RELEASE` or `COMMIT` is on its way to the
    /// connection: the writer keeps working, every acknowledged command is stored, and nothing
    /// is stored that was not attempted. A `BEGIN IMMEDIATE` whose caller was cancelled once
    /// left a transaction open that no holder knew of, and every later command failed with
    /// "cannot start a transaction within a transaction" until a restart.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn commands_cancelled_anywhere_leave_the_writer_working() {
        let (db, dir) = temp_db("cancelled").await;
        let mut acknowledged = std::collections::BTreeSet::new();
        for round in 0..30u64 {
            let mut tasks = Vec::new();
            for i in 0..24u64 {
                let db = db.clone();
                let v = format!("row {round}-{i}");
                // Dropped after from 0 to 13 waits: some commands are cancelled before they
                // start, some in the middle, some while committing, and some finish.
                let polls = usize::try_from((round * 7 + i * 5) % 14).unwrap();
                tasks.push(tokio::spawn(async move {
                    let command = async {
                        let mut tx = db.begin().await?;
                        insert(&mut tx, &v).await?;
                        tx.commit().await?;
                        Ok::<_, crate::StoreError>(())
                    };
                    match cancel_after_waits(polls, command).await {
                        Some(Ok(())) => Some(v),
                        // Cancelled, or told that its group failed: not acknowledged.
                        _ => None,
                    }
                }));
            }
            for task in tasks {
                if let Some(v) = task.await.unwrap() {
                    acknowledged.insert(v);
                }
            }
        }
        assert!(
            !acknowledged.is_empty() && acknowledged.len() < 30 * 24,
            "some commands finish and some are cancelled: {} acknowledged",
            acknowledged.len()
        );
        // The writer still works.
        let mut tx = db
            .begin()
            .await
            .expect("a command after the cancellations begins");
        insert(&mut tx, "after").await.unwrap();
        tx.commit().await.expect("and commits");
        let stored: std::collections::BTreeSet<String> = stored(&db).await.into_iter().collect();
        assert!(stored.contains("after"));
        for v in &acknowledged {
            assert!(stored.contains(v), "acknowledged but not stored: {v}");
        }
        assert!(
            stored.iter().all(|v| v == "after" || v.starts_with("row ")),
            "{stored:?}"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// The first command of a group runs without a savepoint: when it fails or is dropped
    /// after writing, the whole (otherwise empty) transaction is rolled back, and the next
    /// command starts a new one.
    #[tokio::test]
    async fn a_lone_command_that_fails_leaves_nothing_behind() {
        let (db, dir) = temp_db("lone-fails").await;
        let mut tx = db.begin().await.unwrap();
        insert(&mut tx, "kept").await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = db.begin().await.unwrap();
        insert(&mut tx, "failed first").await.unwrap();
        assert!(matches!(
            insert(&mut tx, "kept").await,
            Err(crate::StoreError::Duplicate(_))
        ));
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        insert(&mut tx, "dropped").await.unwrap();
        drop(tx);
        let mut tx = db.begin().await.unwrap();
        insert(&mut tx, "after").await.unwrap();
        tx.commit().await.unwrap();

        assert_eq!(stored(&db).await, ["kept", "after"]);
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }

    /// A command that commits while no other is queued is committed when `commit` returns:
    /// a reader on another connection sees it straight away.
    #[tokio::test]
    async fn a_lone_command_is_visible_to_readers_when_commit_returns() {
        let (db, dir) = temp_db("lone").await;
        for i in 0..5 {
            let mut tx = db.begin().await.unwrap();
            insert(&mut tx, &format!("row {i}")).await.unwrap();
            tx.commit().await.unwrap();
            assert_eq!(stored(&db).await.len(), i + 1);
        }
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
