//! Mappings from codes to a closed question's choices (`[[closed]]` in the codebook file), so
//! that a respondent's own classification can be compared with the coding of their open answers
//! (`agreement::closed`). The file alone is checked in [`check`]; against the survey's questions,
//! which the file does not hold, in [`check_against`].

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::model::{CodeKind, CodebookError, CodebookFile};
use crate::answer::OTHER;
use crate::survey::model::{Question, QuestionType, SurveyDefinition};

/// One closed question and the codes that stand for its choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ClosedMapping {
    /// The single- or multiple-choice question's code.
    pub question: String,
    /// The open questions whose coding counts; empty: every open question the codebook codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub open_questions: Vec<String>,
    /// Code id → the choice's code (`other` for the question's Other).
    #[serde(default)]
    pub codes: BTreeMap<String, String>,
}

impl ClosedMapping {
    /// The choices the codes map to, each once, in the order of the question's choices (then
    /// any the question does not define, in code order).
    pub fn choices(&self, question: Option<&Question>) -> Vec<String> {
        let mapped: HashSet<&str> = self.codes.values().map(String::as_str).collect();
        let mut choices: Vec<String> = question
            .map(|q| q.choices.iter().map(|c| c.code.as_str()).chain(q.other.then_some(OTHER)).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .filter(|c| mapped.contains(c))
            .map(str::to_owned)
            .collect();
        for choice in self.codes.values() {
            if !choices.contains(choice) {
                choices.push(choice.clone());
            }
        }
        choices
    }
}

/// Every problem of the file's mappings that the file alone shows: a question mapped twice, a
/// mapping without codes, a code the codebook does not have or that is a category.
pub fn check(file: &CodebookFile) -> Vec<CodebookError> {
    let kinds: HashMap<&str, CodeKind> = file.codes.iter().map(|c| (c.id.as_str(), c.kind)).collect();
    let mut errors = Vec::new();
    let mut error = |path: String, message: String| errors.push(CodebookError { path, message });
    let mut questions: HashMap<&str, usize> = HashMap::new();
    for (i, mapping) in file.closed.iter().enumerate() {
        let at = |field: &str| format!("closed[{i}].{field}");
        if mapping.question.trim().is_empty() {
            error(at("question"), "name the closed question the codes stand for".into());
        } else if let Some(first) = questions.insert(&mapping.question, i) {
            error(
                at("question"),
                format!("{} is already mapped in closed[{first}]; put its codes in one mapping", mapping.question),
            );
        }
        if mapping.codes.is_empty() {
            error(at("codes"), "map at least one code to a choice".into());
        }
        for (code, choice) in &mapping.codes {
            let at = at(&format!("codes.{code}"));
            match kinds.get(code.as_str()) {
                None => error(at, format!("the codebook has no code {code}")),
                Some(CodeKind::Category) => {
                    error(at, format!("{code} is a category, which is not applied to answers; map the codes inside it"))
                }
                Some(CodeKind::Code) if choice.trim().is_empty() => error(at, "name the choice it stands for".into()),
                Some(CodeKind::Code) => {}
            }
        }
        let mut open = HashSet::new();
        for (j, question) in mapping.open_questions.iter().enumerate() {
            if !open.insert(question) {
                error(format!("closed[{i}].open_questions[{j}]"), format!("{question} is listed twice"));
            }
        }
    }
    errors
}

/// Whether a question's answers can be compared with codes: a single or multiple choice.
pub fn is_closed(question: &Question) -> bool {
    matches!(question.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice)
}

/// Every problem of the file's mappings against the survey: a question it does not have or that
/// is not a single or multiple choice, a choice the question does not offer, an open question
/// that is not one.
pub fn check_against(file: &CodebookFile, survey: &SurveyDefinition) -> Vec<CodebookError> {
    let mut errors = Vec::new();
    for (i, mapping) in file.closed.iter().enumerate() {
        errors.extend(mapping_problems(mapping, survey).into_iter().map(|(field, message)| CodebookError {
            path: if field.is_empty() { format!("closed[{i}]") } else { format!("closed[{i}].{field}") },
            message,
        }));
    }
    errors
}

/// The problems of one mapping against the survey, each with its field (`codes.X`).
pub fn mapping_problems(mapping: &ClosedMapping, survey: &SurveyDefinition) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let code = &mapping.question;
    match survey.question(code) {
        None => problems.push(("question".into(), format!("the survey has no question {code}"))),
        Some(question) if !is_closed(question) => problems.push((
            "question".into(),
            format!(
                "{code} is a {} question; only a single or multiple choice can be compared with codes",
                question.kind.label().to_lowercase()
            ),
        )),
        Some(question) => {
            // A multiple choice is compared a code at a time (its choice ticked, the code
            // applied): two codes standing for one choice would each count the other's coding as
            // a disagreement. A single choice compares the choice the coding stands for, so there
            // several codes may share one.
            if question.kind == crate::survey::model::QuestionType::MultipleChoice {
                let mut seen: Vec<&str> = Vec::new();
                for (code_id, choice) in &mapping.codes {
                    if seen.contains(&choice.as_str()) {
                        problems.push((
                            format!("codes.{code_id}"),
                            format!(
                                "another code already stands for \"{choice}\": in a multiple choice each choice is compared with one code"
                            ),
                        ));
                    }
                    seen.push(choice);
                }
            }
            for (code_id, choice) in &mapping.codes {
                let offered = question.choice(choice).is_some() || (question.other && choice == OTHER);
                if !offered {
                    let mut known: Vec<&str> = question.choices.iter().map(|c| c.code.as_str()).collect();
                    if question.other {
                        known.push(OTHER);
                    }
                    problems.push((
                        format!("codes.{code_id}"),
                        format!("{} has no choice \"{choice}\" (its choices: {})", question.code, known.join(", ")),
                    ));
                }
            }
        }
    }
    for (j, open) in mapping.open_questions.iter().enumerate() {
        if let Err(why) = survey.open_question(open) {
            problems.push((format!("open_questions[{j}]"), why));
        }
    }
    problems
}

#[cfg(test)]
mod tests;
