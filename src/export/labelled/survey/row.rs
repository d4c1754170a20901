//! One response's cells: its stored answers, each decoded once as an `answer::Answer` (so a
//! single choice's Other, a ticked box and a rank read as in every other export), why unanswered
//! questions are empty, and the codes of its open answers in the coded layer.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::{Layout, Mapped, Source};
use crate::answer::{Answer, Rows as Answers};
use crate::export::labelled::{Cell, LabelledError, Reason};
use crate::survey::model::Question;

/// What a row is made from.
#[derive(Debug, Clone, Copy)]
pub struct Response<'r> {
    pub id: i64,
    pub complete: bool,
    pub language: &'r str,
    /// The stored rows, question → item → value, each question's decoded as an `Answer`.
    pub answers: &'r Answers,
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
    let Some(answer) = Answer::of(q, response.answers) else {
        return Ok(response.reasons.get(&q.code).map_or(Cell::Empty, |reason| Cell::Missing(*reason)));
    };
    let text = |value: Option<&'r str>| value.map_or(Cell::Empty, |v| Cell::Text(Cow::Borrowed(v)));
    let number = |v: &str| v.parse::<f64>().ok().filter(|n| n.is_finite()).map(Cell::Number);
    Ok(match &mapped.source {
        Source::Value => match answer {
            Answer::Number(value) => parsed(response, q, value, number)?,
            Answer::Date(value) => parsed(response, q, value, |v| v.parse().ok().map(Cell::Date))?,
            _ => text(answer.value()),
        },
        Source::Choice => answer.choice().map_or(Cell::Empty, |code| position(mapped, code)),
        Source::Ticked(code) => Cell::Number(if answer.is_ticked(code) { 1.0 } else { 0.0 }),
        Source::Row(row) => answer.row(row).map_or(Cell::Empty, |code| position(mapped, code)),
        Source::Rank(choice) => match answer.rank_of(choice) {
            Some(rank) => parsed(response, q, rank, number)?,
            None => Cell::Empty,
        },
        Source::OtherText => text(answer.other_text()),
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
    value: &'r str,
    read: impl Fn(&str) -> Option<Cell<'r>>,
) -> Result<Cell<'r>, LabelledError> {
    if value.trim().is_empty() {
        return Ok(Cell::Empty);
    }
    read(value.trim()).ok_or_else(|| LabelledError::Answer {
        response: response.id,
        question: q.code.clone(),
        problem: format!("the stored answer {value:?} does not read as a {}", q.kind.as_str()),
    })
}
