//! Which edits a survey with responses may take. Texts can always change; anything that would
//! orphan or reinterpret stored answers (removing an answered question or choice, changing a
//! question's type or code) is refused with an explanation.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::model::{QuestionType, SurveyDefinition};
use super::validate::DefinitionError;
use crate::db::DbError;

/// The question codes and items that have stored answers in a survey.
#[derive(Debug, Default)]
pub struct Answered {
    items: BTreeMap<String, BTreeSet<String>>,
}

impl Answered {
    pub fn load(conn: &Connection, survey_id: i64) -> Result<Answered, DbError> {
        let mut answered = Answered::default();
        for (question, item, single_value) in super::store::answered(conn, survey_id)? {
            let items = answered.items.entry(question).or_default();
            items.insert(item);
            // Single choices and matrix rows store a choice code as the value (codes are short).
            if !single_value.is_empty() {
                items.insert(format!("={single_value}"));
            }
        }
        Ok(answered)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn question(&self, code: &str) -> Option<&BTreeSet<String>> {
        self.items.get(code)
    }
}

/// The problems with replacing `old` by `new` given what has been answered.
pub fn check(old: &SurveyDefinition, new: &SurveyDefinition, answered: &Answered) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    let refuse = |errors: &mut Vec<DefinitionError>, path: String, message: String| {
        errors.push(DefinitionError { path, message })
    };
    for (_, question) in old.questions() {
        let Some(items) = answered.question(&question.code) else { continue };
        let Some(replacement) = new.question(&question.code) else {
            refuse(
                &mut errors,
                format!("questions.{}", question.code),
                format!(
                    "{} has answers and cannot be removed or renamed; hide it with display logic instead",
                    question.code
                ),
            );
            continue;
        };
        if replacement.kind != question.kind {
            refuse(
                &mut errors,
                format!("questions.{}.type", question.code),
                format!(
                    "{} has answers as a {} question; its type cannot change",
                    question.code,
                    question.kind.as_str()
                ),
            );
            continue;
        }
        for choice in &question.choices {
            let used = match question.kind {
                QuestionType::SingleChoice | QuestionType::Matrix => items.contains(&format!("={}", choice.code)),
                _ => items.contains(&choice.code),
            };
            if used && replacement.choice(&choice.code).is_none() {
                refuse(
                    &mut errors,
                    format!("questions.{}.choices.{}", question.code, choice.code),
                    format!(
                        "the choice {} of {} has answers and cannot be removed or renamed",
                        choice.code, question.code
                    ),
                );
            }
        }
        for row in &question.rows {
            if items.contains(&row.code) && !replacement.rows.iter().any(|r| r.code == row.code) {
                refuse(
                    &mut errors,
                    format!("questions.{}.rows.{}", question.code, row.code),
                    format!("the row {} of {} has answers and cannot be removed or renamed", row.code, question.code),
                );
            }
        }
        if question.other && !replacement.other && items.contains(super::super::respond::answers::OTHER) {
            refuse(
                &mut errors,
                format!("questions.{}.other", question.code),
                format!("{} has \"Other\" answers; its Other option cannot be removed", question.code),
            );
        }
    }
    errors
}
