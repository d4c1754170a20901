//! The rows a project export reads: the survey, complete responses and their answers, codings,
//! memos and the people who made them.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, params};

use crate::coding::units::Unit;
use crate::db::DbError;
use crate::survey::store::StoredSurvey;

/// One row of `codings`.
pub struct CodingRow {
    pub id: i64,
    pub unit: Unit,
    pub coder_id: i64,
    pub consensus: bool,
    pub code_key: String,
    pub passage: Option<(i64, i64)>,
    pub created_at: String,
}

pub fn find_survey(conn: &Connection, id: i64) -> Result<Option<StoredSurvey>, DbError> {
    let slug: Option<String> =
        conn.query_row("SELECT slug FROM surveys WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    match slug {
        Some(slug) => crate::survey::store::find_by_slug(conn, &slug),
        None => Ok(None),
    }
}

/// Every answer row of the survey's complete responses: response → question → item → value.
pub type Answers = BTreeMap<i64, BTreeMap<String, BTreeMap<String, String>>>;

pub fn complete_answers(conn: &Connection, survey_id: i64) -> Result<Answers, DbError> {
    let mut stmt = conn.prepare(
        "SELECT a.response_id, a.question, a.item, a.value FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE r.survey_id = ?1 AND r.status = 'complete'",
    )?;
    let rows = stmt.query_map([survey_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
    let mut answers = Answers::new();
    for row in rows {
        let (response, question, item, value): (i64, String, String, String) = row?;
        answers.entry(response).or_default().entry(question).or_default().insert(item, value);
    }
    Ok(answers)
}

pub fn complete_responses(conn: &Connection, survey_id: i64) -> Result<Vec<(i64, String)>, DbError> {
    let mut stmt =
        conn.prepare("SELECT id, updated_at FROM responses WHERE survey_id = ?1 AND status = 'complete' ORDER BY id")?;
    let rows = stmt.query_map([survey_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn codings(conn: &Connection, codebook_id: i64) -> Result<Vec<CodingRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, response_id, question, coder_id, layer, code_key, span_start, span_end, created_at \
         FROM codings WHERE codebook_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([codebook_id], |r| {
        let span: (Option<i64>, Option<i64>) = (r.get(6)?, r.get(7)?);
        Ok(CodingRow {
            id: r.get(0)?,
            unit: Unit { response_id: r.get(1)?, question: r.get(2)? },
            coder_id: r.get(3)?,
            consensus: r.get::<_, String>(4)? == "consensus",
            code_key: r.get(5)?,
            passage: span.0.zip(span.1),
            created_at: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub struct MemoRow {
    pub id: i64,
    pub kind: String,
    pub unit: Option<Unit>,
    pub code_key: Option<String>,
    pub author_id: i64,
    pub body: String,
    pub created_at: String,
}

pub fn memos(conn: &Connection, codebook_id: i64) -> Result<Vec<MemoRow>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, response_id, question, code_key, author_id, body, created_at FROM memos \
         WHERE codebook_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([codebook_id], |r| {
        let unit: (Option<i64>, Option<String>) = (r.get(2)?, r.get(3)?);
        Ok(MemoRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            unit: unit.0.zip(unit.1).map(|(response_id, question)| Unit { response_id, question }),
            code_key: r.get(4)?,
            author_id: r.get(5)?,
            body: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// (id, email, name) of each of these users, by id.
pub fn users(conn: &Connection, ids: &BTreeSet<i64>) -> Result<Vec<(i64, String, String)>, DbError> {
    let mut stmt = conn.prepare("SELECT email, name FROM users WHERE id = ?1")?;
    let mut found = Vec::new();
    for &id in ids {
        let row = stmt.query_row(params![id], |r| Ok((id, r.get(0)?, r.get(1)?))).optional()?;
        found.extend(row);
    }
    Ok(found)
}
