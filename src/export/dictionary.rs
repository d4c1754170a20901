//! The data dictionary (`codebook-dictionary`): one row per column of the `responses` file, in
//! the same order, saying which question it comes from, what it holds and what its codes mean, in
//! one language of the survey, with which missing-data codes its empty cells hold (when the
//! export writes codes); and the mapping to the statistics packages' files: the variable each
//! column becomes in SPSS, Stata and R and the number each code is written as, then (with a
//! codebook) a row per coded variable.

use std::collections::HashMap;
use std::io::Write;

use rusqlite::Connection;

use super::labelled::names::Package;
use super::labelled::survey::Layout;
use super::responses::{self, Column, Paradata, Source};
use super::statistics;
use super::stream::{CsvExportError, Plan};
use crate::answer::OTHER;
use crate::codebook::tree::Tree;
use crate::csv_out::CsvWriter;
use crate::survey::messages;
use crate::survey::model::{Choice, NumberKind, Question, QuestionType, SurveyDefinition};

/// The dictionary's header.
pub const HEADER: [&str; 12] = [
    "column",
    "question",
    "question_text",
    "item",
    "item_label",
    "type",
    "choices",
    "spss",
    "stata",
    "r",
    "values",
    "missing",
];

/// What the response's own columns hold, in `responses::RESPONSE_COLUMNS` order.
const RESPONSE_COLUMNS: [(&str, &str); 7] = [
    ("Response number, unique in this fieldwork database", "integer"),
    ("complete: submitted; partial: started, not submitted", "status"),
    ("Version of the survey the response was last saved under", "integer"),
    ("Language the respondent answered in", "language"),
    ("When the response was started: RFC 3339 UTC, or the date only in an anonymous survey", "datetime"),
    ("When it was submitted (empty while partial)", "datetime"),
    ("Seconds from start to submission (empty in an anonymous survey)", "integer"),
];

/// Writes one row per `responses` column.
pub fn write<W: Write>(conn: &Connection, plan: &Plan, w: &mut CsvWriter<W>) -> Result<(), CsvExportError> {
    let definition = &plan.survey.definition;
    let language = plan.language();
    let participant = responses::participant_columns(conn, &plan.survey)?;
    w.record(HEADER)?;
    let codes = &definition.missing_codes;
    let missing = format!(
        "{}=not shown (hidden by display logic); {}=not reached (after the furthest page of a partial \
         response); {}=skipped (shown, not answered)",
        codes.not_shown, codes.not_reached, codes.skipped
    );
    let layout = statistics::layout(plan);
    let mapping = Mapping::new(&layout);
    for column in responses::columns(definition, &participant) {
        let [name, question, text, item, label, kind, values] = row(definition, language, &column);
        let coded = plan.missing_codes && takes_missing_codes(&column);
        let missing = if coded { missing.clone() } else { String::new() };
        let fixed = [name, question, text, item, label, kind, values];
        w.record(fixed.into_iter().chain(mapping.of(&column.name)).chain([missing]))?;
    }
    let tree = plan.codebook.as_ref().map(|book| Tree::new(&book.draft));
    for (i, coded) in layout.columns.iter().enumerate().filter(|(_, c)| c.is_coded()) {
        let question = coded.question.map(|q| q.code.clone()).unwrap_or_default();
        let text = coded.question.map(|q| definition.text(&q.text, language).to_string()).unwrap_or_default();
        let item = coded.item.clone().unwrap_or_default();
        let path = tree.as_ref().map(|tree| tree.path(&item)).unwrap_or_default();
        let fixed = [coded.column.clone(), question, text, item, path, "coded".into(), "0=not coded; 1=coded".into()];
        w.record(fixed.into_iter().chain(mapping.at(i)).chain([String::new()]))?;
    }
    Ok(())
}

/// Each labelled variable's names in the three packages and its values, by `responses` column.
struct Mapping<'l> {
    layout: &'l Layout<'l>,
    names: [Vec<String>; 3],
    by_column: HashMap<&'l str, usize>,
}

impl<'l> Mapping<'l> {
    fn new(layout: &'l Layout<'l>) -> Self {
        let names = [Package::Spss, Package::Stata, Package::R].map(|p| layout.names(p));
        let by_column = layout.columns.iter().enumerate().map(|(i, c)| (c.column.as_str(), i)).collect();
        Mapping { layout, names, by_column }
    }

    /// The names and values of the variable for `column`; empty for a column no package file has
    /// (the responses file's times, participants and a multiple choice's list of codes).
    fn of(&self, column: &str) -> [String; 4] {
        self.by_column.get(column).map_or_else(Default::default, |i| self.at(*i))
    }

    /// `[spss, stata, r, values]` of the `i`th variable; values as `1=dev; 2=res`.
    fn at(&self, i: usize) -> [String; 4] {
        let mapped = &self.layout.columns[i];
        let values: Vec<String> = mapped
            .variable
            .value_labels
            .iter()
            .zip(&mapped.value_codes)
            .map(|(label, code)| format!("{}={code}", label.value))
            .collect();
        let [spss, stata, r] = &self.names;
        [spss[i].clone(), stata[i].clone(), r[i].clone(), values.join("; ")]
    }
}

/// Whether an empty cell of the column holds a missing-data code: answers, time on a page and
/// orders shown do; the response's own columns, consent, device and the last page do not.
fn takes_missing_codes(column: &Column) -> bool {
    column.question.is_some() || matches!(column.source, Source::Paradata(Paradata::Time(_) | Paradata::Order { .. }))
}

/// The dictionary row of a paradata column: question, text, item, item label, type, values.
fn paradata_row(definition: &SurveyDefinition, language: &str, paradata: &Paradata) -> [String; 6] {
    let page_title = |index: usize| {
        definition.pages.get(index).map(|p| (p.code.clone(), definition.text(&p.title, language).to_string()))
    };
    let none = String::new;
    match paradata {
        Paradata::ConsentVersion => [
            none(),
            "Version of the survey whose consent text the respondent accepted (empty without one)".into(),
            none(),
            none(),
            "integer".into(),
            none(),
        ],
        Paradata::ConsentAt => [
            none(),
            "When the consent was accepted: RFC 3339 UTC, or the date only in an anonymous survey".into(),
            none(),
            none(),
            "datetime".into(),
            none(),
        ],
        Paradata::Device => [
            none(),
            "Class of the device the response was begun on, from the browser's User-Agent (not kept)".into(),
            none(),
            none(),
            "device".into(),
            "phone=phone; tablet=tablet; desktop=desktop".into(),
        ],
        Paradata::LastPage => {
            let pages =
                (0..definition.pages.len()).filter_map(page_title).map(|(code, title)| format!("{code}={title}"));
            [
                none(),
                "Code of the furthest page the respondent reached".into(),
                none(),
                none(),
                "page".into(),
                pages.collect::<Vec<_>>().join("; "),
            ]
        }
        Paradata::Time(index) => {
            let (code, title) = page_title(*index).unwrap_or_default();
            [
                none(),
                "Seconds spent on the page, from when it was shown to when it was saved, summed over visits".into(),
                code,
                title,
                "integer".into(),
                none(),
            ]
        }
        Paradata::Order { element, page, question } => {
            let (text, item) = match question {
                Some(code) => (format!("Order the choices (a matrix: the rows) of {code} were shown in"), code.clone()),
                None => (format!("Order the questions of page {element} were shown in"), element.clone()),
            };
            let label = match question.as_deref().and_then(|code| definition.question(code)) {
                Some(q) => definition.text(&q.text, language).to_string(),
                None => page_title(*page).map(|(_, title)| title).unwrap_or_default(),
            };
            [question.clone().unwrap_or_default(), text, item, label, "order (codes, space-separated)".into(), none()]
        }
    }
}

/// `code=label; code=label`, labels in `language`.
fn choices(definition: &SurveyDefinition, language: &str, choices: &[Choice]) -> String {
    let pairs = choices.iter().map(|c| format!("{}={}", c.code, definition.text(&c.label, language)));
    pairs.collect::<Vec<_>>().join("; ")
}

fn row(definition: &SurveyDefinition, language: &str, column: &Column) -> [String; 7] {
    let name = column.name.clone();
    let Some(q) = column.question else {
        if let Source::Paradata(paradata) = &column.source {
            let [question, text, item, label, kind, values] = paradata_row(definition, language, paradata);
            return [name, question, text, item, label, kind, values];
        }
        let (text, kind, values) = match &column.source {
            Source::Response(1) => (RESPONSE_COLUMNS[1].0, "status", "complete=complete; partial=partial".to_string()),
            Source::Response(3) => {
                let languages = definition.languages.iter().map(|l| format!("{l}={l}")).collect::<Vec<_>>();
                (RESPONSE_COLUMNS[3].0, "language", languages.join("; "))
            }
            Source::Response(i) => (RESPONSE_COLUMNS[*i].0, RESPONSE_COLUMNS[*i].1, String::new()),
            _ => (
                "The participant whose personal link gave the response (empty for the public link)",
                "text",
                String::new(),
            ),
        };
        return [name, String::new(), text.to_string(), String::new(), String::new(), kind.to_string(), values];
    };
    let text = definition.text(&q.text, language).to_string();
    let other = || messages::message(definition, "other_specify", language);
    let with_other = |mut list: String| {
        if q.other {
            list = format!("{list}{}{OTHER}={}", if list.is_empty() { "" } else { "; " }, other());
        }
        list
    };
    let (item, item_label, kind, values) = match &column.source {
        Source::Value => (
            String::new(),
            String::new(),
            value_type(q),
            match q.kind {
                QuestionType::SingleChoice => with_other(choices(definition, language, &q.choices)),
                _ => String::new(),
            },
        ),
        Source::Ticked => (
            String::new(),
            String::new(),
            "multiple_choice".to_string(),
            with_other(choices(definition, language, &q.choices)),
        ),
        Source::Choice(code) => {
            let label = q.choice(code).map_or("", |c| definition.text(&c.label, language)).to_string();
            (code.clone(), label, "selected".to_string(), "0=not selected; 1=selected".to_string())
        }
        Source::Item(item) if item == OTHER => (item.clone(), other(), "other_text".to_string(), String::new()),
        Source::Item(item) if q.kind == QuestionType::Matrix => {
            let label = q.rows.iter().find(|r| &r.code == item).map_or("", |r| definition.text(&r.label, language));
            (item.clone(), label.to_string(), "matrix_row".to_string(), choices(definition, language, &q.choices))
        }
        Source::Item(item) => {
            let label = q.choice(item).map_or("", |c| definition.text(&c.label, language)).to_string();
            (item.clone(), label, "rank".to_string(), "1=first".to_string())
        }
        Source::Response(_) | Source::Participant(_) | Source::Paradata(_) => Default::default(),
    };
    [name, q.code.clone(), text, item, item_label, kind, values]
}

/// The type of a single-valued question's column.
fn value_type(q: &Question) -> String {
    match q.kind {
        QuestionType::Number if q.number_kind() == NumberKind::Decimal => "number (decimal)".to_string(),
        QuestionType::Number => "number (integer)".to_string(),
        QuestionType::Date => "date (YYYY-MM-DD)".to_string(),
        kind => kind.as_str().to_string(),
    }
}
