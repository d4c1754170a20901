//! The `participants` table: the people invited to a survey, their personal links (salt and hash
//! only) and the facts their status is made of.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

use super::links::{LinkKey, new_salt};
use crate::db::{DbError, now_rfc3339};
use crate::web::token_digest;

/// Custom columns of a participant (organisation, project, role, ...), by column name.
pub type Attributes = BTreeMap<String, String>;

/// The statuses, in the order the participants page lists their counts.
pub const STATUSES: [&str; 7] = ["not_invited", "invited", "reminded", "started", "completed", "opted_out", "failed"];

/// A participant as the pages and the mailer need them.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub id: i64,
    pub survey_id: i64,
    pub email: String,
    pub name: String,
    pub language: String,
    pub attributes: Attributes,
    #[serde(skip)]
    pub token_salt: Vec<u8>,
    pub status: String,
    pub invited_at: Option<String>,
    pub reminded_at: Option<String>,
    pub reminders: i64,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub opted_out_at: Option<String>,
    pub mail_error: Option<String>,
}

/// A participant to add, or the new values of one being edited.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewParticipant {
    pub email: String,
    pub name: String,
    pub language: String,
    pub attributes: Attributes,
}

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

/// Adds a participant with a fresh personal link and opt-out link; returns its id.
pub fn insert(conn: &Connection, key: &LinkKey, survey_id: i64, new: &NewParticipant) -> Result<i64, DbError> {
    let salt = new_salt();
    let hash = token_digest(&key.token(&salt));
    let now = now_rfc3339();
    conn.prepare_cached(
        "INSERT INTO participants (survey_id, email, name, language, attributes, token_salt, token_hash, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
    )?
    .execute(params![survey_id, new.email, new.name, new.language, attributes_json(&new.attributes), &salt[..], &hash[..], now])?;
    let id = conn.last_insert_rowid();
    new_opt_out_token(conn, key, id)?;
    Ok(id)
}

/// The participant's opt-out token, made (and its hash stored) if they have none yet: participants
/// added before opt-out links had their own get theirs when first mailed. It stays the same for
/// the participant's life, through new personal links, so every message's opt-out link works.
pub fn opt_out_token(conn: &Connection, key: &LinkKey, id: i64) -> Result<String, DbError> {
    let salt: Option<Vec<u8>> = conn
        .prepare_cached("SELECT salt FROM opt_out_tokens WHERE participant_id = ?1 AND salt IS NOT NULL")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    match salt {
        Some(salt) => Ok(key.opt_out_token(&salt)),
        None => new_opt_out_token(conn, key, id),
    }
}

fn new_opt_out_token(conn: &Connection, key: &LinkKey, id: i64) -> Result<String, DbError> {
    let salt = new_salt();
    let token = key.opt_out_token(&salt);
    conn.prepare_cached("INSERT INTO opt_out_tokens (token_hash, participant_id, salt) VALUES (?1, ?2, ?3)")?
        .execute(params![&token_digest(&token)[..], id, &salt[..]])?;
    Ok(token)
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

/// Gives a participant a new personal link; the old one stops working.
pub fn reissue_link(conn: &Connection, key: &LinkKey, survey_id: i64, id: i64) -> Result<bool, DbError> {
    let salt = new_salt();
    let hash = token_digest(&key.token(&salt));
    let changed = conn.execute(
        "UPDATE participants SET token_salt = ?3, token_hash = ?4, updated_at = ?5 WHERE survey_id = ?1 AND id = ?2",
        params![survey_id, id, &salt[..], &hash[..], now_rfc3339()],
    )?;
    Ok(changed == 1)
}

pub fn find(conn: &Connection, survey_id: i64, id: i64) -> Result<Option<Participant>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE survey_id = ?1 AND id = ?2");
    Ok(conn.query_row(&sql, params![survey_id, id], from_row).optional()?)
}

/// The participant whose personal link carries `token`.
pub fn find_by_token(conn: &Connection, survey_id: i64, token: &str) -> Result<Option<Participant>, DbError> {
    let sql = format!("SELECT {COLUMNS} FROM participants WHERE survey_id = ?1 AND token_hash = ?2");
    let hash = token_digest(token);
    Ok(conn.prepare_cached(&sql)?.query_row(params![survey_id, &hash[..]], from_row).optional()?)
}

/// The participant whose opt-out link carries `token`. A personal link's token finds nobody here,
/// except one that was mailed as the opt-out link before opt-out links had their own.
pub fn find_by_opt_out_token(conn: &Connection, survey_id: i64, token: &str) -> Result<Option<Participant>, DbError> {
    let sql = format!(
        "SELECT {COLUMNS} FROM participants \
         WHERE survey_id = ?1 AND id = (SELECT participant_id FROM opt_out_tokens WHERE token_hash = ?2)"
    );
    let hash = token_digest(token);
    Ok(conn.prepare_cached(&sql)?.query_row(params![survey_id, &hash[..]], from_row).optional()?)
}

/// Which participants a list shows.
#[derive(Debug, Clone, Default)]
pub struct ParticipantFilter {
    /// One of [`STATUSES`], or empty for all.
    pub status: String,
    /// Part of an email address or name.
    pub search: String,
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

/// How many participants have each status, in the order of [`STATUSES`], and in all.
#[derive(Debug, Clone, Serialize)]
pub struct StatusCounts {
    pub by_status: Vec<(&'static str, i64)>,
    pub total: i64,
}

impl StatusCounts {
    pub fn of(&self, status: &str) -> i64 {
        self.by_status.iter().find(|(s, _)| *s == status).map_or(0, |(_, n)| *n)
    }
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
pub fn emails(conn: &Connection, survey_id: i64) -> Result<std::collections::HashSet<String>, DbError> {
    let mut stmt = conn.prepare("SELECT lower(email) FROM participants WHERE survey_id = ?1")?;
    let emails = stmt.query_map([survey_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(emails)
}

/// What an anonymous survey stores as a participant's start and completion: that they happened,
/// not when. Responses keep their dates, and on a day with one completion a participant's date
/// would pair them with it.
pub const UNDATED: &str = "undated";

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

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Connection, LinkKey, i64, tempfile::TempDir) {
        let (conn, key, dir) = crate::distribute::test_database();
        (conn, key, 1, dir)
    }

    #[test]
    fn a_token_finds_its_participant_and_the_status_follows_the_facts() {
        let (conn, key, survey, _dir) = setup();
        let new = NewParticipant { email: "ada@example.org".into(), ..Default::default() };
        let id = insert(&conn, &key, survey, &new).unwrap();
        let p = find(&conn, survey, id).unwrap().unwrap();
        assert_eq!(p.status, "not_invited");
        let token = key.token(&p.token_salt);
        assert_eq!(find_by_token(&conn, survey, &token).unwrap().unwrap().id, id);
        assert!(find_by_token(&conn, survey, "wrong").unwrap().is_none());
        assert!(mark_started(&conn, id, false).unwrap());
        assert!(!mark_started(&conn, id, false).unwrap(), "a link starts one response");
        mark_completed(&conn, id, false).unwrap();
        assert_eq!(find(&conn, survey, id).unwrap().unwrap().status, "completed");
        opt_out(&conn, id).unwrap();
        assert_eq!(counts(&conn, survey).unwrap().of("opted_out"), 1);
    }

    #[test]
    fn the_opt_out_token_only_finds_for_opting_out_and_outlives_a_new_personal_link() {
        let (conn, key, survey, _dir) = setup();
        let id =
            insert(&conn, &key, survey, &NewParticipant { email: "a@b.org".into(), ..Default::default() }).unwrap();
        let personal = key.token(&find(&conn, survey, id).unwrap().unwrap().token_salt);
        let opt_out = opt_out_token(&conn, &key, id).unwrap();
        assert_ne!(opt_out, personal);
        assert_eq!(opt_out_token(&conn, &key, id).unwrap(), opt_out, "the same link in every message");
        assert_eq!(find_by_opt_out_token(&conn, survey, &opt_out).unwrap().unwrap().id, id);
        assert!(find_by_opt_out_token(&conn, survey, &personal).unwrap().is_none(), "a personal link opts nobody out");
        assert!(find_by_token(&conn, survey, &opt_out).unwrap().is_none(), "an opt-out link opens no survey");
        assert!(find_by_opt_out_token(&conn, survey + 1, &opt_out).unwrap().is_none(), "another survey's");

        reissue_link(&conn, &key, survey, id).unwrap();
        assert_eq!(opt_out_token(&conn, &key, id).unwrap(), opt_out, "old messages still opt out");
        // One added before opt-out links had their own gets one when first mailed.
        conn.execute("DELETE FROM opt_out_tokens", []).unwrap();
        let made = opt_out_token(&conn, &key, id).unwrap();
        assert_ne!(made, opt_out);
        assert_eq!(find_by_opt_out_token(&conn, survey, &made).unwrap().unwrap().id, id);
        assert!(erase(&conn, survey, id).unwrap());
        assert_eq!(conn.query_row("SELECT COUNT(*) FROM opt_out_tokens", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
    }

    #[test]
    fn in_an_anonymous_survey_a_start_and_a_completion_are_stored_without_a_date() {
        let (conn, key, survey, _dir) = setup();
        let id =
            insert(&conn, &key, survey, &NewParticipant { email: "a@b.org".into(), ..Default::default() }).unwrap();
        conn.execute("UPDATE participants SET updated_at = '2020-01-01T00:00:00Z'", []).unwrap();
        assert!(mark_started(&conn, id, true).unwrap());
        assert_eq!(find(&conn, survey, id).unwrap().unwrap().status, "started");
        assert!(!mark_started(&conn, id, true).unwrap(), "a link starts one response");
        mark_completed(&conn, id, true).unwrap();
        let p = find(&conn, survey, id).unwrap().unwrap();
        assert_eq!(p.status, "completed");
        assert_eq!((p.started_at.as_deref(), p.completed_at.as_deref()), (Some(UNDATED), Some(UNDATED)));
        let updated: String = conn.query_row("SELECT updated_at FROM participants", [], |r| r.get(0)).unwrap();
        assert_eq!(updated, "2020-01-01T00:00:00Z", "no date of the response's in the row");
    }

    #[test]
    fn a_new_link_retires_the_old_one() {
        let (conn, key, survey, _dir) = setup();
        let id =
            insert(&conn, &key, survey, &NewParticipant { email: "a@b.org".into(), ..Default::default() }).unwrap();
        let old = key.token(&find(&conn, survey, id).unwrap().unwrap().token_salt);
        assert!(reissue_link(&conn, &key, survey, id).unwrap());
        assert!(find_by_token(&conn, survey, &old).unwrap().is_none());
    }
}
