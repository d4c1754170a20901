//! What the closed-versus-coded comparison reads: the closed question's answers and the open
//! answers' texts, of complete responses (`complete_answers`) only.

use std::collections::BTreeMap;

use rusqlite::{Connection, params};

use crate::answer::Items;
use crate::db::DbError;

/// The complete responses of the survey, in id order.
pub fn complete_responses(conn: &Connection, survey_id: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM complete_responses WHERE survey_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([survey_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Each complete response's rows (item → value) of one question.
pub fn answers_to(conn: &Connection, survey_id: i64, question: &str) -> Result<BTreeMap<i64, Items>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT response_id, item, value FROM complete_answers WHERE survey_id = ?1 AND question = ?2",
    )?;
    let rows = stmt.query_map(params![survey_id, question], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
    })?;
    let mut answers: BTreeMap<i64, Items> = BTreeMap::new();
    for row in rows {
        let (response, item, value) = row?;
        answers.entry(response).or_default().insert(item, value);
    }
    Ok(answers)
}
