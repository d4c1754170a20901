//! Checkpoints of the write-ahead log into the database file, run by the writer after a commit
//! once the log holds enough pages, as SQLite's automatic checkpoint would, but not in silence:
//! a checkpoint that fails (the database file unwritable, say, while the WAL still takes
//! commits) is logged, at most once a minute, with the size the WAL has grown to.

use std::ffi::c_int;

use rusqlite::Connection;
use rusqlite::hooks::{CheckpointMode, Wal};

use crate::logging::OncePerMinute;

/// Pages in the WAL past which a commit is followed by a checkpoint (SQLite's own default).
const CHECKPOINT_PAGES: c_int = 1000;

/// Past this many pages an incomplete checkpoint (readers holding older snapshots) is worth a
/// warning too: the WAL is not being emptied.
const STUCK_PAGES: c_int = 20 * CHECKPOINT_PAGES;

/// The page size SQLite uses by default, which fieldwork never changes: for the WAL's size in bytes.
const PAGE_BYTES: u64 = 4096;

/// One warning a minute for the whole process (the hook is a plain function, without state).
static WARNED: OncePerMinute = OncePerMinute::new();

/// Replaces SQLite's automatic checkpoint on the writer connection by `after_commit`.
pub(super) fn take_over(conn: &Connection) {
    conn.wal_hook(Some(after_commit));
}

/// After a commit that left `pages` pages in the WAL. Never fails the commit, which is done.
fn after_commit(wal: &Wal, pages: c_int) -> rusqlite::Result<()> {
    if pages < CHECKPOINT_PAGES {
        return Ok(());
    }
    let wal_bytes = u64::try_from(pages).unwrap_or(0) * PAGE_BYTES;
    match wal.checkpoint_v2(CheckpointMode::PASSIVE) {
        Ok((log, copied)) if copied < log && pages >= STUCK_PAGES && WARNED.ready() => {
            tracing::warn!(wal_bytes, wal_pages = log, copied, "the write-ahead log keeps growing: readers hold it");
        }
        Ok(_) => {}
        Err(err) if WARNED.ready() => {
            tracing::warn!(error = %err, wal_bytes, "could not checkpoint the write-ahead log into the database; it keeps growing");
        }
        Err(_) => {}
    }
    Ok(())
}
