//! Login throttling: after five failed attempts for one email or from one client address within
//! fifteen minutes, further attempts are refused until the oldest of them is fifteen minutes old.
//!
//! An attempt is reserved before its password is checked: the check of the count and the
//! reservation are one write, so simultaneous attempts cannot all slip under the limit. A
//! reservation stands as a failure unless the password was right (or never checked).

use rusqlite::Connection;

use super::store::{self, FailuresOf};
use crate::db::DbError;

/// Failures allowed within the window before attempts are refused.
pub const MAX_FAILURES: i64 = 5;
/// The window, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Whether a login attempt may check its password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Go ahead; the attempt is counted as a failure (row `id`) until `release`d.
    Reserved { id: i64 },
    /// Too many failures: try again in this many seconds.
    Refused { retry_after_secs: i64 },
}

/// Counts the recent failures for this email and client and, if another attempt is allowed,
/// records it. Run it in a write transaction, so that no other attempt counts in between.
pub fn reserve(conn: &Connection, email: &str, client: &str) -> Result<Attempt, DbError> {
    // Keep the table small: nothing older than the window matters.
    store::forget_failures_before(conn, now() - WINDOW_SECS)?;
    if let Some(wait) = retry_after(conn, email, client)? {
        return Ok(Attempt::Refused { retry_after_secs: wait });
    }
    Ok(Attempt::Reserved { id: store::record_failure(conn, email, client, now())? })
}

/// Takes back a reservation: the password was right, or was never checked.
pub fn release(conn: &Connection, id: i64) -> Result<(), DbError> {
    store::delete_failure(conn, id)
}

/// Seconds until another attempt is allowed for this email or client, or None if one is allowed
/// now. Each is refused while it has MAX_FAILURES failures within the window, until the oldest of
/// those ages out.
fn retry_after(conn: &Connection, email: &str, client: &str) -> Result<Option<i64>, DbError> {
    let since = now() - WINDOW_SECS;
    let by_email = store::nth_latest_failure(conn, FailuresOf::Email, email, since, MAX_FAILURES - 1)?;
    let by_client = store::nth_latest_failure(conn, FailuresOf::Client, client, since, MAX_FAILURES - 1)?;
    Ok(by_email.into_iter().chain(by_client).max().map(|oldest| (oldest + WINDOW_SECS - now()).max(1)))
}

/// A successful login forgives the account's earlier failures.
pub fn clear_for_email(conn: &Connection, email: &str) -> Result<(), DbError> {
    store::delete_failures_of_email(conn, email)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE login_failures (id INTEGER PRIMARY KEY, email TEXT NOT NULL COLLATE NOCASE, \
             client TEXT NOT NULL, failed_at INTEGER NOT NULL)",
        )
        .unwrap();
        conn
    }

    #[test]
    fn the_sixth_attempt_for_an_email_is_refused_until_one_is_released() {
        let conn = database();
        let reserved: Vec<_> =
            (0..MAX_FAILURES).map(|n| reserve(&conn, "Ada@example.org", &format!("10.0.0.{n}")).unwrap()).collect();
        assert!(reserved.iter().all(|a| matches!(a, Attempt::Reserved { .. })));
        let refused = reserve(&conn, "ada@example.org", "10.0.0.9").unwrap();
        assert!(matches!(refused, Attempt::Refused { retry_after_secs } if retry_after_secs > WINDOW_SECS - 5));

        let Attempt::Reserved { id } = reserved[0] else { unreachable!() };
        release(&conn, id).unwrap();
        assert!(matches!(reserve(&conn, "ada@example.org", "10.0.0.9").unwrap(), Attempt::Reserved { .. }));
    }

    #[test]
    fn one_client_address_is_limited_across_emails() {
        let conn = database();
        for n in 0..MAX_FAILURES {
            reserve(&conn, &format!("person{n}@example.org"), "10.0.0.1").unwrap();
        }
        assert!(matches!(reserve(&conn, "other@example.org", "10.0.0.1").unwrap(), Attempt::Refused { .. }));
        assert!(matches!(reserve(&conn, "other@example.org", "10.0.0.2").unwrap(), Attempt::Reserved { .. }));
    }
}
