//! The responses as the researcher manages them: listed with filters, one shown whole, deleted to
//! a trash, restored, and purged from the trash after [`TRASH_DAYS`] days. The queries are in
//! `responses/store.rs`.

mod store;

use rusqlite::Connection;
use serde::Serialize;

pub use self::store::{
    breakoff, count, count_partial_before, delete, delete_partial_before, find, list, restore, trash,
};
use crate::db::DbError;

/// How long a deleted response waits in the trash before it is purged for good.
pub const TRASH_DAYS: i64 = 30;

/// Which responses a list shows. Empty fields do not filter.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct ResponseFilter {
    /// `complete` or `partial`.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub language: String,
    /// Started on or after this date (YYYY-MM-DD, UTC).
    #[serde(default)]
    pub from: String,
    /// Started on or before this date.
    #[serde(default)]
    pub to: String,
    /// The participant's status (personal links in non-anonymous surveys only).
    #[serde(default)]
    pub participant: String,
}

/// A response as a row of the list.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseSummary {
    pub id: i64,
    pub status: String,
    pub language: String,
    pub survey_version: i64,
    pub started_at: String,
    pub submitted_at: Option<String>,
    pub duration_s: Option<i64>,
    pub participant_id: Option<i64>,
    pub participant_email: Option<String>,
    pub participant_status: Option<String>,
    pub deleted_at: Option<String>,
}

/// Deletes for good every response that has been in the trash for [`TRASH_DAYS`] days or more
/// (answers, codings and memos go with it); returns how many.
pub fn purge(conn: &Connection) -> Result<usize, DbError> {
    let cutoff = time::OffsetDateTime::now_utc() - time::Duration::days(TRASH_DAYS);
    store::purge_trashed_by(conn, &crate::db::rfc3339(cutoff))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trash_restore_and_purge_after_thirty_days() {
        let (conn, _, _dir) = crate::distribute::test_database();
        conn.execute_batch(
            "INSERT INTO responses (survey_id, resume_hash, survey_version, language, started_at, updated_at)
             VALUES (1, x'01', 1, 'en', '2026-01-01T00:00:00Z', ''), (1, x'02', 1, 'en', '2026-02-01T00:00:00Z', '');",
        )
        .unwrap();
        assert_eq!(count_partial_before(&conn, 1, "2026-01-15").unwrap(), 1);
        assert_eq!(delete_partial_before(&conn, 1, "2026-01-15", 0).unwrap_or(0), 0, "no user 0: refused");
        conn.execute(
            "INSERT INTO users (id, email, role, created_at, updated_at) VALUES (7, 'r@x.org', 'researcher', '', '')",
            [],
        )
        .unwrap();
        assert_eq!(delete_partial_before(&conn, 1, "2026-01-15", 7).unwrap(), 1);
        assert_eq!(count(&conn, 1, &ResponseFilter::default()).unwrap(), 1);
        assert!(restore(&conn, 1, 1).unwrap());
        assert!(delete(&conn, 1, 2, 7).unwrap());
        assert_eq!(purge(&conn).unwrap(), 0, "deleted just now: kept");
        conn.execute("UPDATE responses SET deleted_at = '2020-01-01T00:00:00Z' WHERE id = 2", []).unwrap();
        assert_eq!(purge(&conn).unwrap(), 1);
        assert_eq!(trash(&conn, 1).unwrap().len(), 0);
    }
}
