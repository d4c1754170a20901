//! The methods pack's SQL: its per-survey settings (the quasi-identifiers and k), the closed
//! answers the disclosure check groups, how responses came in, the assignment's coders, the
//! reconciliations, the codings' sources and the survey's audit entries.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::answer::Rows;
use crate::db::DbError;

/// The disclosure check's settings of a survey, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSettings {
    pub quasi_identifiers: Vec<String>,
    pub k: i64,
}

/// The survey's settings, or the defaults (none marked, k = 5) when it has none.
pub fn settings(conn: &Connection, survey_id: i64) -> Result<StoredSettings, DbError> {
    let row: Option<(String, i64)> = conn
        .query_row("SELECT quasi_identifiers, k FROM report_settings WHERE survey_id = ?1", [survey_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    Ok(match row {
        // A list that no longer decodes is read as none marked rather than failing the pack.
        Some((json, k)) => StoredSettings { quasi_identifiers: serde_json::from_str(&json).unwrap_or_default(), k },
        None => StoredSettings { quasi_identifiers: Vec::new(), k: super::DEFAULT_K },
    })
}

pub fn save_settings(conn: &Connection, survey_id: i64, settings: &StoredSettings) -> Result<(), DbError> {
    let json = serde_json::to_string(&settings.quasi_identifiers).unwrap_or_else(|_| "[]".into());
    conn.execute(
        "INSERT INTO report_settings (survey_id, quasi_identifiers, k) VALUES (?1, ?2, ?3) \
         ON CONFLICT (survey_id) DO UPDATE SET quasi_identifiers = excluded.quasi_identifiers, k = excluded.k",
        params![survey_id, json, settings.k],
    )?;
    Ok(())
}

/// Each complete response's rows for `questions`, one response at a time in response order.
pub fn closed_answers(
    conn: &Connection,
    survey_id: i64,
    questions: &[String],
    mut each: impl FnMut(i64, &Rows),
) -> Result<(), DbError> {
    let mut responses = conn.prepare("SELECT id FROM complete_responses WHERE survey_id = ?1 ORDER BY id")?;
    let ids: Vec<i64> = responses.query_map([survey_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut rows_of = conn.prepare("SELECT question, item, value FROM answers WHERE response_id = ?1")?;
    for id in ids {
        let mut rows = Rows::new();
        let found = rows_of.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))?;
        for row in found {
            let (question, item, value) = row?;
            if questions.contains(&question) {
                rows.entry(question).or_default().insert(item, value);
            }
        }
        each(id, &rows);
    }
    Ok(())
}

/// Responses (not in the trash) by how they came in: a public link (no participant), a personal
/// link never mailed, or an invitation (a participant who was mailed); complete and partial.
pub fn responses_by_access(conn: &Connection, survey_id: i64) -> Result<Vec<(String, i64, i64)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT CASE WHEN r.participant_id IS NULL THEN 'public link' \
                     WHEN p.invited_at IS NULL THEN 'personal link' ELSE 'invitation' END AS mode, \
                COALESCE(SUM(r.is_complete), 0), COALESCE(SUM(NOT r.is_complete), 0) \
         FROM live_responses r LEFT JOIN participants p ON p.id = r.participant_id \
         WHERE r.survey_id = ?1 GROUP BY mode ORDER BY mode",
    )?;
    let rows = stmt.query_map([survey_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The coders given answers in a codebook, by email.
pub fn assigned_coders(conn: &Connection, codebook_id: i64) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT u.email FROM assignments a JOIN users u ON u.id = a.coder_id \
         WHERE a.codebook_id = ?1 ORDER BY u.email",
    )?;
    let rows = stmt.query_map([codebook_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Users' emails by id (coders named in figures).
pub fn emails(conn: &Connection) -> Result<BTreeMap<i64, String>, DbError> {
    let mut stmt = conn.prepare("SELECT id, email FROM users")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One reconciled answer: who settled it, when, with what note.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Reconciliation {
    pub response_id: i64,
    pub question: String,
    pub reconciler: String,
    pub resolved_at: String,
    pub note: String,
}

/// A codebook's reconciliations, oldest first (answers of responses in the trash left out).
pub fn reconciliations(conn: &Connection, codebook_id: i64) -> Result<Vec<Reconciliation>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT r.response_id, r.question, u.email, r.resolved_at, r.note FROM reconciliations r \
         JOIN users u ON u.id = r.reconciler_id \
         WHERE r.codebook_id = ?1 AND r.response_id IN (SELECT id FROM live_responses) \
         ORDER BY r.resolved_at, r.response_id, r.question",
    )?;
    let rows = stmt.query_map([codebook_id], |r| {
        Ok(Reconciliation {
            response_id: r.get(0)?,
            question: r.get(1)?,
            reconciler: r.get(2)?,
            resolved_at: r.get(3)?,
            note: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A codebook's codings (both layers, responses not in the trash) by their source: `None` for a
/// person's own, else the machine coder model whose suggestion was accepted.
pub fn codings_by_source(conn: &Connection, codebook_id: i64) -> Result<Vec<(Option<String>, String, i64)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT source, layer, COUNT(*) FROM codings \
         WHERE codebook_id = ?1 AND response_id IN (SELECT id FROM live_responses) \
         GROUP BY source, layer ORDER BY source IS NOT NULL, source, layer",
    )?;
    let rows = stmt.query_map([codebook_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// An audit entry as the pack lists it.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub details: String,
}

/// The audit entries about a survey, oldest first: those whose target is its address, those
/// whose details name one of its codebooks (`audit::about_codebook`; never by a codebook's name,
/// which other surveys' codebooks may share), and (reconciliations) those on one of its
/// responses. Sign-ins and accounts are left out.
pub fn audit_entries(
    conn: &Connection,
    survey_id: i64,
    slug: &str,
    codebook_ids: &[i64],
) -> Result<Vec<AuditRow>, DbError> {
    let mut responses = conn.prepare("SELECT id FROM responses WHERE survey_id = ?1")?;
    let ids: std::collections::HashSet<i64> =
        responses.query_map([survey_id], |r| r.get(0))?.collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare(
        "SELECT at, actor, action, target, details FROM audit_log \
         WHERE action NOT LIKE 'auth.%' AND action NOT LIKE 'user.%' AND action NOT LIKE 'setup.%' ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(AuditRow { at: r.get(0)?, actor: r.get(1)?, action: r.get(2)?, target: r.get(3)?, details: r.get(4)? })
    })?;
    let mut found = Vec::new();
    for row in rows {
        let row = row?;
        let about_codebook = codebook_ids.iter().any(|id| crate::audit::names_codebook(&row.details, *id));
        let about_response = row.action == "coding.reconcile"
            && row.target.split('/').next().and_then(|id| id.parse::<i64>().ok()).is_some_and(|id| ids.contains(&id));
        if row.target == slug || about_codebook || about_response {
            found.push(row);
        }
    }
    Ok(found)
}
