//! Migration 13's step: the `source` column of `codings` (which machine-coder model's suggestion
//! a coding was accepted from), added only where it is missing, so that applying the migration
//! again, as SQLite's `ADD COLUMN` alone would not allow, changes nothing.

use rusqlite::Connection;

pub fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let has_source: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM pragma_table_info('codings') WHERE name = 'source')", [], |r| {
            r.get(0)
        })?;
    if !has_source {
        // NULL for a person's own coding; the model's hash when it came from an accepted suggestion.
        conn.execute("ALTER TABLE codings ADD COLUMN source TEXT", [])?;
    }
    Ok(())
}
