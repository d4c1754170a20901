//! The `participants` and `opt_out_tokens` tables: the participants' rows, their links' salts
//! and hashes (made in `participants`), and the facts their status is made of.

use std::collections::{BTreeMap, HashSet};

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Attributes, NewParticipant, Participant, ParticipantFilter, STATUSES, StatusCounts, UNDATED};
use crate::db::{DbError, now_rfc3339};

const COLUMNS: &str = "id, survey_id, email, name, language, attributes, token_salt, status, invited_at, reminded_at, \
                       reminders, started_at, completed_at, opted_out_at, mail_error";

fn from_row(row: &Row) -> rusqlite::Result<Participant> {
    let attributes: String = row.get(5)?;
    Ok(Participant {
        id: row.get(0)?,
        survey_id: row.get(1)?,
        email: row.get(2)?,
        name: row.get(3)?,
        language: row.get(4)?,
        attributes: serde_json::from_str(&attributes).unwrap_or_default(),
        token_salt: row.get(6)?,
        status: row.get(7)?,
        invited_at: row.get(8)?,
        reminded_at: row.get(9)?,
        reminders: row.get(10)?,
        started_at: row.get(11)?,
        completed_at: row.get(12)?,
        opted_out_at: row.get(13)?,
        mail_error: row.get(14)?,
    })
}

fn attributes_json(attributes: &Attributes) -> String {
    serde_json::to_string(attributes).unwrap_or_else(|_| "{}".to_string())
}

/// Stores a new participant with their link's salt and the SHA-256 of its token; returns its id.
pub(super) fn insert(
    conn: &Connection,
    survey_id: i64,
    new: &NewParticipant,
    salt: &[u8],
    token_hash: &[u8],
) -> Result<i64, DbError> {
    conn.prepare_cached(
        "INSERT INTO participants (survey_id, email, name, language, attributes, token_salt, token_hash, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![survey_id, new.email, new.name, new.language, attributes_json(&new.attributes), salt, token_hash, now_rfc3339()])?;
    Ok(conn.last_insert_rowid())
}

/// The salt of the participant's opt-out token, if they have one.
pub(super) fn opt_out_salt(conn: &Connection, id: i64) -> Result<Option<Vec<u8>>, DbError> {
    Ok(conn
        .prepare_cached("SELECT salt FROM opt_out_tokens WHERE participant_id = ?1 AND salt IS NOT NULL")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

pub(super) fn insert_opt_out_token(conn: &Connection, id: i64, salt: &[u8], token_hash: &[u8]) -> Result<(), DbError> {
    conn.prepare_cached("INSERT INTO opt_out_tokens (token_hash, participant_id, salt) VALUES (?1, ?2, ?3)")?
        .execute(params![token_hash, id, salt])?;
    Ok(())
}

/// Changes a participant's email, name, language and attributes.
pub fn update(conn: &Connection, survey_id: i64, id: i64, new: &NewParticipant) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE participants SET email = ?3, name = ?4, language = ?5, attributes = ?6, updated_at = ?7 \
         WHERE survey_id = ?1 AND id = ?2",
        params![survey_id, id, new.email, new.name, new.language, attributes_json(&new.attributes), now_rfc3339()],
    )?;
    Ok(changed == 1)
}

/// Replaces a participant's link salt and token hash.
pub(super) fn set_link(
    conn: &Connection,
    survey_id: i64,
    id: i64,
    salt: &[u8],
    token_hash: &[u8],
) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE participants SET token_salt = ?3, token_hash = ?4, updated_at = ?5 WHERE survey_id = ?1 AND id = ?2",
        params![survey_id, id, salt, token_hash, now_rfc3339()],
    )?;
    Ok(changed == 1)
}

pub fn find(conn: &Connection, survey_id: i64, id: i64) -> Result<Option<Participant>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE survey_id = ?1 AND id = ?2");
    Ok(conn.query_row(&sql, params![survey_id, id], from_row).optional()?)
}

/// The participant whose personal link's token has this SHA-256.
pub(super) fn find_by_token_hash(
    conn: &Connection,
    survey_id: i64,
    hash: &[u8],
) -> Result<Option<Participant>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE survey_id = ?1 AND token_hash = ?2");
    Ok(conn.prepare_cached(&sql)?.query_row(params![survey_id, hash], from_row).optional()?)
}

/// The participant whose opt-out token has this SHA-256.
pub(super) fn find_by_opt_out_hash(
    conn: &Connection,
    survey_id: i64,
    hash: &[u8],
) -> Result<Option<Participant>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM participants \
         WHERE survey_id = ?1 AND id = (SELECT participant_id FROM opt_out_tokens WHERE token_hash = ?2)"
    );
    Ok(conn.prepare_cached(&sql)?.query_row(params![survey_id, hash], from_row).optional()?)
}

/// Participants of a survey in the order they were added, `limit` from `offset`.
pub fn list(
    conn: &Connection,
    survey_id: i64,
    filter: &ParticipantFilter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Participant>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM participants WHERE survey_id = ?1 AND (?2 = '' OR status = ?2) \
         AND (?3 = '' OR instr(lower(email), lower(?3)) > 0 OR instr(lower(name), lower(?3)) > 0) \
         ORDER BY id LIMIT ?4 OFFSET ?5"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![survey_id, filter.status, filter.search, limit, offset], from_row)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every participant of a survey, one at a time, in the order they were added.
pub fn for_each(
    conn: &Connection,
    survey_id: i64,
    mut each: impl FnMut(Participant) -> Result<(), DbError>,
) -> Result<(), DbError> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE survey_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([survey_id])?;
    while let Some(row) = rows.next()? {
        each(from_row(row)?)?;
    }
    Ok(())
}

pub fn counts(conn: &Connection, survey_id: i64) -> Result<StatusCounts, DbError> {
    let mut stmt = conn.prepare("SELECT status, COUNT(*) FROM participants WHERE survey_id = ?1 GROUP BY status")?;
    let found: BTreeMap<String, i64> =
        stmt.query_map([survey_id], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<_, _>>()?;
    let by_status: Vec<_> = STATUSES.iter().map(|s| (*s, found.get(*s).copied().unwrap_or(0))).collect();
    let total = by_status.iter().map(|(_, n)| n).sum();
    Ok(StatusCounts { by_status, total })
}

/// The names of the custom attributes of a survey's participants, sorted.
pub fn attribute_names(conn: &Connection, survey_id: i64) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT j.key FROM participants p, json_each(p.attributes) j WHERE p.survey_id = ?1 ORDER BY 1",
    )?;
    let names = stmt.query_map([survey_id], |r| r.get::<_, String>(0))?;
    Ok(names.collect::<Result<_, _>>()?)
}

/// The emails already taken in a survey (lower-cased), to report duplicates on import.
pub fn emails(conn: &Connection, survey_id: i64) -> Result<HashSet<String>, DbError> {
    let mut stmt = conn.prepare("SELECT lower(email) FROM participants WHERE survey_id = ?1")?;
    let emails = stmt.query_map([survey_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(emails)
}

/// Marks the participant started; false when they had started already. In an anonymous survey
/// without a date and without touching `updated_at` (see [`UNDATED`]).
pub fn mark_started(conn: &Connection, id: i64, anonymous: bool) -> Result<bool, DbError> {
    let changed = if anonymous {
        conn.execute(
            "UPDATE participants SET started_at = ?2 WHERE id = ?1 AND started_at IS NULL",
            params![id, UNDATED],
        )?
    } else {
        conn.execute(
            "UPDATE participants SET started_at = ?2, updated_at = ?2 WHERE id = ?1 AND started_at IS NULL",
            params![id, now_rfc3339()],
        )?
    };
    Ok(changed == 1)
}

/// Marks the participant completed (once); in an anonymous survey without a date.
pub fn mark_completed(conn: &Connection, id: i64, anonymous: bool) -> Result<(), DbError> {
    if anonymous {
        conn.execute(
            "UPDATE participants SET completed_at = ?2 WHERE id = ?1 AND completed_at IS NULL",
            params![id, UNDATED],
        )?;
    } else {
        conn.execute(
            "UPDATE participants SET completed_at = ?2, updated_at = ?2 WHERE id = ?1 AND completed_at IS NULL",
            params![id, now_rfc3339()],
        )?;
    }
    Ok(())
}

/// Stops all further mail to the participant. False when they had already opted out.
pub fn opt_out(conn: &Connection, id: i64) -> Result<bool, DbError> {
    let now = now_rfc3339();
    let changed = conn.execute(
        "UPDATE participants SET opted_out_at = ?2, updated_at = ?2 WHERE id = ?1 AND opted_out_at IS NULL",
        params![id, now],
    )?;
    Ok(changed == 1)
}

/// Whether the participant has a response (in the trash or not); such a participant is erased,
/// not removed, so that no response is lost by accident.
pub fn has_response(conn: &Connection, id: i64) -> Result<bool, DbError> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM responses WHERE participant_id = ?1) \
         OR EXISTS (SELECT 1 FROM participants WHERE id = ?1 AND started_at IS NOT NULL)",
        [id],
        |r| r.get(0),
    )?)
}

/// Removes a participant who has not responded. False when there was none to remove.
pub fn remove(conn: &Connection, survey_id: i64, id: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "DELETE FROM participants WHERE survey_id = ?1 AND id = ?2 AND started_at IS NULL \
         AND NOT EXISTS (SELECT 1 FROM responses WHERE participant_id = ?2)",
        params![survey_id, id],
    )?;
    Ok(changed == 1)
}

/// Erases a participant for good: their row (email, name, attributes, link), their response with
/// its answers, codings and memos, and their mail records. The caller checkpoints the WAL after
/// the commit so that no copy of the erased data is left in the database files.
pub fn erase(conn: &Connection, survey_id: i64, id: i64) -> Result<bool, DbError> {
    // Responses, deliveries and codings go by ON DELETE CASCADE; secure_delete (set on every
    // connection) zeroes the freed space instead of leaving the old bytes in the file.
    let changed = conn.execute("DELETE FROM participants WHERE survey_id = ?1 AND id = ?2", params![survey_id, id])?;
    Ok(changed == 1)
}
