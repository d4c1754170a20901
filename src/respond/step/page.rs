//! A page of questions as posted, checked against the answers stored before it.

use std::collections::BTreeMap;

use crate::respond::answers::{self, AnswerSet, Limits, Problem};
use crate::respond::flow;
use crate::survey::validate::CompiledSurvey;

/// A page as posted, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The stored answers with this page's replaced by the posted ones: what the page shows if it
    /// comes back.
    pub merged: AnswerSet,
    /// What is wrong, by question code; going back lets go of what is wrong instead.
    pub problems: BTreeMap<String, Problem>,
    /// Questions of this page that the posted answers have just revealed.
    pub revealed: Vec<String>,
    pub going_back: bool,
}

impl Checked {
    /// Checks page `index` (which exists) as posted in `fields`, over the answers `stored`.
    pub fn check(
        survey: &CompiledSurvey,
        index: usize,
        stored: &AnswerSet,
        fields: &[(String, String)],
        limits: Limits,
    ) -> Checked {
        let page_questions: Vec<_> = survey.definition.pages[index].questions.iter().collect();
        let mut merged = stored.clone();
        for question in &page_questions {
            merged.remove(&question.code);
        }
        merged.extend(answers::from_form(&page_questions, fields));
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        let going_back = field("action") == Some("back");
        // The page's script shows a question as soon as an answer reveals it, and says which it
        // showed: those the respondent has seen need not come back.
        let displayed: Vec<&str> = field("displayed").unwrap_or("").split_whitespace().collect();
        let revealed = if going_back {
            Vec::new()
        } else {
            let mut revealed = just_revealed(survey, index, stored, &merged);
            revealed.retain(|code| !displayed.contains(&code.as_str()));
            revealed
        };
        let mut problems = BTreeMap::new();
        for question in flow::visible_questions(survey, index, &merged) {
            if revealed.contains(&question.code) {
                continue;
            }
            let required = question.required && !going_back && answers::can_be_answered(survey, question, &merged);
            let checked = answers::check(survey, question, merged.get(&question.code), required, limits)
                .and_then(|()| answers::check_offered(survey, question, &merged, required))
                .and_then(|()| answers::check_constraint(survey, question, &merged));
            if let Err(problem) = checked {
                problems.insert(question.code.clone(), problem);
            }
        }
        Checked { merged, problems, revealed, going_back }
    }
}

/// The questions of page `index` that answers on that same page have just revealed: shown with
/// `answers` but not with those `stored` before, and not answered yet. Pages are shown without
/// JavaScript, so the respondent has not seen them: the page comes back once before moving on.
fn just_revealed(survey: &CompiledSurvey, index: usize, stored: &AnswerSet, answers: &AnswerSet) -> Vec<String> {
    let before = flow::visible_questions(survey, index, stored);
    flow::visible_questions(survey, index, answers)
        .into_iter()
        .filter(|q| !before.iter().any(|b| b.code == q.code) && !answers.contains_key(&q.code))
        .map(|q| q.code.clone())
        .collect()
}
