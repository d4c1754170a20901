//! Personal access tokens: made (printed once), stored as a SHA-256 only, found by their public
//! prefix and compared in constant time, scoped to reading or to reading and writing, with an
//! optional expiry, revocable. Failed attempts count against the client under the login
//! throttle (`accounts::throttle`), so a token cannot be guessed faster than a password.

pub mod store;

use rand::RngCore as _;
use rusqlite::Connection;
use serde::Serialize;
use subtle::ConstantTimeEq as _;

use crate::db::DbError;
use crate::web::{random_token, token_digest};

/// What every token begins with, so that a leaked one is recognisable (secret scanners).
pub const TOKEN_START: &str = "fw_";
/// Characters of the public part after `fw_`.
const PREFIX_CHARS: usize = 12;
/// The longest name a token may have, in characters.
pub const MAX_NAME: usize = 100;
/// The longest expiry, in days.
pub const MAX_DAYS: i64 = 3650;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The GET endpoints.
    Read,
    /// Also those that change something (the participant import).
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text.trim() {
            "read" => Some(Scope::Read),
            "write" | "read-write" => Some(Scope::Write),
            _ => None,
        }
    }

    /// Whether a token of this scope may do what `needed` allows.
    pub fn allows(self, needed: Scope) -> bool {
        self == Scope::Write || needed == Scope::Read
    }
}

/// A token as stored (never the token itself).
#[derive(Debug, Clone, Serialize)]
pub struct StoredToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    #[serde(skip)]
    pub hash: Vec<u8>,
    pub scope: Scope,
    pub created_at: String,
    /// Unix seconds; None: it never expires.
    pub expires_at: Option<i64>,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl StoredToken {
    /// When it expires, as RFC 3339 (for lists and the API).
    pub fn expires(&self) -> Option<String> {
        let at = time::OffsetDateTime::from_unix_timestamp(self.expires_at?).ok()?;
        Some(crate::db::rfc3339(at))
    }
}

/// What a new token is made of, checked.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub scope: Scope,
    /// Days until it expires; None: never.
    pub expires_in_days: Option<i64>,
}

impl NewToken {
    /// Checks a token's name and expiry as typed; the message says what is wrong.
    pub fn checked(name: &str, scope: Scope, expires_in_days: Option<i64>) -> Result<NewToken, String> {
        let name = crate::text::typed(name.trim(), crate::text::Lines::One).map_err(|e| format!("name: {e}"))?;
        if name.chars().count() > MAX_NAME {
            return Err(format!("name: at most {MAX_NAME} characters"));
        }
        if let Some(days) = expires_in_days
            && !(1..=MAX_DAYS).contains(&days)
        {
            return Err(format!("expires: between 1 and {MAX_DAYS} days, or never"));
        }
        let name = if name.is_empty() { "API token".to_string() } else { name };
        Ok(NewToken { name, scope, expires_in_days })
    }
}

/// Makes a token for `user_id` and stores its hash; returns the token (shown once) and its id.
pub fn create(conn: &Connection, user_id: i64, new: &NewToken) -> Result<(String, i64), DbError> {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    let prefix = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
    let token = format!("{TOKEN_START}{prefix}{}", random_token());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let expires_at = new.expires_in_days.map(|days| now + days * 24 * 3600);
    let id = store::insert_token(conn, user_id, &new.name, &prefix, &token_digest(&token), new.scope, expires_at)?;
    Ok((token, id))
}

/// What presenting a token came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Presented {
    /// A token in force: its id, its user and its scope.
    Valid {
        id: i64,
        user_id: i64,
        scope: Scope,
    },
    /// No such token (or the secret is wrong): counts as a failed attempt.
    Unknown,
    Expired,
    Revoked,
}

/// The public part of a token as presented, if it has the shape of one.
pub fn prefix_of(token: &str) -> Option<&str> {
    let rest = token.strip_prefix(TOKEN_START)?;
    let prefix = rest.get(..PREFIX_CHARS)?;
    let secret = rest.get(PREFIX_CHARS..)?;
    let url_safe = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    (url_safe(prefix) && crate::web::is_token(secret)).then_some(prefix)
}

/// Checks a presented token against the stored one with its prefix, at `now` (Unix seconds).
pub fn check(conn: &Connection, token: &str, now: i64) -> Result<Presented, DbError> {
    let Some(prefix) = prefix_of(token) else { return Ok(Presented::Unknown) };
    let Some(stored) = store::token_by_prefix(conn, prefix)? else { return Ok(Presented::Unknown) };
    if !bool::from(stored.hash.as_slice().ct_eq(&token_digest(token)[..])) {
        return Ok(Presented::Unknown);
    }
    Ok(if stored.revoked_at.is_some() {
        Presented::Revoked
    } else if stored.expires_at.is_some_and(|at| at <= now) {
        Presented::Expired
    } else {
        Presented::Valid { id: stored.id, user_id: stored.user_id, scope: stored.scope }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        let migration = include_str!("../../migrations/0015_api_tokens_and_webhooks.sql");
        let start = migration.find("CREATE TABLE IF NOT EXISTS api_tokens").unwrap();
        let end = migration.find("CREATE INDEX IF NOT EXISTS api_tokens_user").unwrap();
        conn.execute_batch(&format!(
            "CREATE TABLE users (id INTEGER PRIMARY KEY); INSERT INTO users VALUES (1);{}",
            &migration[start..end]
        ))
        .unwrap();
        conn
    }

    #[test]
    fn a_token_is_found_by_its_prefix_and_checked_whole() {
        let conn = database();
        let new = NewToken::checked("R script", Scope::Read, Some(30)).unwrap();
        let (token, id) = create(&conn, 1, &new).unwrap();
        assert!(token.starts_with("fw_") && prefix_of(&token).is_some(), "{token}");
        assert_eq!(check(&conn, &token, 0).unwrap(), Presented::Valid { id, user_id: 1, scope: Scope::Read });
        // The same prefix with another secret.
        let forged = format!("{}{}", &token[..15], crate::web::random_token());
        assert_eq!(check(&conn, &forged, 0).unwrap(), Presented::Unknown);
        assert_eq!(check(&conn, "fw_short", 0).unwrap(), Presented::Unknown);
        let later = time::OffsetDateTime::now_utc().unix_timestamp() + 31 * 24 * 3600;
        assert_eq!(check(&conn, &token, later).unwrap(), Presented::Expired);
        assert!(store::revoke_token(&conn, 1, id).unwrap());
        assert_eq!(check(&conn, &token, 0).unwrap(), Presented::Revoked);
        // Only the hash is stored.
        let stored: Vec<u8> = conn.query_row("SELECT token_hash FROM api_tokens", [], |r| r.get(0)).unwrap();
        assert_eq!(stored, token_digest(&token).to_vec());
    }

    #[test]
    fn names_and_expiries_are_checked() {
        assert!(NewToken::checked("a\u{7}b", Scope::Read, None).is_err());
        assert!(NewToken::checked(&"x".repeat(101), Scope::Read, None).is_err());
        assert!(NewToken::checked("x", Scope::Read, Some(0)).is_err());
        assert_eq!(NewToken::checked("  ", Scope::Write, None).unwrap().name, "API token");
        assert!(Scope::Write.allows(Scope::Read) && !Scope::Read.allows(Scope::Write));
    }
}
