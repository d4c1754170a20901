//! The researcher's queries over responses: the filtered list, one response, the trash, and the
//! moves into and out of it.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{ResponseFilter, ResponseSummary};
use crate::db::{DbError, now_rfc3339};
use crate::paradata::trail::{Breakoff, Trail, Visit};
use crate::survey::model::SurveyDefinition;

const SUMMARY: &str = "r.id, r.status, r.language, r.survey_version, r.started_at, r.submitted_at, r.duration_s, \
                       p.id, p.email, p.status, r.deleted_at";

fn summary(row: &Row) -> rusqlite::Result<ResponseSummary> {
    Ok(ResponseSummary {
        id: row.get(0)?,
        status: row.get(1)?,
        language: row.get(2)?,
        survey_version: row.get(3)?,
        started_at: row.get(4)?,
        submitted_at: row.get(5)?,
        duration_s: row.get(6)?,
        participant_id: row.get(7)?,
        participant_email: row.get(8)?,
        participant_status: row.get(9)?,
        deleted_at: row.get(10)?,
    })
}

/// The FROM and WHERE clauses of a filtered list; parameters ?1 survey, ?2..?6 the filter's fields.
const FILTERED: &str = "FROM live_responses r LEFT JOIN participants p ON p.id = r.participant_id \
     WHERE r.survey_id = ?1 AND (?2 = '' OR r.status = ?2) AND (?3 = '' OR r.language = ?3) \
     AND (?4 = '' OR substr(r.started_at, 1, 10) >= ?4) AND (?5 = '' OR substr(r.started_at, 1, 10) <= ?5) \
     AND (?6 = '' OR p.status = ?6)";

/// For each page, how many of the responses `filter` selects reached it and how many stopped
/// there (`paradata::trail::Breakoff`). Responses are read in rowid order (the `+` keeps SQLite
/// off the survey's index, which would make it sort), each with its page visits.
pub fn breakoff(
    conn: &Connection,
    definition: &SurveyDefinition,
    survey_id: i64,
    filter: &ResponseFilter,
) -> Result<Breakoff, DbError> {
    let from =
        FILTERED.replacen("WHERE r.survey_id", "LEFT JOIN page_visits v ON v.response_id = r.id WHERE +r.survey_id", 1);
    let sql = format!("SELECT r.id, r.is_complete, r.page_index, v.page {from} ORDER BY r.id");
    let mut stmt = conn.prepare(&sql)?;
    let f = filter;
    let mut rows = stmt.query(params![survey_id, f.status, f.language, f.from, f.to, f.participant])?;
    let mut view = Breakoff::new(definition);
    let mut current: Option<(i64, bool, usize, Vec<Visit>)> = None;
    let mut count = |(_, complete, position, visits): (i64, bool, usize, Vec<Visit>)| {
        view.add(&Trail::new(definition, &visits, position), complete);
    };
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if current.as_ref().is_none_or(|(at, ..)| *at != id) {
            if let Some(done) = current.take() {
                count(done);
            }
            current = Some((id, row.get(1)?, row.get::<_, i64>(2)?.max(0) as usize, Vec::new()));
        }
        if let (Some((.., visits)), Some(page)) = (current.as_mut(), row.get::<_, Option<String>>(3)?) {
            // Which pages were reached is all the view needs of a visit.
            visits.push(Visit { page, language: String::new(), shown_at: None, saved_at: String::new() });
        }
    }
    if let Some(done) = current {
        count(done);
    }
    Ok(view)
}

/// Responses matching `filter`, newest first, `limit` from `offset`.
pub fn list(
    conn: &Connection,
    survey_id: i64,
    filter: &ResponseFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<ResponseSummary>, DbError> {
    let sql = format!("SELECT {SUMMARY} {FILTERED} ORDER BY r.id DESC LIMIT ?7 OFFSET ?8");
    let f = filter;
    let mut stmt = conn.prepare(&sql)?;
    let rows =
        stmt.query_map(params![survey_id, f.status, f.language, f.from, f.to, f.participant, limit, offset], summary)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// How many responses match `filter`.
pub fn count(conn: &Connection, survey_id: i64, filter: &ResponseFilter) -> Result<i64, DbError> {
    let sql = format!("SELECT COUNT(*) {FILTERED}");
    let f = filter;
    Ok(conn.query_row(&sql, params![survey_id, f.status, f.language, f.from, f.to, f.participant], |r| r.get(0))?)
}

/// One response, in the trash or not.
pub fn find(conn: &Connection, survey_id: i64, id: i64) -> Result<Option<ResponseSummary>, DbError> {
    let sql = format!(
        "SELECT {SUMMARY} FROM responses r LEFT JOIN participants p ON p.id = r.participant_id \
         WHERE r.survey_id = ?1 AND r.id = ?2"
    );
    Ok(conn.query_row(&sql, params![survey_id, id], summary).optional()?)
}

/// Moves a response to the trash. False when there was none to move.
pub fn delete(conn: &Connection, survey_id: i64, id: i64, by: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE responses SET deleted_at = ?3, deleted_by = ?4 \
         WHERE id IN (SELECT id FROM live_responses WHERE survey_id = ?1 AND id = ?2)",
        params![survey_id, id, now_rfc3339(), by],
    )?;
    Ok(changed == 1)
}

/// Moves every partial response started before `date` (YYYY-MM-DD) to the trash; returns how many.
pub fn delete_partial_before(conn: &Connection, survey_id: i64, date: &str, by: i64) -> Result<usize, DbError> {
    Ok(conn.execute(
        "UPDATE responses SET deleted_at = ?3, deleted_by = ?4 WHERE id IN (SELECT id FROM live_responses \
         WHERE survey_id = ?1 AND NOT is_complete AND substr(started_at, 1, 10) < ?2)",
        params![survey_id, date, now_rfc3339(), by],
    )?)
}

/// How many partial responses started before `date`, to confirm before deleting them.
pub fn count_partial_before(conn: &Connection, survey_id: i64, date: &str) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM live_responses WHERE survey_id = ?1 AND NOT is_complete \
         AND substr(started_at, 1, 10) < ?2",
        params![survey_id, date],
        |r| r.get(0),
    )?)
}

/// The survey's trash, most recently deleted first.
pub fn trash(conn: &Connection, survey_id: i64) -> Result<Vec<ResponseSummary>, DbError> {
    let sql = format!(
        "SELECT {SUMMARY} FROM trashed_responses r LEFT JOIN participants p ON p.id = r.participant_id \
         WHERE r.survey_id = ?1 ORDER BY r.deleted_at DESC, r.id DESC"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([survey_id], summary)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Takes a response out of the trash. False when it was not there.
pub fn restore(conn: &Connection, survey_id: i64, id: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE responses SET deleted_at = NULL, deleted_by = NULL \
         WHERE id IN (SELECT id FROM trashed_responses WHERE survey_id = ?1 AND id = ?2)",
        params![survey_id, id],
    )?;
    Ok(changed == 1)
}

/// Deletes for good every response put in the trash at `cutoff` (RFC 3339) or earlier (answers,
/// codings and memos go with it); returns how many.
pub(super) fn purge_trashed_by(conn: &Connection, cutoff: &str) -> Result<usize, DbError> {
    Ok(conn.execute(
        "DELETE FROM responses WHERE id IN (SELECT id FROM trashed_responses WHERE deleted_at <= ?1)",
        [cutoff],
    )?)
}
