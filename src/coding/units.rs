//! The answers to code (units) and each coder's queue of them: every non-empty answer to an open
//! question of a complete response, or, once answers have been assigned, the coder's share.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, params};
use serde::Serialize;

use crate::db::DbError;

/// One respondent's answer to one open question.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Unit {
    pub response_id: i64,
    pub question: String,
}

impl Unit {
    pub fn as_ref(&self) -> super::store::UnitRef<'_> {
        super::store::UnitRef { response_id: self.response_id, question: &self.question }
    }
}

/// Every unit of a survey, in response order and then question order; `questions` are the open
/// questions in survey order (only `only` when given).
pub fn all_units(
    conn: &Connection,
    survey_id: i64,
    questions: &[String],
    only: Option<&str>,
) -> Result<Vec<Unit>, DbError> {
    let position: HashMap<&str, usize> = questions.iter().enumerate().map(|(i, q)| (q.as_str(), i)).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT a.response_id, a.question FROM answers a JOIN responses r ON r.id = a.response_id \
         WHERE r.survey_id = ?1 AND r.status = 'complete' AND r.deleted_at IS NULL AND a.item = '' AND trim(a.value) != ''",
    )?;
    let mut units: Vec<Unit> = stmt
        .query_map([survey_id], |r| Ok(Unit { response_id: r.get(0)?, question: r.get(1)? }))?
        .filter_map(Result::ok)
        .filter(|u| position.contains_key(u.question.as_str()) && only.is_none_or(|q| q == u.question))
        .collect();
    units.sort_by_key(|u| (u.response_id, position.get(u.question.as_str()).copied().unwrap_or(usize::MAX)));
    Ok(units)
}

/// The units assigned to a coder in a codebook (empty when none were assigned to them).
pub fn assigned(conn: &Connection, codebook_id: i64, coder_id: i64) -> Result<HashSet<Unit>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT response_id, question FROM assignments WHERE codebook_id = ?1 AND coder_id = ?2")?;
    let rows =
        stmt.query_map(params![codebook_id, coder_id], |r| Ok(Unit { response_id: r.get(0)?, question: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether any answers of the codebook have been assigned at all.
pub fn any_assignments(conn: &Connection, codebook_id: i64) -> Result<bool, DbError> {
    Ok(conn
        .query_row("SELECT EXISTS (SELECT 1 FROM assignments WHERE codebook_id = ?1)", [codebook_id], |r| r.get(0))?)
}

/// A unit in a coder's queue, with where the coder stands on it.
#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    pub unit: Unit,
    pub done: bool,
    pub coded: bool,
}

/// The coder's queue: their assigned units once assignments exist, else every unit.
pub fn queue(
    conn: &Connection,
    codebook_id: i64,
    survey_id: i64,
    questions: &[String],
    only: Option<&str>,
    coder_id: i64,
) -> Result<Vec<QueueItem>, DbError> {
    let mut units = all_units(conn, survey_id, questions, only)?;
    if any_assignments(conn, codebook_id)? {
        let mine = assigned(conn, codebook_id, coder_id)?;
        units.retain(|u| mine.contains(u));
    }
    let done: HashSet<Unit> = {
        let mut stmt = conn
            .prepare_cached("SELECT response_id, question FROM coding_done WHERE codebook_id = ?1 AND coder_id = ?2")?;
        stmt.query_map(params![codebook_id, coder_id], |r| Ok(Unit { response_id: r.get(0)?, question: r.get(1)? }))?
            .collect::<Result<_, _>>()?
    };
    let coded: HashSet<Unit> = {
        let mut stmt = conn.prepare_cached(
            "SELECT DISTINCT response_id, question FROM codings WHERE codebook_id = ?1 AND coder_id = ?2 AND layer = 'coder'",
        )?;
        stmt.query_map(params![codebook_id, coder_id], |r| Ok(Unit { response_id: r.get(0)?, question: r.get(1)? }))?
            .collect::<Result<_, _>>()?
    };
    Ok(units
        .into_iter()
        .map(|unit| QueueItem { done: done.contains(&unit), coded: coded.contains(&unit), unit })
        .collect())
}
