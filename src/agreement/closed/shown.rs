//! The comparison as the page and the methods pack show it: rows named for what they compare,
//! choices by their labels, codes by their names.

use serde::Serialize;

use super::{Line, MappingComparison};
use crate::agreement::report::ShownRow;
use crate::agreement::{ReportRow, RowKind};
use crate::answer::{Naming, OTHER};
use crate::codebook::tree::Tree;
use crate::survey::model::SurveyDefinition;

/// A figures row as the agreement page shows it, named for what it compares.
pub(crate) fn shown_row(row: &ReportRow, tree: &Tree) -> ShownRow {
    let mut shown = ShownRow::of(row, tree);
    match row.kind {
        RowKind::Pooled => shown.name = "All mapped codes, pooled".into(),
        RowKind::Code => {}
        _ => shown.name = "Respondent's choice against the coding's".into(),
    }
    shown
}

/// A response that differs, with choices by their labels and codes by their names.
#[derive(Serialize)]
pub(crate) struct ShownLine {
    response_id: i64,
    closed: Vec<String>,
    coded: Vec<String>,
    codes: Vec<String>,
    open_answers: Vec<(String, String)>,
}

/// One mapping as shown.
#[derive(Serialize)]
pub(crate) struct ShownComparison {
    question: String,
    question_text: String,
    multiple: bool,
    problems: Vec<String>,
    rows: Vec<ShownRow>,
    counts: Vec<(&'static str, usize)>,
    differences: Vec<ShownLine>,
}

impl ShownComparison {
    pub(crate) fn of(comparison: &MappingComparison, survey: &SurveyDefinition, tree: &Tree) -> ShownComparison {
        let naming = Naming::default_labels(survey);
        let question = survey.question(&comparison.mapping.question);
        let label = |choice: &String| match question {
            Some(q) if choice == OTHER || q.choice(choice).is_some() => naming.choice(q, choice).into_owned(),
            _ => choice.clone(),
        };
        let name = |code: &String| tree.get(code).map_or_else(|| code.clone(), |e| e.name.clone());
        let shown = |line: &Line| ShownLine {
            response_id: line.response_id,
            closed: line.closed.iter().map(label).collect(),
            coded: line.coded_choices.iter().map(label).collect(),
            codes: line.codes.iter().map(name).collect(),
            open_answers: line.open_answers.clone(),
        };
        ShownComparison {
            question: comparison.mapping.question.clone(),
            question_text: question
                .map(|q| survey.text(&q.text, &survey.default_language).to_string())
                .unwrap_or_default(),
            multiple: comparison.multiple,
            problems: comparison.problems.clone(),
            rows: comparison.rows.iter().map(|row| shown_row(row, tree)).collect(),
            counts: comparison.counts().into_iter().map(|(outcome, n)| (outcome.label(), n)).collect(),
            differences: comparison.differences().map(shown).collect(),
        }
    }
}
