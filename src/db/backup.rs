//! Online backup through SQLite's backup API: a consistent copy while the server keeps writing.

use std::path::Path;
use std::time::Duration;

use rusqlite::Connection;
use rusqlite::backup::Backup;

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

/// Copies everything `conn` sees into a new file at `target`, a few pages at a time so that
/// writers are held up only briefly.
pub(super) fn copy_connection(conn: &Connection, target: &Path) -> Result<(), DbError> {
    let mut destination = Connection::open(target)?;
    {
        let backup = Backup::new(conn, &mut destination)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    // The copy is a standalone file: no WAL beside it.
    destination.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}
