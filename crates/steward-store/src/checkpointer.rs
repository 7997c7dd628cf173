//! SQLite's WAL checkpoints, off the write connection.
//!
//! A checkpoint copies the pages committed to the write-ahead log back into the database file
//! and syncs it. SQLite runs one automatically on the connection whose commit takes the log
//! past 1,000 pages: on the single write connection, on the CPU every write's statements queue
//! for. At 16 clients creating incidents that was a tenth of the write connection's time
//! (bench/README.md, "The search index once per commit, and checkpoints on their own
//! connection"). Checkpointing less often on that connection is cheaper per write (a page
//! written many times is copied once), but then each one stalls every write for tens of
//! milliseconds. So a connection of its own checkpoints every tenth of a second, in `PASSIVE`
//! mode, which never waits for or blocks the writer or the readers, and only when something
//! was committed since. The write connection's own automatic checkpoint stays, at
//! [`BACKSTOP_PAGES`], for when this one cannot keep up.
//!
//! Checkpoints change nothing a reader sees, and nothing of what a crash keeps: a committed
//! transaction is in the log (synced as `synchronous` says) whether or not it was copied yet.
use crate::Result;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, SqliteConnection};
use std::time::Duration;
use tokio::task::AbortHandle;
use tokio::time::MissedTickBehavior;

/// How often the log is copied back, at most. A quarter second measured as fast, but its
/// larger copies, made on the CPUs that serve the requests, doubled the 99th percentile of a
/// create's time; at a tenth it stayed as before (bench/README.md).
const EVERY: Duration = Duration::from_millis(100);

/// The write connection's own automatic checkpoint, in pages of log: far beyond what a
/// tenth of a second of writes adds, so it runs only when this checkpointer falls behind.
pub const BACKSTOP_PAGES: &str = "20000";

/// The running checkpointer; it stops when this value is dropped.
#[derive(Debug)]
pub struct Checkpointer {
    task: AbortHandle,
}

impl Checkpointer {
    /// Opens the checkpointer's connection with `options` (the write connection's) and
    /// starts it on the current runtime.
    pub async fn start(options: &SqliteConnectOptions) -> Result<Self> {
        let mut conn = SqliteConnection::connect_with(options).await?;
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(EVERY);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            // Changes when another connection commits (SQLite's `data_version`).
            let mut seen: Option<i64> = None;
            loop {
                tick.tick().await;
                let version: i64 = match sqlx::query_scalar("PRAGMA data_version")
                    .fetch_one(&mut conn)
                    .await
                {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading whether the database changed");
                        continue;
                    }
                };
                if seen == Some(version) {
                    continue;
                }
                seen = Some(version);
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&mut conn)
                    .await
                {
                    // Another checkpoint is running (the write connection's backstop).
                    tracing::debug!(error = %e, "WAL checkpoint");
                }
            }
        })
        .abort_handle();
        Ok(Checkpointer { task })
    }

    pub fn stop(&self) {
        self.task.abort();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use crate::{Db, DbOptions, Ex};

    /// A megabyte committed goes to the log; the checkpointer copies it into the database
    /// file. (The write connection's own checkpoint waits for far more than that, so without
    /// the checkpointer the file keeps its size.)
    #[tokio::test]
    async fn the_checkpointer_copies_commits_into_the_database_file() {
        let (dir, url) = crate::db::temp_sqlite("checkpointer");
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        let file = dir.join("t.db");
        let mut tx = db.begin().await.unwrap();
        let Ex::Sqlite(c) = tx.ex() else {
            unreachable!()
        };
        sqlx::query("CREATE TABLE t (b BLOB NOT NULL)")
            .execute(&mut *c)
            .await
            .unwrap();
        sqlx::query("INSERT INTO t (b) VALUES (zeroblob(1048576))")
            .execute(&mut *c)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let size = || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        // A bound on the wait, not a measure of speed: it is a hundred ticks.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while size() < 1_048_576 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            size() >= 1_048_576,
            "the database file holds the commit: {} bytes",
            size()
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
