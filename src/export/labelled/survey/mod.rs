//! A survey as labelled variables: one per column of the wide `responses` file (named after it,
//! `LANGS/english`), with numeric codes where the CSV has choice codes — 1…n in questionnaire
//! order for a single choice (Other n+1) and for each matrix row (its scale), 0/1 for each
//! choice of a multiple choice — text as strings, numbers, dates as dates, and, with a codebook,
//! a 0/1 variable per open question and code of the coded layer. Pure: the same definition
//! gives the same variables, names and dictionary rows. `row` fills one response's cells.

mod row;

use super::names::{self, Package};
use super::{Dataset, Kind, Measure, MissingCodes, ValueLabel, Variable};
use crate::codebook::model::{CodeKind, CodebookFile};
use crate::codebook::tree::Tree;
use crate::respond::answers::OTHER;
use crate::survey::messages;
use crate::survey::model::{NumberKind, Question, QuestionType, SurveyDefinition};

pub use row::Response;

/// The codes of a coded layer to add as 0/1 variables: every code of `codebook` (categories are
/// not applied, so they have none), for each of `questions` (open questions, in survey order).
#[derive(Debug, Clone, Copy)]
pub struct CodedLayer<'a> {
    pub codebook: &'a CodebookFile,
    pub questions: &'a [&'a str],
}

/// Where a variable's cells come from in a response.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    ResponseId,
    Status,
    Language,
    /// Text, a number or a date as typed (the item `""`).
    Value,
    /// A single choice's code as its number 1…n (Other n+1).
    Choice,
    /// 1 when this choice of a multiple choice is ticked, else 0.
    Ticked(String),
    /// A matrix row's scale choice as its number 1…n.
    Row(String),
    /// A ranked choice's rank.
    Rank(String),
    /// The text typed under Other.
    OtherText,
    /// 1 when the answer has this code in the layer, 0 when it has others or none.
    Coded(String),
}

/// One variable and where it comes from.
#[derive(Debug, Clone)]
pub struct Mapped<'a> {
    /// The column of the `responses` file it stands for (or `Q/CODE_ID` for a coded variable).
    pub column: String,
    pub question: Option<&'a Question>,
    /// The choice, matrix row or codebook code, for a variable of one item.
    pub item: Option<String>,
    /// The variable, named after `column` until `Layout::dataset` gives it a legal name.
    pub variable: Variable,
    /// The fieldwork code each value label stands for (a choice code, `other`, `selected`…).
    pub value_codes: Vec<String>,
    source: Source,
}

/// Every variable of a survey's labelled export, in order.
#[derive(Debug, Clone)]
pub struct Layout<'a> {
    pub columns: Vec<Mapped<'a>>,
}

/// One row of the data dictionary's mapping: a variable (no `value`) or one of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DictionaryRow {
    pub column: String,
    pub spss: String,
    pub stata: String,
    pub r: String,
    /// The number written, for a value row.
    pub value: String,
    /// The fieldwork code it stands for (a choice or row code, `other`, a codebook code's id).
    pub code: String,
    /// The variable's label in full, or the value's.
    pub label: String,
}

impl<'a> Layout<'a> {
    /// The variables of `definition`, labelled in `language`, with the coded layer's if given.
    pub fn new(definition: &'a SurveyDefinition, language: &str, coded: Option<CodedLayer<'_>>) -> Layout<'a> {
        let mut columns = response_columns(definition);
        for (_, q) in definition.questions() {
            question_columns(&mut columns, definition, language, q);
        }
        if let Some(coded) = coded {
            coded_columns(&mut columns, definition, language, coded);
        }
        Layout { columns }
    }

    /// Each variable's legal name in `package` (docs: `names`).
    pub fn names(&self, package: Package) -> Vec<String> {
        let columns: Vec<&str> = self.columns.iter().map(|c| c.column.as_str()).collect();
        names::legal(package, &columns)
    }

    /// The dataset to write for `package`.
    pub fn dataset(
        &self,
        package: Package,
        label: &str,
        missing: Option<MissingCodes>,
        created: jiff::civil::DateTime,
    ) -> Dataset {
        let variables = self
            .columns
            .iter()
            .zip(self.names(package))
            .map(|(mapped, name)| Variable { name, ..mapped.variable.clone() })
            .collect();
        Dataset { label: label.to_string(), variables, missing, created }
    }

    /// The mapping from fieldwork's columns and codes to each package's names and numbers.
    pub fn dictionary(&self) -> Vec<DictionaryRow> {
        let [spss, stata, r] = [Package::Spss, Package::Stata, Package::R].map(|p| self.names(p));
        let mut rows = Vec::new();
        for (i, mapped) in self.columns.iter().enumerate() {
            let row = |value: String, code: String, label: String| DictionaryRow {
                column: mapped.column.clone(),
                spss: spss[i].clone(),
                stata: stata[i].clone(),
                r: r[i].clone(),
                value,
                code,
                label,
            };
            rows.push(row(String::new(), mapped.item.clone().unwrap_or_default(), mapped.variable.label.clone()));
            for (label, code) in mapped.variable.value_labels.iter().zip(&mapped.value_codes) {
                rows.push(row(label.value.to_string(), code.clone(), label.label.clone()));
            }
        }
        rows
    }
}

fn mapped<'a>(column: String, question: Option<&'a Question>, source: Source, variable: Variable) -> Mapped<'a> {
    Mapped { column, question, item: None, variable, value_codes: Vec::new(), source }
}

fn variable(label: String, kind: Kind, measure: Measure) -> Variable {
    Variable { name: String::new(), label, kind, measure, value_labels: Vec::new() }
}

/// The response's own variables: its number, whether it was submitted, its language.
fn response_columns<'a>(definition: &SurveyDefinition) -> Vec<Mapped<'a>> {
    let number = Kind::Numeric { decimals: 0 };
    let mut status = mapped(
        "status".into(),
        None,
        Source::Status,
        variable("Whether the response was submitted".into(), number, Measure::Nominal),
    );
    status.variable.value_labels =
        vec![ValueLabel { value: 1.0, label: "complete".into() }, ValueLabel { value: 2.0, label: "partial".into() }];
    status.value_codes = vec!["complete".into(), "partial".into()];
    let longest_language = definition.languages.iter().map(String::len).max().unwrap_or(2);
    vec![
        mapped(
            "response_id".into(),
            None,
            Source::ResponseId,
            variable("Response number".into(), number, Measure::Nominal),
        ),
        status,
        mapped(
            "language".into(),
            None,
            Source::Language,
            variable(
                "Language the respondent answered in".into(),
                Kind::String { width: longest_language },
                Measure::Nominal,
            ),
        ),
    ]
}

/// Codes 1…n for `labels` (each a fieldwork code and its label), in order.
fn numbered(labels: Vec<(String, String)>) -> (Vec<ValueLabel>, Vec<String>) {
    labels.into_iter().enumerate().map(|(i, (code, label))| (ValueLabel { value: (i + 1) as f64, label }, code)).unzip()
}

/// A question's variables.
fn question_columns<'a>(columns: &mut Vec<Mapped<'a>>, definition: &SurveyDefinition, language: &str, q: &'a Question) {
    let text = definition.text(&q.text, language).to_string();
    let choice_label = |code: &str| q.choice(code).map_or("", |c| definition.text(&c.label, language)).to_string();
    let choices = || q.choices.iter().map(|c| (c.code.clone(), definition.text(&c.label, language).to_string()));
    let other_label = messages::message(definition, "other_specify", language);
    let item = |code: &str, item_label: &str, source: Source, kind: Kind, measure: Measure| {
        let mut m = mapped(
            format!("{}/{code}", q.code),
            Some(q),
            source,
            variable(format!("{item_label}: {text}"), kind, measure),
        );
        m.item = Some(code.to_string());
        m
    };
    let number = Kind::Numeric { decimals: 0 };
    match q.kind {
        QuestionType::Display => {}
        QuestionType::ShortText | QuestionType::LongText => columns.push(mapped(
            q.code.clone(),
            Some(q),
            Source::Value,
            variable(text.clone(), Kind::String { width: 1 }, Measure::Nominal),
        )),
        QuestionType::Number => {
            let decimals = if q.number_kind() == NumberKind::Decimal { 2 } else { 0 };
            let kind = Kind::Numeric { decimals };
            columns.push(mapped(q.code.clone(), Some(q), Source::Value, variable(text.clone(), kind, Measure::Scale)));
        }
        QuestionType::Date => columns.push(mapped(
            q.code.clone(),
            Some(q),
            Source::Value,
            variable(text.clone(), Kind::Date, Measure::Scale),
        )),
        QuestionType::SingleChoice => {
            let mut labels: Vec<(String, String)> = choices().collect();
            if q.other {
                labels.push((OTHER.to_string(), other_label.clone()));
            }
            let mut m =
                mapped(q.code.clone(), Some(q), Source::Choice, variable(text.clone(), number, Measure::Nominal));
            (m.variable.value_labels, m.value_codes) = numbered(labels);
            columns.push(m);
        }
        QuestionType::MultipleChoice => {
            for choice in &q.choices {
                let mut m = item(
                    &choice.code,
                    &choice_label(&choice.code),
                    Source::Ticked(choice.code.clone()),
                    number,
                    Measure::Nominal,
                );
                m.variable.value_labels = vec![
                    ValueLabel { value: 0.0, label: "not selected".into() },
                    ValueLabel { value: 1.0, label: "selected".into() },
                ];
                m.value_codes = vec!["not selected".into(), "selected".into()];
                columns.push(m);
            }
        }
        QuestionType::Matrix => {
            for row in &q.rows {
                let row_label = definition.text(&row.label, language);
                let mut m = item(&row.code, row_label, Source::Row(row.code.clone()), number, Measure::Ordinal);
                (m.variable.value_labels, m.value_codes) = numbered(choices().collect());
                columns.push(m);
            }
        }
        QuestionType::Ranking => {
            for choice in &q.choices {
                let m = item(
                    &choice.code,
                    &choice_label(&choice.code),
                    Source::Rank(choice.code.clone()),
                    number,
                    Measure::Ordinal,
                );
                columns.push(m);
            }
        }
    }
    if q.other && matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) {
        columns.push(item(OTHER, &other_label, Source::OtherText, Kind::String { width: 1 }, Measure::Nominal));
    }
}

/// A 0/1 variable per open question and code, codes in codebook order.
fn coded_columns<'a>(
    columns: &mut Vec<Mapped<'a>>,
    definition: &'a SurveyDefinition,
    language: &str,
    coded: CodedLayer<'_>,
) {
    let tree = Tree::new(coded.codebook);
    let codes: Vec<(String, String)> = tree
        .entries()
        .into_iter()
        .filter(|(_, e)| e.kind == CodeKind::Code)
        .map(|(_, e)| (e.id.clone(), tree.path(&e.id)))
        .collect();
    for question in coded.questions {
        let Some(q) = definition.question(question).filter(|q| q.kind.is_open()) else { continue };
        let text = definition.text(&q.text, language);
        for (id, path) in &codes {
            let label = format!("{path}: {text}");
            let mut m = mapped(
                format!("{}/{id}", q.code),
                Some(q),
                Source::Coded(id.clone()),
                variable(label, Kind::Numeric { decimals: 0 }, Measure::Nominal),
            );
            m.item = Some(id.clone());
            m.variable.value_labels = vec![
                ValueLabel { value: 0.0, label: "not coded".into() },
                ValueLabel { value: 1.0, label: "coded".into() },
            ];
            m.value_codes = vec!["not coded".into(), "coded".into()];
            columns.push(m);
        }
    }
}

#[cfg(test)]
mod tests;
