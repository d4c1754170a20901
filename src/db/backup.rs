//! Online backup through SQLite's backup API: a consistent copy while the server keeps writing.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::{Backup, StepResult};

use super::DbError;

/// Copies the live database at `source` to `target`, which must not exist yet.
pub fn backup_to(source: &Path, target: &Path) -> Result<(), DbError> {
    if target.exists() {
        return Err(DbError::Backup(format!("{} already exists; choose a new file name", target.display())));
    }
    if !source.exists() {
        return Err(DbError::Backup(format!("there is no database at {}", source.display())));
    }
    let conn = super::open(source)?;
    copy_connection(&conn, target)
}

/// Copies everything `conn` sees into a new file at `target` in one step: one read transaction,
/// which in WAL mode holds no writer up. (Copying a few pages at a time would start over after
/// every write by another connection, and never finish while respondents keep answering.) A copy
/// that fails (a full disk, say) leaves nothing behind: neither the partial file nor its journal.
pub(super) fn copy_connection(conn: &Connection, target: &Path) -> Result<(), DbError> {
    let mut partial = Partial { target, complete: false };
    copy_into_new_file(conn, target)?;
    partial.complete = true;
    Ok(())
}

fn copy_into_new_file(conn: &Connection, target: &Path) -> Result<(), DbError> {
    let mut destination = Connection::open(target)?;
    {
        let backup = Backup::new(conn, &mut destination)?;
        // -1: every page in one step. Busy or locked (another process starting the WAL): retry.
        while backup.step(-1)? != StepResult::Done {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // The copy is a standalone file: no WAL beside it.
    destination.pragma_update(None, "journal_mode", "DELETE")?;
    // Closed here, so that a failure is reported and the files can be removed.
    destination.close().map_err(|(_, err)| err)?;
    Ok(())
}

/// A copy being written: unless complete, removed with the files SQLite keeps beside it when
/// dropped.
struct Partial<'a> {
    target: &'a Path,
    complete: bool,
}

impl Drop for Partial<'_> {
    fn drop(&mut self) {
        if self.complete {
            return;
        }
        for suffix in ["", "-journal", "-wal", "-shm"] {
            let file = format!("{}{suffix}", self.target.display());
            match std::fs::remove_file(&file) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => tracing::warn!(file, error = %err, "could not remove a partial backup"),
            }
        }
    }
}
