//! The rows a project export reads, as ordered scans that hold one response at a time: complete
//! responses with their answers, side by side (a merge, `db::take_rows_for`) with the codings and
//! the memos on their answers, and with the layer's codes (`coding::layers::UnitReader`); the
//! memos, one by one; and the survey and the people who coded.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, Statement, params};

use super::ExportError;
use crate::coding::layers::{Layer, UnitReader, UnitStatements};
use crate::db::{DbError, take_rows_for};
use crate::survey::model::SurveyDefinition;
use crate::survey::store::StoredSurvey;

pub fn find_survey(conn: &Connection, id: i64) -> Result<Option<StoredSurvey>, DbError> {
    let slug: Option<String> =
        conn.query_row("SELECT slug FROM surveys WHERE id = ?1", [id], |r| r.get(0)).optional()?;
    match slug {
        Some(slug) => crate::survey::store::find_by_slug(conn, &slug),
        None => Ok(None),
    }
}

/// One respondent's answers: question → item → value, as in the `answers` table.
pub type Answers = crate::answer::Rows;

/// A complete response as the scan reads it.
#[derive(Debug, Default)]
pub struct Respondent {
    pub id: i64,
    pub updated_at: String,
    pub answers: Answers,
    /// Its answers to code: the open questions it answered with more than blanks (as
    /// `coding::units` counts them), in survey order.
    pub open: Vec<String>,
    /// The codings of its answers, by question and then id (empty unless codings were asked for).
    pub codings: Vec<CodingRow>,
    /// The memos on its answers, by question and then id (likewise).
    pub memos: Vec<AnswerMemo>,
    /// The codes of each answer in the layer, for the layers that are more than a filter on the
    /// codings (consensus, intersection); `None` for the others.
    pub layer_codes: Option<BTreeMap<String, BTreeSet<String>>>,
}

/// One row of `codings`.
#[derive(Debug)]
pub struct CodingRow {
    pub response_id: i64,
    pub id: i64,
    pub question: String,
    pub coder_id: i64,
    pub consensus: bool,
    pub code_key: String,
    pub passage: Option<(i64, i64)>,
    pub created_at: String,
    /// The machine coder's model hash when the coding was an accepted suggestion.
    pub source: Option<String>,
}

/// A memo on an answer.
#[derive(Debug)]
pub struct AnswerMemo {
    pub response_id: i64,
    pub id: i64,
    pub question: String,
    pub author_id: i64,
    pub created_at: String,
    pub body: String,
}

/// (response, updated_at, question, item, value, whether the value is more than blanks); the
/// answer's columns are NULL for a response without answers.
type AnswerRow = (i64, String, Option<String>, Option<String>, Option<String>, Option<bool>);
type Rows<'s, T> = std::iter::Peekable<rusqlite::MappedRows<'s, fn(&rusqlite::Row) -> rusqlite::Result<T>>>;

/// Complete responses and their answers, in response order. The responses are read in rowid
/// order (`+survey_id` keeps SQLite from reading them through the survey's index) and each
/// response's answers come from the answers' primary key, so SQLite never sorts. `trim` is
/// SQLite's, as in `coding::units`, so the same answers count as blank.
pub const RESPONSES: &str = "SELECT r.id, r.updated_at, a.question, a.item, a.value, trim(a.value) != '' \
     FROM complete_responses r LEFT JOIN answers a ON a.response_id = r.id \
     WHERE +r.survey_id = ?1 ORDER BY r.id";

/// A codebook's codings in the order of the `codings_unit` index: no sort.
const CODINGS: &str = "SELECT response_id, id, question, coder_id, layer, code_key, span_start, span_end, created_at, source \
     FROM codings WHERE codebook_id = ?1 ORDER BY response_id, question, id";

/// Memos on answers in the order of the `memos_unit` index.
const ANSWER_MEMOS: &str = "SELECT response_id, id, question, author_id, created_at, body FROM memos \
     WHERE codebook_id = ?1 AND kind = 'answer' AND response_id IS NOT NULL AND question IS NOT NULL \
     ORDER BY response_id, question, id";

/// The statements a `Scan` reads from; prepare them once, then scan as often as needed.
pub struct Statements<'c> {
    responses: Statement<'c>,
    codings: Statement<'c>,
    memos: Statement<'c>,
    /// Only for a layer that needs each answer's codes.
    units: Option<UnitStatements<'c>>,
    survey_id: i64,
    codebook_id: i64,
    layer: Layer,
    /// Each open question's place in the survey.
    positions: HashMap<String, usize>,
}

impl<'c> Statements<'c> {
    pub fn prepare(
        conn: &'c Connection,
        survey_id: i64,
        codebook_id: i64,
        definition: &SurveyDefinition,
        layer: Layer,
    ) -> Result<Self, DbError> {
        let units = match layer {
            Layer::Consensus | Layer::Intersection => Some(UnitStatements::prepare(conn, codebook_id)?),
            Layer::Default | Layer::Union | Layer::Coder(_) => None,
        };
        let open = definition.questions().filter(|(_, q)| q.kind.is_open());
        Ok(Statements {
            responses: conn.prepare(RESPONSES)?,
            codings: conn.prepare(CODINGS)?,
            memos: conn.prepare(ANSWER_MEMOS)?,
            units,
            survey_id,
            codebook_id,
            layer,
            positions: open.enumerate().map(|(i, (_, q))| (q.code.clone(), i)).collect(),
        })
    }

    /// A scan from the first complete response; with `coding`, each comes with the codings and
    /// memos on its answers and the layer's codes.
    pub fn scan(&mut self, coding: bool) -> Result<Scan<'_>, DbError> {
        let answer: fn(&rusqlite::Row) -> rusqlite::Result<AnswerRow> =
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?));
        let responses = self.responses.query_map([self.survey_id], answer)?.peekable();
        let (codings, memos, units) = if coding {
            let coding: fn(&rusqlite::Row) -> rusqlite::Result<CodingRow> = |r| {
                let span: (Option<i64>, Option<i64>) = (r.get(6)?, r.get(7)?);
                Ok(CodingRow {
                    response_id: r.get(0)?,
                    id: r.get(1)?,
                    question: r.get(2)?,
                    coder_id: r.get(3)?,
                    consensus: r.get::<_, String>(4)? == "consensus",
                    code_key: r.get(5)?,
                    passage: span.0.zip(span.1),
                    created_at: r.get(8)?,
                    source: r.get(9)?,
                })
            };
            let memo: fn(&rusqlite::Row) -> rusqlite::Result<AnswerMemo> = |r| {
                Ok(AnswerMemo {
                    response_id: r.get(0)?,
                    id: r.get(1)?,
                    question: r.get(2)?,
                    author_id: r.get(3)?,
                    created_at: r.get(4)?,
                    body: r.get(5)?,
                })
            };
            let units = match &mut self.units {
                Some(statements) => Some(statements.reader()?),
                None => None,
            };
            let id = self.codebook_id;
            (
                Some(self.codings.query_map([id], coding)?.peekable()),
                Some(self.memos.query_map([id], memo)?.peekable()),
                units,
            )
        } else {
            (None, None, None)
        };
        Ok(Scan { responses, codings, memos, units, layer: self.layer, positions: &self.positions })
    }
}

/// Complete responses, one at a time, in id order.
pub struct Scan<'s> {
    responses: Rows<'s, AnswerRow>,
    codings: Option<Rows<'s, CodingRow>>,
    memos: Option<Rows<'s, AnswerMemo>>,
    units: Option<UnitReader<'s>>,
    layer: Layer,
    positions: &'s HashMap<String, usize>,
}

impl Scan<'_> {
    /// The next complete response, or `None` after the last.
    pub fn next_respondent(&mut self) -> Result<Option<Respondent>, DbError> {
        let id = match self.responses.peek() {
            None => return Ok(None),
            Some(Ok(row)) => row.0,
            // `take_rows_for` returns the error.
            Some(Err(_)) => i64::MIN,
        };
        let mut respondent = Respondent { id, ..Respondent::default() };
        let mut open = Vec::new();
        for (_, updated_at, question, item, value, filled) in take_rows_for(&mut self.responses, id, |r| r.0)? {
            respondent.updated_at = updated_at;
            let (Some(question), Some(item), Some(value)) = (question, item, value) else { continue };
            if let Some(&at) = self.positions.get(&question)
                && item.is_empty()
                && filled == Some(true)
            {
                open.push((at, question.clone()));
            }
            respondent.answers.entry(question).or_default().insert(item, value);
        }
        open.sort();
        respondent.open = open.into_iter().map(|(_, question)| question).collect();
        if let Some(codings) = &mut self.codings {
            respondent.codings = take_rows_for(codings, id, |r| r.response_id)?;
        }
        if let Some(memos) = &mut self.memos {
            respondent.memos = take_rows_for(memos, id, |r| r.response_id)?;
        }
        if let Some(units) = &mut self.units {
            let by_question = units.response(id)?.into_iter();
            let codes = by_question.filter_map(|(question, unit)| Some((question, unit.codes(self.layer)?)));
            respondent.layer_codes = Some(codes.collect());
        }
        Ok(Some(respondent))
    }
}

/// One row of `memos`.
pub struct MemoRow {
    pub id: i64,
    pub kind: String,
    pub response_id: Option<i64>,
    pub question: Option<String>,
    pub code_key: Option<String>,
    pub author_id: i64,
    pub body: String,
    pub created_at: String,
}

/// What a memo is about, as the project places it.
pub enum MemoOn<'m> {
    /// An answer: its note comes from the scan of the responses (`Respondent::memos`).
    Answer,
    Code(&'m str),
    /// The journal, and anything that lost what it was about.
    Project,
}

impl MemoRow {
    pub fn on(&self) -> MemoOn<'_> {
        match (self.kind.as_str(), self.response_id, &self.question, &self.code_key) {
            ("answer", Some(_), Some(_), _) => MemoOn::Answer,
            ("code", _, _, Some(key)) => MemoOn::Code(key),
            _ => MemoOn::Project,
        }
    }
}

/// Calls `each` with every memo of the codebook, by id, one at a time. The table is read in rowid
/// order (`NOT INDEXED`), so SQLite does not sort the memos, bodies and all, to give that order.
pub fn for_each_memo(
    conn: &Connection,
    codebook_id: i64,
    mut each: impl FnMut(MemoRow) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, response_id, question, code_key, author_id, body, created_at FROM memos NOT INDEXED \
         WHERE codebook_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([codebook_id], |r| {
        Ok(MemoRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            response_id: r.get(2)?,
            question: r.get(3)?,
            code_key: r.get(4)?,
            author_id: r.get(5)?,
            body: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    for memo in rows {
        each(memo?)?;
    }
    Ok(())
}

/// A machine-coder model whose suggestions codings came from: (hash, when it was trained,
/// codebook version), the last two unknown for a model no longer stored.
pub type ModelSource = (String, Option<String>, Option<i64>);

/// The models whose suggestions codings of the codebook came from.
pub fn model_sources(conn: &Connection, codebook_id: i64) -> Result<Vec<ModelSource>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT s.source, m.trained_at, m.codebook_version FROM (SELECT DISTINCT source FROM codings \
         WHERE codebook_id = ?1 AND source IS NOT NULL) s \
         LEFT JOIN suggest_models m ON m.codebook_id = ?1 AND m.hash = s.source ORDER BY s.source",
    )?;
    let rows = stmt.query_map([codebook_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// (id, email, name) of each of these users, by id; the name is the email for an account without one.
pub fn users(conn: &Connection, ids: &BTreeSet<i64>) -> Result<Vec<(i64, String, String)>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT email, name FROM users WHERE id = ?1")?;
    let mut found = Vec::new();
    for &id in ids {
        let row = stmt.query_row(params![id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))).optional()?;
        found.extend(row.map(|(email, name)| {
            let name = if name.trim().is_empty() { email.clone() } else { name };
            (id, email, name)
        }));
    }
    Ok(found)
}
