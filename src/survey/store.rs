//! The `surveys` and `survey_versions` tables.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::SurveyDefinition;
use crate::db::{DbError, now_rfc3339};
use crate::distribute::access::{self, Distribution};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Open,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Open => "open",
            Status::Closed => "closed",
        }
    }

    fn parse(text: &str) -> Status {
        match text {
            "open" => Status::Open,
            "closed" => Status::Closed,
            _ => Status::Draft,
        }
    }
}

/// A survey row with its definition.
#[derive(Debug, Clone, Serialize)]
pub struct StoredSurvey {
    pub id: i64,
    pub slug: String,
    pub status: Status,
    pub version: i64,
    pub definition: SurveyDefinition,
    pub created_at: String,
    pub updated_at: String,
    pub opened_at: Option<String>,
}

fn decode(json: &str) -> rusqlite::Result<SurveyDefinition> {
    serde_json::from_str(json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn encode(definition: &SurveyDefinition) -> Result<String, DbError> {
    serde_json::to_string(definition).map_err(|e| DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

const COLUMNS: &str = "id, slug, status, version, definition, created_at, updated_at, opened_at";

/// The columns `from_row_at` reads, of the table named `alias` in a join.
pub(crate) fn columns_of(alias: &str) -> String {
    COLUMNS.split(", ").map(|column| format!("{alias}.{column}")).collect::<Vec<_>>().join(", ")
}

fn from_row(row: &rusqlite::Row) -> rusqlite::Result<StoredSurvey> {
    from_row_at(row, 0)
}

/// A survey from `columns_of` starting at column `at` of a row.
pub(crate) fn from_row_at(row: &rusqlite::Row, at: usize) -> rusqlite::Result<StoredSurvey> {
    let status: String = row.get(at + 2)?;
    let json: String = row.get(at + 4)?;
    Ok(StoredSurvey {
        id: row.get(at)?,
        slug: row.get(at + 1)?,
        status: Status::parse(&status),
        version: row.get(at + 3)?,
        definition: decode(&json)?,
        created_at: row.get(at + 5)?,
        updated_at: row.get(at + 6)?,
        opened_at: row.get(at + 7)?,
    })
}

/// How many columns `from_row_at` reads.
pub(crate) fn column_count() -> usize {
    COLUMNS.split(", ").count()
}

pub fn find_by_slug(conn: &Connection, slug: &str) -> Result<Option<StoredSurvey>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM surveys WHERE slug = ?1");
    Ok(conn.query_row(&sql, [slug], from_row).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<StoredSurvey>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM surveys ORDER BY updated_at DESC, id DESC");
    let mut stmt = conn.prepare(&sql)?;
    let surveys = stmt.query_map([], from_row)?.collect::<Result<_, _>>()?;
    Ok(surveys)
}

pub fn slug_exists(conn: &Connection, slug: &str) -> Result<bool, DbError> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM surveys WHERE slug = ?1)", [slug], |r| r.get(0))?)
}

/// `updated_at` for a change to survey `id` (None: a new one): RFC 3339 UTC to the microsecond,
/// and always later than the one it replaces. The builder's forms carry it to detect a save made
/// after they were shown, so two saves within one second must not share it.
fn change_stamp(conn: &Connection, id: Option<i64>) -> Result<String, DbError> {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    let previous: Option<String> = match id {
        Some(id) => conn.query_row("SELECT updated_at FROM surveys WHERE id = ?1", [id], |r| r.get(0)).optional()?,
        None => None,
    };
    let previous =
        previous.and_then(|p| time::OffsetDateTime::parse(&p, &time::format_description::well_known::Rfc3339).ok());
    let mut stamp = time::OffsetDateTime::now_utc();
    if let Some(previous) = previous.filter(|p| *p >= stamp) {
        stamp = previous + time::Duration::microseconds(1);
    }
    let stamp = stamp.replace_nanosecond(stamp.microsecond() * 1000).unwrap_or(stamp);
    Ok(stamp.format(&format).unwrap_or_else(|_| now_rfc3339()))
}

/// Adds a draft survey at version 1.
pub fn insert(conn: &Connection, definition: &SurveyDefinition, created_by: Option<i64>) -> Result<i64, DbError> {
    let now = change_stamp(conn, None)?;
    conn.execute(
        "INSERT INTO surveys (slug, definition, created_by, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
        params![definition.slug, encode(definition)?, created_by, now],
    )?;
    let id = conn.last_insert_rowid();
    snapshot(conn, id, 1, definition)?;
    Ok(id)
}

fn snapshot(conn: &Connection, id: i64, version: i64, definition: &SurveyDefinition) -> Result<(), DbError> {
    conn.execute(
        "INSERT OR REPLACE INTO survey_versions (survey_id, version, definition, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, version, encode(definition)?, now_rfc3339()],
    )?;
    Ok(())
}

/// Replaces the definition. Before the survey was ever opened the version stays; afterwards each
/// change is a new version, so every response can be read against the definition it answered.
pub fn update_definition(
    conn: &Connection,
    survey: &StoredSurvey,
    definition: &SurveyDefinition,
) -> Result<i64, DbError> {
    let version = if survey.opened_at.is_some() { survey.version + 1 } else { survey.version };
    conn.execute(
        "UPDATE surveys SET definition = ?2, version = ?3, slug = ?4, updated_at = ?5 WHERE id = ?1",
        params![survey.id, encode(definition)?, version, definition.slug, change_stamp(conn, Some(survey.id))?],
    )?;
    snapshot(conn, survey.id, version, definition)?;
    Ok(version)
}

pub fn set_status(conn: &Connection, id: i64, status: Status) -> Result<(), DbError> {
    let stamp = change_stamp(conn, Some(id))?;
    conn.execute(
        "UPDATE surveys SET status = ?2, updated_at = ?3, opened_at = CASE WHEN ?2 = 'open' THEN COALESCE(opened_at, ?4) ELSE opened_at END, \
         closed_at = CASE WHEN ?2 = 'closed' THEN ?4 END WHERE id = ?1",
        params![id, status.as_str(), stamp, now_rfc3339()],
    )?;
    Ok(())
}

/// The definition a given version of the survey had.
pub fn definition_at(conn: &Connection, survey_id: i64, version: i64) -> Result<Option<SurveyDefinition>, DbError> {
    Ok(conn
        .query_row(
            "SELECT definition FROM survey_versions WHERE survey_id = ?1 AND version = ?2",
            params![survey_id, version],
            |row| decode(&row.get::<_, String>(0)?),
        )
        .optional()?)
}

/// Counts of responses by status (those in the trash aside), for the survey list.
pub fn response_counts(conn: &Connection, survey_id: i64) -> Result<(i64, i64), DbError> {
    Ok(conn.query_row(
        "SELECT COALESCE(SUM(is_complete), 0), COALESCE(SUM(NOT is_complete), 0) FROM live_responses WHERE survey_id = ?1",
        [survey_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// When the survey was last changed, read inside a write transaction to catch concurrent edits.
pub fn updated_at(conn: &Connection, id: i64) -> Result<Option<String>, DbError> {
    Ok(conn.query_row("SELECT updated_at FROM surveys WHERE id = ?1", [id], |r| r.get(0)).optional()?)
}

/// The responses (not in the trash) with an answer someone coded or marked done in codebook
/// `codebook_id`, in id order: what a survey's overview reads its coding progress from.
pub fn coded_responses(conn: &Connection, codebook_id: i64) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT response_id FROM codings WHERE codebook_id = ?1 UNION SELECT response_id FROM coding_done WHERE codebook_id = ?1 \
         INTERSECT SELECT id FROM live_responses ORDER BY 1",
    )?;
    Ok(stmt.query_map([codebook_id], |r| r.get(0))?.collect::<Result<_, _>>()?)
}

/// The slug of the survey with this id.
pub fn slug_of(conn: &Connection, id: i64) -> Result<String, DbError> {
    Ok(conn.query_row("SELECT slug FROM surveys WHERE id = ?1", [id], |r| r.get(0))?)
}

/// What respondent pages need to know about a survey besides its definition.
#[derive(Debug, Clone)]
pub struct SurveyMeta {
    pub id: i64,
    pub slug: String,
    pub status: Status,
    pub version: i64,
    /// Changes with every saved edit, also of a draft (whose version stays 1).
    pub updated_at: String,
    /// Access mode, response limit and grace period.
    pub distribution: Distribution,
}

/// The survey at `slug` as respondent pages need it.
pub fn meta_by_slug(conn: &Connection, slug: &str) -> Result<Option<SurveyMeta>, DbError> {
    // Read on every respondent request: the statement is prepared once per connection.
    let sql = format!("SELECT id, slug, status, version, updated_at, {} FROM surveys WHERE slug = ?1", access::COLUMNS);
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row([slug], |row| {
            Ok(SurveyMeta {
                id: row.get(0)?,
                slug: row.get(1)?,
                status: Status::parse(&row.get::<_, String>(2)?),
                version: row.get(3)?,
                updated_at: row.get(4)?,
                distribution: access::from_row(row, 5)?,
            })
        })
        .optional()?)
}

/// The (question, item, value) of every stored answer of a survey, once each, with the value only
/// where it is short enough to be a choice's code (empty otherwise): what edits are checked against.
/// Answers in the trash count: a restored response must still fit its survey.
pub fn answered(conn: &Connection, survey_id: i64) -> Result<Vec<(String, String, String)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT a.question, a.item, CASE WHEN length(a.value) <= 32 THEN a.value ELSE '' END \
         FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.survey_id = ?1",
    )?;
    let rows = stmt.query_map([survey_id], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records that the translation of the text at `path` into `language` was made from the default
/// text with this digest.
pub fn record_translation_source(
    conn: &Connection,
    survey_id: i64,
    path: &str,
    language: &str,
    source_digest: &[u8],
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO translation_sources (survey_id, path, language, source_digest) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (survey_id, path, language) DO UPDATE SET source_digest = excluded.source_digest",
    )?
    .execute(params![survey_id, path, language, source_digest])?;
    Ok(())
}

/// The digest of the default text each translation was made from, by (path, language).
pub fn translation_sources(conn: &Connection, survey_id: i64) -> Result<HashMap<(String, String), Vec<u8>>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT path, language, source_digest FROM translation_sources WHERE survey_id = ?1")?;
    let rows = stmt.query_map([survey_id], |r| Ok(((r.get(0)?, r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
