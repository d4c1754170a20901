//! Which edits a survey with responses may take. Texts can always change; anything that would
//! orphan or reinterpret stored answers (removing an answered question or choice, changing a
//! question's type or code) is refused with an explanation.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::model::{Question, SurveyDefinition};
use super::validate::DefinitionError;
use crate::answer::{Answer, Items};
use crate::db::DbError;

/// What the stored answers of a survey hold: each question's distinct rows, a long value cut
/// short (choice codes are short; what a choice, row or Other is used by needs no more).
#[derive(Debug, Default)]
pub struct Answered {
    rows: BTreeMap<String, Vec<Items>>,
}

impl Answered {
    pub fn load(conn: &Connection, survey_id: i64) -> Result<Answered, DbError> {
        let mut answered = Answered::default();
        for (question, item, value) in super::store::answered(conn, survey_id)? {
            answered.rows.entry(question).or_default().push(Items::from([(item, value)]));
        }
        Ok(answered)
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The answers to `question` as decoded one row at a time: whether an answer uses a choice,
    /// a row or Other is a property of one of its rows, so these say which are used.
    fn answers<'a>(&'a self, question: &Question) -> Option<Vec<Answer<'a>>> {
        let rows = self.rows.get(&question.code)?;
        Some(rows.iter().filter_map(|items| Answer::decode(question, items)).collect())
    }

    /// Whether the question `code` has a stored answer.
    pub fn has_answers(&self, code: &str) -> bool {
        self.rows.contains_key(code)
    }

    /// Whether some stored answer chose `choice` of `question`.
    pub fn chose(&self, question: &Question, choice: &str) -> bool {
        self.answers(question).is_some_and(|answers| answers.iter().any(|a| a.uses_choice(choice)))
    }

    /// Whether some stored answer answered the row `row` of the matrix `question`.
    pub fn answered_row(&self, question: &Question, row: &str) -> bool {
        self.answers(question).is_some_and(|answers| answers.iter().any(|a| a.uses_row(row)))
    }
}

/// The problems with replacing `old` by `new` given what has been answered.
pub fn check(old: &SurveyDefinition, new: &SurveyDefinition, answered: &Answered) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    let refuse = |errors: &mut Vec<DefinitionError>, path: String, message: String| {
        errors.push(DefinitionError { path, message })
    };
    for (_, question) in old.questions() {
        let Some(answers) = answered.answers(question) else { continue };
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
            let used = answers.iter().any(|a| a.uses_choice(&choice.code));
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
            let used = answers.iter().any(|a| a.uses_row(&row.code));
            if used && !replacement.rows.iter().any(|r| r.code == row.code) {
                refuse(
                    &mut errors,
                    format!("questions.{}.rows.{}", question.code, row.code),
                    format!("the row {} of {} has answers and cannot be removed or renamed", row.code, question.code),
                );
            }
        }
        if question.other && !replacement.other && answers.iter().any(Answer::chose_other) {
            refuse(
                &mut errors,
                format!("questions.{}.other", question.code),
                format!("{} has \"Other\" answers; its Other option cannot be removed", question.code),
            );
        }
    }
    errors
}
