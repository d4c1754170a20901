//! The SQLite database: connection settings, a small pool that keeps every rusqlite call off the
//! async workers (readers on tokio's blocking threads, the writer on a thread of its own that
//! commits concurrent writes together), migrations and online backup. Feature modules own their
//! SQL and take a `&Connection` (reads) or a `&Transaction` (writes) from here.

mod backup;
mod checkpoint;
pub mod decoded;
mod migrations;
mod sigbus;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction};
use tokio::sync::{Semaphore, oneshot};

pub use backup::backup_to;
pub use migrations::{LATEST_VERSION, migrate};
pub use sigbus::report_sigbus_and_exit;

/// How long a connection waits for another writer before giving up with SQLITE_BUSY.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);
/// Prepared statements each connection keeps (see `configure`).
const STATEMENT_CACHE: usize = 128;

/// Read connections kept open; SQLite in WAL mode lets them all read while one writes.
const READERS: usize = 4;

/// Long reads (`Db::read_apart`: a report with bootstrap intervals) run at the same time; more
/// wait their turn.
const LONG_READS: usize = 2;

/// Errors of the database layer.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database {path} has schema version {found}, newer than this fieldwork understands \
         (up to {supported}); run a newer fieldwork, or restore a backup"
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("could not back up the database before migrating: {0}")]
    PreMigrationBackup(String),
    #[error("{0}")]
    Backup(String),
    #[error("a database task stopped unexpectedly")]
    TaskFailed,
    #[error(
        "cannot write to the database {path}: {reason}. fieldwork must be able to write the file and \
         the -wal and -shm files beside it, and to create files in its folder: check their owner and \
         permissions, the immutable flag (lsattr), that the file system is not mounted read-only and \
         that it has free space, then start again."
    )]
    Unwritable { path: PathBuf, reason: String },
}

impl DbError {
    /// True when the failure is the disk or file refusing a write (full, read-only, I/O), which a
    /// person can retry later, as opposed to a bug.
    pub fn is_storage_unavailable(&self) -> bool {
        use rusqlite::ErrorCode::*;
        matches!(
            self,
            DbError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
                if matches!(e.code, DiskFull | ReadOnly | SystemIoFailure | CannotOpen | DatabaseBusy | DatabaseLocked)
        )
    }
}

/// Opens a connection with the settings every fieldwork connection needs.
pub fn open(path: &Path) -> Result<Connection, DbError> {
    let conn = open_unchanged(path)?;
    use_wal(&conn)?;
    Ok(conn)
}

/// Opens a connection with the per-connection settings only, changing nothing in the file (not
/// its journal mode): for looking at a file before deciding to use it.
fn open_unchanged(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open(path)?;
    configure(&conn)?;
    Ok(conn)
}

/// WAL lets readers go on while one connection writes. It is a setting of the file, kept.
fn use_wal(conn: &Connection) -> Result<(), DbError> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    Ok(())
}

/// Refuses a database that cannot be written (the file, its WAL or shared memory, or its folder
/// unwritable or immutable, a read-only file system, a full disk), with what to check. SQLite
/// would open it read-only without a word, and every save would fail until a restart, even
/// once the trouble was gone.
pub fn check_writable(path: &Path) -> Result<(), DbError> {
    let unwritable = |reason: String| DbError::Unwritable { path: path.to_path_buf(), reason };
    let mut conn = open(path).map_err(|e| unwritable(e.to_string()))?;
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true) {
        return Err(unwritable("it could only be opened read-only".into()));
    }
    let mut try_a_write = || -> Result<(), DbError> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        probe_write(&tx)?;
        tx.commit()?;
        Ok(())
    };
    let tried = try_a_write();
    tried.map_err(|e| unwritable(e.to_string()))
}

/// A write that changes nothing but is written and synced like any other: whether saving works.
/// (Rewriting a row with its own value would not do: SQLite skips a cell that does not change.
/// Setting the schema version marks the file's first page as changed whatever the value.)
fn probe_write(conn: &Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    conn.pragma_update(None, "user_version", version)?;
    Ok(())
}

fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    configure(&conn)?;
    Ok(conn)
}

fn configure(conn: &Connection) -> Result<(), DbError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Statements prepared with `prepare_cached` stay prepared: rusqlite keeps 16 by default, fewer
    // than the staff pages' lookups by key (session, user, scope, queue), which then re-parsed
    // their SQL on every request.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    // synchronous=FULL fsyncs the WAL at every commit, so a response we acknowledged survives a
    // power cut, not just a process crash.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Deleted rows are overwritten with zeros, not left in free space: erasing a participant
    // must leave no copy of their data in the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
    Ok(())
}

/// A handle to the database, cheap to clone. One writer connection (SQLite allows one writer at a
/// time anyway) on its own thread, and a few readers used on tokio's blocking threads.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// The writer thread's queue; the thread ends when the last `Db` is dropped.
    writer: mpsc::Sender<writer::Work>,
    readers: Mutex<Vec<Connection>>,
    reader_slots: Semaphore,
    long_read_slots: Semaphore,
    /// Why the last batch of writes failed, while saving fails for want of storage.
    saving: Arc<writer::Saving>,
}

impl Db {
    /// Opens the pool on an already migrated database.
    pub fn open(path: &Path) -> Result<Self, DbError> {
        let connection = open(path)?;
        let readers = (0..READERS).map(|_| open_reader(path)).collect::<Result<Vec<_>, _>>()?;
        checkpoint::take_over(&connection);
        let (queue, work) = mpsc::channel();
        let saving = Arc::new(writer::Saving::default());
        let reported = Arc::clone(&saving);
        std::thread::Builder::new()
            .name("fieldwork-db-writer".into())
            .spawn(move || writer::run(connection, work, &reported))
            .map_err(|_| DbError::TaskFailed)?;
        Ok(Db {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: queue,
                readers: Mutex::new(readers),
                reader_slots: Semaphore::new(READERS),
                long_read_slots: Semaphore::new(LONG_READS),
                saving,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` on a read connection.
    pub async fn read<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let _slot = self.inner.reader_slots.acquire().await.map_err(|_| DbError::TaskFailed)?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = match inner.take_reader() {
                Some(conn) => conn,
                // A reader is lost only if a closure panicked; replace it.
                None => open_reader(&inner.path)?,
            };
            let result = f(&conn);
            inner.return_reader(conn);
            result
        })
        .await
        .map_err(|_| DbError::TaskFailed)?
    }

    /// Runs `f`, a long read (seconds: a report that reads a survey and computes bootstrap
    /// intervals over it), on a read connection of its own on a blocking thread, so that the
    /// pooled readers stay free for the pages and respondents' lookups; `LONG_READS` at a time.
    pub async fn read_apart<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        let _slot = self.inner.long_read_slots.acquire().await.map_err(|_| DbError::TaskFailed)?;
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || f(&open_reader(&path)?)).await.map_err(|_| DbError::TaskFailed)?
    }

    /// Runs `f` on a read connection right here, on the calling async worker: for a few lookups by
    /// key only (the respondent pages' survey status, response and answers), which take
    /// microseconds in WAL mode, where a reader never waits for the writer. Handing them to a
    /// blocking thread and back cost more than the lookups themselves (see docs/performance.md).
    /// Falls back to `read` when no read connection is free.
    pub async fn read_by_key<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, DbError> + Send + 'static,
    {
        if let Ok(_slot) = self.inner.reader_slots.try_acquire()
            && let Some(conn) = self.inner.take_reader()
        {
            let result = f(&conn);
            self.inner.return_reader(conn);
            return result;
        }
        self.read(f).await
    }

    /// Runs `f` on the writer inside an IMMEDIATE transaction (IMMEDIATE takes the write lock up
    /// front, so a read-then-write transaction never fails halfway with SQLITE_BUSY). Its changes
    /// are kept when it returns Ok and undone when it returns Err; Ok comes back only once they
    /// are committed and on disk. Writes queued at the same time share one transaction (group
    /// commit), each in its own savepoint, so `f` sees the writes committed before it.
    pub async fn write<T, F>(&self, f: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction) -> Result<T, DbError> + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        self.send(writer::Work::Write(Box::new(writer::Job::new(f, reply))))?;
        result.await.map_err(|_| DbError::TaskFailed)?
    }

    /// Runs `step` in a write of its own, again and again until it returns 0 (what it did: none
    /// left to do): a bulk change cut into short writes, so that the writes queued meanwhile (a
    /// respondent's save) are committed between them rather than after all of it.
    pub async fn write_in_batches<F>(&self, step: F) -> Result<(), DbError>
    where
        F: Fn(&Transaction) -> Result<usize, DbError> + Send + Sync + 'static,
    {
        let step = Arc::new(step);
        loop {
            let this = Arc::clone(&step);
            if self.write(move |tx| this(tx)).await? == 0 {
                return Ok(());
            }
        }
    }

    /// Whether the database can be read: a statement that reads nothing, on a reader.
    pub async fn check_reading(&self) -> Result<(), DbError> {
        self.read(|conn| Ok(conn.prepare_cached("SELECT 1")?.query_row([], |row| row.get::<_, i64>(0))?))
            .await
            .map(drop)
    }

    /// Whether saving works: Ok at once when the last batch of writes was saved; otherwise a
    /// write that changes nothing is tried now, so that the answer changes as soon as saving works
    /// again (a full disk cleared, files writable again), with or without other writes.
    pub async fn check_saving(&self) -> Result<(), DbError> {
        if self.inner.saving.failure().is_none() {
            return Ok(());
        }
        self.write(|tx| probe_write(tx)).await
    }

    /// After data was erased: copies the WAL into the main file and empties it, so that no page
    /// image from before the erasure is left in the write-ahead log (secure_delete has already
    /// zeroed the freed space). Retries while a reader still holds an older snapshot.
    pub async fn forget_deleted(&self) -> Result<(), DbError> {
        for _ in 0..50 {
            let (reply, result) = oneshot::channel();
            self.send(writer::Work::Raw(Box::new(move |conn| {
                let busy = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
                let _ = reply.send(busy.map_err(DbError::from));
            })))?;
            if result.await.map_err(|_| DbError::TaskFailed)?? == 0 {
                return Ok(());
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        tracing::warn!("the write-ahead log could not be emptied after an erasure; it will be at the next checkpoint");
        Ok(())
    }

    /// Checkpoints the WAL into the main file so the database is one self-contained file after
    /// shutdown.
    pub async fn close(&self) -> Result<(), DbError> {
        let (reply, result) = oneshot::channel();
        self.send(writer::Work::Raw(Box::new(move |conn| {
            let done = conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);");
            let _ = reply.send(done.map_err(DbError::from));
        })))?;
        result.await.map_err(|_| DbError::TaskFailed)?
    }

    fn send(&self, work: writer::Work) -> Result<(), DbError> {
        self.inner.writer.send(work).map_err(|_| DbError::TaskFailed)
    }
}

impl Inner {
    fn take_reader(&self) -> Option<Connection> {
        self.readers.lock().ok()?.pop()
    }

    fn return_reader(&self, conn: Connection) {
        if let Ok(mut readers) = self.readers.lock() {
            readers.push(conn);
        }
    }
}

/// From rows ordered by a key (such as a response id), takes those whose key is `key`, skipping
/// any with a smaller key: the step of a merge over several ordered queries, which reads each
/// table once without holding it in memory.
pub fn take_rows_for<T, I: Iterator<Item = rusqlite::Result<T>>>(
    rows: &mut std::iter::Peekable<I>,
    key: i64,
    key_of: impl Fn(&T) -> i64,
) -> Result<Vec<T>, DbError> {
    let mut taken = Vec::new();
    while let Some(next) = rows.peek() {
        let row_key = match next {
            Ok(row) => key_of(row),
            // An error is taken (and returned) at once.
            Err(_) => i64::MIN,
        };
        if row_key > key {
            break;
        }
        let row = rows.next().transpose()?;
        if let Some(row) = row.filter(|_| row_key == key) {
            taken.push(row);
        }
    }
    Ok(taken)
}

/// The current time as RFC 3339 UTC, the format of every timestamp column.
pub fn now_rfc3339() -> String {
    rfc3339(time::OffsetDateTime::now_utc())
}

/// The time now as stored about a respondent: RFC 3339, or only the date in an anonymous survey,
/// where a time of day could pair a participant with their response.
pub fn now_stamp(date_only: bool) -> String {
    let now = now_rfc3339();
    if date_only { now.get(..10).unwrap_or(&now).to_string() } else { now }
}

/// Formats a time as RFC 3339 UTC with whole seconds.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).unwrap_or(t);
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}
