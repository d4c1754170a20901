//! The people invited to a survey: who they are, their personal and opt-out links (made here from
//! a salt of their own under the link key, as `links` describes; only the salts and the tokens'
//! SHA-256 are stored), the facts their status is made of, and the list of their links. The SQL
//! is in `participants/store.rs`; its plain reads and writes are this module's too.

mod store;

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

pub use self::store::{
    attribute_names, counts, emails, erase, find, for_each, has_response, list, mark_completed, mark_started, opt_out,
    remove, update,
};
use super::links::{LinkKey, new_salt, personal_link};
use crate::db::DbError;
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

/// Which participants a list shows.
#[derive(Debug, Clone, Default)]
pub struct ParticipantFilter {
    /// One of [`STATUSES`], or empty for all.
    pub status: String,
    /// Part of an email address or name.
    pub search: String,
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

/// What an anonymous survey stores as a participant's start and completion: that they happened,
/// not when. Responses keep their dates, and on a day with one completion a participant's date
/// would pair them with it.
pub const UNDATED: &str = "undated";

/// Adds a participant with a fresh personal link and opt-out link; returns its id.
pub fn insert(conn: &Connection, key: &LinkKey, survey_id: i64, new: &NewParticipant) -> Result<i64, DbError> {
    let salt = new_salt();
    let id = store::insert(conn, survey_id, new, &salt, &token_digest(&key.token(&salt)))?;
    new_opt_out_token(conn, key, id)?;
    Ok(id)
}

/// The participant's opt-out token, made (and its hash stored) if they have none yet: participants
/// added before opt-out links had their own get theirs when first mailed. It stays the same for
/// the participant's life, through new personal links, so every message's opt-out link works.
pub fn opt_out_token(conn: &Connection, key: &LinkKey, id: i64) -> Result<String, DbError> {
    match store::opt_out_salt(conn, id)? {
        Some(salt) => Ok(key.opt_out_token(&salt)),
        None => new_opt_out_token(conn, key, id),
    }
}

fn new_opt_out_token(conn: &Connection, key: &LinkKey, id: i64) -> Result<String, DbError> {
    let salt = new_salt();
    let token = key.opt_out_token(&salt);
    store::insert_opt_out_token(conn, id, &salt, &token_digest(&token))?;
    Ok(token)
}

/// Gives a participant a new personal link; the old one stops working.
pub fn reissue_link(conn: &Connection, key: &LinkKey, survey_id: i64, id: i64) -> Result<bool, DbError> {
    let salt = new_salt();
    store::set_link(conn, survey_id, id, &salt, &token_digest(&key.token(&salt)))
}

/// The participant whose personal link carries `token`.
pub fn find_by_token(conn: &Connection, survey_id: i64, token: &str) -> Result<Option<Participant>, DbError> {
    store::find_by_token_hash(conn, survey_id, &token_digest(token))
}

/// The participant whose opt-out link carries `token`. A personal link's token finds nobody here,
/// except one that was mailed as the opt-out link before opt-out links had their own.
pub fn find_by_opt_out_token(conn: &Connection, survey_id: i64, token: &str) -> Result<Option<Participant>, DbError> {
    store::find_by_opt_out_hash(conn, survey_id, &token_digest(token))
}

/// Which columns a list of links has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkColumns {
    /// `email,link`: what the command line prints.
    Plain,
    /// `email,name,language,status,link`: for a mail merge in one's own mail tool.
    ForMailMerge,
}

/// Writes every participant's personal link as CSV, one participant at a time.
pub fn write_links(
    conn: &rusqlite::Connection,
    key: &LinkKey,
    base_url: &str,
    survey: (i64, &str),
    columns: LinkColumns,
    out: impl std::io::Write,
) -> Result<(), crate::db::DbError> {
    let (survey_id, slug) = survey;
    let failed = |e: csv::Error| crate::db::DbError::Backup(format!("writing the links: {e}"));
    let options = crate::csv_out::CsvOptions::default();
    let mut csv = crate::csv_out::CsvWriter::new(out, options).map_err(|e| failed(e.into()))?;
    match columns {
        LinkColumns::Plain => csv.record(["email", "link"]),
        LinkColumns::ForMailMerge => csv.record(["email", "name", "language", "status", "link"]),
    }
    .map_err(failed)?;
    for_each(conn, survey_id, |p| {
        let link = personal_link(base_url, slug, &key.token(&p.token_salt));
        match columns {
            LinkColumns::Plain => csv.record([p.email.as_str(), &link]),
            LinkColumns::ForMailMerge => csv.record([p.email.as_str(), &p.name, &p.language, &p.status, &link]),
        }
        .map_err(failed)
    })?;
    csv.flush().map_err(|e| failed(e.into()))
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
