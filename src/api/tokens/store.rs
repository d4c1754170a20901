//! The SQL of personal access tokens (`api_tokens`).

use rusqlite::{Connection, OptionalExtension, params};

use super::{Scope, StoredToken};
use crate::db::{DbError, now_rfc3339};

/// Stores a new token (only its hash); returns its id.
pub fn insert_token(
    conn: &Connection,
    user_id: i64,
    name: &str,
    prefix: &str,
    hash: &[u8; 32],
    scope: Scope,
    expires_at: Option<i64>,
) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO api_tokens (user_id, name, prefix, token_hash, scope, created_at, expires_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![user_id, name, prefix, &hash[..], scope.as_str(), now_rfc3339(), expires_at],
    )?;
    Ok(conn.last_insert_rowid())
}

const TOKEN: &str = "SELECT id, user_id, name, prefix, token_hash, scope, created_at, expires_at, last_used_at, \
     revoked_at FROM api_tokens";

fn token_from_row(row: &rusqlite::Row) -> rusqlite::Result<StoredToken> {
    let hash: Vec<u8> = row.get(4)?;
    let scope: String = row.get(5)?;
    Ok(StoredToken {
        id: row.get(0)?,
        user_id: row.get(1)?,
        name: row.get(2)?,
        prefix: row.get(3)?,
        hash,
        // The CHECK constraint keeps other values out.
        scope: Scope::parse(&scope).unwrap_or(Scope::Read),
        created_at: row.get(6)?,
        expires_at: row.get(7)?,
        last_used_at: row.get(8)?,
        revoked_at: row.get(9)?,
    })
}

/// The token whose public part is `prefix`.
pub fn token_by_prefix(conn: &Connection, prefix: &str) -> Result<Option<StoredToken>, DbError> {
    let sql = format!("{TOKEN} WHERE prefix = ?1");
    Ok(conn.prepare_cached(&sql)?.query_row([prefix], token_from_row).optional()?)
}

/// A user's tokens, newest first.
pub fn tokens_of(conn: &Connection, user_id: i64) -> Result<Vec<StoredToken>, DbError> {
    let sql = format!("{TOKEN} WHERE user_id = ?1 ORDER BY id DESC");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([user_id], token_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Marks the user's token `id` revoked; false when they have no such token still in force.
pub fn revoke_token(conn: &Connection, user_id: i64, id: i64) -> Result<bool, DbError> {
    let changed = conn.execute(
        "UPDATE api_tokens SET revoked_at = ?3 WHERE id = ?1 AND user_id = ?2 AND revoked_at IS NULL",
        params![id, user_id, now_rfc3339()],
    )?;
    Ok(changed == 1)
}

pub fn touch_token(conn: &Connection, id: i64) -> Result<(), DbError> {
    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![id, now_rfc3339()])?;
    Ok(())
}
