//! The coding tables' SQL. Here: the `codings`, `coding_done`, `memos` and `reconciliations`
//! tables, read and written per answer (a unit: one respondent's answer to one open question),
//! and what the coding pages list of coders. A coder's queue by key in `queue`, assignment runs
//! in `assignments`, the codes read for the layers in `layers`.

pub mod assignments;
pub mod layers;
pub mod queue;

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::units::Unit;
pub use super::units::UnitRef;
use crate::accounts::Role;
use crate::codebook::model::CodebookFile;
use crate::db::{DbError, now_rfc3339};
use crate::survey::members::{self, MemberRole, Need};

/// A coding as shown in the coding screen.
#[derive(Debug, Clone, Serialize)]
pub struct Coding {
    pub id: i64,
    pub coder_id: i64,
    pub coder: String,
    pub layer: String,
    pub code_key: String,
    pub span_start: Option<i64>,
    pub span_end: Option<i64>,
    pub codebook_version: i64,
    pub needs_review: bool,
}

/// The text of an answer to code: one of a complete response of survey `survey_id`, not in the
/// trash; None for anything else (another survey's, a partial or deleted response's, none).
pub fn answer_text(conn: &Connection, survey_id: i64, unit: UnitRef) -> Result<Option<String>, DbError> {
    Ok(conn
        .query_row(
            "SELECT value FROM complete_answers WHERE response_id = ?1 AND question = ?2 AND item = '' AND survey_id = ?3",
            params![unit.response_id, unit.question, survey_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Every coding of an answer in a codebook (all coders, all layers).
pub fn codings(conn: &Connection, codebook_id: i64, unit: UnitRef) -> Result<Vec<Coding>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.coder_id, u.email, c.layer, c.code_key, c.span_start, c.span_end, c.codebook_version, c.needs_review \
         FROM codings c JOIN users u ON u.id = c.coder_id \
         WHERE c.codebook_id = ?1 AND c.response_id = ?2 AND c.question = ?3 ORDER BY c.id",
    )?;
    let rows = stmt
        .query_map(params![codebook_id, unit.response_id, unit.question], |r| {
            Ok(Coding {
                id: r.get(0)?,
                coder_id: r.get(1)?,
                coder: r.get(2)?,
                layer: r.get(3)?,
                code_key: r.get(4)?,
                span_start: r.get(5)?,
                span_end: r.get(6)?,
                codebook_version: r.get(7)?,
                needs_review: r.get(8)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Where a coding goes: which codebook version, coder and layer.
#[derive(Debug, Clone, Copy)]
pub struct Coder<'a> {
    pub codebook_id: i64,
    pub codebook_version: i64,
    pub coder_id: i64,
    pub layer: &'a str,
}

/// Applies a code to the whole answer (nothing happens if it is already applied).
pub fn apply_whole(conn: &Connection, by: Coder, unit: UnitRef, code: &str) -> Result<(), DbError> {
    insert_whole(conn, by, unit, code, None)
}

/// Applies a code to the whole answer from an accepted suggestion of the machine coder's model
/// `model_hash`, which the coding keeps as its source (nothing happens if it is already applied).
pub fn apply_suggested(
    conn: &Connection,
    by: Coder,
    unit: UnitRef,
    code: &str,
    model_hash: &str,
) -> Result<(), DbError> {
    insert_whole(conn, by, unit, code, Some(model_hash))
}

/// A coding of the whole answer with its source (none: the coder's own).
fn insert_whole(conn: &Connection, by: Coder, unit: UnitRef, code: &str, source: Option<&str>) -> Result<(), DbError> {
    conn.prepare_cached(
        "INSERT INTO codings (codebook_id, response_id, question, coder_id, layer, code_key, codebook_version, created_at, source) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (codebook_id, response_id, question, coder_id, layer, code_key) WHERE span_start IS NULL DO NOTHING",
    )?
    .execute(params![by.codebook_id, unit.response_id, unit.question, by.coder_id, by.layer, code, by.codebook_version, now_rfc3339(), source])?;
    Ok(())
}

/// Applies a code to a passage (and to the whole answer, which the passage is evidence for).
pub fn apply_span(
    conn: &Connection,
    by: Coder,
    unit: UnitRef,
    code: &str,
    start: i64,
    end: i64,
) -> Result<(), DbError> {
    apply_whole(conn, by, unit, code)?;
    conn.execute(
        "INSERT INTO codings (codebook_id, response_id, question, coder_id, layer, code_key, span_start, span_end, codebook_version, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
         ON CONFLICT (codebook_id, response_id, question, coder_id, layer, code_key, span_start, span_end) WHERE span_start IS NOT NULL DO NOTHING",
        params![by.codebook_id, unit.response_id, unit.question, by.coder_id, by.layer, code, start, end, by.codebook_version, now_rfc3339()],
    )?;
    Ok(())
}

/// Removes a code from the answer, with its passages, for this coder and layer only.
pub fn remove_code(conn: &Connection, by: Coder, unit: UnitRef, code: &str) -> Result<(), DbError> {
    conn.prepare_cached(
        "DELETE FROM codings WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4 AND layer = ?5 AND code_key = ?6",
    )?
    .execute(params![by.codebook_id, unit.response_id, unit.question, by.coder_id, by.layer, code])?;
    Ok(())
}

/// Removes one passage coding of this coder on this answer (the whole-answer coding stays); false
/// when there is no such passage.
pub fn remove_span(conn: &Connection, by: Coder, unit: UnitRef, coding_id: i64) -> Result<bool, DbError> {
    let removed = conn.execute(
        "DELETE FROM codings WHERE id = ?1 AND codebook_id = ?2 AND coder_id = ?3 AND layer = ?4 AND span_start IS NOT NULL \
         AND response_id = ?5 AND question = ?6",
        params![coding_id, by.codebook_id, by.coder_id, by.layer, unit.response_id, unit.question],
    )?;
    Ok(removed == 1)
}

/// One coder's codings of one answer in a layer (a code once per passage). Without DISTINCT, which
/// made SQLite walk the codebook-wide `codings_code` index for its order: every coding of the
/// codebook read on every page and save (tests/web/coding/plans.rs).
pub const APPLIED_CODES: &str = "SELECT code_key FROM codings \
     WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4 AND layer = ?5";

/// The codes this coder applied to the answer in this layer, in order, each once.
pub fn applied_codes(conn: &Connection, by: Coder, unit: UnitRef) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare_cached(APPLIED_CODES)?;
    let codes: BTreeSet<String> = stmt
        .query_map(params![by.codebook_id, unit.response_id, unit.question, by.coder_id, by.layer], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(codes.into_iter().collect())
}

pub fn set_done(conn: &Connection, codebook_id: i64, unit: UnitRef, coder_id: i64, done: bool) -> Result<(), DbError> {
    if done {
        conn.prepare_cached(
            "INSERT INTO coding_done (codebook_id, response_id, question, coder_id, done_at) VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![codebook_id, unit.response_id, unit.question, coder_id, now_rfc3339()])?;
    } else {
        conn.prepare_cached(
            "DELETE FROM coding_done WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4",
        )?
        .execute(params![codebook_id, unit.response_id, unit.question, coder_id])?;
    }
    Ok(())
}

/// The coders who marked the answer done, by id.
pub fn done_by(conn: &Connection, codebook_id: i64, unit: UnitRef) -> Result<Vec<i64>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT coder_id FROM coding_done WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3",
    )?;
    let rows = stmt
        .query_map(params![codebook_id, unit.response_id, unit.question], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// A memo on an answer, a code, or the project journal.
#[derive(Debug, Clone, Serialize)]
pub struct Memo {
    pub id: i64,
    pub kind: String,
    pub author_id: i64,
    pub author: String,
    pub body: String,
    pub created_at: String,
    pub code_key: Option<String>,
    /// Whether the author runs the study (an admin, or a researcher of the survey) rather than
    /// codes in it: what blind coding lets coders see of the journal.
    pub author_manages: bool,
}

pub fn add_memo(
    conn: &Connection,
    codebook_id: i64,
    kind: &str,
    unit: Option<UnitRef>,
    code_key: Option<&str>,
    author_id: i64,
    body: &str,
) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO memos (codebook_id, kind, response_id, question, code_key, author_id, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![codebook_id, kind, unit.map(|u| u.response_id), unit.map(|u| u.question), code_key, author_id, body, now_rfc3339()],
    )?;
    Ok(())
}

/// Memos of one kind: on an answer (`unit`), on a code (`code_key`), or the journal (neither).
pub fn memos(
    conn: &Connection,
    codebook_id: i64,
    kind: &str,
    unit: Option<UnitRef>,
    code_key: Option<&str>,
) -> Result<Vec<Memo>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.kind, m.author_id, u.email, m.body, m.created_at, m.code_key, u.role, sm.role \
         FROM memos m JOIN users u ON u.id = m.author_id JOIN codebooks b ON b.id = m.codebook_id \
         LEFT JOIN survey_members sm ON sm.survey_id = b.survey_id AND sm.user_id = m.author_id \
         WHERE m.codebook_id = ?1 AND m.kind = ?2 AND m.response_id IS ?3 AND m.question IS ?4 AND (?5 IS NULL OR m.code_key = ?5) \
         ORDER BY m.id",
    )?;
    let rows = stmt
        .query_map(params![codebook_id, kind, unit.map(|u| u.response_id), unit.map(|u| u.question), code_key], |r| {
            Ok(Memo {
                id: r.get(0)?,
                kind: r.get(1)?,
                author_id: r.get(2)?,
                author: r.get(3)?,
                body: r.get(4)?,
                created_at: r.get(5)?,
                code_key: r.get(6)?,
                author_manages: manages(r.get(7)?, r.get(8)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Whether an account with this role and membership (as stored) manages the survey: the one rule,
/// `members::decide`, asked for a researcher's page.
fn manages(account: String, member: Option<String>) -> bool {
    let member = member.as_deref().and_then(MemberRole::parse);
    Role::parse(&account).is_some_and(|role| members::decide(role, member, Need::Manage, false).is_ok())
}

/// Records a reconciliation: the consensus codes replace any earlier consensus for the answer.
pub fn reconcile(conn: &Connection, by: Coder, unit: UnitRef, codes: &[String], note: &str) -> Result<(), DbError> {
    conn.execute(
        "DELETE FROM codings WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND layer = 'consensus'",
        params![by.codebook_id, unit.response_id, unit.question],
    )?;
    for code in codes {
        apply_whole(conn, Coder { layer: "consensus", ..by }, unit, code)?;
    }
    conn.execute(
        "INSERT INTO reconciliations (codebook_id, response_id, question, reconciler_id, note, resolved_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
         ON CONFLICT (codebook_id, response_id, question) DO UPDATE SET reconciler_id = excluded.reconciler_id, note = excluded.note, resolved_at = excluded.resolved_at",
        params![by.codebook_id, unit.response_id, unit.question, by.coder_id, note, now_rfc3339()],
    )?;
    Ok(())
}

/// The reconciliation of an answer: who, the note, when.
pub fn reconciliation(
    conn: &Connection,
    codebook_id: i64,
    unit: UnitRef,
) -> Result<Option<(String, String, String)>, DbError> {
    Ok(conn
        .query_row(
            "SELECT u.email, r.note, r.resolved_at FROM reconciliations r JOIN users u ON u.id = r.reconciler_id \
             WHERE r.codebook_id = ?1 AND r.response_id = ?2 AND r.question = ?3",
            params![codebook_id, unit.response_id, unit.question],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

/// The answers reconciled in a codebook.
pub fn reconciled(conn: &Connection, codebook_id: i64) -> Result<BTreeSet<Unit>, DbError> {
    let mut stmt = conn.prepare("SELECT response_id, question FROM reconciliations WHERE codebook_id = ?1")?;
    let rows = stmt.query_map([codebook_id], |r| Ok(Unit { response_id: r.get(0)?, question: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Accounts that applied codes in one of the survey's codebooks (the `coder:ID` layers), by email.
pub fn coders_in(conn: &Connection, survey_id: i64) -> Result<Vec<(i64, String)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT u.id, u.email FROM codings c JOIN users u ON u.id = c.coder_id \
         JOIN codebooks b ON b.id = c.codebook_id WHERE b.survey_id = ?1 AND c.layer = 'coder' ORDER BY u.email",
    )?;
    let rows = stmt.query_map([survey_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A codebook in which someone was given answers, with their progress.
#[derive(Debug, Clone, Serialize)]
pub struct CodingWork {
    pub id: i64,
    pub name: String,
    pub survey: String,
    pub done: i64,
    pub assigned: i64,
}

/// The codebooks in which `coder_id` was given answers (of responses not in the trash), with
/// their membership in each codebook's survey, so the caller can keep those they may still reach.
pub fn coding_work(conn: &Connection, coder_id: i64) -> Result<Vec<(CodingWork, Option<MemberRole>)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT c.id, c.draft, s.slug, SUM(k.assigned), SUM(k.done), m.role \
         FROM coding_counts k JOIN codebooks c ON c.id = k.codebook_id JOIN surveys s ON s.id = c.survey_id \
         LEFT JOIN survey_members m ON m.survey_id = s.id AND m.user_id = k.coder_id \
         WHERE k.coder_id = ?1 GROUP BY c.id HAVING SUM(k.assigned) > 0 ORDER BY c.id",
    )?;
    let rows = stmt.query_map([coder_id], |r| {
        let draft: String = r.get(1)?;
        let name = serde_json::from_str::<CodebookFile>(&draft).map(|f| f.name).unwrap_or_default();
        let work = CodingWork { id: r.get(0)?, name, survey: r.get(2)?, assigned: r.get(3)?, done: r.get(4)? };
        let role: Option<String> = r.get(5)?;
        Ok((work, role.as_deref().and_then(MemberRole::parse)))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
