//! The `survey_members` table, and the lookups that find what a user reaches under a survey
//! together with their membership, each in one query.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::MemberRole;
use crate::codebook::store::{self as codebooks, StoredCodebook};
use crate::db::{DbError, now_rfc3339};
use crate::survey::store::{self as surveys, StoredSurvey};

/// A member as the survey's page lists them.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub role: MemberRole,
    /// Whether the account may sign in.
    pub active: bool,
    pub added_at: String,
    /// Who added them (None: the command line, the migration, or an account since deleted).
    pub added_by: Option<String>,
}

fn role_of(text: Option<String>) -> Option<MemberRole> {
    // The CHECK constraint keeps other values out.
    text.as_deref().and_then(MemberRole::parse)
}

const MEMBER: &str = "SELECT m.user_id, u.email, u.name, m.role, u.active, m.added_at, a.email \
     FROM survey_members m JOIN users u ON u.id = m.user_id LEFT JOIN users a ON a.id = m.added_by";

fn member_from_row(row: &rusqlite::Row) -> rusqlite::Result<Member> {
    Ok(Member {
        user_id: row.get(0)?,
        email: row.get(1)?,
        name: row.get(2)?,
        role: role_of(row.get(3)?).unwrap_or(MemberRole::Coder),
        active: row.get(4)?,
        added_at: row.get(5)?,
        added_by: row.get(6)?,
    })
}

/// The survey's members, researchers first, then by email.
pub fn list(conn: &Connection, survey_id: i64) -> Result<Vec<Member>, DbError> {
    let sql = format!("{MEMBER} WHERE m.survey_id = ?1 ORDER BY m.role = 'coder', u.email");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([survey_id], member_from_row)?.collect::<Result<_, _>>()?;
    Ok(rows)
}

/// One member of the survey.
pub fn find(conn: &Connection, survey_id: i64, user_id: i64) -> Result<Option<Member>, DbError> {
    let sql = format!("{MEMBER} WHERE m.survey_id = ?1 AND m.user_id = ?2");
    Ok(conn.query_row(&sql, params![survey_id, user_id], member_from_row).optional()?)
}

/// Makes the account a member in `role`; a member already keeps their date and gets the role.
pub fn upsert(
    conn: &Connection,
    survey_id: i64,
    user_id: i64,
    role: MemberRole,
    added_by: Option<i64>,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO survey_members (survey_id, user_id, role, added_at, added_by) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (survey_id, user_id) DO UPDATE SET role = excluded.role",
        params![survey_id, user_id, role.as_str(), now_rfc3339(), added_by],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, survey_id: i64, user_id: i64) -> Result<(), DbError> {
    conn.execute("DELETE FROM survey_members WHERE survey_id = ?1 AND user_id = ?2", params![survey_id, user_id])?;
    Ok(())
}

/// The survey at `slug` and the membership of user `user_id` in it.
pub fn survey_at(
    conn: &Connection,
    slug: &str,
    user_id: i64,
) -> Result<Option<(StoredSurvey, Option<MemberRole>)>, DbError> {
    let sql = format!(
        "SELECT {}, m.role FROM surveys s LEFT JOIN survey_members m ON m.survey_id = s.id AND m.user_id = ?2 \
         WHERE s.slug = ?1",
        surveys::columns_of("s")
    );
    let at = surveys::column_count();
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![slug, user_id], |row| Ok((surveys::from_row_at(row, 0)?, role_of(row.get(at)?))))
        .optional()?)
}

/// A codebook as a user finds it: with its survey, their membership, and whether they were given
/// answers to code in it.
pub struct FoundCodebook {
    pub codebook: StoredCodebook,
    pub survey: StoredSurvey,
    pub member: Option<MemberRole>,
    pub assigned: bool,
}

/// The codebook `id` with its survey and what user `user_id` is to it.
pub fn codebook_at(conn: &Connection, id: i64, user_id: i64) -> Result<Option<FoundCodebook>, DbError> {
    let sql = format!(
        "SELECT {}, {}, m.role, EXISTS (SELECT 1 FROM assignments a WHERE a.codebook_id = c.id AND a.coder_id = ?2) \
         FROM codebooks c JOIN surveys s ON s.id = c.survey_id \
         LEFT JOIN survey_members m ON m.survey_id = s.id AND m.user_id = ?2 WHERE c.id = ?1",
        codebooks::columns_of("c"),
        surveys::columns_of("s")
    );
    let (survey_at, member_at) = (codebooks::column_count(), codebooks::column_count() + surveys::column_count());
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params![id, user_id], |row| {
            Ok(FoundCodebook {
                codebook: codebooks::from_row_at(row, 0)?,
                survey: surveys::from_row_at(row, survey_at)?,
                member: role_of(row.get(member_at)?),
                assigned: row.get(member_at + 1)?,
            })
        })
        .optional()?)
}

/// Every survey, most recently changed first, with user `user_id`'s membership in each.
pub fn surveys_with_membership(
    conn: &Connection,
    user_id: i64,
) -> Result<Vec<(StoredSurvey, Option<MemberRole>)>, DbError> {
    let sql = format!(
        "SELECT {}, m.role FROM surveys s LEFT JOIN survey_members m ON m.survey_id = s.id AND m.user_id = ?1 \
         ORDER BY s.updated_at DESC, s.id DESC",
        surveys::columns_of("s")
    );
    let at = surveys::column_count();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt
        .query_map([user_id], |row| Ok((surveys::from_row_at(row, 0)?, role_of(row.get(at)?))))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
