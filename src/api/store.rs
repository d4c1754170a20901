//! The SQL the token API reads beside the features' own: the complete responses of an
//! incremental pull, in the order they were completed (`response_completions`).

use rusqlite::{Connection, params};

use crate::answer::Rows;
use crate::db::DbError;

/// A complete response as the API gives it, with its place in the order of completion.
pub struct CompletedResponse {
    pub seq: i64,
    pub id: i64,
    pub survey_id: i64,
    pub language: String,
    pub survey_version: i64,
    pub started_at: String,
    pub submitted_at: Option<String>,
    pub rows: Rows,
}

const COMPLETED: &str = "SELECT c.seq, r.id, r.survey_id, r.language, r.survey_version, r.started_at, \
     r.submitted_at FROM response_completions c JOIN complete_responses r ON r.id = c.response_id";

/// Calls `each` with every complete response of the survey (not in the trash) completed after
/// `since`, in the order they were completed, one at a time, while it returns true.
pub fn completed_since(
    conn: &Connection,
    survey_id: i64,
    since: i64,
    mut each: impl FnMut(CompletedResponse) -> bool,
) -> Result<(), DbError> {
    let mut responses = conn.prepare(&format!("{COMPLETED} WHERE c.survey_id = ?1 AND c.seq > ?2 ORDER BY c.seq"))?;
    let mut rows = responses.query(params![survey_id, since])?;
    while let Some(row) = rows.next()? {
        if !each(completed_from_row(conn, row)?) {
            break;
        }
    }
    Ok(())
}

/// The complete response `response_id`, if it is complete and not in the trash.
pub fn completed(conn: &Connection, response_id: i64) -> Result<Option<CompletedResponse>, DbError> {
    let mut stmt = conn.prepare(&format!("{COMPLETED} WHERE r.id = ?1"))?;
    let mut rows = stmt.query([response_id])?;
    match rows.next()? {
        Some(row) => Ok(Some(completed_from_row(conn, row)?)),
        None => Ok(None),
    }
}

/// A row of `COMPLETED` with the response's answers.
fn completed_from_row(conn: &Connection, row: &rusqlite::Row) -> Result<CompletedResponse, DbError> {
    let id: i64 = row.get(1)?;
    let mut answers = conn.prepare_cached("SELECT question, item, value FROM answers WHERE response_id = ?1")?;
    let mut stored = Rows::new();
    let mut found = answers.query([id])?;
    while let Some(answer) = found.next()? {
        stored.entry(answer.get(0)?).or_default().insert(answer.get(1)?, answer.get(2)?);
    }
    Ok(CompletedResponse {
        seq: row.get(0)?,
        id,
        survey_id: row.get(2)?,
        language: row.get(3)?,
        survey_version: row.get(4)?,
        started_at: row.get(5)?,
        submitted_at: row.get(6)?,
        rows: stored,
    })
}
