//! Which edits a survey with responses may take. Texts can always change; anything that would
//! orphan or reinterpret stored answers (removing an answered question or choice, changing a
//! question's type or code) is refused with an explanation.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::model::{Question, QuestionType, SurveyDefinition};
use super::validate::DefinitionError;
use crate::db::DbError;

/// The question codes and items that have stored answers in a survey.
#[derive(Debug, Default)]
pub struct Answered {
    items: BTreeMap<String, BTreeSet<String>>,
}

impl Answered {
    pub fn load(conn: &Connection, survey_id: i64) -> Result<Answered, DbError> {
        let mut stmt = conn.prepare(
            "SELECT DISTINCT a.question, a.item, CASE WHEN length(a.value) <= 32 THEN a.value ELSE '' END \
             FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.survey_id = ?1",
        )?;
        let mut answered = Answered::default();
        let rows = stmt.query_map([survey_id], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
        })?;
        for row in rows {
            let (question, item, single_value) = row?;
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

    /// Whether the question `code` has a stored answer.
    pub fn has_answers(&self, code: &str) -> bool {
        self.items.contains_key(code)
    }

    /// Whether some stored answer chose `choice` of `question`.
    pub fn chose(&self, question: &Question, choice: &str) -> bool {
        let Some(items) = self.question(&question.code) else { return false };
        match question.kind {
            QuestionType::SingleChoice | QuestionType::Matrix => items.contains(&format!("={choice}")),
            _ => items.contains(choice),
        }
    }

    /// Whether some stored answer answered the row `row` of the matrix `question`.
    pub fn answered_row(&self, question: &Question, row: &str) -> bool {
        self.question(&question.code).is_some_and(|items| items.contains(row))
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
            if answered.chose(question, &choice.code) && replacement.choice(&choice.code).is_none() {
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
            if answered.answered_row(question, &row.code) && !replacement.rows.iter().any(|r| r.code == row.code) {
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
