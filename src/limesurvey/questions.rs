//! A group's questions: LimeSurvey's type letters mapped onto fieldwork's types, options from
//! `answers` or `subquestions`, texts from the `*_l10ns` tables, and the question attributes
//! fieldwork has a setting for; other types and attributes that change what is asked are reported.

use std::collections::HashMap;

use super::Reader;
use super::relevance::Known;
use super::xml::Row;
use crate::answer::OTHER;
use crate::survey::model::{Choice, ChoiceDisplay, NumberKind, Question, QuestionType, Text};
use crate::survey::validate::is_code;

/// Attributes that change what is asked or who sees it, reported when set (cosmetic ones, such
/// as `display_columns` or `cssclass`, are left out without a word).
const REPORTED_ATTRIBUTES: [&str; 14] = [
    "random_order",
    "answer_order",
    "subquestion_order",
    "array_filter",
    "array_filter_exclude",
    "em_validation_q",
    "em_validation_sq",
    "hidden",
    "random_group",
    "exclude_all_others",
    "exclude_all_others_auto",
    "equals_num_value",
    "date_min",
    "date_max",
];

/// A text shown without a question.
pub fn display(code: String, text: Text) -> Question {
    blank(code, QuestionType::Display, text)
}

/// The questions of group `gid` in their order; each is added to `known` for later conditions.
pub fn of_group(reader: &mut Reader, gid: &str, known: &mut HashMap<String, Known>) -> Vec<Question> {
    let document = reader.document;
    let mut rows: Vec<&Row> = document
        .rows("questions")
        .iter()
        .filter(|q| q.get("gid") == gid && matches!(q.get("parent_qid"), "" | "0"))
        .collect();
    rows.sort_by_key(|q| order(q, "question_order"));
    rows.into_iter().filter_map(|row| question(reader, row, known)).collect()
}

fn order(row: &Row, field: &str) -> i64 {
    row.get(field).trim().parse().unwrap_or(0)
}

/// A LimeSurvey option code as a fieldwork code (which starts with a letter): `1` becomes `c1`.
fn choice_code(code: &str) -> String {
    if is_code(code, 32) && code != OTHER {
        code.to_string()
    } else {
        format!("c{}", code.chars().filter(char::is_ascii_alphanumeric).collect::<String>())
    }
}

fn kind_of(letter: &str) -> Option<QuestionType> {
    Some(match letter {
        "S" => QuestionType::ShortText,
        "T" | "U" => QuestionType::LongText,
        "N" => QuestionType::Number,
        "D" => QuestionType::Date,
        "L" | "!" => QuestionType::SingleChoice,
        "M" => QuestionType::MultipleChoice,
        "F" | "A" | "B" => QuestionType::Matrix,
        "R" => QuestionType::Ranking,
        "X" => QuestionType::Display,
        _ => return None,
    })
}

/// LimeSurvey's name of a type fieldwork does not read, for the report.
fn type_name(letter: &str) -> &'static str {
    match letter {
        "1" => "array dual scale",
        "5" => "5 point choice",
        ":" => "array numbers",
        ";" => "array texts",
        "C" => "array yes/no/uncertain",
        "E" => "array increase/same/decrease",
        "G" => "gender",
        "H" => "array by column",
        "I" => "language switch",
        "K" => "multiple numerical input",
        "O" => "list with comment",
        "P" => "multiple choice with comments",
        "Q" => "multiple short text",
        "Y" => "yes/no",
        "|" => "file upload",
        "*" => "equation",
        _ => "unknown",
    }
}

fn question(reader: &mut Reader, row: &Row, known: &mut HashMap<String, Known>) -> Option<Question> {
    let (qid, letter, code) = (row.get("qid"), row.get("type"), row.get("title").to_string());
    let Some(kind) = kind_of(letter) else {
        let name = type_name(letter);
        reader.report(
            row.line,
            format!("the question {code} has the type \"{letter}\" ({name}), which is not supported"),
        );
        return None;
    };
    let text = reader.texts("question_l10ns", "qid", qid, "question", &format!("the question {code}"));
    let mut q = blank(code.clone(), kind, text);
    q.help = reader.texts("question_l10ns", "qid", qid, "help", &format!("the question {code}"));
    let document = reader.document;
    for l10n in document.rows("question_l10ns").iter().filter(|r| r.get("qid") == qid) {
        if !l10n.get("script").trim().is_empty() {
            reader.report(l10n.line, format!("the question {code} has a script, which is not supported"));
        }
    }
    match row.get("mandatory") {
        "Y" if kind != QuestionType::Display => q.required = true,
        "S" => reader.report(row.line, format!("the question {code} is soft mandatory, which is not supported")),
        _ => {}
    }
    if row.get("other") == "Y" {
        if matches!(kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) {
            q.other = true;
        } else {
            reader.report(row.line, format!("the question {code} has Other, which its type cannot have here"));
        }
    }
    let preg = row.get("preg").trim();
    if !preg.is_empty() {
        match pattern(preg).filter(|_| kind == QuestionType::ShortText) {
            Some(p) => q.pattern = Some(p),
            None => reader
                .report(row.line, format!("the question {code} has the validation \"{preg}\", which is not supported")),
        }
    }
    if letter == "!" {
        q.display = Some(ChoiceDisplay::Dropdown);
    }
    if kind == QuestionType::Number {
        q.number_kind = Some(NumberKind::Decimal);
    }
    attributes(reader, row, &mut q);
    let codes = options(reader, row, letter, &mut q);
    let equation = row.get("relevance");
    q.relevant = reader.condition(row.line, equation, known);
    known.insert(code, Known { kind, codes });
    Some(q)
}

/// A `preg` such as `/^\d+$/` as a pattern (fieldwork matches the whole answer); `None` for one
/// with flags.
fn pattern(preg: &str) -> Option<String> {
    let inner = preg.strip_prefix('/')?.strip_suffix('/')?;
    let inner = inner.strip_prefix('^').unwrap_or(inner);
    let inner = inner.strip_suffix('$').unwrap_or(inner);
    Some(inner.to_string())
}

/// The attributes fieldwork has a setting for, into `q`; the ones that change what is asked,
/// reported.
fn attributes(reader: &mut Reader, row: &Row, q: &mut Question) {
    let qid = row.get("qid");
    let set: Vec<Row> = reader
        .document
        .rows("question_attributes")
        .iter()
        .filter(|a| a.get("qid") == qid && !matches!(a.get("value").trim(), "" | "0" | "normal" | "N"))
        .cloned()
        .collect();
    for attribute in set {
        let (name, value) = (attribute.get("attribute"), attribute.get("value").trim());
        let number = value.parse::<f64>().ok();
        let count = value.parse::<u32>().ok();
        let read = match (q.kind, name) {
            (QuestionType::Number, "num_value_int_only") => {
                q.number_kind = Some(NumberKind::Integer);
                true
            }
            (QuestionType::Number, "min_num_value_n") if number.is_some() => {
                q.min = number;
                true
            }
            (QuestionType::Number, "max_num_value_n") if number.is_some() => {
                q.max = number;
                true
            }
            (QuestionType::ShortText | QuestionType::LongText, "maximum_chars") if count.is_some() => {
                q.max_length = count;
                true
            }
            (QuestionType::MultipleChoice, "min_answers") if count.is_some() => {
                q.min_selected = count;
                true
            }
            (QuestionType::MultipleChoice, "max_answers") if count.is_some() => {
                q.max_selected = count;
                true
            }
            (_, "min_num_value_n" | "max_num_value_n" | "maximum_chars" | "min_answers" | "max_answers") => false,
            (_, name) => !REPORTED_ATTRIBUTES.contains(&name),
        };
        if !read {
            let code = &q.code;
            reader
                .report(attribute.line, format!("the question {code}'s setting {name} = \"{value}\" is not supported"));
        }
    }
}

/// The question's options (choices, matrix rows and scale, ranked items); returns LimeSurvey's
/// option codes with the codes given here, for conditions.
fn options(reader: &mut Reader, row: &Row, letter: &str, q: &mut Question) -> HashMap<String, String> {
    let qid = row.get("qid");
    let document = reader.document;
    let mut subquestions: Vec<&Row> =
        document.rows("subquestions").iter().filter(|s| s.get("parent_qid") == qid).collect();
    subquestions.sort_by_key(|s| (order(s, "scale_id"), order(s, "question_order")));
    let mut answers: Vec<&Row> = document.rows("answers").iter().filter(|a| a.get("qid") == qid).collect();
    answers.sort_by_key(|a| (order(a, "scale_id"), order(a, "sortorder")));
    let mut codes = HashMap::new();
    let whose = format!("an option of the question {}", q.code);
    let mut subquestion_choices = Vec::new();
    for s in &subquestions {
        if !matches!(s.get("relevance").trim(), "" | "1") {
            let what = format!("the condition on {}'s option {} is not supported", q.code, s.get("title"));
            reader.report(s.line, what);
        }
        let code = choice_code(s.get("title"));
        codes.insert(s.get("title").to_string(), code.clone());
        subquestion_choices.push(Choice {
            label: reader.texts("question_l10ns", "qid", s.get("qid"), "question", &whose),
            ..Choice::new(&code, "", "")
        });
    }
    let mut answer_choices = Vec::new();
    for a in &answers {
        if order(a, "scale_id") != 0 {
            reader.report(a.line, format!("the second scale of {} is not supported", q.code));
            continue;
        }
        let code = choice_code(a.get("code"));
        codes.insert(a.get("code").to_string(), code.clone());
        let label = reader.texts("answer_l10ns", "aid", a.get("aid"), "answer", &whose);
        answer_choices.push(Choice { label, ..Choice::new(&code, "", "") });
    }
    match letter {
        "L" | "!" => q.choices = answer_choices,
        "M" => q.choices = subquestion_choices,
        "R" if answer_choices.is_empty() => q.choices = subquestion_choices,
        "R" => q.choices = answer_choices,
        "F" => (q.rows, q.choices) = (subquestion_choices, answer_choices),
        "A" | "B" => {
            let points = if letter == "A" { 5 } else { 10 };
            let languages: Vec<String> = q.text.keys().cloned().collect();
            q.choices = (1..=points)
                .map(|n| Choice {
                    label: languages.iter().map(|l| (l.clone(), n.to_string())).collect(),
                    ..Choice::new(&format!("c{n}"), "", "")
                })
                .collect();
            codes.extend((1..=points).map(|n| (n.to_string(), format!("c{n}"))));
            q.rows = subquestion_choices;
        }
        _ => {}
    }
    codes
}

/// A question with nothing but its code, type and text set.
fn blank(code: String, kind: QuestionType, text: Text) -> Question {
    Question { text, ..Question::new(&code, kind, "", "") }
}
