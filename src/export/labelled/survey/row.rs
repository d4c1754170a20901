//! One response's cells: its stored answers (question → item → value, as the `answers` table
//! holds them and the current readers collect them), why unanswered questions are empty, and
//! the codes of its open answers in the coded layer.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::{Layout, Mapped, Source};
use crate::export::labelled::{Cell, LabelledError, Reason};
use crate::respond::answers::OTHER;
use crate::survey::model::{Question, QuestionType};

/// What a row is made from.
#[derive(Debug, Clone, Copy)]
pub struct Response<'r> {
    pub id: i64,
    pub complete: bool,
    pub language: &'r str,
    /// Question → item (`""` for a single value) → value.
    pub answers: &'r BTreeMap<String, BTreeMap<String, String>>,
    /// Why each unanswered question is empty, where known (issue 17's paradata).
    pub reasons: &'r BTreeMap<String, Reason>,
    /// The codes of each open answer in the coded layer; an answer the layer leaves out (not
    /// coded, awaiting reconciliation) is absent.
    pub codes: Option<&'r BTreeMap<String, BTreeSet<String>>>,
}

impl Layout<'_> {
    /// The cells of `response`, one per variable. A stored number or date that does not read as
    /// one is an error naming the response and question (answers are checked when saved, so
    /// this means a damaged database).
    pub fn row<'r>(&self, response: &Response<'r>) -> Result<Vec<Cell<'r>>, LabelledError> {
        self.columns.iter().map(|mapped| cell(mapped, response)).collect()
    }
}

fn cell<'r>(mapped: &Mapped<'_>, response: &Response<'r>) -> Result<Cell<'r>, LabelledError> {
    let Some(q) = mapped.question else {
        return Ok(match mapped.source {
            Source::ResponseId => Cell::Number(response.id as f64),
            Source::Status => Cell::Number(if response.complete { 1.0 } else { 2.0 }),
            _ => Cell::Text(Cow::Borrowed(response.language)),
        });
    };
    let Some(items) = response.answers.get(&q.code).filter(|items| !items.is_empty()) else {
        return Ok(response.reasons.get(&q.code).map_or(Cell::Empty, |reason| Cell::Missing(*reason)));
    };
    let text = |value: Option<&'r String>| value.map_or(Cell::Empty, |v| Cell::Text(Cow::Borrowed(v.as_str())));
    Ok(match &mapped.source {
        Source::Value => match q.kind {
            QuestionType::Number => parsed(response, q, items.get(""), |v| v.parse::<f64>().ok().map(Cell::Number))?,
            QuestionType::Date => parsed(response, q, items.get(""), |v| v.parse().ok().map(Cell::Date))?,
            _ => text(items.get("")),
        },
        Source::Choice => {
            // Text typed under Other without ticking it counts as choosing Other.
            let chosen = items.get("").map(String::as_str).or_else(|| items.contains_key(OTHER).then_some(OTHER));
            chosen.map_or(Cell::Empty, |code| position(mapped, code))
        }
        Source::Ticked(code) => Cell::Number(if items.get(code).is_some_and(|v| v == "1") { 1.0 } else { 0.0 }),
        Source::Row(row) => items.get(row).map_or(Cell::Empty, |code| position(mapped, code)),
        Source::Rank(choice) => parsed(response, q, items.get(choice), |v| v.parse::<f64>().ok().map(Cell::Number))?,
        Source::OtherText => text(items.get(OTHER)),
        Source::Coded(code) => match response.codes.and_then(|codes| codes.get(&q.code)) {
            Some(applied) => Cell::Number(if applied.contains(code) { 1.0 } else { 0.0 }),
            None => Cell::Empty,
        },
        Source::ResponseId | Source::Status | Source::Language => Cell::Empty,
    })
}

/// A choice code's number (its place among the value labels); a code no longer defined has none.
fn position<'r>(mapped: &Mapped<'_>, code: &str) -> Cell<'r> {
    mapped.value_codes.iter().position(|c| c == code).map_or(Cell::Empty, |i| Cell::Number((i + 1) as f64))
}

/// A stored value read by `read`, or an error naming where it was.
fn parsed<'r>(
    response: &Response<'r>,
    q: &Question,
    value: Option<&'r String>,
    read: impl Fn(&str) -> Option<Cell<'r>>,
) -> Result<Cell<'r>, LabelledError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else { return Ok(Cell::Empty) };
    read(value.trim()).ok_or_else(|| LabelledError::Answer {
        response: response.id,
        question: q.code.clone(),
        problem: format!("the stored answer {value:?} does not read as a {}", q.kind.as_str()),
    })
}
