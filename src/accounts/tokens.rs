//! One-time links to set a password: invitations for new accounts and resets for existing ones.
//! Only a SHA-256 of each token is stored, so a copy of the database holds no working link.

use rusqlite::{Connection, OptionalExtension, params};

use crate::db::{DbError, now_rfc3339};
use crate::web::{random_token, token_digest};

/// How long a set-password link stays valid.
pub const LINK_VALID_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Invite,
    Reset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::Invite => "invite",
            Purpose::Reset => "reset",
        }
    }
}

/// Issues a new link token for the user, replacing any unused one, and returns the token.
pub fn issue(conn: &Connection, user_id: i64, purpose: Purpose) -> Result<String, DbError> {
    conn.execute("DELETE FROM account_tokens WHERE user_id = ?1 AND used_at IS NULL", [user_id])?;
    let token = random_token();
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + LINK_VALID_DAYS * 24 * 3600;
    conn.execute(
        "INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![user_id, purpose.as_str(), token_digest(&token).as_slice(), now_rfc3339(), expires_at],
    )?;
    Ok(token)
}

/// The user a valid, unused, unexpired token belongs to.
pub fn lookup(conn: &Connection, token: &str) -> Result<Option<i64>, DbError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    Ok(conn
        .query_row(
            "SELECT t.user_id FROM account_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = ?1 AND t.used_at IS NULL AND t.expires_at > ?2 AND u.active = 1",
            params![token_digest(token).as_slice(), now],
            |row| row.get(0),
        )
        .optional()?)
}

/// Marks the token used; true when it was still valid (so the caller may go ahead).
pub fn consume(conn: &Connection, token: &str) -> Result<Option<i64>, DbError> {
    let Some(user_id) = lookup(conn, token)? else { return Ok(None) };
    conn.execute(
        "UPDATE account_tokens SET used_at = ?2 WHERE token_hash = ?1",
        params![token_digest(token).as_slice(), now_rfc3339()],
    )?;
    Ok(Some(user_id))
}
