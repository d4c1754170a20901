//! Migration 14's step: the columns a response's paradata adds to `responses` (the seed of its
//! randomised orders, the class of its device), added only where missing — SQLite has no
//! `ADD COLUMN IF NOT EXISTS`, and a migration may run again over its own result.

use rusqlite::Connection;

/// The columns, with their definitions as of migration 14.
const COLUMNS: [(&str, &str); 2] =
    [("order_seed", "INTEGER"), ("device", "TEXT CHECK (device IN ('phone', 'tablet', 'desktop'))")];

pub(super) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    let existing: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('responses')")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for (name, definition) in COLUMNS {
        if !existing.iter().any(|column| column == name) {
            conn.execute_batch(&format!("ALTER TABLE responses ADD COLUMN {name} {definition}"))?;
        }
    }
    Ok(())
}
