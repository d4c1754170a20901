//! One-time links to set a password: invitations for new accounts and resets for existing ones.
//! Only a SHA-256 of each token is stored, so a copy of the database holds no working link.

use rusqlite::Connection;

use super::store;
use crate::db::DbError;
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
    let token = random_token();
    let expires_at = time::OffsetDateTime::now_utc().unix_timestamp() + LINK_VALID_DAYS * 24 * 3600;
    store::replace_account_token(conn, user_id, purpose.as_str(), &token_digest(&token), expires_at)?;
    Ok(token)
}

/// The user a valid, unused, unexpired token belongs to.
pub fn lookup(conn: &Connection, token: &str) -> Result<Option<i64>, DbError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    store::account_token_user(conn, &token_digest(token), now)
}

/// Marks the token used; true when it was still valid (so the caller may go ahead).
pub fn consume(conn: &Connection, token: &str) -> Result<Option<i64>, DbError> {
    let Some(user_id) = lookup(conn, token)? else { return Ok(None) };
    store::mark_account_token_used(conn, &token_digest(token))?;
    Ok(Some(user_id))
}
