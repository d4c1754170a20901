//! Translations: every respondent-visible text of a definition with a stable path, which
//! languages lack it, and which translations are out of date because their source text changed
//! after they were written.

use rusqlite::Connection;
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use super::model::{SurveyDefinition, Text};
use super::store;
use crate::db::DbError;

/// One translatable text and where it is.
pub struct TextEntry<'a> {
    /// Stable across edits: built from codes, not positions.
    pub path: String,
    /// What a person calls it ("Question Q1, choice a").
    pub label: String,
    pub text: &'a Text,
}

/// Every translatable text of a definition, in reading order.
pub fn texts(d: &SurveyDefinition) -> Vec<TextEntry<'_>> {
    let mut out = Vec::new();
    let mut push = |path: String, label: String, text| out.push(TextEntry { path, label, text });
    push("title".into(), "Survey title".into(), &d.title);
    push("description".into(), "Welcome text".into(), &d.description);
    push("consent".into(), "Consent text".into(), &d.consent);
    push("thank_you".into(), "Thank-you text".into(), &d.thank_you);
    for page in &d.pages {
        push(format!("pages.{}.title", page.code), format!("Page {} title", page.code), &page.title);
        for q in &page.questions {
            push(format!("questions.{}.text", q.code), format!("{} text", q.code), &q.text);
            push(format!("questions.{}.help", q.code), format!("{} help", q.code), &q.help);
            push(
                format!("questions.{}.pattern_message", q.code),
                format!("{} pattern message", q.code),
                &q.pattern_message,
            );
            push(
                format!("questions.{}.constraint_message", q.code),
                format!("{} constraint message", q.code),
                &q.constraint_message,
            );
            for c in &q.choices {
                push(
                    format!("questions.{}.choices.{}", q.code, c.code),
                    format!("{} choice {}", q.code, c.code),
                    &c.label,
                );
            }
            for r in &q.rows {
                push(format!("questions.{}.rows.{}", q.code, r.code), format!("{} row {}", q.code, r.code), &r.label);
            }
        }
    }
    for (key, text) in &d.messages {
        push(format!("messages.{key}"), format!("Message {key}"), text);
    }
    // Optional texts that are empty in the default language need no translation.
    out.retain(|e| e.text.get(&d.default_language).is_some_and(|t| !t.trim().is_empty()));
    out
}

fn digest(text: &str) -> Vec<u8> {
    Sha256::digest(text.as_bytes()).to_vec()
}

/// Records which source each translation was made from: every translation that is new or whose
/// text changed between `old` and `new` is taken as made from the current default text.
pub fn record_sources(
    conn: &Connection,
    survey_id: i64,
    old: Option<&SurveyDefinition>,
    new: &SurveyDefinition,
) -> Result<(), DbError> {
    let before: std::collections::HashMap<String, &Text> =
        old.map(|d| texts(d).into_iter().map(|e| (e.path, e.text)).collect()).unwrap_or_default();
    for entry in texts(new) {
        let source = entry.text.get(&new.default_language).map_or("", String::as_str);
        for (language, translation) in entry.text {
            if *language == new.default_language || translation.trim().is_empty() {
                continue;
            }
            let unchanged = before.get(&entry.path).and_then(|t| t.get(language)) == Some(translation);
            if !unchanged {
                store::record_translation_source(conn, survey_id, &entry.path, language, &digest(source))?;
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Current,
    Missing,
    OutOfDate,
}

#[derive(Debug, Serialize)]
pub struct Translation {
    pub language: String,
    pub text: String,
    pub state: State,
}

#[derive(Debug, Serialize)]
pub struct TextStatus {
    pub path: String,
    pub label: String,
    pub source: String,
    pub translations: Vec<Translation>,
}

/// The state of every translation of every text.
pub fn status(conn: &Connection, survey_id: i64, d: &SurveyDefinition) -> Result<Vec<TextStatus>, DbError> {
    let recorded = store::translation_sources(conn, survey_id)?;
    let others: Vec<&String> = d.languages.iter().filter(|l| **l != d.default_language).collect();
    Ok(texts(d)
        .into_iter()
        .map(|entry| {
            let source = entry.text.get(&d.default_language).cloned().unwrap_or_default();
            let translations = others
                .iter()
                .map(|language| {
                    let text = entry.text.get(*language).cloned().unwrap_or_default();
                    let state = if text.trim().is_empty() {
                        State::Missing
                    } else if recorded
                        .get(&(entry.path.clone(), (*language).clone()))
                        .is_some_and(|d| *d != digest(&source))
                    {
                        State::OutOfDate
                    } else {
                        State::Current
                    };
                    Translation { language: (*language).clone(), text, state }
                })
                .collect();
            TextStatus { path: entry.path, label: entry.label, source, translations }
        })
        .collect())
}

/// Per language: how many texts are missing and how many are out of date.
#[derive(Debug, Serialize)]
pub struct LanguageSummary {
    pub language: String,
    pub missing: usize,
    pub out_of_date: usize,
}

pub fn summarise(statuses: &[TextStatus], d: &SurveyDefinition) -> Vec<LanguageSummary> {
    d.languages
        .iter()
        .filter(|l| **l != d.default_language)
        .map(|language| {
            let count = |state| {
                statuses
                    .iter()
                    .flat_map(|s| &s.translations)
                    .filter(|t| &t.language == language && t.state == state)
                    .count()
            };
            LanguageSummary {
                language: language.clone(),
                missing: count(State::Missing),
                out_of_date: count(State::OutOfDate),
            }
        })
        .collect()
}

/// The texts one language lacks, by what a person calls them, in reading order.
#[derive(Debug, Serialize, PartialEq)]
pub struct Missing {
    pub language: String,
    pub labels: Vec<String>,
}

/// Per language with any, the texts that have no translation: respondents who choose that
/// language see the default language's text there. What opening a survey warns of.
pub fn missing(statuses: &[TextStatus]) -> Vec<Missing> {
    let mut by_language: Vec<Missing> = Vec::new();
    for status in statuses {
        for translation in status.translations.iter().filter(|t| t.state == State::Missing) {
            let label = status.label.clone();
            match by_language.iter_mut().find(|m| m.language == translation.language) {
                Some(found) => found.labels.push(label),
                None => by_language.push(Missing { language: translation.language.clone(), labels: vec![label] }),
            }
        }
    }
    by_language
}

impl Missing {
    /// "es: Q1 text, Page p2 title and 3 more": a short line for a message.
    pub fn summary(&self, at_most: usize) -> String {
        let shown = self.labels.iter().take(at_most).cloned().collect::<Vec<_>>().join(", ");
        match self.labels.len().saturating_sub(at_most) {
            0 => format!("{}: {shown}", self.language),
            more => format!("{}: {shown} and {more} more", self.language),
        }
    }
}

/// Sets the translation at `path` in `language` (used by the translation editor).
pub fn set(d: &mut SurveyDefinition, path: &str, language: &str, value: &str) -> bool {
    let Some(text) = text_mut(d, path) else { return false };
    if value.trim().is_empty() {
        text.remove(language);
    } else {
        text.insert(language.to_string(), value.to_string());
    }
    true
}

fn text_mut<'a>(d: &'a mut SurveyDefinition, path: &str) -> Option<&'a mut Text> {
    let parts: Vec<&str> = path.split('.').collect();
    match parts.as_slice() {
        ["title"] => Some(&mut d.title),
        ["description"] => Some(&mut d.description),
        ["consent"] => Some(&mut d.consent),
        ["thank_you"] => Some(&mut d.thank_you),
        ["messages", key] => d.messages.get_mut(*key),
        ["pages", code, "title"] => d.pages.iter_mut().find(|p| p.code == *code).map(|p| &mut p.title),
        ["questions", code, rest @ ..] => {
            let q = d.pages.iter_mut().flat_map(|p| p.questions.iter_mut()).find(|q| q.code == *code)?;
            match rest {
                ["text"] => Some(&mut q.text),
                ["help"] => Some(&mut q.help),
                ["pattern_message"] => Some(&mut q.pattern_message),
                ["constraint_message"] => Some(&mut q.constraint_message),
                ["choices", c] => q.choices.iter_mut().find(|x| x.code == *c).map(|x| &mut x.label),
                ["rows", r] => q.rows.iter_mut().find(|x| x.code == *r).map(|x| &mut x.label),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_constraint_message_is_listed_and_translated_like_the_other_texts() {
        use crate::survey::model::{Question, QuestionType};
        let mut d = SurveyDefinition::blank("constrained", "en", "T");
        d.languages.push("es".into());
        let mut question = Question::new("Q", QuestionType::ShortText, "en", "Q?");
        question.constraint = Some("string-length(.) > 2".into());
        question.constraint_message.insert("en".into(), "Longer, please.".into());
        d.pages[0].questions.push(question);
        let path = "questions.Q.constraint_message";
        assert!(texts(&d).iter().any(|t| t.path == path && t.label == "Q constraint message"));
        assert!(set(&mut d, path, "es", "Más largo, por favor."));
        assert_eq!(d.pages[0].questions[0].constraint_message["es"], "Más largo, por favor.");
    }

    fn text(label: &str, states: &[(&str, State)]) -> TextStatus {
        let translations = states
            .iter()
            .map(|(language, state)| Translation { language: language.to_string(), text: String::new(), state: *state })
            .collect();
        TextStatus { path: label.into(), label: label.into(), source: "s".into(), translations }
    }

    #[test]
    fn missing_texts_are_listed_per_language_in_reading_order() {
        let statuses = [
            text("Survey title", &[("es", State::Current), ("fr", State::Missing)]),
            text("Q1 text", &[("es", State::Missing), ("fr", State::OutOfDate)]),
            text("Q2 text", &[("es", State::Missing), ("fr", State::Missing)]),
        ];
        let missing = missing(&statuses);
        assert_eq!(
            missing[0],
            Missing { language: "fr".into(), labels: vec!["Survey title".into(), "Q2 text".into()] }
        );
        assert_eq!(missing[1].summary(1), "es: Q1 text and 1 more");
        assert_eq!(missing[1].summary(5), "es: Q1 text, Q2 text");
    }
}
