//! One stored answer of one question: decoded once from its `(question, item, value)` rows by the
//! question's type, and rendered once (`render.rs`) as codes or as labels in a language. Every
//! reader of answers — the respondent pages, the responses page, the coding context, the exports,
//! the analysis and the check on survey changes — goes through it, so they all read alike.

mod json;
mod render;

use std::collections::BTreeMap;

pub use render::Naming;

use crate::survey::model::{Question, QuestionType};

/// The item holding an "Other (please specify)" text, and the value that selects Other. No choice
/// may have this code (`survey::validate` reserves it).
pub const OTHER: &str = "other";

/// The value stored for a ticked box of a multiple choice.
pub const TICKED: &str = "1";

/// One question's rows: item → value. The item is '' for a single value (a text, number, date or
/// a single choice's code), a choice's code for a ticked box (value `1`) or a ranked choice (value
/// its rank), a row's code for a matrix (value the scale choice's code), and `other` for the text
/// typed under Other.
pub type Items = BTreeMap<String, String>;

/// A response's rows by question code (also a submitted page's answers, before they are stored).
pub type Rows = BTreeMap<String, Items>;

/// One answer, by its question's type. It borrows the rows it was decoded from.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<'a> {
    /// A short or long text, as typed.
    Text(&'a str),
    /// A number as stored (a `.` decimal point), or as typed on a page sent back with errors.
    Number(&'a str),
    /// A date as stored (`YYYY-MM-DD`), or as typed.
    Date(&'a str),
    /// A single choice: the chosen code (`other` for Other) and, for Other, the text typed.
    Single { choice: &'a str, other: Option<&'a str> },
    /// The ticked codes in the question's order, then any it no longer defines; and the text typed
    /// under Other when Other was ticked (possibly empty on a page sent back with errors).
    Multiple { ticked: Vec<&'a str>, other: Option<&'a str> },
    /// The ranked choices, first rank first (a rank that is not a number last).
    Ranking(Vec<Ranked<'a>>),
    /// Each answered row with its scale choice, in the question's row order (then rows it no
    /// longer defines).
    Matrix(Vec<(&'a str, &'a str)>),
}

/// A ranked choice of a ranking question.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked<'a> {
    pub choice: &'a str,
    /// The rank as stored (`1` = first).
    pub rank: &'a str,
}

impl Ranked<'_> {
    fn number(&self) -> Option<u32> {
        self.rank.trim().parse().ok()
    }
}

impl<'a> Answer<'a> {
    /// The answer to `question` among a response's rows, if it has one.
    pub fn of(question: &Question, rows: &'a Rows) -> Option<Answer<'a>> {
        rows.get(&question.code).and_then(|items| Answer::decode(question, items))
    }

    /// Decodes a question's rows; `None` when they hold no answer (or the question takes none).
    /// Rows that do not belong to the type (a tampered form) are left out.
    pub fn decode(question: &Question, items: &'a Items) -> Option<Answer<'a>> {
        let single = items.get("").map(String::as_str);
        let other = items.get(OTHER).map(String::as_str);
        let answer = match question.kind {
            QuestionType::ShortText | QuestionType::LongText => Answer::Text(single?),
            QuestionType::Number => Answer::Number(single?),
            QuestionType::Date => Answer::Date(single?),
            QuestionType::Display => return None,
            QuestionType::SingleChoice => {
                // Text typed under Other without choosing it counts as choosing Other; text left
                // under Other after choosing another choice is not part of the answer.
                let choice = single.or(other.map(|_| OTHER))?;
                Answer::Single { choice, other: other.filter(|_| choice == OTHER) }
            }
            QuestionType::MultipleChoice => {
                let defined = question
                    .choices
                    .iter()
                    .filter_map(|c| items.get_key_value(c.code.as_str()))
                    .filter(|(_, value)| *value == TICKED)
                    .map(|(code, _)| code.as_str());
                let undefined = items
                    .keys()
                    .filter(|k| !k.is_empty() && *k != OTHER && question.choice(k).is_none())
                    .map(String::as_str);
                let ticked: Vec<&str> = defined.chain(undefined).collect();
                if ticked.is_empty() && other.is_none() {
                    return None;
                }
                Answer::Multiple { ticked, other }
            }
            QuestionType::Ranking => {
                let position = |code: &str| question.choices.iter().position(|c| c.code == code);
                let mut ranked: Vec<Ranked> = items
                    .iter()
                    .filter(|(item, _)| !item.is_empty())
                    .map(|(choice, rank)| Ranked { choice, rank })
                    .collect();
                ranked.sort_by_key(|r| {
                    (r.number().is_none(), r.number(), position(r.choice).is_none(), position(r.choice))
                });
                if ranked.is_empty() {
                    return None;
                }
                Answer::Ranking(ranked)
            }
            QuestionType::Matrix => {
                let defined = question.rows.iter().filter_map(|r| items.get_key_value(r.code.as_str()));
                let undefined =
                    items.iter().filter(|(k, _)| !k.is_empty() && !question.rows.iter().any(|r| &r.code == *k));
                let rows: Vec<(&str, &str)> =
                    defined.chain(undefined).map(|(row, choice)| (row.as_str(), choice.as_str())).collect();
                if rows.is_empty() {
                    return None;
                }
                Answer::Matrix(rows)
            }
        };
        Some(answer)
    }

    /// The rows that store this answer, as (item, value): what `decode` reads back.
    pub fn rows(&self) -> Vec<(&'a str, &'a str)> {
        let other = |text: &Option<&'a str>| text.map(|text| (OTHER, text));
        match self {
            Answer::Text(value) | Answer::Number(value) | Answer::Date(value) => vec![("", value)],
            Answer::Single { choice, other: text } => std::iter::once(("", *choice)).chain(other(text)).collect(),
            Answer::Multiple { ticked, other: text } => {
                ticked.iter().map(|code| (*code, TICKED)).chain(other(text)).collect()
            }
            Answer::Ranking(ranked) => ranked.iter().map(|r| (r.choice, r.rank)).collect(),
            Answer::Matrix(rows) => rows.clone(),
        }
    }

    /// A text's, number's or date's value.
    pub fn value(&self) -> Option<&'a str> {
        match self {
            Answer::Text(value) | Answer::Number(value) | Answer::Date(value) => Some(value),
            _ => None,
        }
    }

    /// A single choice's code (`other` for Other).
    pub fn choice(&self) -> Option<&'a str> {
        match self {
            Answer::Single { choice, .. } => Some(choice),
            _ => None,
        }
    }

    /// The chosen codes of a single or multiple choice, in order, `other` last: what display
    /// logic and the wide export's multiple-choice column hold (space-separated).
    pub fn codes(&self) -> Vec<&'a str> {
        match self {
            Answer::Single { choice, .. } => vec![choice],
            Answer::Multiple { ticked, other } => ticked.iter().copied().chain(other.map(|_| OTHER)).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the respondent chose `code` (`other` for Other) in a single or multiple choice.
    pub fn gave(&self, code: &str) -> bool {
        match self {
            Answer::Single { choice, .. } => *choice == code,
            Answer::Multiple { ticked, other } => ticked.contains(&code) || (code == OTHER && other.is_some()),
            _ => false,
        }
    }

    /// Whether a box of a multiple choice is ticked (Other's box: `other`).
    pub fn is_ticked(&self, code: &str) -> bool {
        matches!(self, Answer::Multiple { .. }) && self.gave(code)
    }

    /// Whether Other was chosen (or text typed under it).
    pub fn chose_other(&self) -> bool {
        self.gave(OTHER)
    }

    /// The text typed under Other, when Other was chosen.
    pub fn other_text(&self) -> Option<&'a str> {
        match self {
            Answer::Single { other, .. } | Answer::Multiple { other, .. } => *other,
            _ => None,
        }
    }

    /// The rank given to a choice of a ranking, as stored.
    pub fn rank_of(&self, choice: &str) -> Option<&'a str> {
        match self {
            Answer::Ranking(ranked) => ranked.iter().find(|r| r.choice == choice).map(|r| r.rank),
            _ => None,
        }
    }

    /// The choices ranked first (one, unless the rows were written by hand).
    pub fn ranked_first(&self) -> impl Iterator<Item = &'a str> + '_ {
        let ranked = match self {
            Answer::Ranking(ranked) => ranked.as_slice(),
            _ => &[],
        };
        ranked.iter().filter(|r| r.number() == Some(1)).map(|r| r.choice)
    }

    /// The scale choice given to a row of a matrix.
    pub fn row(&self, row: &str) -> Option<&'a str> {
        match self {
            Answer::Matrix(rows) => rows.iter().find(|(r, _)| *r == row).map(|(_, choice)| *choice),
            _ => None,
        }
    }

    /// Whether the answer refers to the choice `code` (chosen, ticked, ranked, or a matrix row's
    /// scale choice): such a choice cannot be taken out of the survey.
    pub fn uses_choice(&self, code: &str) -> bool {
        match self {
            Answer::Single { .. } | Answer::Multiple { .. } => self.gave(code),
            Answer::Ranking(ranked) => ranked.iter().any(|r| r.choice == code),
            Answer::Matrix(rows) => rows.iter().any(|(_, choice)| *choice == code),
            Answer::Text(_) | Answer::Number(_) | Answer::Date(_) => false,
        }
    }

    /// The answer as display logic and constraints read it, in XLSForm's terms: a text, number or
    /// date as stored; a single choice's code; a multiple choice's codes space-separated (Other
    /// as `other`, last); a ranking's choices, first rank first; a matrix's answered rows.
    pub fn logic_value(&self) -> String {
        match self {
            Answer::Text(value) | Answer::Number(value) | Answer::Date(value) => value.to_string(),
            Answer::Single { choice, .. } => choice.to_string(),
            Answer::Multiple { .. } => self.codes().join(" "),
            Answer::Ranking(ranked) => ranked.iter().map(|r| r.choice).collect::<Vec<_>>().join(" "),
            Answer::Matrix(rows) => rows.iter().map(|(row, _)| *row).collect::<Vec<_>>().join(" "),
        }
    }

    /// Whether the answer gives the matrix row `code`.
    pub fn uses_row(&self, code: &str) -> bool {
        self.row(code).is_some()
    }
}

#[cfg(test)]
mod tests;
