//! A respondent's answers as plain data: read from a submitted page, checked question by question,
//! turned into stored rows, and offered to display logic in XLSForm's conventions.

use std::collections::BTreeMap;

use crate::answer::Answer;
use crate::survey::logic::Answers as LogicAnswers;
use crate::survey::model::{NumberKind, Question, QuestionType};
use crate::survey::validate::CompiledSurvey;
use crate::text::{Lines, normalize_line_breaks, typed};

/// Answers by question code, then by item, as they are stored (`answer::Rows`).
pub type AnswerSet = crate::answer::Rows;

pub use crate::answer::OTHER;

/// Form field names: `q.CODE` and `q.CODE.ITEM`.
pub fn field_name(code: &str, item: &str) -> String {
    if item.is_empty() { format!("q.{code}") } else { format!("q.{code}.{item}") }
}

/// Reads the answers to `questions` from a submitted form's fields, as typed but for line breaks,
/// which become LF: browsers send a textarea's as CR LF, while the coding page and passage
/// offsets count one character per line break (`text::normalize_line_breaks`).
pub fn from_form(questions: &[&Question], fields: &[(String, String)]) -> AnswerSet {
    let mut answers = AnswerSet::new();
    for (name, value) in fields {
        let value = &normalize_line_breaks(value);
        let Some(rest) = name.strip_prefix("q.") else { continue };
        let (code, item) = rest.split_once('.').unwrap_or((rest, ""));
        let Some(question) = questions.iter().find(|q| q.code == code) else { continue };
        if question.kind == QuestionType::Display {
            continue;
        }
        let entry = answers.entry(question.code.clone()).or_default();
        if question.kind == QuestionType::MultipleChoice && item.is_empty() {
            // Ticked boxes arrive as repeated `q.CODE=choice` fields. A ticked Other holds its text
            // (the `q.CODE.other` field), empty until one is typed.
            if value == OTHER {
                entry.entry(OTHER.to_string()).or_default();
            } else if !value.is_empty() {
                entry.insert(value.to_string(), "1".into());
            }
        } else if !value.trim().is_empty() {
            entry.insert(item.to_string(), value.to_string());
        }
    }
    answers.retain(|_, items| !items.is_empty());
    answers
}

/// Why an answer was refused: a message key of `survey::messages`, with its numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: &'static str,
    pub n: Option<String>,
    pub max: Option<String>,
}

impl Problem {
    fn new(key: &'static str) -> Problem {
        Problem { key, n: None, max: None }
    }
    fn with(key: &'static str, n: impl ToString, max: impl ToString) -> Problem {
        Problem { key, n: Some(n.to_string()), max: Some(max.to_string()) }
    }
}

/// Limits that come from the server's configuration rather than the survey.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_answer_chars: usize,
}

/// Checks one question's answer. `required` is false for hidden questions.
pub fn check(
    survey: &CompiledSurvey,
    question: &Question,
    items: Option<&BTreeMap<String, String>>,
    required: bool,
    limits: Limits,
) -> Result<(), Problem> {
    let empty = BTreeMap::new();
    let items = items.unwrap_or(&empty);
    if items.is_empty() {
        return if required && question.kind != QuestionType::Display {
            Err(Problem::new("error_required"))
        } else {
            Ok(())
        };
    }
    for value in items.values() {
        let chars = value.chars().count();
        if chars > limits.max_answer_chars {
            return Err(Problem::with("error_too_long", chars, limits.max_answer_chars));
        }
        // Invisible control characters (pasted from elsewhere, or a tampered form) would be stored
        // unseen and are forbidden in the exports' XML; line breaks are kept in any answer.
        if let Err(problem) = typed(value, Lines::Many) {
            return Err(Problem::with("error_control_character", problem.position, ""));
        }
    }
    match question.kind {
        QuestionType::ShortText | QuestionType::LongText => check_text(survey, question, items),
        QuestionType::Number => check_number(question, single(items)?),
        QuestionType::Date => check_date(single(items)?),
        QuestionType::SingleChoice => check_single_choice(question, items),
        QuestionType::MultipleChoice => check_multiple_choice(question, items),
        QuestionType::Matrix => check_matrix(question, items, required),
        QuestionType::Ranking => check_ranking(question, items, required),
        QuestionType::Display => Ok(()),
    }
}

/// The one value of a single-valued question; other items mean a tampered form.
fn single(items: &BTreeMap<String, String>) -> Result<&str, Problem> {
    match (items.len(), items.get("")) {
        (1, Some(value)) => Ok(value.trim()),
        _ => Err(Problem::new("error_choice")),
    }
}

fn check_text(survey: &CompiledSurvey, question: &Question, items: &BTreeMap<String, String>) -> Result<(), Problem> {
    let value = single(items)?;
    let chars = value.chars().count();
    if let Some(max) = question.max_length.filter(|max| chars > *max as usize) {
        return Err(Problem::with("error_too_long", chars, max));
    }
    if let Some(min) = question.min_length.filter(|min| chars < *min as usize) {
        return Err(Problem::with("error_too_short", min, ""));
    }
    if let Some(pattern) = survey.patterns.get(&question.code)
        && !pattern.is_match(value)
    {
        return Err(Problem::new("error_pattern"));
    }
    Ok(())
}

/// Parses a number as typed: a decimal comma is accepted, thousands separators are not.
pub fn parse_number(text: &str, kind: NumberKind) -> Option<f64> {
    let text = text.trim().replace(',', ".");
    let valid_chars = text.chars().enumerate().all(|(i, c)| c.is_ascii_digit() || c == '.' || (i == 0 && c == '-'));
    if !valid_chars || text.is_empty() || text == "-" {
        return None;
    }
    match kind {
        NumberKind::Integer => text.parse::<i64>().ok().map(|n| n as f64),
        NumberKind::Decimal => text.parse::<f64>().ok().filter(|n| n.is_finite()),
    }
}

fn check_number(question: &Question, value: &str) -> Result<(), Problem> {
    let kind = question.number_kind();
    let Some(number) = parse_number(value, kind) else {
        return Err(Problem::new(if kind == NumberKind::Integer { "error_integer" } else { "error_decimal" }));
    };
    if let Some(min) = question.min.filter(|min| number < *min) {
        return Err(Problem::with("error_min", format_bound(min), ""));
    }
    if let Some(max) = question.max.filter(|max| number > *max) {
        return Err(Problem::with("error_max", "", format_bound(max)));
    }
    Ok(())
}

fn format_bound(value: f64) -> String {
    if value.fract() == 0.0 { format!("{}", value as i64) } else { value.to_string() }
}

fn check_date(value: &str) -> Result<(), Problem> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format).map(|_| ()).map_err(|_| Problem::new("error_date"))
}

fn check_single_choice(question: &Question, items: &BTreeMap<String, String>) -> Result<(), Problem> {
    let chosen = items.get("").map(String::as_str);
    let other_text = items.get(OTHER).map(|t| t.trim()).filter(|t| !t.is_empty());
    let known = items.keys().all(|k| k.is_empty() || (k == OTHER && question.other));
    match chosen {
        _ if !known => Err(Problem::new("error_choice")),
        Some(OTHER) if question.other && other_text.is_none() => Err(Problem::new("error_other_text")),
        Some(OTHER) if question.other => Ok(()),
        Some(code) if question.choice(code).is_some() => Ok(()),
        // Text typed under Other without picking Other counts as picking it.
        None if other_text.is_some() && question.other => Ok(()),
        _ => Err(Problem::new("error_choice")),
    }
}

fn check_multiple_choice(question: &Question, items: &BTreeMap<String, String>) -> Result<(), Problem> {
    for (item, value) in items {
        let known = if item == OTHER { question.other } else { question.choice(item).is_some() && value == "1" };
        if !known {
            return Err(Problem::new("error_choice"));
        }
    }
    if items.get(OTHER).is_some_and(|text| text.trim().is_empty()) {
        return Err(Problem::new("error_other_text"));
    }
    let selected = items.len();
    // "None of these" ticked with something else: the message names it (its code, for the label).
    if selected > 1
        && let Some(exclusive) = question.choices.iter().find(|c| c.exclusive && items.contains_key(&c.code))
    {
        return Err(Problem::with("error_exclusive", &exclusive.code, ""));
    }
    if let Some(min) = question.min_selected.filter(|min| selected < *min as usize) {
        return Err(Problem::with("error_min_selected", min, ""));
    }
    if let Some(max) = question.max_selected.filter(|max| selected > *max as usize) {
        return Err(Problem::with("error_max_selected", "", max));
    }
    Ok(())
}

fn check_matrix(question: &Question, items: &BTreeMap<String, String>, required: bool) -> Result<(), Problem> {
    for (row, value) in items {
        if !question.rows.iter().any(|r| &r.code == row) || question.choice(value).is_none() {
            return Err(Problem::new("error_choice"));
        }
    }
    if required && items.len() < question.rows.len() {
        return Err(Problem::new("error_required"));
    }
    Ok(())
}

fn check_ranking(question: &Question, items: &BTreeMap<String, String>, required: bool) -> Result<(), Problem> {
    let options = question.choices.len();
    let mut ranks = Vec::new();
    for (choice, rank) in items {
        let rank: usize = rank.trim().parse().map_err(|_| Problem::new("error_choice"))?;
        if question.choice(choice).is_none() || rank == 0 || rank > options {
            return Err(Problem::new("error_choice"));
        }
        ranks.push(rank);
    }
    ranks.sort_unstable();
    if ranks.windows(2).any(|w| w[0] == w[1]) {
        return Err(Problem::new("error_ranking"));
    }
    // Every choice offered must be ranked: without choice conditions, every choice (those with
    // one are counted by `check_offered`, which knows the other answers).
    if required && ranks.len() < options && question.choices.iter().all(|c| c.relevant.is_none()) {
        return Err(Problem::new("error_required"));
    }
    Ok(())
}

/// The rows to store for a checked answer: the answer as decoded (`answer::Answer`, so that what
/// is stored is what every reader reads back: text typed under Other alone is choosing Other,
/// text left under Other beside another choice is dropped), with values trimmed of surrounding
/// space only where the type calls for it (numbers, dates, choices; texts and Other's text are
/// stored byte for byte) and a number's decimal comma made a point.
pub fn normalised(question: &Question, items: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let Some(answer) = Answer::decode(question, items) else { return Vec::new() };
    let trim = !question.kind.is_open();
    let stored = |item: &str, value: &str| match question.kind {
        QuestionType::Number => value.trim().replace(',', "."),
        _ if trim && item != OTHER => value.trim().to_string(),
        _ => value.to_string(),
    };
    answer.rows().into_iter().map(|(item, value)| (item.to_string(), stored(item, value))).collect()
}

/// Answers as display logic and constraints see them: each decoded once by its question's type
/// (`Answer`) and read in XLSForm's terms (`Answer::logic_value`: a multiple choice is its ticked
/// codes joined by spaces). A question the survey does not have is unanswered.
pub struct LogicView<'a> {
    pub survey: &'a CompiledSurvey,
    pub answers: &'a AnswerSet,
}

impl LogicAnswers for LogicView<'_> {
    fn value(&self, code: &str) -> String {
        let question = self.survey.question(code);
        question.and_then(|q| Answer::of(q, self.answers)).map(|answer| answer.logic_value()).unwrap_or_default()
    }
}

/// The codes of the choices of `question` offered to a respondent with `answers` (a choice with
/// a condition is offered only while it holds); None when no choice has a condition. The page
/// shows these (`respond::web::shown`) and a posted answer is checked against them.
pub fn offered<'q>(survey: &CompiledSurvey, question: &'q Question, answers: &AnswerSet) -> Option<Vec<&'q str>> {
    if !question.choices.iter().any(|c| c.relevant.is_some()) {
        return None;
    }
    let view = LogicView { survey, answers };
    Some(
        question
            .choices
            .iter()
            .filter(|c| survey.offers(&question.code, &c.code, &view))
            .map(|c| c.code.as_str())
            .collect(),
    )
}

/// Whether `question` can be answered at all with `answers`: not when every choice has a
/// condition, none holds and there is no Other (a required question is then not required).
pub fn can_be_answered(survey: &CompiledSurvey, question: &Question, answers: &AnswerSet) -> bool {
    offered(survey, question, answers).is_none_or(|offered| !offered.is_empty() || question.other)
}

/// Checks an answer against the choices offered with `answers`: a choice not offered is refused
/// as a tampered form would be, a rank beyond the choices offered too, and a `required` ranking
/// must rank every choice offered.
pub fn check_offered(
    survey: &CompiledSurvey,
    question: &Question,
    answers: &AnswerSet,
    required: bool,
) -> Result<(), Problem> {
    let Some(offered) = offered(survey, question, answers) else { return Ok(()) };
    let Some(answer) = Answer::of(question, answers) else { return Ok(()) };
    let ranks: Vec<&str> = question.choices.iter().filter_map(|c| answer.rank_of(&c.code)).collect();
    let given: Vec<&str> = question
        .choices
        .iter()
        .filter(|c| answer.gave(&c.code) || answer.rank_of(&c.code).is_some())
        .map(|c| c.code.as_str())
        .collect();
    let beyond = ranks.iter().any(|rank| rank.trim().parse::<usize>().map_or(true, |rank| rank > offered.len()));
    if given.iter().any(|code| !offered.contains(code)) || beyond {
        return Err(Problem::new("error_choice"));
    }
    if question.kind == QuestionType::Ranking && required && given.len() < offered.len() {
        return Err(Problem::new("error_required"));
    }
    Ok(())
}

/// Checks an answered question's `constraint`, evaluated over every answer so far with `.` as
/// the question's own answer; an unanswered question has nothing to check (as in XLSForm).
pub fn check_constraint(survey: &CompiledSurvey, question: &Question, answers: &AnswerSet) -> Result<(), Problem> {
    let Some(constraint) = survey.constraints.get(&question.code) else { return Ok(()) };
    if !answers.contains_key(&question.code) {
        return Ok(());
    }
    if constraint.evaluate_for(&LogicView { survey, answers }, &question.code) {
        Ok(())
    } else {
        Err(Problem::new("error_constraint"))
    }
}

#[cfg(test)]
mod tests;
