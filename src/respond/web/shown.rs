//! Which questions a page renders, and how: in the order drawn for the response, every question
//! display logic shows, and — hidden, with their condition for the page's script
//! (`static/respond.js`) — those an answer on the same page can still show. Without JavaScript a
//! hidden question stays hidden and the page comes back once when an answer reveals it, as before;
//! with it, the question appears at once. The server decides again on every save.

use std::collections::HashMap;

use crate::respond::answers::{self, AnswerSet, LogicView};
use crate::respond::flow;
use crate::survey::logic::{Answers as _, Condition};
use crate::survey::model::Question;
use crate::survey::order;
use crate::survey::validate::CompiledSurvey;

/// A question as the page renders it.
pub(super) struct Rendered<'a> {
    pub(super) question: &'a Question,
    /// Rendered hidden: its condition is false now.
    pub(super) hidden: bool,
    /// Its condition for the page's script, when answers on the page can change it.
    pub(super) condition: Option<String>,
    /// The codes of its choices not offered with the answers given (their conditions, which read
    /// earlier pages only, are false).
    pub(super) not_offered: Vec<String>,
}

/// The questions of page `index` to render for a respondent with `answers` and `seed`, and the
/// answers from other pages the conditions of the page read (for the script, by code). A
/// preview renders every question, visible and without conditions.
pub(super) fn page_questions<'a>(
    survey: &'a CompiledSurvey,
    index: usize,
    answers: &AnswerSet,
    seed: u64,
    preview: bool,
) -> (Vec<Rendered<'a>>, HashMap<String, String>) {
    let Some(page) = survey.definition.pages.get(index) else { return (Vec::new(), HashMap::new()) };
    let ordered = order::questions(page, seed);
    if preview {
        let all = ordered.into_iter().map(|question| Rendered {
            question,
            hidden: false,
            condition: None,
            not_offered: Vec::new(),
        });
        return (all.collect(), HashMap::new());
    }
    let visible = flow::visible_questions(survey, index, answers);
    if visible.is_empty() {
        return (Vec::new(), HashMap::new());
    }
    let on_page = |code: &str| page.questions.iter().any(|q| q.code == code);
    let view = LogicView { survey, answers };
    let mut values = HashMap::new();
    let mut rendered = Vec::new();
    for question in ordered {
        let shown = visible.iter().any(|v| v.code == question.code);
        let condition = survey.question_conditions.get(&question.code).and_then(|c| for_script(c, &on_page));
        if !shown && condition.is_none() {
            continue;
        }
        if let Some(c) = survey.question_conditions.get(&question.code).filter(|_| condition.is_some()) {
            for code in c.referenced_codes().into_iter().filter(|code| !on_page(code)) {
                let value = view.value(&code);
                values.insert(code, value);
            }
        }
        let not_offered = match answers::offered(survey, question, answers) {
            Some(offered) => question
                .choices
                .iter()
                .filter(|c| !offered.contains(&c.code.as_str()))
                .map(|c| c.code.clone())
                .collect(),
            None => Vec::new(),
        };
        rendered.push(Rendered { question, hidden: !shown, condition, not_offered });
    }
    (rendered, values)
}

/// A condition as the script evaluates it (JSON), when it reads an answer on the same page and
/// the script can evaluate it (one with a regular expression is left to the server).
fn for_script(condition: &Condition, on_page: &impl Fn(&str) -> bool) -> Option<String> {
    if !condition.referenced_codes().iter().any(|code| on_page(code)) {
        return None;
    }
    condition.to_client().map(|json| json.to_string())
}
