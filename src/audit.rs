//! The audit log: who did what and when, under dotted action names (`auth.login`, `user.create`).
//! Entries are written in the same transaction as the action they record.

use rusqlite::{Connection, params};

use crate::accounts::User;
use crate::db::{DbError, now_rfc3339};

/// Records an action by `actor` (None for the system or the command line) on `target`.
pub fn record(
    conn: &Connection,
    actor: Option<&User>,
    action: &str,
    target: &str,
    details: &str,
) -> Result<(), DbError> {
    let (actor_id, actor_name) = match actor {
        Some(user) => (Some(user.id), user.email.as_str()),
        None => (None, "system"),
    };
    conn.execute(
        "INSERT INTO audit_log (at, actor_id, actor, action, target, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![now_rfc3339(), actor_id, actor_name, action, target, details],
    )?;
    Ok(())
}

/// The details of an entry about codebook `id`, naming it the one way readers find it by
/// (`names_codebook`): a codebook's name is not unique (every survey made from the study kit has
/// one of the same name), and merges, splits and assignments target codes and questions.
pub fn about_codebook(id: i64, details: &str) -> String {
    if details.is_empty() { format!("codebook {id}") } else { format!("{details}; codebook {id}") }
}

/// Whether an entry's details name codebook `id` (`about_codebook`).
pub fn names_codebook(details: &str, id: i64) -> bool {
    let named = format!("codebook {id}");
    details.split(';').any(|part| part.trim() == named)
}

/// One audit entry, for the admin's view.
#[derive(Debug, serde::Serialize)]
pub struct Entry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

/// The latest entries, newest first, optionally only actions starting with `prefix` and by an
/// actor whose email contains `actor`.
pub fn recent(conn: &Connection, prefix: &str, actor: &str, limit: i64) -> Result<Vec<Entry>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT at, actor, action, target, details FROM audit_log \
         WHERE action LIKE ?1 || '%' ESCAPE '\\' AND (?3 = '' OR instr(lower(actor), lower(?3)) > 0) \
         ORDER BY id DESC LIMIT ?2",
    )?;
    let escaped = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let entries = stmt
        .query_map(params![escaped, limit, actor], |row| {
            Ok(Entry {
                at: row.get(0)?,
                actor: row.get(1)?,
                action: row.get(2)?,
                target: row.get(3)?,
                details: row.get(4)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(entries)
}
