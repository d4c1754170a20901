//! The `mail_templates`, `mailings` and `deliveries` tables: who a new mailing goes to, each
//! delivery's state (`pending` → `sending` → `sent` or `failed`), progress and failures.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Kind, Template};
use crate::db::{DbError, now_rfc3339};

/// The error recorded for a delivery found `sending` at start-up.
pub const INTERRUPTED: &str =
    "interrupted: the server stopped while sending, so this message may or may not have been delivered";

// ----- Templates --------------------------------------------------------------------------------

/// The survey's own template of `kind` in `language`, if it has one.
pub fn template(conn: &Connection, survey_id: i64, kind: Kind, language: &str) -> Result<Option<Template>, DbError> {
    Ok(conn
        .prepare_cached(
            "SELECT subject, body FROM mail_templates WHERE survey_id = ?1 AND kind = ?2 AND language = ?3",
        )?
        .query_row(params![survey_id, kind.as_str(), language], |r| {
            Ok(Template { subject: r.get(0)?, body: r.get(1)?, custom: true })
        })
        .optional()?)
}

/// The (kind, language) pairs the survey has its own template for.
pub fn customised(conn: &Connection, survey_id: i64) -> Result<Vec<(String, String)>, DbError> {
    let mut stmt = conn.prepare("SELECT kind, language FROM mail_templates WHERE survey_id = ?1")?;
    let rows = stmt.query_map([survey_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn save_template(
    conn: &Connection,
    survey_id: i64,
    kind: Kind,
    language: &str,
    subject: &str,
    body: &str,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO mail_templates (survey_id, kind, language, subject, body) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (survey_id, kind, language) DO UPDATE SET subject = excluded.subject, body = excluded.body",
        params![survey_id, kind.as_str(), language, subject, body],
    )?;
    Ok(())
}

/// Goes back to the built-in template. False when the survey had none of its own.
pub fn delete_template(conn: &Connection, survey_id: i64, kind: Kind, language: &str) -> Result<bool, DbError> {
    let deleted = conn.execute(
        "DELETE FROM mail_templates WHERE survey_id = ?1 AND kind = ?2 AND language = ?3",
        params![survey_id, kind.as_str(), language],
    )?;
    Ok(deleted == 1)
}

// ----- Who a mailing goes to --------------------------------------------------------------------

/// The participants (`p`) of survey ?1 that a new mailing of this kind goes to. Invitations: not
/// invited, not started, not opted out, and not in any invitation mailing (a failed one is
/// retried from its mailing, not sent again by a new one). Reminders: invited or started, not
/// completed, not opted out, and not already waiting for a reminder.
fn recipients(kind: Kind) -> &'static str {
    match kind {
        Kind::Invitation => {
            "p.survey_id = ?1 AND p.invited_at IS NULL AND p.started_at IS NULL AND p.completed_at IS NULL \
             AND p.opted_out_at IS NULL AND NOT EXISTS (SELECT 1 FROM deliveries d JOIN mailings m ON m.id = d.mailing_id \
             WHERE d.participant_id = p.id AND m.kind = 'invitation')"
        }
        Kind::Reminder => {
            "p.survey_id = ?1 AND (p.invited_at IS NOT NULL OR p.started_at IS NOT NULL) AND p.completed_at IS NULL \
             AND p.opted_out_at IS NULL AND NOT EXISTS (SELECT 1 FROM deliveries d JOIN mailings m ON m.id = d.mailing_id \
             WHERE d.participant_id = p.id AND m.kind = 'reminder' AND d.status IN ('pending', 'sending'))"
        }
    }
}

/// How many participants a new mailing of `kind` would go to.
pub fn recipient_count(conn: &Connection, survey_id: i64, kind: Kind) -> Result<i64, DbError> {
    let sql = format!("SELECT COUNT(*) FROM participants p WHERE {}", recipients(kind));
    Ok(conn.query_row(&sql, [survey_id], |r| r.get(0))?)
}

/// Creates a mailing with a pending delivery for each recipient; returns its id and size, or None
/// when there is nobody to write to (no empty mailing is made).
pub fn create_mailing(
    conn: &Connection,
    survey_id: i64,
    kind: Kind,
    created_by: Option<i64>,
) -> Result<Option<(i64, usize)>, DbError> {
    if recipient_count(conn, survey_id, kind)? == 0 {
        return Ok(None);
    }
    let now = now_rfc3339();
    conn.execute(
        "INSERT INTO mailings (survey_id, kind, created_by, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![survey_id, kind.as_str(), created_by, now],
    )?;
    let mailing = conn.last_insert_rowid();
    let sql = format!(
        "INSERT INTO deliveries (mailing_id, participant_id, updated_at) \
         SELECT ?2, p.id, ?3 FROM participants p WHERE {} ORDER BY p.id",
        recipients(kind)
    );
    let added = conn.execute(&sql, params![survey_id, mailing, now])?;
    Ok(Some((mailing, added)))
}

// ----- Progress ---------------------------------------------------------------------------------

/// A mailing with its counts, for the mail page.
#[derive(Debug, Clone, Serialize)]
pub struct Progress {
    pub id: i64,
    pub kind: String,
    pub created_at: String,
    pub created_by: Option<String>,
    pub finished_at: Option<String>,
    pub sent: i64,
    pub failed: i64,
    /// Pending or being sent.
    pub remaining: i64,
}

/// The survey's mailings, newest first.
pub fn mailings(conn: &Connection, survey_id: i64) -> Result<Vec<Progress>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT m.id, m.kind, m.created_at, u.email, m.finished_at, \
         COUNT(*) FILTER (WHERE d.status = 'sent'), COUNT(*) FILTER (WHERE d.status = 'failed'), \
         COUNT(*) FILTER (WHERE d.status IN ('pending', 'sending')) \
         FROM mailings m LEFT JOIN users u ON u.id = m.created_by LEFT JOIN deliveries d ON d.mailing_id = m.id \
         WHERE m.survey_id = ?1 GROUP BY m.id ORDER BY m.id DESC",
    )?;
    let rows = stmt.query_map([survey_id], |r| {
        Ok(Progress {
            id: r.get(0)?,
            kind: r.get(1)?,
            created_at: r.get(2)?,
            created_by: r.get(3)?,
            finished_at: r.get(4)?,
            sent: r.get(5)?,
            failed: r.get(6)?,
            remaining: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A delivery that failed, with the server's message.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub mailing_id: i64,
    pub participant_id: i64,
    pub email: String,
    pub error: String,
    pub attempts: i64,
    pub updated_at: String,
}

/// The survey's failed deliveries, most recent first, at most `limit`.
pub fn failures(conn: &Connection, survey_id: i64, limit: i64) -> Result<Vec<Failure>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT d.mailing_id, d.participant_id, p.email, COALESCE(d.error, ''), d.attempts, d.updated_at \
         FROM deliveries d JOIN mailings m ON m.id = d.mailing_id JOIN participants p ON p.id = d.participant_id \
         WHERE m.survey_id = ?1 AND d.status = 'failed' ORDER BY d.updated_at DESC, d.mailing_id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![survey_id, limit], |r| {
        Ok(Failure {
            mailing_id: r.get(0)?,
            participant_id: r.get(1)?,
            email: r.get(2)?,
            error: r.get(3)?,
            attempts: r.get(4)?,
            updated_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Puts a mailing's failed deliveries back in the queue; returns how many. Anyone who opted out
/// or completed meanwhile is dropped when their turn comes.
pub fn retry_failed(conn: &Connection, survey_id: i64, mailing_id: i64) -> Result<usize, DbError> {
    let retried = conn.execute(
        "UPDATE deliveries SET status = 'pending', updated_at = ?3 WHERE mailing_id = ?2 AND status = 'failed' \
         AND EXISTS (SELECT 1 FROM mailings m WHERE m.id = ?2 AND m.survey_id = ?1)",
        params![survey_id, mailing_id, now_rfc3339()],
    )?;
    if retried > 0 {
        conn.execute("UPDATE mailings SET finished_at = NULL WHERE id = ?1", [mailing_id])?;
    }
    Ok(retried)
}

// ----- The sender's side ------------------------------------------------------------------------

/// A delivery the sender takes on next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Next {
    pub mailing_id: i64,
    pub participant_id: i64,
    pub survey_id: i64,
    pub kind: Kind,
}

/// The oldest pending delivery, dropping on the way any whose participant has opted out (or, for
/// a mailing made before, completed) since it was queued.
pub fn next_pending(conn: &Connection) -> Result<Option<Next>, DbError> {
    loop {
        let found = conn
            .query_row(
                // The oldest unfinished mailing first, then its first pending delivery through the
                // (mailing_id, status) index: finished mailings' rows are never scanned.
                "SELECT d.mailing_id, d.participant_id, m.survey_id, m.kind, \
                 p.opted_out_at IS NOT NULL OR p.completed_at IS NOT NULL \
                 FROM mailings m JOIN deliveries d ON d.mailing_id = m.id JOIN participants p ON p.id = d.participant_id \
                 WHERE m.id = (SELECT MIN(m2.id) FROM mailings m2 WHERE m2.finished_at IS NULL AND EXISTS \
                 (SELECT 1 FROM deliveries d2 WHERE d2.mailing_id = m2.id AND d2.status = 'pending')) \
                 AND d.status = 'pending' ORDER BY d.participant_id LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get::<_, bool>(4)?)),
            )
            .optional()?;
        let Some((mailing_id, participant_id, survey_id, kind, gone)) = found else { return Ok(None) };
        if gone {
            conn.execute(
                "DELETE FROM deliveries WHERE mailing_id = ?1 AND participant_id = ?2",
                params![mailing_id, participant_id],
            )?;
            finish_if_done(conn, mailing_id)?;
            continue;
        }
        let kind = Kind::parse(&kind).unwrap_or(Kind::Invitation);
        return Ok(Some(Next { mailing_id, participant_id, survey_id, kind }));
    }
}

/// Marks a delivery as being sent. Committed before the SMTP transaction begins, so that a crash
/// during it leaves a trace and the message is not sent again on its own.
pub fn mark_sending(conn: &Connection, next: &Next) -> Result<(), DbError> {
    conn.execute(
        "UPDATE deliveries SET status = 'sending', attempts = attempts + 1, error = NULL, updated_at = ?3 \
         WHERE mailing_id = ?1 AND participant_id = ?2 AND status = 'pending'",
        params![next.mailing_id, next.participant_id, now_rfc3339()],
    )?;
    Ok(())
}

/// Records a delivery as sent, and the invitation or reminder on the participant.
pub fn mark_sent(conn: &Connection, next: &Next) -> Result<(), DbError> {
    let now = now_rfc3339();
    conn.execute(
        "UPDATE deliveries SET status = 'sent', error = NULL, updated_at = ?3 WHERE mailing_id = ?1 AND participant_id = ?2",
        params![next.mailing_id, next.participant_id, now],
    )?;
    let participant = match next.kind {
        Kind::Invitation => {
            "UPDATE participants SET invited_at = COALESCE(invited_at, ?2), mail_error = NULL, updated_at = ?2 WHERE id = ?1"
        }
        Kind::Reminder => {
            "UPDATE participants SET reminded_at = ?2, reminders = reminders + 1, mail_error = NULL, updated_at = ?2 \
             WHERE id = ?1"
        }
    };
    conn.execute(participant, params![next.participant_id, now])?;
    finish_if_done(conn, next.mailing_id)
}

/// Records a delivery as failed with the server's (or the template's) message.
pub fn mark_failed(conn: &Connection, next: &Next, error: &str) -> Result<(), DbError> {
    let now = now_rfc3339();
    conn.execute(
        "UPDATE deliveries SET status = 'failed', error = ?3, updated_at = ?4 WHERE mailing_id = ?1 AND participant_id = ?2",
        params![next.mailing_id, next.participant_id, error, now],
    )?;
    conn.execute(
        "UPDATE participants SET mail_error = ?2, updated_at = ?3 WHERE id = ?1",
        params![next.participant_id, error, now],
    )?;
    finish_if_done(conn, next.mailing_id)
}

/// At start-up: every delivery still `sending` was cut off mid-transaction by a crash or a kill.
/// It is marked failed (to be retried by a person who can check), never sent again on its own.
/// Returns (mailing, survey, how many) for each mailing affected.
pub fn fail_interrupted(conn: &Connection) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT d.mailing_id, m.survey_id, COUNT(*) FROM deliveries d JOIN mailings m ON m.id = d.mailing_id \
         WHERE d.status = 'sending' GROUP BY d.mailing_id",
    )?;
    let affected: Vec<(i64, i64, i64)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<_, _>>()?;
    let now = now_rfc3339();
    conn.execute(
        "UPDATE participants SET mail_error = ?1, updated_at = ?2 \
         WHERE id IN (SELECT participant_id FROM deliveries WHERE status = 'sending')",
        params![INTERRUPTED, now],
    )?;
    conn.execute(
        "UPDATE deliveries SET status = 'failed', error = ?1, updated_at = ?2 WHERE status = 'sending'",
        params![INTERRUPTED, now],
    )?;
    for (mailing, _, _) in &affected {
        finish_if_done(conn, *mailing)?;
    }
    Ok(affected)
}

/// Stamps a mailing finished once nothing in it waits or is being sent.
fn finish_if_done(conn: &Connection, mailing_id: i64) -> Result<(), DbError> {
    conn.execute(
        "UPDATE mailings SET finished_at = ?2 WHERE id = ?1 AND finished_at IS NULL AND NOT EXISTS \
         (SELECT 1 FROM deliveries WHERE mailing_id = ?1 AND status IN ('pending', 'sending'))",
        params![mailing_id, now_rfc3339()],
    )?;
    Ok(())
}
