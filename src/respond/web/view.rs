//! What a respondent page shows, as plain data for the templates: every text already in the
//! respondent's language, every value as they typed or saved it, every message by its field.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::answer::{Answer, OTHER};
use crate::respond::answers::{Problem, field_name};
use crate::respond::texts::Texts;
use crate::survey::messages;
use crate::survey::model::{ChoiceDisplay, Question, QuestionType, SurveyDefinition, Text};
use crate::survey::order;
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
    /// Ticking it unticks the others ("None of these"); the server checks it too.
    pub exclusive: bool,
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
    /// Rendered but hidden: its display logic is false now and may turn true on this page.
    pub hidden: bool,
    /// Its display logic as the page's script evaluates it (JSON), when answers on this page can
    /// show or hide it.
    pub condition: Option<String>,
    /// Its choices' codes (a matrix: its rows') in the survey's order, whatever order they are
    /// shown in: the order display logic reads a multiple choice, ranking or matrix in.
    pub codes: String,
}

/// The text in `language`, else the default language's.
pub fn text(survey: &SurveyDefinition, text: &Text, language: &str) -> String {
    survey.text(text, language).to_string()
}

/// The message for a problem with an answer, in the respondent's language: a pattern's or a
/// constraint's own message when it has one (with earlier answers piped in), else the built-in
/// one with `{n}` and `{max}` filled (an exclusive choice named by its label).
pub fn problem_message(texts: &Texts, question: &Question, problem: &Problem) -> String {
    // A pattern's own message says what form is expected ("three capital letters").
    if problem.key == "error_pattern" && !question.pattern_message.is_empty() {
        return texts.string(&question.pattern_message);
    }
    if problem.key == "error_constraint" && !question.constraint_message.is_empty() {
        return texts.string(&question.constraint_message);
    }
    let n = problem.n.as_deref().unwrap_or("");
    let n = match question.choice(n) {
        Some(choice) if problem.key == "error_exclusive" => texts.string(&choice.label),
        _ => n.to_string(),
    };
    messages::message(&texts.survey.definition, problem.key, texts.language)
        .replace("{n}", &n)
        .replace("{max}", problem.max.as_deref().unwrap_or(""))
}

fn bound(value: Option<f64>) -> String {
    value.map(|v| if v.fract() == 0.0 { format!("{}", v as i64) } else { v.to_string() }).unwrap_or_default()
}

/// What a template shows of `question`: its texts as `texts` gives them, its choices (and rows) in
/// the order drawn for the response's `seed`, and the answer given, saved or just typed.
pub fn question_view(texts: &Texts, question: &Question, errors: &HashMap<String, String>, seed: u64) -> QuestionView {
    // What the respondent gave, saved or just typed (a page sent back with errors keeps it as typed).
    let answer = Answer::of(question, texts.answers);
    let answer = answer.as_ref();
    let id = format!("q-{}", question.code);
    let value = answer.and_then(|a| a.value().or(a.choice())).unwrap_or_default().to_string();
    let choice = |c: &crate::survey::model::Choice| ChoiceView {
        code: c.code.clone(),
        label: texts.string(&c.label),
        id: format!("{id}-{}", c.code),
        checked: answer.is_some_and(|a| a.gave(&c.code)),
        rank: answer.and_then(|a| a.rank_of(&c.code)).unwrap_or_default().to_string(),
        name: field_name(&question.code, &c.code),
        exclusive: c.exclusive,
    };
    let rows = order::rows(question, seed)
        .into_iter()
        .map(|r| RowView {
            code: r.code.clone(),
            label: texts.string(&r.label),
            name: field_name(&question.code, &r.code),
            id: format!("{id}-{}", r.code),
            value: answer.and_then(|a| a.row(&r.code)).unwrap_or_default().to_string(),
        })
        .collect();
    let text = texts.string(&question.text);
    QuestionView {
        code: question.code.clone(),
        kind: question.kind.as_str(),
        name: field_name(&question.code, ""),
        paragraphs: paragraphs(&text),
        text,
        help: texts.string(&question.help),
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
        choices: order::choices(question, seed).into_iter().map(choice).collect(),
        rows,
        ranks: (1..=question.choices.len()).collect(),
        error: errors.get(&question.code).cloned(),
        hidden: false,
        condition: None,
        codes: match question.kind {
            QuestionType::MultipleChoice | QuestionType::Ranking => codes_of(&question.choices),
            QuestionType::Matrix => codes_of(&question.rows),
            _ => String::new(),
        },
        value,
        id,
    }
}

fn codes_of(items: &[crate::survey::model::Choice]) -> String {
    items.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(" ")
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
