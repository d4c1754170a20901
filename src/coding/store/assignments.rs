//! Assignment runs and their assignments, written in batches: a run is begun, its assignments are
//! written a batch at a time (each within a time budget, so that the writer is never held long and
//! respondents' saves go in between), the earlier assignments it replaces are removed the same
//! way, and the run is marked finished. A run not finished is one being written (or one a stopped
//! server left unfinished). The progress table reads each coder's counts by key.

use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension, ToSql, params, params_from_iter};
use serde::Serialize;

use crate::coding::assign::{Drawn, Plan};
use crate::db::{DbError, now_rfc3339};

/// An answer to share out: its response, and its question as an index into the run's questions.
pub type Answer = (i64, u16);

/// Every answer an assignment over `questions` shares out: the non-empty answers to them in the
/// survey's complete responses, in no particular order. (This reads every answer to those
/// questions, once per assignment, on a reader: the writer is not held.)
pub fn answers_to_share(conn: &Connection, survey_id: i64, questions: &[String]) -> Result<Vec<Answer>, DbError> {
    if questions.is_empty() {
        return Ok(Vec::new());
    }
    let marks = (2..2 + questions.len()).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT response_id, question FROM complete_answers \
         WHERE survey_id = ?1 AND item = '' AND trim(value) != '' AND question IN ({marks})"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut values: Vec<&dyn ToSql> = vec![&survey_id];
    values.extend(questions.iter().map(|q| q as &dyn ToSql));
    // The question read in place, as its index: no string is kept (or made) per answer.
    let rows = stmt.query_map(params_from_iter(values), |r| {
        let question = r.get_ref(1)?.as_str()?;
        Ok((r.get::<_, i64>(0)?, questions.iter().position(|q| q == question)))
    })?;
    let mut answers = Vec::new();
    for row in rows {
        if let (response, Some(index)) = row? {
            answers.push((response, index as u16));
        }
    }
    Ok(answers)
}

/// A run about to be written.
pub struct NewRun<'a> {
    pub codebook_id: i64,
    pub questions: &'a [String],
    pub coders: &'a [i64],
    pub plan: Plan,
    pub created_by: i64,
    /// How many answers were drawn.
    pub total: usize,
}

/// Records a run, not yet finished; returns its id.
pub fn begin_run(conn: &Connection, run: &NewRun) -> Result<i64, DbError> {
    conn.execute(
        "INSERT INTO assignment_runs (codebook_id, questions, coders, double_share, coders_per_double, seed, created_at, \
         created_by, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            run.codebook_id,
            json(run.questions),
            json(run.coders),
            run.plan.double_share,
            run.plan.coders_per_double as i64,
            run.plan.seed as i64,
            now_rfc3339(),
            run.created_by,
            run.total as i64
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A list as it is stored: JSON.
fn json<T: Serialize>(list: &[T]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".into())
}

/// How much one batch may do: time on the writer, and answers (each one's rows are fsync'd with
/// the batch, and respondents' saves in the same commit wait for that too).
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    pub time: Duration,
    pub answers: usize,
}

/// Writes the drawn assignments from `from` on until the budget is spent or none is left, and
/// records the progress; returns where it stopped. An assignment the coder already had is kept
/// (with its done mark) and moved to this run.
pub fn write_batch(
    conn: &Connection,
    run_id: i64,
    codebook_id: i64,
    questions: &[String],
    drawn: &Drawn<Answer>,
    from: usize,
    budget: Budget,
) -> Result<usize, DbError> {
    let started = Instant::now();
    let mut insert = conn.prepare_cached(
        "INSERT INTO assignments (codebook_id, response_id, question, coder_id, run_id) VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (codebook_id, response_id, question, coder_id) DO UPDATE SET run_id = excluded.run_id",
    )?;
    let mut at = from;
    while at < drawn.len() && (at == from || (started.elapsed() < budget.time && at - from < budget.answers)) {
        let Some(((response, question), coders)) = drawn.get(at) else { break };
        let question = questions.get(usize::from(*question)).map_or("", String::as_str);
        for coder in coders {
            insert.execute(params![codebook_id, response, question, coder, run_id])?;
        }
        at += 1;
    }
    conn.execute("UPDATE assignment_runs SET written = ?2 WHERE id = ?1", params![run_id, at as i64])?;
    Ok(at)
}

/// Removes, within the budget, earlier runs' assignments of the run's questions that it did not
/// draw again; returns how many were removed (0: none is left).
pub fn remove_replaced(
    conn: &Connection,
    run_id: i64,
    codebook_id: i64,
    questions: &[String],
    budget: Budget,
) -> Result<usize, DbError> {
    let started = Instant::now();
    let mut remove = conn.prepare_cached(
        "DELETE FROM assignments WHERE (codebook_id, response_id, question, coder_id) IN ( \
             SELECT codebook_id, response_id, question, coder_id FROM assignments \
             WHERE codebook_id = ?1 AND question = ?2 AND run_id < ?3 LIMIT 200)",
    )?;
    let mut removed = 0;
    for question in questions {
        loop {
            let gone = remove.execute(params![codebook_id, question, run_id])?;
            removed += gone;
            if gone == 0 {
                break;
            }
            if started.elapsed() >= budget.time || removed >= budget.answers {
                return Ok(removed);
            }
        }
    }
    Ok(removed)
}

pub fn finish_run(conn: &Connection, run_id: i64) -> Result<(), DbError> {
    conn.execute("UPDATE assignment_runs SET finished_at = ?2 WHERE id = ?1", params![run_id, now_rfc3339()])?;
    Ok(())
}

/// A run as the assignment page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: i64,
    /// The questions it shared out (a run before migration 0011: one, or "all open questions").
    pub questions: String,
    pub double_share: f64,
    pub coders_per_double: i64,
    pub seed: i64,
    pub created_at: String,
    pub total: i64,
    pub written: i64,
    pub finished: bool,
}

/// The codebook's runs, newest first.
pub fn runs(conn: &Connection, codebook_id: i64) -> Result<Vec<Run>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT id, questions, question, double_share, coders_per_double, seed, created_at, total, written, \
         finished_at IS NOT NULL FROM assignment_runs WHERE codebook_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt.query_map([codebook_id], |r| {
        let listed: Option<String> = r.get(1)?;
        let one: Option<String> = r.get(2)?;
        let questions = match listed.and_then(|json| serde_json::from_str::<Vec<String>>(&json).ok()) {
            Some(list) => list.join(", "),
            None => one.unwrap_or_else(|| "all open questions".into()),
        };
        Ok(Run {
            id: r.get(0)?,
            questions,
            double_share: r.get(3)?,
            coders_per_double: r.get(4)?,
            seed: r.get(5)?,
            created_at: r.get(6)?,
            total: r.get(7)?,
            written: r.get(8)?,
            finished: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The run of the codebook being written, if one is not finished.
pub fn unfinished(conn: &Connection, codebook_id: i64) -> Result<Option<i64>, DbError> {
    Ok(conn
        .query_row(
            "SELECT id FROM assignment_runs WHERE codebook_id = ?1 AND finished_at IS NULL ORDER BY id DESC LIMIT 1",
            [codebook_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Each coder's answers done and assigned in the codebook (responses in the trash left out), by
/// email: (email, done, assigned).
pub fn progress(conn: &Connection, codebook_id: i64) -> Result<Vec<(String, i64, i64)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT u.email, SUM(k.done), SUM(k.assigned) FROM coding_counts k JOIN users u ON u.id = k.coder_id \
         WHERE k.codebook_id = ?1 GROUP BY k.coder_id HAVING SUM(k.assigned) > 0 ORDER BY u.email",
    )?;
    let rows = stmt.query_map([codebook_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
