use crate::checkpointer::{self, Checkpointer};
pub use crate::writer::SqliteTx;
use crate::writer::Writer;
use crate::writer_thread::WriterThread;
use crate::{Result, StoreError};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{
    Connection, PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool, Transaction,
};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

/// How hard SQLite syncs each commit to disk (see the README's *Durability* section).
pub use sqlx::sqlite::SqliteSynchronous;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Connections for readers (SQLite) or for everything (PostgreSQL).
    pub max_connections: u32,
    pub busy_timeout: Duration,
    /// SQLite's `synchronous` pragma (with WAL); ignored on PostgreSQL.
    pub sqlite_synchronous: SqliteSynchronous,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            busy_timeout: Duration::from_secs(5),
            sqlite_synchronous: SqliteSynchronous::Normal,
        }
    }
}

/// Prepared statements each connection keeps (sqlx's default is 100). A create alone runs
/// about twenty distinct statements, and the single SQLite writer serves every command, so
/// the default evicted statements that the next command re-prepared.
const STATEMENT_CACHE: usize = 1024;

#[derive(Clone, Debug)]
enum Pools {
    /// Writers queue for the single write connection (async, in order) rather than spinning
    /// in SQLite's busy handler, and are committed in groups (see [`Writer`]); readers run in
    /// parallel under WAL.
    Sqlite {
        read: SqlitePool,
        write: Arc<Writer>,
        thread: Arc<WriterThread>,
        checkpointer: Arc<Checkpointer>,
    },
    Postgres(PgPool),
}

/// A handle on the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pools: Pools,
}

/// A borrowed connection of either backend: what every query function takes.
pub enum Ex<'a> {
    Sqlite(&'a mut SqliteConnection),
    Postgres(&'a mut PgConnection),
}

impl Ex<'_> {
    /// Reborrows, so that one `Ex` can serve several query functions in a row.
    pub fn by_ref(&mut self) -> Ex<'_> {
        match self {
            Ex::Sqlite(c) => Ex::Sqlite(c),
            Ex::Postgres(c) => Ex::Postgres(c),
        }
    }
}

/// Runs the same code against whichever backend an [`Ex`] holds. Inside `$body`, `$c` is a
/// `&mut` connection of the concrete type, so sqlx infers the database from it.
#[macro_export]
macro_rules! on {
    ($ex:expr, $c:ident => $body:expr) => {
        match $ex {
            $crate::Ex::Sqlite($c) => $body,
            $crate::Ex::Postgres($c) => $body,
        }
    };
}

/// A write transaction: one command. On SQLite it is a savepoint inside a group transaction
/// that began with `BEGIN IMMEDIATE` (so it holds the write lock from the start and a
/// read-then-write can never fail half-way with a busy snapshot); see [`Writer`]. Dropping it
/// without [`Tx::commit`] rolls the command back.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Tx::Sqlite(t) => Ex::Sqlite(t.conn()),
            Tx::Postgres(t) => Ex::Postgres(t),
        }
    }

    /// Commits the command. Returns only once its changes are committed to the database
    /// (on SQLite: once the group transaction it joined has committed), so a caller that
    /// acknowledges after this never acknowledges a write a crash could take back (beyond
    /// what the configured `synchronous` mode allows).
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// A pooled connection for reads.
pub enum Conn {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Conn {
    pub fn ex(&mut self) -> Ex<'_> {
        match self {
            Conn::Sqlite(c) => Ex::Sqlite(c),
            Conn::Postgres(c) => Ex::Postgres(c),
        }
    }
}

impl Db {
    /// Opens `sqlite://PATH` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str, options: &DbOptions) -> Result<Db> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, options).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
            let connect = connect.statement_cache_capacity(STATEMENT_CACHE);
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(connect)
                .await?;
            Ok(Db {
                pools: Pools::Postgres(pool),
            })
        } else {
            Err(StoreError::BadUrl {
                url: url.to_owned(),
                reason: "expected sqlite://PATH or postgres://…".into(),
            })
        }
    }

    async fn connect_sqlite(url: &str, options: &DbOptions) -> Result<Db> {
        let connect = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::BadUrl {
                url: url.to_owned(),
                reason: e.to_string(),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(options.sqlite_synchronous)
            .busy_timeout(options.busy_timeout)
            .foreign_keys(true)
            .statement_cache_capacity(STATEMENT_CACHE)
            .pragma("temp_store", "memory");
        if let Some(dir) = connect
            .get_filename()
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)?;
        }
        // Opened from the writer thread, so that the connection's own thread shares its CPU.
        let thread = Arc::new(WriterThread::start()?);
        // Checkpoints are the checkpointer's; the writer's own is a backstop.
        let opening = connect
            .clone()
            .pragma("wal_autocheckpoint", checkpointer::BACKSTOP_PAGES);
        let conn = thread
            .handle()
            .spawn(async move { SqliteConnection::connect_with(&opening).await })
            .await
            .map_err(|e| std::io::Error::other(format!("opening the write connection: {e}")))??;
        thread.stop_preempting_on_wakeup().await;
        let write = Arc::new(Writer::new(conn));
        write.exclusive().await?.look_for_pending_search().await?;
        // Opened here, not on the writer thread: its work belongs on the other CPUs.
        let checkpointer = Arc::new(Checkpointer::start(&connect).await?);
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(connect.read_only(true))
            .await?;
        Ok(Db {
            pools: Pools::Sqlite {
                read,
                write,
                thread,
                checkpointer,
            },
        })
    }

    /// Applies pending migrations. On PostgreSQL sqlx holds an advisory lock meanwhile, so
    /// several nodes starting at once migrate exactly once.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let mut slot = write.exclusive().await?;
                SQLITE_MIGRATIONS.run(slot.conn()).await?;
                slot.look_for_pending_search().await?
            }
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Versions of the migrations this binary carries for the backend of `url`, ascending:
    /// what `migrate` would bring a database to.
    pub fn migration_versions(url: &str) -> Vec<i64> {
        let migrator = if url.starts_with("sqlite:") {
            &SQLITE_MIGRATIONS
        } else {
            &POSTGRES_MIGRATIONS
        };
        let mut versions: Vec<i64> = migrator
            .iter()
            .filter(|m| !m.migration_type.is_down_migration())
            .map(|m| m.version)
            .collect();
        versions.sort_unstable();
        versions
    }

    pub async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pools {
            Pools::Sqlite { write, .. } => Tx::Sqlite(SqliteTx::begin(write).await?),
            Pools::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// The runtime that write commands should run on to be fastest: on SQLite, the writer
    /// thread's (see [`WriterThread`]); `None` on PostgreSQL, where any task is as good.
    pub fn writer_runtime(&self) -> Option<tokio::runtime::Handle> {
        match &self.pools {
            Pools::Sqlite { thread, .. } => Some(thread.handle().clone()),
            Pools::Postgres(_) => None,
        }
    }

    pub async fn read(&self) -> Result<Conn> {
        Ok(match &self.pools {
            Pools::Sqlite { read, .. } => Conn::Sqlite(read.acquire().await?),
            Pools::Postgres(pool) => Conn::Postgres(pool.acquire().await?),
        })
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.read().await?;
        on!(conn.ex(), c => sqlx::query("SELECT 1").execute(c).await.map(|_| ()))?;
        Ok(())
    }

    /// Refreshes the planner's statistics, e.g. after a bulk import, so that recursive and
    /// filtered queries get index plans straight away rather than after autovacuum.
    pub async fn analyze(&self) -> Result<()> {
        match &self.pools {
            Pools::Sqlite { write, .. } => {
                let mut slot = write.exclusive().await?;
                sqlx::query("ANALYZE")
                    .execute(slot.conn())
                    .await
                    .map(|_| ())?
            }
            Pools::Postgres(pool) => sqlx::query("ANALYZE").execute(pool).await.map(|_| ())?,
        }
        Ok(())
    }

    pub async fn close(&self) {
        match &self.pools {
            Pools::Sqlite {
                read,
                write,
                checkpointer,
                ..
            } => {
                checkpointer.stop();
                read.close().await;
                write.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// A new directory for a unit test's SQLite database: the directory and the database's
/// `sqlite://` URL in it.
#[cfg(test)]
pub(crate) fn temp_sqlite(label: &str) -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!(
        "steward-{label}-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_microsecond()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    (dir, url)
}

#[cfg(test)]
mod tests {
    use sqlx::Connection;

    /// `.cargo/config.toml` compiles the bundled SQLite without the process-wide mutexes on
    /// every allocation and on the page cache, which made parallel reads queue (see there).
    /// Lost settings there would cost searches at 16 clients about half their throughput.
    #[tokio::test]
    async fn sqlite_is_built_without_process_wide_allocation_locks() {
        let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
            .await
            .unwrap();
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
            .fetch_all(&mut c)
            .await
            .unwrap();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }
}
