//! The `responses` and `answers` tables, and the paradata kept with a response: its page visits
//! (`page_visits`) and the orders its randomised elements were shown in (`shown_orders`).

use rusqlite::{Connection, OptionalExtension, params};

use super::answers::AnswerSet;
use crate::db::{DbError, now_stamp};

/// A response as the respondent pages need it.
#[derive(Debug, Clone)]
pub struct ResponseRow {
    pub id: i64,
    pub complete: bool,
    pub language: String,
    pub page_index: usize,
    /// The seed its randomised orders are drawn from (its id, for a response begun before seeds).
    pub seed: u64,
}

/// What is known about a new response when it starts.
pub struct NewResponse<'a> {
    pub survey_id: i64,
    pub survey_version: i64,
    pub language: &'a str,
    pub resume_hash: &'a [u8],
    pub consented: bool,
    pub anonymous: bool,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
    /// The participant whose personal link this is; None for public responses and anonymous surveys.
    pub participant_id: Option<i64>,
    /// The seed its randomised orders are drawn from.
    pub seed: u64,
    /// The class of the device that began it (phone, tablet, desktop); None in anonymous surveys.
    pub device: Option<&'static str>,
}

pub fn create(conn: &Connection, new: &NewResponse) -> Result<i64, DbError> {
    let identifying = |value: &str| (!new.anonymous).then(|| value.chars().take(512).collect::<String>());
    let consent_at = new.consented.then(|| now_stamp(new.anonymous));
    // The statements of the respondent pages run thousands of times a second: prepared once.
    conn.prepare_cached(
        "INSERT INTO responses (survey_id, resume_hash, survey_version, language, consent_version, consent_at, \
         started_at, client_ip, user_agent, updated_at, participant_id, order_seed, device) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        new.survey_id,
        new.resume_hash,
        new.survey_version,
        new.language,
        new.consented.then_some(new.survey_version),
        consent_at,
        now_stamp(new.anonymous),
        identifying(new.client_ip),
        identifying(new.user_agent),
        now_stamp(new.anonymous),
        new.participant_id,
        // SQLite integers are signed: the seed's bits are kept as they are.
        new.seed as i64,
        new.device.filter(|_| !new.anonymous),
    ])?;
    Ok(conn.last_insert_rowid())
}

fn response_row(row: &rusqlite::Row) -> rusqlite::Result<ResponseRow> {
    Ok(ResponseRow {
        id: row.get(0)?,
        complete: row.get(1)?,
        language: row.get(2)?,
        page_index: row.get::<_, i64>(3)?.max(0) as usize,
        seed: row.get::<_, i64>(4)? as u64,
    })
}

/// The columns `response_row` reads, after `FROM live_responses`.
const ROW: &str = "id, is_complete, language, page_index, COALESCE(order_seed, id)";

/// The response a resume token belongs to; one in the trash is not found.
pub fn find_by_resume(conn: &Connection, survey_id: i64, resume_hash: &[u8]) -> Result<Option<ResponseRow>, DbError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {ROW} FROM live_responses WHERE survey_id = ?1 AND resume_hash = ?2"))?
        .query_row(params![survey_id, resume_hash], response_row)
        .optional()?)
}

/// A response as its resume link finds it: with when it was started and whose personal link
/// began it (None for public responses and in anonymous surveys).
#[derive(Debug, Clone)]
pub struct ResumeLink {
    pub row: ResponseRow,
    pub started_at: String,
    pub participant_id: Option<i64>,
}

/// The response a resume link's token belongs to; one in the trash is not found.
pub fn find_resume_link(conn: &Connection, survey_id: i64, resume_hash: &[u8]) -> Result<Option<ResumeLink>, DbError> {
    Ok(conn
        .query_row(
            &format!(
                "SELECT {ROW}, started_at, participant_id FROM live_responses WHERE survey_id = ?1 AND resume_hash = ?2"
            ),
            params![survey_id, resume_hash],
            |row| Ok(ResumeLink { row: response_row(row)?, started_at: row.get(5)?, participant_id: row.get(6)? }),
        )
        .optional()?)
}

/// The response begun from a participant's personal link (non-anonymous surveys only).
pub fn find_by_participant(conn: &Connection, participant_id: i64) -> Result<Option<ResponseRow>, DbError> {
    Ok(conn
        .query_row(
            &format!("SELECT {ROW} FROM live_responses WHERE participant_id = ?1"),
            [participant_id],
            response_row,
        )
        .optional()?)
}

/// Gives a response a new resume token (the participant came back by their link on another
/// device); the old token stops working.
pub fn set_resume(conn: &Connection, response_id: i64, resume_hash: &[u8]) -> Result<(), DbError> {
    conn.execute("UPDATE responses SET resume_hash = ?2 WHERE id = ?1", params![response_id, resume_hash])?;
    Ok(())
}

pub fn load_answers(conn: &Connection, response_id: i64) -> Result<AnswerSet, DbError> {
    let mut stmt = conn.prepare_cached("SELECT question, item, value FROM answers WHERE response_id = ?1")?;
    let mut answers = AnswerSet::new();
    let rows =
        stmt.query_map([response_id], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get(2)?)))?;
    for row in rows {
        let (question, item, value) = row?;
        answers.entry(question).or_default().insert(item, value);
    }
    Ok(answers)
}

/// Replaces the stored answers to `questions` with those in `answers` (rows already checked).
pub fn replace_answers(
    conn: &Connection,
    response_id: i64,
    questions: &[String],
    answers: &[(String, String, String)],
) -> Result<(), DbError> {
    let mut delete = conn.prepare_cached("DELETE FROM answers WHERE response_id = ?1 AND question = ?2")?;
    for question in questions {
        delete.execute(params![response_id, question])?;
    }
    let mut insert =
        conn.prepare_cached("INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)")?;
    for (question, item, value) in answers {
        insert.execute(params![response_id, question, item, value])?;
    }
    Ok(())
}

/// Where a respondent is: the page, the language, the survey version, and whether the survey is
/// anonymous (then only the date of the change is kept).
pub struct Position<'a> {
    pub page_index: usize,
    pub language: &'a str,
    pub version: i64,
    pub anonymous: bool,
}

/// Records where the respondent is.
pub fn set_position(conn: &Connection, response_id: i64, at: &Position) -> Result<(), DbError> {
    conn.prepare_cached(
        "UPDATE responses SET page_index = ?2, language = ?3, survey_version = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![response_id, at.page_index as i64, at.language, at.version, now_stamp(at.anonymous)])?;
    Ok(())
}

/// Marks the response complete; the duration is kept only for non-anonymous surveys.
pub fn complete(conn: &Connection, response_id: i64, anonymous: bool) -> Result<(), DbError> {
    let duration = if anonymous {
        None
    } else {
        let started: String = conn
            .prepare_cached("SELECT started_at FROM responses WHERE id = ?1")?
            .query_row([response_id], |r| r.get(0))?;
        time::OffsetDateTime::parse(&started, &time::format_description::well_known::Rfc3339)
            .ok()
            .map(|t| (time::OffsetDateTime::now_utc() - t).whole_seconds())
    };
    conn.prepare_cached(
        "UPDATE responses SET status = 'complete', submitted_at = ?2, duration_s = ?3, updated_at = ?4 \
         WHERE id = ?1 AND status = 'partial'",
    )?
    .execute(params![response_id, now_stamp(anonymous), duration, now_stamp(anonymous)])?;
    // The participant whose link this was has now completed (anonymous surveys keep no link; the
    // caller marks their participant from the invitation cookie).
    conn.prepare_cached(
        "UPDATE participants SET completed_at = ?2, updated_at = ?2 \
         WHERE id = (SELECT participant_id FROM responses WHERE id = ?1) AND completed_at IS NULL",
    )?
    .execute(params![response_id, crate::db::now_rfc3339()])?;
    Ok(())
}

/// A page saved: its code, the language it was answered in, and when it was shown (None in an
/// anonymous survey, or when the form did not say); it was saved now.
pub struct PageVisit<'a> {
    pub page: &'a str,
    pub language: &'a str,
    pub shown_at: Option<&'a str>,
    pub anonymous: bool,
}

/// Records a page saved, after the response's earlier visits.
pub fn add_visit(conn: &Connection, response_id: i64, visit: &PageVisit) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO page_visits (response_id, seq, page, language, shown_at, saved_at) VALUES \
         (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM page_visits WHERE response_id = ?1), ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        response_id,
        visit.page,
        visit.language,
        visit.shown_at.filter(|_| !visit.anonymous),
        now_stamp(visit.anonymous)
    ])?;
    Ok(())
}

/// Records the orders randomised elements were first shown in: (element code, codes in order).
/// An order already recorded stays: it was drawn once, when the element was first shown.
pub fn record_orders(conn: &Connection, response_id: i64, orders: &[(String, String)]) -> Result<(), DbError> {
    let mut insert =
        conn.prepare_cached("INSERT OR IGNORE INTO shown_orders (response_id, element, codes) VALUES (?1, ?2, ?3)")?;
    for (element, codes) in orders {
        insert.execute(params![response_id, element, codes])?;
    }
    Ok(())
}
