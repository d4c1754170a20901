//! The one writer connection, on a thread of its own, with group commit: the writes queued while
//! one transaction commits are run together in the next, each in a savepoint of its own, and
//! acknowledged only once that transaction's COMMIT (and so its fsync) has returned. A burst of
//! respondents costs one fsync per batch instead of one per answer page, and every acknowledged
//! write is on disk. A write that fails is rolled back to its savepoint alone.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Mutex, mpsc};

use rusqlite::{Connection, Transaction, TransactionBehavior};
use tokio::sync::oneshot;

use super::DbError;

/// The most writes committed together; more wait for the next transaction.
const MAX_BATCH: usize = 512;

/// What the writer thread is asked to do.
pub(super) enum Work {
    /// A closure run in the batch's transaction.
    Write(Box<dyn Pending>),
    /// A closure run alone on the connection, outside any transaction (the checkpoint at shutdown).
    Raw(Box<dyn FnOnce(&mut Connection) + Send>),
}

/// A queued write whose result waits for the fate of its batch.
pub(super) trait Pending: Send {
    /// Runs the write; on failure, the SQLite error code if there is one (to tell apart a
    /// write that failed alone from one that made SQLite roll back the whole transaction).
    fn run(&mut self, tx: &Transaction) -> Result<(), Option<rusqlite::ffi::Error>>;
    /// Sends the caller the write's result, or `failed` when its batch did not commit.
    fn finish(self: Box<Self>, failed: Option<&rusqlite::Error>);
}

/// A write closure, its result once run, and where the caller waits.
pub(super) struct Job<T, F> {
    write: Option<F>,
    result: Option<Result<T, DbError>>,
    reply: oneshot::Sender<Result<T, DbError>>,
}

impl<T, F> Job<T, F> {
    pub(super) fn new(write: F, reply: oneshot::Sender<Result<T, DbError>>) -> Self {
        Job { write: Some(write), result: None, reply }
    }
}

impl<T, F> Pending for Job<T, F>
where
    T: Send,
    F: FnOnce(&Transaction) -> Result<T, DbError> + Send,
{
    fn run(&mut self, tx: &Transaction) -> Result<(), Option<rusqlite::ffi::Error>> {
        let Some(write) = self.write.take() else { return Err(None) };
        // A panicking write fails alone, like a failing one, and leaves the writer running.
        let result = catch_unwind(AssertUnwindSafe(|| write(tx))).unwrap_or(Err(DbError::TaskFailed));
        let outcome = match &result {
            Ok(_) => Ok(()),
            Err(DbError::Sqlite(rusqlite::Error::SqliteFailure(code, _))) => Err(Some(*code)),
            Err(_) => Err(None),
        };
        self.result = Some(result);
        outcome
    }

    fn finish(self: Box<Self>, failed: Option<&rusqlite::Error>) {
        let result = match (self.result, failed) {
            (Some(Err(err)), _) => Err(err),
            (Some(Ok(value)), None) => Ok(value),
            (_, Some(err)) => Err(DbError::Sqlite(copy_error(err))),
            (None, None) => Err(DbError::TaskFailed),
        };
        // The caller may have gone away (a request cut off by its timeout); the write stands.
        let _ = self.reply.send(result);
    }
}

/// Whether the last batch was saved, or why not when storage failed it (a full disk, files that
/// cannot be written): what `/healthz` reports.
#[derive(Debug, Default)]
pub(super) struct Saving {
    failure: Mutex<Option<String>>,
}

impl Saving {
    pub(super) fn failure(&self) -> Option<String> {
        self.failure.lock().ok().and_then(|failure| failure.clone())
    }

    fn record(&self, outcome: Result<(), &rusqlite::Error>) {
        let failure = match outcome {
            Ok(()) => None,
            Err(err) => {
                let err = DbError::Sqlite(copy_error(err));
                if !err.is_storage_unavailable() {
                    return;
                }
                Some(err.to_string())
            }
        };
        if let Ok(mut current) = self.failure.lock() {
            match (&*current, &failure) {
                (None, Some(reason)) => {
                    tracing::warn!(reason = %reason, "saving fails: the database cannot be written")
                }
                (Some(_), None) => tracing::info!("saving works again"),
                _ => {}
            }
            *current = failure;
        }
    }
}

/// The writer thread's loop: runs until every sender (every `Db` clone) is gone.
pub(super) fn run(mut conn: Connection, queue: mpsc::Receiver<Work>, saving: &Saving) {
    let mut held_back = None;
    loop {
        let first = match held_back.take() {
            Some(work) => work,
            None => match queue.recv() {
                Ok(work) => work,
                Err(_) => return,
            },
        };
        let mut batch = match first {
            Work::Raw(job) => {
                job(&mut conn);
                continue;
            }
            Work::Write(job) => vec![job],
        };
        // Everything that queued up during the last commit goes into this one.
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(Work::Write(job)) => batch.push(job),
                Ok(raw) => {
                    held_back = Some(raw);
                    break;
                }
                Err(_) => break,
            }
        }
        let outcome = commit(&mut conn, &mut batch);
        saving.record(match &outcome {
            Ok(None) => Ok(()),
            Ok(Some(failed_alone)) => Err(failed_alone),
            Err(failed) => Err(failed),
        });
        for job in batch {
            job.finish(outcome.as_ref().err());
        }
    }
}

/// Runs `batch` in one IMMEDIATE transaction, each write in a savepoint, and commits. Ok holds
/// the last error of a write that failed alone for want of storage, if any (the batch committed
/// without it, but saving does not work).
fn commit(conn: &mut Connection, batch: &mut [Box<dyn Pending>]) -> Result<Option<rusqlite::Error>, rusqlite::Error> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut storage_failure = None;
    for job in batch.iter_mut() {
        tx.prepare_cached("SAVEPOINT write")?.execute([])?;
        match job.run(&tx) {
            Ok(()) => tx.prepare_cached("RELEASE write")?.execute([])?,
            // Some errors (disk full, I/O) make SQLite roll back the whole transaction: then
            // nothing of the batch was written, and every write in it fails.
            Err(code) if tx.is_autocommit() => {
                let code = code.unwrap_or(rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ABORT));
                return Err(rusqlite::Error::SqliteFailure(code, None));
            }
            Err(code) => {
                if let Some(code) = code {
                    let failure = rusqlite::Error::SqliteFailure(code, None);
                    if DbError::Sqlite(copy_error(&failure)).is_storage_unavailable() {
                        storage_failure = Some(failure);
                    }
                }
                tx.prepare_cached("ROLLBACK TO write")?.execute([])?;
                tx.prepare_cached("RELEASE write")?.execute([])?
            }
        };
    }
    tx.commit()?;
    Ok(storage_failure)
}

/// The same error again, for each write of a batch that failed as a whole (errors are not Clone).
fn copy_error(err: &rusqlite::Error) -> rusqlite::Error {
    match err {
        rusqlite::Error::SqliteFailure(code, message) => rusqlite::Error::SqliteFailure(*code, message.clone()),
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}
