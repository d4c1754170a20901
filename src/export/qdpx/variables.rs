//! Closed questions as REFI-QDA case variables, and a respondent's closed answers as their values:
//! choices as on the responses page (labels in the survey's default language), numbers and dates
//! as such.

use crate::answer::{Answer, Naming, Rows};
use crate::codebook::qdc::derived_guid;
use crate::survey::model::{NumberKind, Question, QuestionType, SurveyDefinition};

/// A variable's `typeOfVariable`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableType {
    Text,
    Integer,
    Float,
    Date,
}

impl VariableType {
    pub fn as_str(self) -> &'static str {
        match self {
            VariableType::Text => "Text",
            VariableType::Integer => "Integer",
            VariableType::Float => "Float",
            VariableType::Date => "Date",
        }
    }

    /// The element holding a value of this type in a `<VariableValue>`.
    pub fn value_element(self) -> &'static str {
        match self {
            VariableType::Text => "TextValue",
            VariableType::Integer => "IntegerValue",
            VariableType::Float => "FloatValue",
            VariableType::Date => "DateValue",
        }
    }
}

/// One variable: a closed question, or one row of a matrix (`Q/row`).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub guid: String,
    pub name: String,
    pub kind: VariableType,
    pub description: String,
    question: String,
    row: Option<String>,
}

/// The variables of a survey, in question order (a matrix's rows in row order).
pub fn variables(survey_id: i64, definition: &SurveyDefinition) -> Vec<Variable> {
    let language = definition.default_language.as_str();
    let mut found = Vec::new();
    for (_, question) in definition.questions() {
        let text = definition.text(&question.text, language);
        let mut add = |name: String, row: Option<&str>, kind: VariableType, description: String| {
            let guid = derived_guid("fieldwork-variable", &format!("{survey_id}:{name}"));
            let (question, row) = (question.code.clone(), row.map(str::to_string));
            found.push(Variable { guid, name, kind, description, question, row });
        };
        match question.kind {
            QuestionType::ShortText | QuestionType::LongText | QuestionType::Display => {}
            QuestionType::Matrix => {
                for row in &question.rows {
                    let label = definition.text(&row.label, language);
                    let name = format!("{}/{}", question.code, row.code);
                    add(name, Some(&row.code), VariableType::Text, format!("{text} — {label}"));
                }
            }
            QuestionType::Number if question.number_kind() == NumberKind::Integer => {
                add(question.code.clone(), None, VariableType::Integer, text.to_string())
            }
            QuestionType::Number => add(question.code.clone(), None, VariableType::Float, text.to_string()),
            QuestionType::Date => add(question.code.clone(), None, VariableType::Date, text.to_string()),
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking => {
                add(question.code.clone(), None, VariableType::Text, text.to_string())
            }
        }
    }
    found
}

/// A respondent's value of a variable, from their stored answer rows (`answer::Rows`); `None` when
/// they gave none or it cannot be read as the type. A choice question's value is its answer on one
/// line in the default language (`answer::Answer::line`, as the responses page shows it), a
/// matrix row's the label of the row's choice.
pub fn value(variable: &Variable, definition: &SurveyDefinition, answers: &Rows) -> Option<String> {
    let question = definition.question(&variable.question)?;
    let answer = Answer::of(question, answers)?;
    let naming = Naming::default_labels(definition);
    let value = match (&answer, variable.row.as_deref()) {
        (Answer::Matrix(_), Some(row)) => naming.choice(question, answer.row(row)?).into_owned(),
        (Answer::Single { .. } | Answer::Multiple { .. } | Answer::Ranking(_), _) => answer.line(question, naming),
        (Answer::Number(value), _) => number(value, question)?,
        (Answer::Date(value), _) if is_date(value) => value.to_string(),
        _ => return None,
    };
    Some(value).filter(|v| !v.is_empty())
}

/// A stored number as an `xsd:integer` or `xsd:decimal` (no exponent), as the question asks.
fn number(value: &str, question: &Question) -> Option<String> {
    let value = value.trim();
    match question.number_kind() {
        NumberKind::Integer => value.parse::<i64>().ok().map(|n| n.to_string()),
        NumberKind::Decimal if is_decimal(value) => Some(value.to_string()),
        // Rust never writes an f64 with an exponent, so this is a valid xsd:decimal too.
        NumberKind::Decimal => value.parse::<f64>().ok().filter(|n| n.is_finite()).map(|n| n.to_string()),
    }
}

/// The `xsd:decimal` lexical form: an optional sign, digits, and at most one decimal point.
fn is_decimal(value: &str) -> bool {
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction)
}

fn is_date(value: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(value, &format).is_ok()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const SURVEY: &str = r#"
format = 1
slug = "vars"
default_language = "en"
languages = ["en", "es"]
title = { en = "Variables", es = "Variables" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?", es = "¿Por qué?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
other = true
text = { en = "Role", es = "Papel" }
choices = [{ code = "dev", label = { en = "Developer", es = "Desarrolladora" } }, { code = "res", label = { en = "Researcher", es = "Investigadora" } }]
[[pages.questions]]
code = "USES"
type = "multiple_choice"
other = true
text = { en = "Uses", es = "Usos" }
choices = [{ code = "a", label = { en = "Alpha", es = "Alfa" } }, { code = "b", label = { en = "Beta", es = "Beta" } }, { code = "c", label = { en = "Gamma", es = "Gama" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank", es = "Orden" }
choices = [{ code = "x", label = { en = "X", es = "X" } }, { code = "y", label = { en = "Y", es = "Y" } }, { code = "z", label = { en = "Z", es = "Z" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Grid", es = "Rejilla" }
rows = [{ code = "r1", label = { en = "Row one", es = "Fila uno" } }, { code = "r2", label = { en = "Row two", es = "Fila dos" } }]
choices = [{ code = "lo", label = { en = "Low", es = "Bajo" } }, { code = "hi", label = { en = "High", es = "Alto" } }]
[[pages.questions]]
code = "YEARS"
type = "number"
text = { en = "Years", es = "Años" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share", es = "Parte" }
[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since", es = "Desde" }
"#;

    fn definition() -> SurveyDefinition {
        crate::survey::file::from_toml(SURVEY).unwrap().definition
    }

    fn answers(rows: &[(&str, &str, &str)]) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut answers: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (question, item, value) in rows {
            answers.entry(question.to_string()).or_default().insert(item.to_string(), value.to_string());
        }
        answers
    }

    fn values(rows: &[(&str, &str, &str)]) -> Vec<(String, Option<String>)> {
        let definition = definition();
        let answers = answers(rows);
        variables(1, &definition).iter().map(|v| (v.name.clone(), value(v, &definition, &answers))).collect()
    }

    #[test]
    fn closed_questions_become_typed_variables_and_matrix_rows_one_each() {
        let found: Vec<(String, &str)> =
            variables(1, &definition()).iter().map(|v| (v.name.clone(), v.kind.as_str())).collect();
        let expected = [
            ("ROLE", "Text"),
            ("USES", "Text"),
            ("RANK", "Text"),
            ("GRID/r1", "Text"),
            ("GRID/r2", "Text"),
            ("YEARS", "Integer"),
            ("SHARE", "Float"),
            ("SINCE", "Date"),
        ];
        assert_eq!(found, expected.map(|(n, k)| (n.to_string(), k)));
        assert_eq!(variables(1, &definition())[3].description, "Grid — Row one");
        assert_ne!(variables(1, &definition())[0].guid, variables(2, &definition())[0].guid);
    }

    #[test]
    fn values_are_the_answers_lines_in_the_default_language() {
        let found = values(&[
            ("ROLE", "", "res"),
            ("USES", "c", "1"),
            ("USES", "a", "1"),
            ("USES", "other", " my own "),
            ("RANK", "z", "1"),
            ("RANK", "x", "2"),
            ("RANK", "y", "3"),
            ("GRID", "r2", "hi"),
            ("YEARS", "", "12"),
            ("SHARE", "", "0.25"),
            ("SINCE", "", "2024-02-29"),
        ]);
        let some = |s: &str| Some(s.to_string());
        assert_eq!(
            found.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
            [
                some("Researcher"),
                some("Alpha; Gamma; Other (please specify): my own"),
                some("1. Z; 2. X; 3. Y"),
                None,
                some("High"),
                some("12"),
                some("0.25"),
                some("2024-02-29")
            ]
        );
    }

    #[test]
    fn other_and_unreadable_values_are_handled() {
        let found = values(&[
            ("ROLE", "", "other"),
            ("ROLE", "other", "Teacher"),
            ("YEARS", "", "1.5"),
            ("SHARE", "", "1e3"),
            ("SINCE", "", "2024-02-30"),
        ]);
        let by_name: BTreeMap<String, Option<String>> = found.into_iter().collect();
        assert_eq!(by_name["ROLE"].as_deref(), Some("Other (please specify): Teacher"));
        assert_eq!(by_name["YEARS"], None);
        assert_eq!(by_name["SHARE"].as_deref(), Some("1000"));
        assert_eq!(by_name["SINCE"], None);
        assert_eq!(by_name["USES"], None);
    }

    #[test]
    fn decimals_are_recognised_in_the_xsd_form() {
        for (text, ok) in [("1", true), ("-0.5", true), ("+.5", true), ("3.", true), (".", false), ("1.2.3", false)] {
            assert_eq!(is_decimal(text), ok, "{text}");
        }
    }
}
