//! The SQL the token API reads beside the features' own: the complete responses of an
//! incremental pull, in the order they were completed (`response_completions`).

use rusqlite::{Connection, params};

use crate::answer::Rows;
use crate::db::DbError;

/// A complete response as the API gives it, with its place in the order of completion.
pub struct CompletedResponse {
    pub seq: i64,
    pub id: i64,
    pub language: String,
    pub survey_version: i64,
    pub started_at: String,
    pub submitted_at: Option<String>,
    pub rows: Rows,
}

/// Calls `each` with every complete response of the survey (not in the trash) completed after
/// `since`, in the order they were completed, one at a time, while it returns true.
pub fn completed_since(
    conn: &Connection,
    survey_id: i64,
    since: i64,
    mut each: impl FnMut(CompletedResponse) -> bool,
) -> Result<(), DbError> {
    let mut responses = conn.prepare(
        "SELECT c.seq, r.id, r.language, r.survey_version, r.started_at, r.submitted_at \
         FROM response_completions c JOIN complete_responses r ON r.id = c.response_id \
         WHERE c.survey_id = ?1 AND c.seq > ?2 ORDER BY c.seq",
    )?;
    let mut answers = conn.prepare("SELECT question, item, value FROM answers WHERE response_id = ?1")?;
    let mut rows = responses.query(params![survey_id, since])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(1)?;
        let mut stored = Rows::new();
        let mut found = answers.query([id])?;
        while let Some(answer) = found.next()? {
            stored.entry(answer.get(0)?).or_default().insert(answer.get(1)?, answer.get(2)?);
        }
        let response = CompletedResponse {
            seq: row.get(0)?,
            id,
            language: row.get(2)?,
            survey_version: row.get(3)?,
            started_at: row.get(4)?,
            submitted_at: row.get(5)?,
            rows: stored,
        };
        if !each(response) {
            break;
        }
    }
    Ok(())
}
