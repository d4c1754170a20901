//! The accounts' tables: `users`, the set-password links (`account_tokens`, made in `tokens.rs`)
//! and the failed logins the throttle counts (`login_failures`, `throttle.rs`).

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Role, User};
use crate::db::{DbError, now_rfc3339};

const USER_COLUMNS: &str =
    "id, email, name, role, active, session_epoch, created_at, last_login_at, password_hash IS NOT NULL, time_zone";

fn user_from_row(row: &Row) -> rusqlite::Result<User> {
    let role: String = row.get(3)?;
    Ok(User {
        id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        // The CHECK constraint keeps other values out; coder is the least privileged fallback.
        role: Role::parse(&role).unwrap_or(Role::Coder),
        active: row.get(4)?,
        session_epoch: row.get(5)?,
        created_at: row.get(6)?,
        last_login_at: row.get(7)?,
        has_password: row.get(8)?,
        time_zone: row.get(9)?,
    })
}

/// Sets the time zone (an IANA name, already checked) in which the person sees and types times.
pub fn set_time_zone(conn: &Connection, id: i64, time_zone: &str) -> Result<(), DbError> {
    conn.execute("UPDATE users SET time_zone = ?2 WHERE id = ?1", params![id, time_zone])?;
    Ok(())
}

pub fn count(conn: &Connection) -> Result<i64, DbError> {
    Ok(conn.query_row("SELECT COUNT(*) FROM users", [], |row| row.get(0))?)
}

pub fn find(conn: &Connection, id: i64) -> Result<Option<User>, DbError> {
    // On every staff request (the signed-in user): prepared once per connection.
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([id], user_from_row).optional()?)
}

pub fn find_by_email(conn: &Connection, email: &str) -> Result<Option<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = ?1");
    Ok(conn.query_row(&sql, [email], user_from_row).optional()?)
}

/// The user and their password hash, for logging in.
pub fn find_credentials(conn: &Connection, email: &str) -> Result<Option<(User, Option<String>)>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1");
    Ok(conn.query_row(&sql, [email], |row| Ok((user_from_row(row)?, row.get("password_hash")?))).optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<User>, DbError> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY active DESC, email");
    let mut stmt = conn.prepare(&sql)?;
    let users = stmt.query_map([], user_from_row)?.collect::<Result<_, _>>()?;
    Ok(users)
}

/// Whether an email is already taken (case-insensitively).
pub fn email_exists(conn: &Connection, email: &str) -> Result<bool, DbError> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM users WHERE email = ?1)", [email], |row| row.get(0))?)
}

/// Adds an account; `password_hash` is None when the person will set it through a link.
pub fn insert(
    conn: &Connection,
    email: &str,
    name: &str,
    role: Role,
    password_hash: Option<&str>,
) -> Result<i64, DbError> {
    let now = now_rfc3339();
    conn.execute(
        "INSERT INTO users (email, name, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        params![email, name, role.as_str(), password_hash, now],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Sets a password. Every session of the user ends, except the one the caller re-stamps.
pub fn set_password(conn: &Connection, id: i64, password_hash: &str) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET password_hash = ?2, session_epoch = session_epoch + 1, updated_at = ?3 WHERE id = ?1",
        params![id, password_hash, now_rfc3339()],
    )?;
    Ok(())
}

pub fn update_profile(conn: &Connection, id: i64, name: &str, role: Role) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET name = ?2, role = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, name, role.as_str(), now_rfc3339()],
    )?;
    Ok(())
}

/// Activates or deactivates an account; deactivation ends its sessions at once.
pub fn set_active(conn: &Connection, id: i64, active: bool) -> Result<(), DbError> {
    conn.execute(
        "UPDATE users SET active = ?2, session_epoch = session_epoch + 1, updated_at = ?3 WHERE id = ?1",
        params![id, active, now_rfc3339()],
    )?;
    Ok(())
}

/// Ends every session of the user.
pub fn end_sessions(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("UPDATE users SET session_epoch = session_epoch + 1 WHERE id = ?1", [id])?;
    Ok(())
}

pub fn record_login(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.execute("UPDATE users SET last_login_at = ?2 WHERE id = ?1", params![id, now_rfc3339()])?;
    Ok(())
}

/// Active admins other than `except`, to keep at least one admin who can sign in.
pub fn other_active_admins(conn: &Connection, except: i64) -> Result<i64, DbError> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM users WHERE role = 'admin' AND active = 1 AND id != ?1",
        [except],
        |row| row.get(0),
    )?)
}

// ----- Set-password links -----------------------------------------------------------------------

/// Stores a new set-password link (its token's SHA-256) for the user, replacing any unused one.
pub fn replace_account_token(
    conn: &Connection,
    user_id: i64,
    purpose: &str,
    token_hash: &[u8],
    expires_at: i64,
) -> Result<(), DbError> {
    conn.execute("DELETE FROM account_tokens WHERE user_id = ?1 AND used_at IS NULL", [user_id])?;
    conn.execute(
        "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, purpose, token_hash, now_rfc3339(), expires_at],
    )?;
    Ok(())
}

/// The active user whose unused link has this token hash and expires after `now` (Unix seconds).
pub fn account_token_user(conn: &Connection, token_hash: &[u8], now: i64) -> Result<Option<i64>, DbError> {
    Ok(conn
        .query_row(
            "SELECT t.user_id FROM account_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = ?1 AND t.used_at IS NULL AND t.expires_at > ?2 AND u.active = 1",
            params![token_hash, now],
            |row| row.get(0),
        )
        .optional()?)
}

pub fn mark_account_token_used(conn: &Connection, token_hash: &[u8]) -> Result<(), DbError> {
    conn.execute("UPDATE account_tokens SET used_at = ?2 WHERE token_hash = ?1", params![token_hash, now_rfc3339()])?;
    Ok(())
}

// ----- Failed logins ----------------------------------------------------------------------------

/// Whose failures a count is of: one email's, or one client address's.
#[derive(Debug, Clone, Copy)]
pub enum FailuresOf {
    Email,
    Client,
}

/// Forgets the failures from before `before` (Unix seconds).
pub fn forget_failures_before(conn: &Connection, before: i64) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM login_failures WHERE failed_at < ?1")?.execute([before])?;
    Ok(())
}

/// Records a failure (or an attempt reserved as one); returns its id.
pub fn record_failure(conn: &Connection, email: &str, client: &str, at: i64) -> Result<i64, DbError> {
    conn.prepare_cached("INSERT INTO login_failures (email, client, failed_at) VALUES (?1, ?2, ?3)")?
        .execute(params![email, client, at])?;
    Ok(conn.last_insert_rowid())
}

pub fn delete_failure(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.prepare_cached("DELETE FROM login_failures WHERE id = ?1")?.execute([id])?;
    Ok(())
}

pub fn delete_failures_of_email(conn: &Connection, email: &str) -> Result<(), DbError> {
    conn.execute("DELETE FROM login_failures WHERE email = ?1", [email])?;
    Ok(())
}

/// The time of the `nth` latest failure (0: the latest) of `key` after `since`, if it has that many.
pub fn nth_latest_failure(
    conn: &Connection,
    of: FailuresOf,
    key: &str,
    since: i64,
    nth: i64,
) -> Result<Option<i64>, DbError> {
    let sql = match of {
        FailuresOf::Email => {
            "SELECT failed_at FROM login_failures WHERE email = ?1 AND failed_at > ?2 \
             ORDER BY failed_at DESC LIMIT 1 OFFSET ?3"
        }
        FailuresOf::Client => {
            "SELECT failed_at FROM login_failures WHERE client = ?1 AND failed_at > ?2 \
             ORDER BY failed_at DESC LIMIT 1 OFFSET ?3"
        }
    };
    Ok(conn.prepare_cached(sql)?.query_row(params![key, since, nth], |row| row.get(0)).optional()?)
}
