//! How an answer is written out: its choices and rows named by their codes or by their labels in
//! a language, and the answer as the parts people read ("Alpha", "Other (please specify): text",
//! "1. Zed", "Access: High"), joined on one line with "; " where one line is wanted.

use std::borrow::Cow;

use super::{Answer, OTHER};
use crate::survey::messages;
use crate::survey::model::{Choice, Question, SurveyDefinition};

/// What a line joins an answer's parts with.
const JOIN: &str = "; ";

/// How choices, rows and Other are named.
#[derive(Debug, Clone, Copy)]
pub enum Naming<'d> {
    /// By their codes, as stored (`other` for Other).
    Codes,
    /// By their labels in a language (falling back to the survey's default language); Other by
    /// the survey's "Other (please specify)" text, as the respondent saw it.
    Labels { definition: &'d SurveyDefinition, language: &'d str },
}

impl<'d> Naming<'d> {
    /// Labels in `language`.
    pub fn labels(definition: &'d SurveyDefinition, language: &'d str) -> Naming<'d> {
        Naming::Labels { definition, language }
    }

    /// Labels in the survey's default language: what the researcher's pages show.
    pub fn default_labels(definition: &'d SurveyDefinition) -> Naming<'d> {
        Naming::labels(definition, &definition.default_language)
    }

    /// A choice (or matrix scale point) of `question`; a code it no longer defines stays a code.
    pub fn choice<'q>(&self, question: &'q Question, code: &'q str) -> Cow<'q, str> {
        match self {
            Naming::Codes => Cow::Borrowed(code),
            Naming::Labels { .. } if code == OTHER => self.other(),
            Naming::Labels { .. } => self.label(question.choice(code), code),
        }
    }

    /// A row of a matrix `question`.
    pub fn row<'q>(&self, question: &'q Question, code: &'q str) -> Cow<'q, str> {
        match self {
            Naming::Codes => Cow::Borrowed(code),
            Naming::Labels { .. } => self.label(question.rows.iter().find(|r| r.code == code), code),
        }
    }

    /// The Other choice.
    pub fn other<'q>(&self) -> Cow<'q, str> {
        match self {
            Naming::Codes => Cow::Borrowed(OTHER),
            Naming::Labels { definition, language } => {
                Cow::Owned(messages::message(definition, "other_specify", language))
            }
        }
    }

    fn label<'q>(&self, found: Option<&'q Choice>, code: &'q str) -> Cow<'q, str> {
        match (self, found) {
            (Naming::Labels { definition, language }, Some(choice)) => {
                Cow::Borrowed(definition.text(&choice.label, language))
            }
            _ => Cow::Borrowed(code),
        }
    }
}

impl Answer<'_> {
    /// The answer as the parts people read, in order: a value as stored; a choice by its name;
    /// Other as "Other: the text typed" (without surrounding blanks); each ranked choice as "rank. choice", first rank first;
    /// each matrix row as "row: choice".
    pub fn parts(&self, question: &Question, naming: Naming) -> Vec<String> {
        let other = |text: Option<&str>| match text.map(str::trim).filter(|t| !t.is_empty()) {
            Some(text) => format!("{}: {text}", naming.other()),
            None => naming.other().into_owned(),
        };
        match self {
            Answer::Text(value) | Answer::Number(value) | Answer::Date(value) => vec![value.to_string()],
            Answer::Single { choice, other: text } if *choice == OTHER => vec![other(*text)],
            Answer::Single { choice, .. } => vec![naming.choice(question, choice).into_owned()],
            Answer::Multiple { ticked, other: text } => {
                let named = ticked.iter().map(|code| naming.choice(question, code).into_owned());
                named.chain(text.is_some().then(|| other(*text))).collect()
            }
            Answer::Ranking(ranked) => {
                ranked.iter().map(|r| format!("{}. {}", r.rank, naming.choice(question, r.choice))).collect()
            }
            Answer::Matrix(rows) => rows
                .iter()
                .map(|(row, choice)| format!("{}: {}", naming.row(question, row), naming.choice(question, choice)))
                .collect(),
        }
    }

    /// The parts on one line, joined with "; ".
    pub fn line(&self, question: &Question, naming: Naming) -> String {
        self.parts(question, naming).join(JOIN)
    }

    /// The answer as a text pipes it into another (`${CODE}`): a value as stored, a choice by its
    /// label, Other by the text typed under it, a multiple choice's choices joined with ", ".
    /// Rankings and matrices are not piped (the validator refuses them).
    pub fn piped(&self, question: &Question, naming: Naming) -> String {
        let other = |text: Option<&str>| text.map_or_else(|| naming.other().into_owned(), str::to_string);
        match self {
            Answer::Text(value) | Answer::Number(value) | Answer::Date(value) => value.to_string(),
            Answer::Single { choice, other: text } if *choice == OTHER => other(*text),
            Answer::Single { choice, .. } => naming.choice(question, choice).into_owned(),
            Answer::Multiple { ticked, other: text } => {
                let named = ticked.iter().map(|code| naming.choice(question, code).into_owned());
                named.chain(text.is_some().then(|| other(*text))).collect::<Vec<_>>().join(", ")
            }
            Answer::Ranking(_) | Answer::Matrix(_) => self.line(question, naming),
        }
    }
}
