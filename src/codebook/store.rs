//! The `codebooks`, `codebook_versions` and `codebook_changes` tables, what the overview and the
//! review page count and list of a codebook's codings, and how merges and splits (`ops.rs`) carry
//! the codings along.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::model::CodebookFile;
use crate::db::{DbError, now_rfc3339};

/// A codebook row: its draft and where its versions stand.
#[derive(Debug, Clone, Serialize)]
pub struct StoredCodebook {
    pub id: i64,
    pub survey_id: i64,
    pub draft: CodebookFile,
    pub draft_revision: i64,
    pub published_version: i64,
    pub blind: bool,
    pub reconciliation_open: bool,
    /// Whether coders see the respondent's closed answers beside the answer they code (off when
    /// they must not bias the coding).
    pub coders_see_closed_answers: bool,
    /// Whether the draft differs from the version coders use (always, before the first
    /// publication): only then is there anything to publish.
    pub draft_differs: bool,
}

/// Drafts and published versions, decoded once per text (`db::decoded`).
static DECODED: crate::db::decoded::Decoded<CodebookFile> = crate::db::decoded::Decoded::new();

fn decode(json: &str) -> rusqlite::Result<CodebookFile> {
    DECODED
        .decode(json)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

fn encode(file: &CodebookFile) -> Result<String, DbError> {
    serde_json::to_string(file).map_err(|e| DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))
}

const COLUMNS: [&str; 8] = [
    "id",
    "survey_id",
    "draft",
    "draft_revision",
    "published_version",
    "blind",
    "reconciliation_open",
    "coders_see_closed_answers",
];

/// The columns `from_row_at` reads, of the table named `alias` in a join: the table's own, then
/// whether its draft differs from the version coders use.
pub(crate) fn columns_of(alias: &str) -> String {
    let own = COLUMNS.iter().map(|column| format!("{alias}.{column}")).collect::<Vec<_>>().join(", ");
    format!(
        "{own}, NOT EXISTS (SELECT 1 FROM codebook_versions v WHERE v.codebook_id = {alias}.id \
         AND v.version = {alias}.published_version AND v.snapshot = {alias}.draft)"
    )
}

/// How many columns `from_row_at` reads.
pub(crate) fn column_count() -> usize {
    COLUMNS.len() + 1
}

fn from_row(row: &rusqlite::Row) -> rusqlite::Result<StoredCodebook> {
    from_row_at(row, 0)
}

/// A codebook from `columns_of` starting at column `at` of a row.
pub(crate) fn from_row_at(row: &rusqlite::Row, at: usize) -> rusqlite::Result<StoredCodebook> {
    Ok(StoredCodebook {
        id: row.get(at)?,
        survey_id: row.get(at + 1)?,
        draft: decode(&row.get::<_, String>(at + 2)?)?,
        draft_revision: row.get(at + 3)?,
        published_version: row.get(at + 4)?,
        blind: row.get(at + 5)?,
        reconciliation_open: row.get(at + 6)?,
        coders_see_closed_answers: row.get(at + 7)?,
        draft_differs: row.get(at + 8)?,
    })
}

pub fn find(conn: &Connection, id: i64) -> Result<Option<StoredCodebook>, DbError> {
    let sql = format!("SELECT {} FROM codebooks WHERE id = ?1", columns_of("codebooks"));
    Ok(conn.query_row(&sql, [id], from_row).optional()?)
}

pub fn for_survey(conn: &Connection, survey_id: i64) -> Result<Vec<StoredCodebook>, DbError> {
    let sql = format!("SELECT {} FROM codebooks WHERE survey_id = ?1 ORDER BY id", columns_of("codebooks"));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([survey_id], from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Why no codebook of a survey was chosen; each says so to the researcher.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotChosen {
    /// The codebook asked for is not one of the survey's.
    #[error("survey {slug} has no codebook {given}")]
    Unknown { slug: String, given: String },
    #[error("survey {slug} has no codebook yet, so nothing is coded")]
    NoCodebook { slug: String },
    /// Several codebooks and none named: the message lists them.
    #[error("survey {slug} has several codebooks; choose one with codebook: {listed}")]
    Several { slug: String, listed: String },
}

/// The codebook of the survey `slug` that `given` names, by id or by name (ignoring case), or
/// its only codebook when none is named.
pub fn choose(
    conn: &Connection,
    survey_id: i64,
    slug: &str,
    given: Option<&str>,
) -> Result<Result<StoredCodebook, NotChosen>, DbError> {
    let mut books = for_survey(conn, survey_id)?;
    let slug = slug.to_string();
    Ok(match given {
        Some(given) => {
            let named = |b: &StoredCodebook| {
                b.id.to_string() == given.trim() || b.draft.name.eq_ignore_ascii_case(given.trim())
            };
            books.into_iter().find(named).ok_or(NotChosen::Unknown { slug, given: given.to_string() })
        }
        None if books.len() == 1 => Ok(books.remove(0)),
        None if books.is_empty() => Err(NotChosen::NoCodebook { slug }),
        None => {
            let listed: Vec<String> = books.iter().map(|b| format!("{} ({})", b.id, b.draft.name)).collect();
            Err(NotChosen::Several { slug, listed: listed.join(", ") })
        }
    })
}

pub fn insert(conn: &Connection, survey_id: i64, file: &CodebookFile) -> Result<i64, DbError> {
    let now = now_rfc3339();
    conn.execute(
        "INSERT INTO codebooks (survey_id, draft, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
        params![survey_id, encode(file)?, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Replaces the draft if nobody changed it since `expected_revision`; false when someone did.
pub fn save_draft(conn: &Connection, id: i64, expected_revision: i64, file: &CodebookFile) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE codebooks SET draft = ?3, draft_revision = draft_revision + 1, updated_at = ?4 \
         WHERE id = ?1 AND draft_revision = ?2",
        params![id, expected_revision, encode(file)?, now_rfc3339()],
    )?;
    Ok(changed == 1)
}

/// Publishes the draft as the next immutable version; pending changes are filed under it. None
/// when the draft is the version coders already use: an identical version would only split the
/// codings between two numbers.
pub fn publish(conn: &Connection, id: i64, published_by: Option<i64>) -> Result<Option<i64>, DbError> {
    let Some(codebook) = find(conn, id)? else { return Ok(None) };
    if !codebook.draft_differs {
        return Ok(None);
    }
    let draft: String = conn.query_row("SELECT draft FROM codebooks WHERE id = ?1", [id], |r| r.get(0))?;
    let version = codebook.published_version + 1;
    conn.execute(
        "INSERT INTO codebook_versions (codebook_id, version, snapshot, published_at, published_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, version, draft, now_rfc3339(), published_by],
    )?;
    conn.execute(
        "UPDATE codebooks SET published_version = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, version, now_rfc3339()],
    )?;
    conn.execute(
        "UPDATE codebook_changes SET version = ?2 WHERE codebook_id = ?1 AND version IS NULL",
        params![id, version],
    )?;
    Ok(Some(version))
}

/// A published version.
pub fn version(conn: &Connection, id: i64, version: i64) -> Result<Option<CodebookFile>, DbError> {
    Ok(conn
        .query_row(
            "SELECT snapshot FROM codebook_versions WHERE codebook_id = ?1 AND version = ?2",
            params![id, version],
            |r| decode(&r.get::<_, String>(0)?),
        )
        .optional()?)
}

pub fn set_modes(conn: &Connection, id: i64, blind: bool, reconciliation_open: bool) -> Result<(), DbError> {
    conn.execute(
        "UPDATE codebooks SET blind = ?2, reconciliation_open = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, blind, reconciliation_open, now_rfc3339()],
    )?;
    Ok(())
}

/// Whether coders see the respondent's closed answers (`StoredCodebook::coders_see_closed_answers`).
pub fn set_coders_see_closed_answers(conn: &Connection, id: i64, shown: bool) -> Result<(), DbError> {
    conn.execute(
        "UPDATE codebooks SET coders_see_closed_answers = ?2, updated_at = ?3 WHERE id = ?1",
        params![id, shown, now_rfc3339()],
    )?;
    Ok(())
}

/// One entry of a codebook's history.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub version: Option<i64>,
    pub at: String,
    pub actor: String,
    pub kind: String,
    pub code_key: String,
    pub detail: String,
}

pub fn record_change(
    conn: &Connection,
    id: i64,
    actor: &str,
    kind: &str,
    code_key: &str,
    detail: &str,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO codebook_changes (codebook_id, at, actor, kind, code_key, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![id, now_rfc3339(), actor, kind, code_key, detail],
    )?;
    Ok(())
}

/// Every change, newest first (unpublished ones on top).
pub fn changes(conn: &Connection, id: i64) -> Result<Vec<Change>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT version, at, actor, kind, code_key, detail FROM codebook_changes WHERE codebook_id = ?1 \
         ORDER BY version IS NOT NULL, version DESC, id DESC",
    )?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Change {
                version: r.get(0)?,
                at: r.get(1)?,
                actor: r.get(2)?,
                kind: r.get(3)?,
                code_key: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many answers carry each code (any coder or layer), by code; answers of responses in the
/// trash do not count.
pub fn answers_per_code(conn: &Connection, id: i64) -> Result<HashMap<String, i64>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT c.code_key, COUNT(DISTINCT c.response_id || ':' || c.question) FROM codings c \
         JOIN live_responses r ON r.id = c.response_id WHERE c.codebook_id = ?1 GROUP BY c.code_key",
    )?;
    let counts = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    Ok(counts)
}

/// How many draft changes wait to be published.
pub fn pending_changes(conn: &Connection, id: i64) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM codebook_changes WHERE codebook_id = ?1 AND version IS NULL",
        [id],
        |r| r.get(0),
    )?)
}

/// A coding a split left for review, with its answer.
#[derive(Debug, Clone, Serialize)]
pub struct Flagged {
    pub id: i64,
    pub code_key: String,
    pub coder: String,
    pub response_id: i64,
    pub question: String,
    pub text: String,
}

const FLAGGED: &str = "FROM codings c JOIN users u ON u.id = c.coder_id \
     JOIN live_responses r ON r.id = c.response_id \
     LEFT JOIN answers a ON a.response_id = c.response_id AND a.question = c.question AND a.item = '' \
     WHERE c.codebook_id = ?1 AND c.needs_review = 1";

/// The codings left for review (those of responses in the trash aside), by code and response.
pub fn flagged(conn: &Connection, id: i64) -> Result<Vec<Flagged>, DbError> {
    let sql = format!(
        "SELECT c.id, c.code_key, u.email, c.response_id, c.question, COALESCE(a.value, '') {FLAGGED} \
         ORDER BY c.code_key, c.response_id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([id], |r| {
            Ok(Flagged {
                id: r.get(0)?,
                code_key: r.get(1)?,
                coder: r.get(2)?,
                response_id: r.get(3)?,
                question: r.get(4)?,
                text: r.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// How many codings wait for review, counted as `flagged` lists them.
pub fn flagged_count(conn: &Connection, id: i64) -> Result<i64, DbError> {
    Ok(conn.query_row(&format!("SELECT COUNT(*) {FLAGGED}"), [id], |r| r.get(0))?)
}

// ----- Codings carried along by merges and splits ------------------------------------------------

/// How many codings apply the code `key` in the codebook.
pub fn codings_of_code(conn: &Connection, codebook_id: i64, key: &str) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM codings WHERE codebook_id = ?1 AND code_key = ?2",
        params![codebook_id, key],
        |r| r.get(0),
    )?)
}

/// Makes up to `limit` codings of code `from` ones of `into`, dropping those `into` already has
/// (the same answer or passage, coder and layer) instead of doubling them; returns how many it
/// moved or dropped (0: none is left). A merge calls it until then, each call a write of its
/// own, so that respondents' saves are never queued behind every coding of a code.
pub fn move_codings_batch(
    conn: &Connection,
    codebook_id: i64,
    from: &str,
    into: &str,
    limit: usize,
) -> Result<usize, DbError> {
    let batch = "SELECT id FROM codings WHERE codebook_id = ?1 AND code_key = ?2 ORDER BY id LIMIT ?4";
    let dropped = conn
        .prepare_cached(&format!(
            "DELETE FROM codings WHERE id IN ({batch}) AND EXISTS (
             SELECT 1 FROM codings t WHERE t.codebook_id = codings.codebook_id AND t.response_id = codings.response_id
             AND t.question = codings.question AND t.coder_id = codings.coder_id AND t.layer = codings.layer
             AND t.code_key = ?3 AND t.span_start IS codings.span_start AND t.span_end IS codings.span_end)"
        ))?
        .execute(params![codebook_id, from, into, limit as i64])?;
    let moved = conn
        .prepare_cached(&format!("UPDATE codings SET code_key = ?3 WHERE id IN ({batch})"))?
        .execute(params![codebook_id, from, into, (limit - dropped.min(limit)) as i64])?;
    Ok(dropped + moved)
}

/// Makes every memo on code `from` one on `into` (a code has few).
pub fn move_memos(conn: &Connection, codebook_id: i64, from: &str, into: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE memos SET code_key = ?3 WHERE codebook_id = ?1 AND code_key = ?2",
        params![codebook_id, from, into],
    )?;
    Ok(())
}

/// Flags up to `limit` codings of `key` not flagged yet for review (the code was split: each goes
/// to one of the new codes); returns how many (0: none is left). Called until then, a write each.
pub fn flag_for_review_batch(conn: &Connection, codebook_id: i64, key: &str, limit: usize) -> Result<usize, DbError> {
    Ok(conn
        .prepare_cached(
            "UPDATE codings SET needs_review = 1 WHERE id IN (SELECT id FROM codings \
             WHERE codebook_id = ?1 AND code_key = ?2 AND needs_review = 0 ORDER BY id LIMIT ?3)",
        )?
        .execute(params![codebook_id, key, limit as i64])?)
}

/// Reassigns a coding flagged by a split to `code` (or keeps it where it is) and clears the flag.
pub fn resolve_review(conn: &Connection, codebook_id: i64, coding_id: i64, code: &str) -> Result<bool, DbError> {
    // A whole-answer coding that already exists for the new code makes this one a duplicate.
    let duplicate: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM codings c JOIN codings t ON t.codebook_id = c.codebook_id AND t.response_id = c.response_id
             AND t.question = c.question AND t.coder_id = c.coder_id AND t.layer = c.layer AND t.code_key = ?3
             AND t.span_start IS c.span_start AND t.span_end IS c.span_end AND t.id != c.id
         WHERE c.id = ?2 AND c.codebook_id = ?1)",
        params![codebook_id, coding_id, code],
        |r| r.get(0),
    )?;
    let changed = if duplicate {
        conn.execute("DELETE FROM codings WHERE id = ?2 AND codebook_id = ?1", params![codebook_id, coding_id])?
    } else {
        conn.execute(
            "UPDATE codings SET code_key = ?3, needs_review = 0 WHERE id = ?2 AND codebook_id = ?1 AND needs_review = 1",
            params![codebook_id, coding_id, code],
        )?
    };
    Ok(changed == 1)
}
