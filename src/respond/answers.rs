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
    if required && ranks.len() < options {
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

/// Answers as display logic sees them: a multiple choice is its ticked codes joined by spaces.
pub struct LogicView<'a>(pub &'a AnswerSet);

impl LogicAnswers for LogicView<'_> {
    fn value(&self, code: &str) -> String {
        let Some(items) = self.0.get(code) else { return String::new() };
        if let Some(value) = items.get("") {
            return value.clone();
        }
        items.keys().cloned().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::file::from_toml;

    const SURVEY: &str = r#"
format = 1
slug = "checks"
default_language = "en"
languages = ["en"]
title = { en = "Checks" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "AGE"
type = "number"
text = { en = "Age" }
min = 18
max = 99
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share" }
[[pages.questions]]
code = "WHEN"
type = "date"
text = { en = "When" }
[[pages.questions]]
code = "PICK"
type = "single_choice"
other = true
text = { en = "Pick" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "MANY"
type = "multiple_choice"
other = true
min_selected = 1
max_selected = 2
text = { en = "Many" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }, { code = "c", label = { en = "C" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Grid" }
rows = [{ code = "r1", label = { en = "R1" } }, { code = "r2", label = { en = "R2" } }]
choices = [{ code = "lo", label = { en = "Low" } }, { code = "hi", label = { en = "High" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank" }
choices = [{ code = "x", label = { en = "X" } }, { code = "y", label = { en = "Y" } }]
[[pages.questions]]
code = "CODE"
type = "short_text"
text = { en = "Code" }
pattern = "[A-Z]{3}"
max_length = 3
"#;

    fn check_form(fields: &[(&str, &str)], code: &str, required: bool) -> Result<(), Problem> {
        let survey = from_toml(SURVEY).unwrap();
        let questions: Vec<&Question> = survey.definition.questions().map(|(_, q)| q).collect();
        let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let answers = from_form(&questions, &fields);
        let question = survey.definition.question(code).unwrap();
        check(&survey, question, answers.get(code), required, Limits { max_answer_chars: 50 })
    }

    fn key(result: Result<(), Problem>) -> &'static str {
        result.err().map_or("ok", |p| p.key)
    }

    #[test]
    fn each_kind_of_bad_input_gets_its_own_message() {
        // (form fields, question, required, expected message key)
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, bool, &'a str);
        let cases: &[Case] = &[
            (&[], "AGE", true, "error_required"),
            (&[], "AGE", false, "ok"),
            (&[("q.AGE", "12a")], "AGE", false, "error_integer"),
            (&[("q.AGE", "4.5")], "AGE", false, "error_integer"),
            (&[("q.AGE", "17")], "AGE", false, "error_min"),
            (&[("q.AGE", "100")], "AGE", false, "error_max"),
            (&[("q.AGE", " 42 ")], "AGE", false, "ok"),
            (&[("q.SHARE", "3,5")], "SHARE", false, "ok"),
            (&[("q.SHARE", "1e400")], "SHARE", false, "error_decimal"),
            (&[("q.WHEN", "2026-02-30")], "WHEN", false, "error_date"),
            (&[("q.WHEN", "2026-02-28")], "WHEN", false, "ok"),
            (&[("q.PICK", "zzz")], "PICK", false, "error_choice"),
            (&[("q.PICK", "other")], "PICK", false, "error_other_text"),
            (&[("q.PICK", "other"), ("q.PICK.other", "mine")], "PICK", false, "ok"),
            (&[("q.PICK.other", "typed only")], "PICK", false, "ok"),
            (&[("q.PICK", "a"), ("q.PICK.bogus", "x")], "PICK", false, "error_choice"),
            (&[("q.MANY", "a"), ("q.MANY", "b"), ("q.MANY", "c")], "MANY", false, "error_max_selected"),
            (&[("q.MANY", "nope")], "MANY", false, "error_choice"),
            (&[("q.MANY.a", "tampered")], "MANY", false, "error_choice"),
            (&[("q.MANY", "other")], "MANY", false, "error_other_text"),
            (&[("q.MANY", "other"), ("q.MANY.other", "mine")], "MANY", false, "ok"),
            (&[("q.MANY.other", "mine"), ("q.MANY", "other")], "MANY", false, "ok"),
            (&[("q.GRID.r1", "lo")], "GRID", true, "error_required"),
            (&[("q.GRID.r1", "lo"), ("q.GRID.r2", "mid")], "GRID", false, "error_choice"),
            (&[("q.GRID.r9", "lo")], "GRID", false, "error_choice"),
            (&[("q.RANK.x", "1"), ("q.RANK.y", "1")], "RANK", false, "error_ranking"),
            (&[("q.RANK.x", "3")], "RANK", false, "error_choice"),
            (&[("q.RANK.x", "2"), ("q.RANK.y", "1")], "RANK", true, "ok"),
            (&[("q.CODE", "abc")], "CODE", false, "error_pattern"),
            (&[("q.CODE", "ABCD")], "CODE", false, "error_too_long"),
            (&[("q.CODE", "ABC")], "CODE", false, "ok"),
            (&[("q.CODE", "A\u{0}C")], "CODE", false, "error_control_character"),
            (&[("q.PICK.other", "x\u{85}")], "PICK", false, "error_control_character"),
        ];
        for (fields, code, required, expected) in cases {
            assert_eq!(key(check_form(fields, code, *required)), *expected, "{fields:?}");
        }
    }

    #[test]
    fn line_breaks_are_read_as_lf_however_the_browser_sent_them() {
        let survey = from_toml(SURVEY).unwrap();
        let questions: Vec<&Question> = survey.definition.questions().map(|(_, q)| q).collect();
        let fields = [("q.CODE".to_string(), "a\r\nb\rc".to_string())];
        assert_eq!(from_form(&questions, &fields)["CODE"][""], "a\nb\nc");
    }

    #[test]
    fn over_long_answers_are_refused_whatever_the_question() {
        let long = "é".repeat(51);
        assert_eq!(key(check_form(&[("q.PICK.other", &long)], "PICK", false)), "error_too_long");
    }

    #[test]
    fn display_logic_sees_a_multiple_choice_as_space_separated_codes() {
        let mut answers = AnswerSet::new();
        answers.entry("MANY".into()).or_default().insert("a".into(), "1".into());
        answers.entry("MANY".into()).or_default().insert("c".into(), "1".into());
        answers.entry("AGE".into()).or_default().insert("".into(), "40".into());
        let view = LogicView(&answers);
        assert_eq!(view.value("MANY"), "a c");
        assert_eq!(view.value("AGE"), "40");
        assert_eq!(view.value("NONE"), "");
    }

    #[test]
    fn numbers_are_stored_with_a_decimal_point_and_texts_as_typed() {
        let survey = from_toml(SURVEY).unwrap();
        let share = survey.definition.question("SHARE").unwrap();
        let items = BTreeMap::from([(String::new(), " 3,5 ".to_string())]);
        assert_eq!(normalised(share, &items), vec![(String::new(), "3.5".to_string())]);
        let code = survey.definition.question("CODE").unwrap();
        let items = BTreeMap::from([(String::new(), " AB ".to_string())]);
        assert_eq!(normalised(code, &items), vec![(String::new(), " AB ".to_string())]);
    }
}
