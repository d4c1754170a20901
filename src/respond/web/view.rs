//! What a respondent page shows, as plain data for the templates: every text already in the
//! respondent's language, every value as they typed or saved it, every message by its field.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::answer::{Answer, OTHER};
use crate::respond::answers::{AnswerSet, Problem, field_name};
use crate::survey::messages;
use crate::survey::model::{ChoiceDisplay, Question, SurveyDefinition, Text};
use crate::survey::validate::CompiledSurvey;

/// The interface texts in one language, looked up as a template asks for them (`msg.next`):
/// a page uses a handful of the fifty, and building them all cost more than rendering the page.
#[derive(Debug)]
pub struct Messages {
    survey: Arc<CompiledSurvey>,
    language: String,
}

impl Messages {
    pub fn value(survey: &Arc<CompiledSurvey>, language: &str) -> minijinja::Value {
        minijinja::Value::from_object(Messages { survey: survey.clone(), language: language.to_string() })
    }
}

impl minijinja::value::Object for Messages {
    fn get_value(self: &Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        let key = key.as_str().filter(|k| messages::is_known(k))?;
        Some(messages::message(&self.survey.definition, key, &self.language).into())
    }
}

#[derive(Serialize)]
pub struct ChoiceView {
    pub code: String,
    pub label: String,
    pub id: String,
    pub checked: bool,
    /// For ranking: the rank given, as text ('' when none).
    pub rank: String,
    pub name: String,
}

#[derive(Serialize)]
pub struct RowView {
    pub code: String,
    pub label: String,
    pub name: String,
    pub id: String,
    pub value: String,
}

#[derive(Serialize)]
pub struct QuestionView {
    pub code: String,
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub text: String,
    /// The text split into paragraphs, for display-only questions.
    pub paragraphs: Vec<String>,
    pub help: String,
    pub required: bool,
    pub value: String,
    pub dropdown: bool,
    pub integer: bool,
    pub min: String,
    pub max: String,
    pub max_length: Option<u32>,
    pub other: bool,
    pub other_selected: bool,
    pub other_text: String,
    pub other_name: String,
    pub choices: Vec<ChoiceView>,
    pub rows: Vec<RowView>,
    pub ranks: Vec<usize>,
    pub error: Option<String>,
}

/// The text in `language`, else the default language's.
pub fn text(survey: &SurveyDefinition, text: &Text, language: &str) -> String {
    survey.text(text, language).to_string()
}

/// Fills `{n}` and `{max}` in a message.
pub fn problem_message(survey: &SurveyDefinition, question: &Question, problem: &Problem, language: &str) -> String {
    // A pattern's own message says what form is expected ("three capital letters").
    if problem.key == "error_pattern" && !question.pattern_message.is_empty() {
        return survey.text(&question.pattern_message, language).to_string();
    }
    messages::message(survey, problem.key, language)
        .replace("{n}", problem.n.as_deref().unwrap_or(""))
        .replace("{max}", problem.max.as_deref().unwrap_or(""))
}

fn bound(value: Option<f64>) -> String {
    value.map(|v| if v.fract() == 0.0 { format!("{}", v as i64) } else { v.to_string() }).unwrap_or_default()
}

pub fn question_view(
    survey: &SurveyDefinition,
    question: &Question,
    answers: &AnswerSet,
    errors: &HashMap<String, String>,
    language: &str,
) -> QuestionView {
    // What the respondent gave, saved or just typed (a page sent back with errors keeps it as typed).
    let answer = Answer::of(question, answers);
    let answer = answer.as_ref();
    let id = format!("q-{}", question.code);
    let value = answer.and_then(|a| a.value().or(a.choice())).unwrap_or_default().to_string();
    let choice = |c: &crate::survey::model::Choice| ChoiceView {
        code: c.code.clone(),
        label: text(survey, &c.label, language),
        id: format!("{id}-{}", c.code),
        checked: answer.is_some_and(|a| a.gave(&c.code)),
        rank: answer.and_then(|a| a.rank_of(&c.code)).unwrap_or_default().to_string(),
        name: field_name(&question.code, &c.code),
    };
    let rows = question
        .rows
        .iter()
        .map(|r| RowView {
            code: r.code.clone(),
            label: text(survey, &r.label, language),
            name: field_name(&question.code, &r.code),
            id: format!("{id}-{}", r.code),
            value: answer.and_then(|a| a.row(&r.code)).unwrap_or_default().to_string(),
        })
        .collect();
    QuestionView {
        code: question.code.clone(),
        kind: question.kind.as_str(),
        name: field_name(&question.code, ""),
        text: text(survey, &question.text, language),
        paragraphs: paragraphs(&text(survey, &question.text, language)),
        help: text(survey, &question.help, language),
        required: question.required,
        dropdown: question.display == Some(ChoiceDisplay::Dropdown),
        integer: question.number_kind() == crate::survey::model::NumberKind::Integer,
        min: bound(question.min),
        max: bound(question.max),
        max_length: question.max_length,
        other: question.other,
        other_selected: answer.is_some_and(Answer::chose_other),
        other_text: answer.and_then(Answer::other_text).unwrap_or_default().to_string(),
        other_name: field_name(&question.code, OTHER),
        choices: question.choices.iter().map(choice).collect(),
        rows,
        ranks: (1..=question.choices.len()).collect(),
        error: errors.get(&question.code).cloned(),
        value,
        id,
    }
}

/// A long text split into paragraphs at blank lines.
pub fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_string).collect()
}

/// A language's own name, for the language switcher.
pub fn language_name(code: &str) -> String {
    let base = code.split('-').next().unwrap_or(code);
    let name = match base {
        "en" => "English",
        "es" => "Español",
        "fr" => "Français",
        "de" => "Deutsch",
        "pt" => "Português",
        "it" => "Italiano",
        "nl" => "Nederlands",
        "zh" => "中文",
        "ja" => "日本語",
        "ko" => "한국어",
        "ar" => "العربية",
        "he" => "עברית",
        "fa" => "فارسی",
        "hi" => "हिन्दी",
        "ru" => "Русский",
        "sw" => "Kiswahili",
        "id" => "Bahasa Indonesia",
        "tr" => "Türkçe",
        "vi" => "Tiếng Việt",
        _ => code,
    };
    name.to_string()
}

/// Text direction of a language.
pub fn direction(code: &str) -> &'static str {
    match code.split('-').next().unwrap_or(code) {
        "ar" | "he" | "fa" | "ur" | "ps" | "yi" | "dv" => "rtl",
        _ => "ltr",
    }
}

#[derive(Serialize)]
pub struct LanguageOption {
    pub code: String,
    pub name: String,
    pub current: bool,
}

pub fn language_options(survey: &SurveyDefinition, current: &str) -> Vec<LanguageOption> {
    survey
        .languages
        .iter()
        .map(|code| LanguageOption { code: code.clone(), name: language_name(code), current: code == current })
        .collect()
}
