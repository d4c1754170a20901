//! Distribution: who is invited to a survey and how they get in (access mode, personal links,
//! participant lists), when it takes answers (dates, limit, grace period), and the researcher's
//! handling of what comes back (the responses page, trash, erasure).

pub mod access;
pub mod cli;
pub mod import;
pub mod links;
pub mod mail;
pub mod participants;
pub mod responses;
pub mod web;

/// A fresh migrated database in a temporary directory with one survey (id 1) and a link key.
#[cfg(test)]
pub(crate) fn test_database() -> (rusqlite::Connection, links::LinkKey, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.db");
    crate::db::migrate(&path).expect("migrate");
    let conn = crate::db::open(&path).expect("open");
    conn.execute("INSERT INTO surveys (slug, definition, created_at, updated_at) VALUES ('s', '{}', '', '')", [])
        .expect("a survey");
    let key = links::LinkKey::load_or_create(&dir.path().join("key")).expect("key");
    (conn, key, dir)
}
