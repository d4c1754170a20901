//! A coder's queue, read by key: whether an answer is in it, the coder's answers in one response,
//! the response before or after one (or the next with an answer not done), a page of it, and the
//! counts. Each query is an index seek (migration 0011), so none grows with the survey; the order
//! is by response, and within a response by the survey's question order (`Queue::sort`). The
//! assignments' indexes are named (`INDEXED BY`): without statistics SQLite would walk the
//! primary key, every coder's rows, instead; a plan that cannot use them is an error, not a scan.

use rusqlite::{Connection, OptionalExtension, ToSql, params_from_iter};
use serde::Serialize;

use crate::coding::units::Unit;
use crate::db::DbError;

/// Whose queue, in which codebook, over which questions.
#[derive(Debug, Clone, Copy)]
pub struct Queue<'a> {
    pub codebook_id: i64,
    pub survey_id: i64,
    pub coder_id: i64,
    /// The questions the queue covers, in survey order.
    pub questions: &'a [String],
    /// Whether the codebook's answers were assigned: the queue is then the coder's assignments;
    /// before, every non-empty answer to `questions` of a complete response.
    pub assigned: bool,
}

/// An answer in a coder's queue, with where the coder stands on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueueItem {
    pub unit: Unit,
    pub done: bool,
    /// The coder applied a code to it.
    pub coded: bool,
}

/// A coder's progress: answers marked done of those assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub done: i64,
    pub assigned: i64,
}

/// Where to go from an answer of the queue.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Around {
    pub prev: Option<Unit>,
    pub next: Option<Unit>,
    /// The next answer the coder has not marked done, wrapping round to the start of the queue.
    pub next_open: Option<Unit>,
}

/// Which way to look from a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    After,
    Before,
}

/// Whether any answer of the codebook was assigned (then every coder's queue is their share).
pub fn any_assignments(conn: &Connection, codebook_id: i64) -> Result<bool, DbError> {
    let mut stmt = conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM assignments WHERE codebook_id = ?1)")?;
    Ok(stmt.query_row([codebook_id], |r| r.get(0))?)
}

/// `?first, ?first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ")
}

/// Whether the coder codes this row: a code of theirs on the answer (`a` names the row).
const CODED: &str = "EXISTS (SELECT 1 FROM codings c WHERE c.codebook_id = ?1 AND c.response_id = a.response_id \
     AND c.question = a.question AND c.coder_id = ?2 AND c.layer = 'coder')";
/// Whether the coder marked the answer of row `a` done.
const DONE: &str = "EXISTS (SELECT 1 FROM coding_done d WHERE d.codebook_id = ?1 AND d.response_id = a.response_id \
     AND d.question = a.question AND d.coder_id = ?2)";
/// A row `a` of `answers` that is an answer to code: the whole answer, not blank.
const TO_CODE: &str = "a.item = '' AND trim(a.value) != ''";

impl Queue<'_> {
    /// ?1 codebook, ?2 coder, ?3 survey, ?4 a response id, then the questions from ?5 (a query
    /// need not use them all: SQLite takes a value for every number up to the highest it uses).
    fn params<'p>(&'p self, response_id: &'p i64) -> Vec<&'p dyn ToSql> {
        let mut params: Vec<&dyn ToSql> = vec![&self.codebook_id, &self.coder_id, &self.survey_id, response_id];
        params.extend(self.questions.iter().map(|q| q as &dyn ToSql));
        params
    }

    fn questions_in(&self) -> String {
        placeholders(5, self.questions.len())
    }

    /// Orders items of one response by the survey's question order.
    fn sort(&self, items: &mut [QueueItem]) {
        let position = |q: &str| self.questions.iter().position(|p| p == q).unwrap_or(usize::MAX);
        items.sort_by_key(|i| (i.unit.response_id, position(&i.unit.question)));
    }

    /// Whether the answer is in the coder's queue.
    pub fn contains(&self, conn: &Connection, unit: &Unit) -> Result<bool, DbError> {
        if !self.questions.contains(&unit.question) {
            return Ok(false);
        }
        let sql = if self.assigned {
            "SELECT EXISTS (SELECT 1 FROM assignments a JOIN complete_responses r ON r.id = a.response_id \
             WHERE a.codebook_id = ?1 AND a.coder_id = ?2 AND a.response_id = ?4 AND a.question = ?5)"
        } else {
            "SELECT EXISTS (SELECT 1 FROM complete_answers a WHERE a.response_id = ?4 AND a.question = ?5 \
             AND a.survey_id = ?3 AND a.item = '' AND trim(a.value) != '')"
        };
        let mut stmt = conn.prepare_cached(sql)?;
        let params =
            rusqlite::params![self.codebook_id, self.coder_id, self.survey_id, unit.response_id, unit.question];
        Ok(stmt.query_row(params, |r| r.get(0))?)
    }

    /// The coder's answers in one response, in survey order.
    pub fn in_response(&self, conn: &Connection, response_id: i64) -> Result<Vec<QueueItem>, DbError> {
        if self.questions.is_empty() {
            return Ok(Vec::new());
        }
        let sql = if self.assigned {
            format!(
                "SELECT a.response_id, a.question, a.done, {CODED} FROM assignments a INDEXED BY assignments_coder \
                 WHERE a.codebook_id = ?1 AND a.coder_id = ?2 AND a.response_id = ?4 AND a.question IN ({}) \
                 AND EXISTS (SELECT 1 FROM complete_responses r WHERE r.id = a.response_id)",
                self.questions_in()
            )
        } else {
            format!(
                "SELECT a.response_id, a.question, {DONE}, {CODED} FROM complete_answers a \
                 WHERE a.response_id = ?4 AND a.survey_id = ?3 AND {TO_CODE} AND a.question IN ({})",
                self.questions_in()
            )
        };
        let mut items = self.items(conn, &sql, response_id, None)?;
        self.sort(&mut items);
        Ok(items)
    }

    /// The first response after (or last before) `from` with an answer in the queue; with
    /// `open_only`, one with an answer the coder has not marked done.
    pub fn neighbour(
        &self,
        conn: &Connection,
        from: i64,
        direction: Direction,
        open_only: bool,
    ) -> Result<Option<i64>, DbError> {
        if self.questions.is_empty() {
            return Ok(None);
        }
        let (compare, order) = match direction {
            Direction::After => (">", "ASC"),
            Direction::Before => ("<", "DESC"),
        };
        let sql = if self.assigned {
            let (open, index) =
                if open_only { ("AND a.done = 0", "assignments_open") } else { ("", "assignments_coder") };
            format!(
                "SELECT a.response_id FROM assignments a INDEXED BY {index} WHERE a.codebook_id = ?1 AND a.coder_id = ?2 \
                 AND a.response_id {compare} ?4 AND a.question IN ({}) {open} \
                 AND EXISTS (SELECT 1 FROM complete_responses r WHERE r.id = a.response_id) \
                 ORDER BY a.response_id {order} LIMIT 1",
                self.questions_in()
            )
        } else {
            let open = if open_only { format!("AND NOT {DONE}") } else { String::new() };
            format!(
                "SELECT r.id FROM complete_responses r WHERE r.survey_id = ?3 AND r.id {compare} ?4 \
                 AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id AND {TO_CODE} \
                     AND a.question IN ({}) {open}) \
                 ORDER BY r.id {order} LIMIT 1",
                self.questions_in()
            )
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        Ok(stmt.query_row(params_from_iter(self.params(&from)), |r| r.get(0)).optional()?)
    }

    /// Up to about `limit` answers of the queue from response `from` on (`After`, inclusive) or
    /// before it (`Before`), whole responses only, in queue order.
    pub fn page(
        &self,
        conn: &Connection,
        from: i64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<QueueItem>, DbError> {
        if self.questions.is_empty() {
            return Ok(Vec::new());
        }
        let (compare, order) = match direction {
            Direction::After => (">=", "ASC"),
            Direction::Before => ("<", "DESC"),
        };
        let sql = if self.assigned {
            format!(
                "SELECT a.response_id, a.question, a.done, {CODED} FROM assignments a INDEXED BY assignments_coder \
                 WHERE a.codebook_id = ?1 AND a.coder_id = ?2 AND a.response_id {compare} ?4 AND a.question IN ({}) \
                 AND EXISTS (SELECT 1 FROM complete_responses r WHERE r.id = a.response_id) \
                 ORDER BY a.response_id {order} LIMIT ?{}",
                self.questions_in(),
                5 + self.questions.len()
            )
        } else {
            format!(
                "SELECT a.response_id, a.question, {DONE}, {CODED} FROM complete_responses r \
                 JOIN answers a ON a.response_id = r.id \
                 WHERE r.survey_id = ?3 AND r.id {compare} ?4 AND {TO_CODE} AND a.question IN ({}) \
                 ORDER BY r.id {order} LIMIT ?{}",
                self.questions_in(),
                5 + self.questions.len()
            )
        };
        let mut items = self.items(conn, &sql, from, Some(limit + 1))?;
        // A response cut by the limit is left for the next page (unless it is the only one).
        if items.len() > limit {
            let cut = items[limit].unit.response_id;
            let whole = items.iter().position(|i| i.unit.response_id == cut).unwrap_or(limit);
            items.truncate(if whole == 0 { limit } else { whole });
        }
        self.sort(&mut items);
        Ok(items)
    }

    fn items(
        &self,
        conn: &Connection,
        sql: &str,
        response_id: i64,
        limit: Option<usize>,
    ) -> Result<Vec<QueueItem>, DbError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let limit = limit.map(|n| n as i64);
        let mut params = self.params(&response_id);
        if let Some(limit) = &limit {
            params.push(limit);
        }
        let rows = stmt.query_map(params_from_iter(params), |r| {
            Ok(QueueItem {
                unit: Unit { response_id: r.get(0)?, question: r.get(1)? },
                done: r.get(2)?,
                coded: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The answers before and after `unit` in the queue, and the next one not done: a few seeks.
    pub fn around(&self, conn: &Connection, unit: &Unit) -> Result<Around, DbError> {
        let here = self.in_response(conn, unit.response_id)?;
        Ok(Around {
            prev: self.step(conn, unit, &here, Direction::Before)?,
            next: self.step(conn, unit, &here, Direction::After)?,
            next_open: self.open_after(conn, unit, &here)?,
        })
    }

    /// The answer after (or before) `unit`.
    pub fn next(&self, conn: &Connection, unit: &Unit, direction: Direction) -> Result<Option<Unit>, DbError> {
        self.step(conn, unit, &self.in_response(conn, unit.response_id)?, direction)
    }

    /// The next answer not done after `unit`, wrapping round to the start of the queue.
    pub fn next_open(&self, conn: &Connection, unit: &Unit) -> Result<Option<Unit>, DbError> {
        self.open_after(conn, unit, &self.in_response(conn, unit.response_id)?)
    }

    /// One step from `unit`, given the coder's answers in its response (`here`).
    fn step(
        &self,
        conn: &Connection,
        unit: &Unit,
        here: &[QueueItem],
        direction: Direction,
    ) -> Result<Option<Unit>, DbError> {
        let at = here.iter().position(|i| &i.unit == unit);
        let beside = match (direction, at) {
            (Direction::Before, Some(p)) => p.checked_sub(1).and_then(|p| here.get(p)),
            (Direction::After, Some(p)) => here.get(p + 1),
            (Direction::After, None) => here.first(),
            (Direction::Before, None) => None,
        };
        if let Some(item) = beside {
            return Ok(Some(item.unit.clone()));
        }
        let Some(response) = self.neighbour(conn, unit.response_id, direction, false)? else { return Ok(None) };
        let items = self.in_response(conn, response)?;
        let edge = if direction == Direction::Before { items.last() } else { items.first() };
        Ok(edge.map(|i| i.unit.clone()))
    }

    fn open_after(&self, conn: &Connection, unit: &Unit, here: &[QueueItem]) -> Result<Option<Unit>, DbError> {
        let after = here.iter().position(|i| &i.unit == unit).map_or(0, |p| p + 1);
        let open_in = |items: &[QueueItem]| items.iter().find(|i| !i.done && &i.unit != unit).map(|i| i.unit.clone());
        let mut next_open = open_in(here.get(after..).unwrap_or_default());
        // Then a later response with an answer not done; then, from the start, the first one.
        for from in [unit.response_id, i64::MIN] {
            if next_open.is_some() {
                break;
            }
            if let Some(response) = self.neighbour(conn, from, Direction::After, true)? {
                next_open = open_in(&self.in_response(conn, response)?);
            }
        }
        Ok(next_open)
    }

    /// The coder's counts over the queue's questions, once answers were assigned (None before:
    /// counting every answer of the survey is what this module never does).
    pub fn counts(&self, conn: &Connection) -> Result<Option<Counts>, DbError> {
        if !self.assigned {
            return Ok(None);
        }
        if self.questions.is_empty() {
            return Ok(Some(Counts { done: 0, assigned: 0 }));
        }
        let sql = format!(
            "SELECT COALESCE(SUM(k.done), 0), COALESCE(SUM(k.assigned), 0) FROM coding_counts k \
             WHERE k.codebook_id = ?1 AND k.coder_id = ?2 AND k.question IN ({})",
            self.questions_in()
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let counts =
            stmt.query_row(params_from_iter(self.params(&0)), |r| Ok(Counts { done: r.get(0)?, assigned: r.get(1)? }))?;
        Ok(Some(counts))
    }
}
