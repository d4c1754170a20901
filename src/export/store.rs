//! The exports' SQL, outside the two read models that stream whole surveys (`analysis/data.rs`,
//! `qdpx/rows.rs`): the codings and done marks of the `codings` file, the codes a codebook's
//! codings use, the responses of `code-matrix`, and the wide `responses` file's rows with their
//! participants. Every reader of responses selects from `live_responses` through the analysis
//! filter (`analysis::store::FILTERED`), so the filters mean the same in every file.

use std::collections::HashMap;
use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension};

use crate::analysis::data::Filter;
use crate::analysis::store::{FILTERED, Params};
use crate::db::DbError;
use crate::paradata::trail::Visit;

/// The coder's memos on the answer, oldest first (`x` is the coding or done mark's alias).
fn memos_of(x: &str) -> String {
    format!(
        "(SELECT group_concat(m.body, char(10) || char(10) ORDER BY m.id) FROM memos m \
         WHERE m.codebook_id = {x}.codebook_id AND m.kind = 'answer' AND m.response_id = {x}.response_id \
         AND m.question = {x}.question AND m.author_id = {x}.coder_id)"
    )
}

/// Every coding of a codebook with its coder, answer, the coder's memos on that answer,
/// whether the coder marked the answer done (a consensus has no done mark) and the machine
/// coder's model it came from (`source`, when a suggestion was accepted), in a stable order.
/// The codings index gives the order by answer; SQLite sorts only within an answer.
pub static CODINGS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT c.response_id, c.question, u.email, c.layer, c.code_key, c.codebook_version, \
         c.span_start, c.span_end, a.value, {memos}, \
         CASE WHEN c.layer = 'coder' THEN EXISTS (SELECT 1 FROM coding_done d WHERE d.codebook_id = c.codebook_id \
            AND d.response_id = c.response_id AND d.question = c.question AND d.coder_id = c.coder_id) END, c.source \
         FROM codings c JOIN users u ON u.id = c.coder_id JOIN live_responses r ON r.id = c.response_id \
         LEFT JOIN answers a ON a.response_id = c.response_id AND a.question = c.question AND a.item = '' \
         WHERE c.codebook_id = :codebook AND {FILTERED} AND (:question IS NULL OR c.question = :question) \
         ORDER BY c.response_id, c.question, c.layer, u.email, c.code_key, c.span_start IS NOT NULL, c.span_start, \
         c.span_end",
        memos = memos_of("c")
    )
});

/// The answers a coder marked done without applying a code ("no code applies"), in the order of
/// `CODINGS` (the done marks' primary key gives the order by answer).
pub static DONE_WITHOUT_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT d.response_id, d.question, u.email, a.value, {memos} \
         FROM coding_done d JOIN users u ON u.id = d.coder_id JOIN live_responses r ON r.id = d.response_id \
         LEFT JOIN answers a ON a.response_id = d.response_id AND a.question = d.question AND a.item = '' \
         WHERE d.codebook_id = :codebook AND {FILTERED} AND (:question IS NULL OR d.question = :question) \
           AND NOT EXISTS (SELECT 1 FROM codings c WHERE c.codebook_id = d.codebook_id \
               AND c.response_id = d.response_id AND c.question = d.question AND c.coder_id = d.coder_id \
               AND c.layer = 'coder') \
         ORDER BY d.response_id, d.question, u.email",
        memos = memos_of("d")
    )
});

/// The parameters of `CODINGS` and `DONE_WITHOUT_CODE`.
pub fn codings_params(codebook: i64, filter: &Filter, question: Option<&str>) -> Params {
    Params::of(filter).with(":codebook", codebook).with(":question", question.map(str::to_string))
}

/// The codes a codebook's codings use, sorted (some may no longer be in the codebook).
pub fn used_codes(conn: &Connection, codebook: i64) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare("SELECT DISTINCT code_key FROM codings WHERE codebook_id = ?1 ORDER BY code_key")?;
    let codes = stmt.query_map([codebook], |r| r.get(0))?.collect::<Result<_, _>>()?;
    Ok(codes)
}

/// Visits the survey's responses the filter lets through, in id order. `+r.survey_id` reads
/// them in rowid order rather than through the survey's index, so SQLite never sorts and memory
/// stays flat.
pub fn each_response<E: From<rusqlite::Error>>(
    conn: &Connection,
    survey_id: i64,
    filter: &Filter,
    mut visit: impl FnMut(i64) -> Result<(), E>,
) -> Result<(), E> {
    let sql = format!("SELECT r.id FROM live_responses r WHERE +r.survey_id = :survey AND {FILTERED} ORDER BY r.id");
    let mut stmt = conn.prepare(&sql)?;
    let params = Params::of(filter).with(":survey", survey_id);
    for id in stmt.query_map(&*params.named(), |r| r.get::<_, i64>(0))? {
        visit(id?)?;
    }
    Ok(())
}

/// Every response of a survey the filter lets through with its answers, ordered by response.
/// Responses are read in rowid order (the `+` keeps SQLite from reading them through the
/// survey's index), so SQLite never sorts: each response's answers come from the answers table's
/// primary key as the scan reaches it, and memory does not grow with the survey.
pub static RESPONSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT r.id, r.status, r.survey_version, r.language, r.started_at, r.submitted_at, \
         r.duration_s, a.question, a.item, a.value, r.participant_id, r.consent_version, r.consent_at, r.device, \
         r.page_index FROM live_responses r LEFT JOIN answers a ON a.response_id = r.id \
         WHERE +r.survey_id = :survey AND {FILTERED} ORDER BY r.id"
    )
});

/// The parameters of `RESPONSES`.
pub fn responses_params(survey_id: i64, filter: &Filter) -> Params {
    Params::of(filter).with(":survey", survey_id)
}

/// When a response of the survey last changed (RFC 3339 UTC), if it has any.
pub fn last_change(conn: &Connection, survey_id: i64) -> Result<Option<String>, DbError> {
    let sql = "SELECT max(updated_at) FROM live_responses WHERE survey_id = ?1";
    Ok(conn.query_row(sql, [survey_id], |r| r.get(0))?)
}

/// A response's page visits, in the order they were saved (the table's key: no sorting).
pub const VISITS: &str =
    "SELECT page, language, shown_at, saved_at FROM page_visits WHERE response_id = ?1 ORDER BY seq";

/// The page visits of the response `id` (`VISITS`).
pub fn visits(conn: &Connection, id: i64) -> Result<Vec<Visit>, DbError> {
    let mut stmt = conn.prepare_cached(VISITS)?;
    let rows = stmt.query_map([id], |v| {
        Ok(Visit { page: v.get(0)?, language: v.get(1)?, shown_at: v.get(2)?, saved_at: v.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The orders the response `id` was shown its randomised elements in, by element code.
pub fn orders(conn: &Connection, id: i64) -> Result<HashMap<String, String>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT element, codes FROM shown_orders WHERE response_id = ?1")?;
    let rows = stmt.query_map([id], |o| Ok((o.get(0)?, o.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Whether the survey has participants at all.
pub fn has_participants(conn: &Connection, survey_id: i64) -> Result<bool, DbError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM participants WHERE survey_id = ?1)";
    Ok(conn.query_row(sql, [survey_id], |r| r.get(0))?)
}

/// A participant's email, name, language and attributes (JSON), for the `responses` file.
pub fn participant(conn: &Connection, id: i64) -> Result<Option<(String, String, String, String)>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT email, name, language, attributes FROM participants WHERE id = ?1")?;
    let found = stmt.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).optional()?;
    Ok(found)
}
