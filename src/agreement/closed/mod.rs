//! The respondent's closed answer against the coding of their open answers, for each of a
//! codebook's closed-answer mappings (`codebook::closed`): a single choice as one nominal
//! variable with two "coders", the respondent and the coding; a multiple choice as a binary
//! variable per mapped code (choice ticked, code applied). The coefficients come from the
//! agreement tables (`agreement::table`), the coding from the default layer (`coding::layers`).
//! `store.rs` reads it from the database, `csv.rs` writes it, `shown.rs` names it for people,
//! `web.rs` shows it.

pub mod csv;
pub mod report;
pub mod shown;
pub mod store;
pub mod text;
pub mod web;

#[cfg(test)]
mod tests;

pub use csv::write_csv;
pub use report::{ClosedReport, closed_comparison};

use std::collections::BTreeSet;

use super::codebook::{ReportRow, RowKind};
use super::error::AgreementError;
use super::table::{Bootstrap, Coding, exclusive_table, per_code_table};
use crate::codebook::closed::ClosedMapping;

/// The "coder" that stands for the respondent's own answer.
pub const RESPONDENT: &str = "respondent";
/// The "coder" that stands for the coding of the open answers.
pub const CODING: &str = "coding";

/// One complete response as the comparison sees it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Respondent {
    pub response_id: i64,
    /// The closed question's chosen choice codes (`other` for Other); empty when unanswered.
    pub closed: Vec<String>,
    pub coding: Coded,
    /// The counted open answers, as (question, text), in survey order.
    pub open_answers: Vec<(String, String)>,
}

/// The coding of a response's counted open answers in the default layer.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Coded {
    /// No counted answer is coded.
    #[default]
    NotCoded,
    /// An answer's coders disagree and nobody has reconciled it.
    Awaiting,
    /// The codes of all counted answers together.
    Codes(BTreeSet<String>),
}

/// Whether a response was compared, and if not why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Agree,
    Differ,
    /// Coded, but the closed question has no answer.
    NoClosedAnswer,
    /// Answered, but none of the counted open answers is coded.
    NotCoded,
    /// Left out of the default layer until reconciled.
    AwaitingReconciliation,
    /// Single choice: the respondent chose a choice no code stands for (e.g. "Don't know").
    ChoiceNotMapped,
    /// The coding has none of the mapping's codes: the open answers say nothing on the question.
    NoMappedCode,
    /// Single choice: the coding's mapped codes stand for more than one choice.
    SeveralChoices,
}

impl Outcome {
    /// Every outcome, compared ones first: the order of the counts.
    pub const ALL: [Outcome; 8] = [
        Outcome::Agree,
        Outcome::Differ,
        Outcome::NoClosedAnswer,
        Outcome::NotCoded,
        Outcome::AwaitingReconciliation,
        Outcome::ChoiceNotMapped,
        Outcome::NoMappedCode,
        Outcome::SeveralChoices,
    ];

    /// Whether the response is one of the units the coefficients are computed from.
    pub fn compared(self) -> bool {
        matches!(self, Outcome::Agree | Outcome::Differ)
    }

    /// What the outcome means, as the page, the CSV and the command say it.
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Agree => "agree",
            Outcome::Differ => "differ",
            Outcome::NoClosedAnswer => "left out: no closed answer",
            Outcome::NotCoded => "left out: open answers not coded",
            Outcome::AwaitingReconciliation => "left out: coding awaiting reconciliation",
            Outcome::ChoiceNotMapped => "left out: the choice has no code",
            Outcome::NoMappedCode => "left out: coding has none of the mapped codes",
            Outcome::SeveralChoices => "left out: coding stands for several choices",
        }
    }
}

/// One response of one mapping: what each side said, and the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub response_id: i64,
    /// The respondent's choice codes.
    pub closed: Vec<String>,
    /// The choices the coding stands for (through the mapped codes it has).
    pub coded_choices: Vec<String>,
    /// The mapped codes the coding has.
    pub codes: Vec<String>,
    pub outcome: Outcome,
    pub open_answers: Vec<(String, String)>,
}

/// The comparison of one mapping.
#[derive(Debug, Clone, PartialEq)]
pub struct MappingComparison {
    pub mapping: ClosedMapping,
    /// Whether the question is a multiple choice (a binary row per code) or a single choice (one
    /// nominal row).
    pub multiple: bool,
    /// The agreement rows: single choice, one `Category` row named after the question; multiple
    /// choice, a `Code` row per mapped code, then the `Pooled` row.
    pub rows: Vec<ReportRow>,
    /// Every response with a closed answer or a coding, in response order.
    pub lines: Vec<Line>,
    /// Why the mapping cannot be compared (it no longer fits the survey); then it has no rows.
    pub problems: Vec<String>,
}

impl MappingComparison {
    /// How many responses had each outcome, in [`Outcome::ALL`] order.
    pub fn counts(&self) -> Vec<(Outcome, usize)> {
        Outcome::ALL.iter().map(|o| (*o, self.lines.iter().filter(|l| l.outcome == *o).count())).collect()
    }

    /// The responses where the respondent and the coding differ.
    pub fn differences(&self) -> impl Iterator<Item = &Line> {
        self.lines.iter().filter(|line| line.outcome == Outcome::Differ)
    }
}

/// Compares one mapping over the responses: `multiple` says whether the question is a multiple
/// choice. Responses with neither a closed answer nor a coding are not listed.
pub fn compare(
    mapping: &ClosedMapping,
    multiple: bool,
    respondents: &[Respondent],
    bootstrap: Bootstrap,
) -> Result<MappingComparison, AgreementError> {
    let lines: Vec<Line> = respondents.iter().filter_map(|r| line(mapping, multiple, r)).collect();
    let rows =
        if multiple { binary_rows(mapping, &lines, bootstrap)? } else { nominal_row(mapping, &lines, bootstrap)? };
    Ok(MappingComparison { mapping: mapping.clone(), multiple, rows, lines, problems: Vec::new() })
}

/// The response's line, or None when it has neither a closed answer nor a coding.
fn line(mapping: &ClosedMapping, multiple: bool, respondent: &Respondent) -> Option<Line> {
    let codes: Vec<String> = match &respondent.coding {
        Coded::Codes(codes) => mapping.codes.keys().filter(|c| codes.contains(*c)).cloned().collect(),
        _ => Vec::new(),
    };
    let mut coded_choices: Vec<String> = Vec::new();
    for code in &codes {
        if let Some(choice) = mapping.codes.get(code).filter(|c| !coded_choices.contains(c)) {
            coded_choices.push(choice.clone());
        }
    }
    let closed = respondent.closed.clone();
    let outcome = match (&respondent.coding, closed.is_empty()) {
        (Coded::NotCoded, true) => return None,
        (_, true) => Outcome::NoClosedAnswer,
        (Coded::NotCoded, false) => Outcome::NotCoded,
        (Coded::Awaiting, false) => Outcome::AwaitingReconciliation,
        (Coded::Codes(_), false) if !multiple && !mapping.codes.values().any(|c| closed.contains(c)) => {
            Outcome::ChoiceNotMapped
        }
        (Coded::Codes(_), false) if codes.is_empty() => Outcome::NoMappedCode,
        (Coded::Codes(_), false) if !multiple && coded_choices.len() > 1 => Outcome::SeveralChoices,
        (Coded::Codes(_), false) => {
            let agree = if multiple {
                // Every mapped code: applied exactly when its choice was ticked.
                mapping.codes.iter().all(|(code, choice)| codes.contains(code) == closed.contains(choice))
            } else {
                closed == coded_choices
            };
            if agree { Outcome::Agree } else { Outcome::Differ }
        }
    };
    let open_answers = respondent.open_answers.clone();
    Some(Line { response_id: respondent.response_id, closed, coded_choices, codes, outcome, open_answers })
}

/// Single choice: the respondent's choice and the coding's as one nominal variable.
fn nominal_row(
    mapping: &ClosedMapping,
    lines: &[Line],
    bootstrap: Bootstrap,
) -> Result<Vec<ReportRow>, AgreementError> {
    let mut codings = Vec::new();
    for line in lines.iter().filter(|l| l.outcome.compared()) {
        let unit = line.response_id.to_string();
        codings.push(Coding::new(&unit, RESPONDENT, line.closed.first().map_or("", String::as_str)));
        codings.push(Coding::new(&unit, CODING, line.coded_choices.first().map_or("", String::as_str)));
    }
    let rows = exclusive_table(&codings, bootstrap)?;
    Ok(rows
        .into_iter()
        .map(|mut figures| {
            figures.code = mapping.question.clone();
            ReportRow { figures, kind: RowKind::Category }
        })
        .collect())
}

/// Multiple choice: per mapped code, whether its choice was ticked against whether it was
/// applied; then the pooled row.
fn binary_rows(
    mapping: &ClosedMapping,
    lines: &[Line],
    bootstrap: Bootstrap,
) -> Result<Vec<ReportRow>, AgreementError> {
    let mut codings = Vec::new();
    for line in lines.iter().filter(|l| l.outcome.compared()) {
        let unit = line.response_id.to_string();
        // Each side saw the unit, whatever it applied.
        codings.push(Coding::new(&unit, RESPONDENT, ""));
        codings.push(Coding::new(&unit, CODING, ""));
        for (code, choice) in &mapping.codes {
            if line.closed.contains(choice) {
                codings.push(Coding::new(&unit, RESPONDENT, code));
            }
            if line.codes.contains(code) {
                codings.push(Coding::new(&unit, CODING, code));
            }
        }
    }
    let codes: Vec<String> = mapping.codes.keys().cloned().collect();
    let mut figures = per_code_table(&codings, &codes, bootstrap)?;
    let pooled = figures.pop();
    let mut rows: Vec<ReportRow> =
        figures.into_iter().map(|figures| ReportRow { figures, kind: RowKind::Code }).collect();
    rows.extend(pooled.map(|figures| ReportRow { figures, kind: RowKind::Pooled }));
    Ok(rows)
}
