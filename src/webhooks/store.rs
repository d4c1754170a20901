//! The SQL of webhooks: the webhooks of each survey, and the queue of their deliveries, which is
//! also their log.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::db::{DbError, now_rfc3339};

/// A registered webhook.
#[derive(Debug, Clone, Serialize)]
pub struct Webhook {
    pub id: i64,
    pub survey_id: i64,
    pub url: String,
    pub secret: String,
    pub created_at: String,
}

fn webhook_from_row(row: &rusqlite::Row) -> rusqlite::Result<Webhook> {
    Ok(Webhook {
        id: row.get(0)?,
        survey_id: row.get(1)?,
        url: row.get(2)?,
        secret: row.get(3)?,
        created_at: row.get(4)?,
    })
}

const WEBHOOK: &str = "SELECT id, survey_id, url, secret, created_at FROM webhooks";

pub fn insert(conn: &Connection, survey_id: i64, url: &str, secret: &str, by: Option<i64>) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO webhooks (survey_id, url, secret, created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![survey_id, url, secret, now_rfc3339(), by],
    )?;
    Ok(conn.last_insert_rowid())
}

/// The survey's webhooks, oldest first.
pub fn of_survey(conn: &Connection, survey_id: i64) -> Result<Vec<Webhook>, DbError> {
    let mut stmt = conn.prepare_cached(&format!("{WEBHOOK} WHERE survey_id = ?1 ORDER BY id"))?;
    let rows = stmt.query_map([survey_id], webhook_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The webhooks of the survey of response `response_id`.
pub fn of_response(conn: &Connection, response_id: i64) -> Result<Vec<Webhook>, DbError> {
    let sql = format!("{WEBHOOK} WHERE survey_id = (SELECT survey_id FROM responses WHERE id = ?1) ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([response_id], webhook_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The survey's webhook `id` (None for another survey's).
pub fn find(conn: &Connection, survey_id: i64, id: i64) -> Result<Option<Webhook>, DbError> {
    let sql = format!("{WEBHOOK} WHERE survey_id = ?1 AND id = ?2");
    Ok(conn.query_row(&sql, params![survey_id, id], webhook_from_row).optional()?)
}

/// Deletes the survey's webhook `id` and its log; false when it had none.
pub fn delete(conn: &Connection, survey_id: i64, id: i64) -> Result<bool, DbError> {
    Ok(conn.execute("DELETE FROM webhooks WHERE survey_id = ?1 AND id = ?2", params![survey_id, id])? == 1)
}

/// Queues an event for a webhook, due at `due_ms`; a response's completion only once per webhook.
pub fn enqueue(
    conn: &Connection,
    webhook_id: i64,
    event: &str,
    response_id: Option<i64>,
    payload: &str,
    due_ms: i64,
) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO webhook_deliveries (webhook_id, event, response_id, payload, next_attempt_at, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![webhook_id, event, response_id, payload, due_ms, now_rfc3339()])?;
    Ok(())
}

/// A delivery as the sender takes it: with its webhook's address and secret.
#[derive(Debug, Clone)]
pub struct Due {
    pub id: i64,
    pub event: String,
    pub payload: String,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
}

/// Pending deliveries due by `now_ms`, the longest waiting first.
pub fn due(conn: &Connection, now_ms: i64, limit: i64) -> Result<Vec<Due>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, d.event, d.payload, d.attempts, w.url, w.secret FROM webhook_deliveries d \
         JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 \
         ORDER BY d.next_attempt_at, d.id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![now_ms, limit], |row| {
            Ok(Due {
                id: row.get(0)?,
                event: row.get(1)?,
                payload: row.get(2)?,
                attempts: row.get(3)?,
                url: row.get(4)?,
                secret: row.get(5)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// When the next pending delivery is due (Unix milliseconds), if any is pending.
pub fn next_due(conn: &Connection) -> Result<Option<i64>, DbError> {
    Ok(conn
        .query_row("SELECT min(next_attempt_at) FROM webhook_deliveries WHERE status = 'pending'", [], |r| r.get(0))?)
}

/// What an attempt came to, recorded on its delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Delivered {
        status: u16,
    },
    /// Failed; tried again at `retry_at` (Unix milliseconds), or given up when None.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<i64>,
    },
}

pub fn record(conn: &Connection, id: i64, outcome: &Outcome) -> Result<(), DbError> {
    match outcome {
        Outcome::Delivered { status } => conn.execute(
            "UPDATE webhook_deliveries SET status = 'delivered', attempts = attempts + 1, last_status = ?2, \
             last_error = NULL, delivered_at = ?3 WHERE id = ?1",
            params![id, status, now_rfc3339()],
        )?,
        Outcome::Failed { status, error, retry_at } => conn.execute(
            "UPDATE webhook_deliveries SET status = CASE WHEN ?4 IS NULL THEN 'failed' ELSE 'pending' END, \
             attempts = attempts + 1, last_status = ?2, last_error = ?3, next_attempt_at = coalesce(?4, next_attempt_at) \
             WHERE id = ?1",
            params![id, status, error, retry_at],
        )?,
    };
    Ok(())
}

/// A delivery as the log shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub id: i64,
    pub webhook_id: i64,
    pub event: String,
    pub response_id: Option<i64>,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

/// The survey's latest deliveries, newest first.
pub fn log(conn: &Connection, survey_id: i64, limit: i64) -> Result<Vec<Logged>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.webhook_id, d.event, d.response_id, d.status, d.attempts, d.next_attempt_at, d.last_status, \
         d.last_error, d.created_at, d.delivered_at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         WHERE w.survey_id = ?1 ORDER BY d.id DESC LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![survey_id, limit], |row| {
            Ok(Logged {
                id: row.get(0)?,
                webhook_id: row.get(1)?,
                event: row.get(2)?,
                response_id: row.get(3)?,
                status: row.get(4)?,
                attempts: row.get(5)?,
                next_attempt_at: row.get(6)?,
                last_status: row.get(7)?,
                last_error: row.get(8)?,
                created_at: row.get(9)?,
                delivered_at: row.get(10)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
