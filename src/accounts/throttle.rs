//! Login throttling: after five failed attempts for one email or from one client address within
//! fifteen minutes, further attempts are refused until the oldest of them is fifteen minutes old.

use rusqlite::{Connection, params};

use crate::db::DbError;

/// Failures allowed within the window before attempts are refused.
pub const MAX_FAILURES: i64 = 5;
/// The window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Seconds until another attempt is allowed for this email or client, or None if one is allowed
/// now.
pub fn retry_after(conn: &Connection, email: &str, client: &str) -> Result<Option<i64>, DbError> {
    let since = now() - WINDOW_SECS;
    let by_email = oldest_counted_failure(conn, "email", email, since)?;
    let by_client = oldest_counted_failure(conn, "client", client, since)?;
    Ok(by_email.into_iter().chain(by_client).max().map(|oldest| (oldest + WINDOW_SECS - now()).max(1)))
}

/// When `key` has at least MAX_FAILURES failures since `since`, the time of the one that must age
/// out before another attempt is allowed.
fn oldest_counted_failure(conn: &Connection, column: &str, key: &str, since: i64) -> Result<Option<i64>, DbError> {
    // `column` is one of two constants chosen above, never user input.
    let sql = format!(
        "SELECT failed_at FROM login_failures WHERE {column} = ?1 AND failed_at > ?2 \
         ORDER BY failed_at DESC LIMIT 1 OFFSET ?3"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query(params![key, since, MAX_FAILURES - 1])?;
    Ok(match rows.next()? {
        Some(row) => Some(row.get(0)?),
        None => None,
    })
}

pub fn record_failure(conn: &Connection, email: &str, client: &str) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO login_failures (email, client, failed_at) VALUES (?1, ?2, ?3)",
        params![email, client, now()],
    )?;
    // Keep the table small: nothing older than the window matters.
    conn.execute("DELETE FROM login_failures WHERE failed_at < ?1", [now() - WINDOW_SECS])?;
    Ok(())
}

/// A successful login forgives the account's earlier failures.
pub fn clear_for_email(conn: &Connection, email: &str) -> Result<(), DbError> {
    conn.execute("DELETE FROM login_failures WHERE email = ?1", [email])?;
    Ok(())
}
