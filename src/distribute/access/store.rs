//! The distribution settings' columns of the `surveys` table, and the count the response limit
//! is checked against.

use rusqlite::{Connection, params};

use super::{Access, Distribution};
use crate::db::DbError;

pub fn set_access(conn: &Connection, survey_id: i64, access: Access) -> Result<bool, DbError> {
    let changed = conn.execute("UPDATE surveys SET access = ?2 WHERE id = ?1", params![survey_id, access.as_str()])?;
    Ok(changed == 1)
}

pub fn set_limits(
    conn: &Connection,
    survey_id: i64,
    response_limit: Option<i64>,
    grace_hours: i64,
) -> Result<(), DbError> {
    conn.execute(
        "UPDATE surveys SET response_limit = ?2, grace_hours = ?3 WHERE id = ?1",
        params![survey_id, response_limit, grace_hours],
    )?;
    Ok(())
}

/// The `surveys` columns a [`Distribution`] is read from, in the order [`from_row`] takes them.
pub const COLUMNS: &str = "access, response_limit, grace_hours, closed_at";

/// A [`Distribution`] from a row holding [`COLUMNS`] from index `first` on.
pub fn from_row(row: &rusqlite::Row, first: usize) -> rusqlite::Result<Distribution> {
    Ok(Distribution {
        access: Access::parse(&row.get::<_, String>(first)?).unwrap_or_default(),
        response_limit: row.get(first + 1)?,
        grace_hours: row.get(first + 2)?,
        closed_at: row.get(first + 3)?,
    })
}

pub fn load(conn: &Connection, survey_id: i64) -> Result<Distribution, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM surveys WHERE id = ?1");
    Ok(conn.query_row(&sql, [survey_id], |row| from_row(row, 0))?)
}

/// Complete responses not in the trash: what the response limit counts.
pub fn complete_responses(conn: &Connection, survey_id: i64) -> Result<i64, DbError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM complete_responses WHERE survey_id = ?1", [survey_id], |r| r.get(0))?)
}
