//! Which pages and questions a respondent sees, given their answers so far: display logic decides,
//! hidden questions are never required, and answers to questions that became hidden are dropped.

use super::answers::{AnswerSet, Limits, LogicView, can_be_answered, check, check_offered};
use crate::survey::model::{Question, QuestionType};
use crate::survey::validate::CompiledSurvey;

fn question_shown(survey: &CompiledSurvey, question: &Question, answers: &AnswerSet) -> bool {
    survey
        .question_conditions
        .get(&question.code)
        .is_none_or(|condition| condition.evaluate(&LogicView { survey, answers }))
}

fn page_condition_holds(survey: &CompiledSurvey, index: usize, answers: &AnswerSet) -> bool {
    match survey.page_conditions.get(index) {
        Some(Some(condition)) => condition.evaluate(&LogicView { survey, answers }),
        _ => true,
    }
}

/// The questions of page `index` that are shown, given `answers`.
pub fn visible_questions<'a>(survey: &'a CompiledSurvey, index: usize, answers: &AnswerSet) -> Vec<&'a Question> {
    let Some(page) = survey.definition.pages.get(index) else { return Vec::new() };
    if !page_condition_holds(survey, index, answers) {
        return Vec::new();
    }
    page.questions.iter().filter(|q| question_shown(survey, q, answers)).collect()
}

/// Whether `question`, on page `index`, is shown to a respondent with `answers`: its page's
/// condition and its own hold.
pub fn shown(survey: &CompiledSurvey, index: usize, question: &Question, answers: &AnswerSet) -> bool {
    page_condition_holds(survey, index, answers) && question_shown(survey, question, answers)
}

/// A page is shown when its condition holds and at least one of its questions is shown.
pub fn page_visible(survey: &CompiledSurvey, index: usize, answers: &AnswerSet) -> bool {
    !visible_questions(survey, index, answers).is_empty()
}

/// Removes answers to questions that are hidden, page by page in order, so that a hidden answer
/// never keeps a later question visible. Returns the codes whose answers were dropped.
pub fn prune_hidden(survey: &CompiledSurvey, answers: &mut AnswerSet) -> Vec<String> {
    let mut dropped = Vec::new();
    for (index, page) in survey.definition.pages.iter().enumerate() {
        let page_shown = page_condition_holds(survey, index, answers);
        for question in &page.questions {
            let shown = page_shown && question_shown(survey, question, answers);
            if !shown && answers.remove(&question.code).is_some() {
                dropped.push(question.code.clone());
            }
        }
    }
    dropped
}

/// The next shown page after `from`, if any.
pub fn next_page(survey: &CompiledSurvey, from: usize, answers: &AnswerSet) -> Option<usize> {
    (from + 1..survey.definition.pages.len()).find(|&i| page_visible(survey, i, answers))
}

/// The shown page before `from`, if any.
pub fn previous_page(survey: &CompiledSurvey, from: usize, answers: &AnswerSet) -> Option<usize> {
    (0..from).rev().find(|&i| page_visible(survey, i, answers))
}

/// The first shown page (page 0 is shown unless everything on it is conditional and hidden).
pub fn first_page(survey: &CompiledSurvey, answers: &AnswerSet) -> usize {
    (0..survey.definition.pages.len()).find(|&i| page_visible(survey, i, answers)).unwrap_or(0)
}

/// The first shown page before `index` with a required question still unanswered: the respondent
/// has not got past it, so `index` cannot be reached yet (a typed address skips nothing).
pub fn first_unfinished_page(survey: &CompiledSurvey, index: usize, answers: &AnswerSet) -> Option<usize> {
    let limits = Limits { max_answer_chars: usize::MAX };
    (0..index.min(survey.definition.pages.len())).find(|&i| {
        visible_questions(survey, i, answers).iter().any(|q| {
            q.required
                && can_be_answered(survey, q, answers)
                && check(survey, q, answers.get(&q.code), true, limits)
                    .and_then(|()| check_offered(survey, q, answers, true))
                    .is_err()
        })
    })
}

/// "Page n of m": the position of `index` among the pages shown, and how many are shown.
pub fn progress(survey: &CompiledSurvey, index: usize, answers: &AnswerSet) -> (usize, usize) {
    let shown: Vec<usize> = (0..survey.definition.pages.len()).filter(|&i| page_visible(survey, i, answers)).collect();
    let position = shown.iter().position(|&i| i == index).map_or(1, |p| p + 1);
    (position, shown.len().max(1))
}

/// Whether a question takes an answer (display texts do not).
pub fn takes_answer(question: &Question) -> bool {
    question.kind != QuestionType::Display
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::file::from_toml;

    const SURVEY: &str = r#"
format = 1
slug = "flow"
default_language = "en"
languages = ["en"]
title = { en = "Flow" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "STAGES"
type = "multiple_choice"
text = { en = "Stages" }
choices = [{ code = "pre", label = { en = "Pre" } }, { code = "post", label = { en = "Post" } }]
[[pages.questions]]
code = "WHY_POST"
type = "long_text"
relevant = "selected(${STAGES}, 'post')"
text = { en = "Why post?" }
[[pages]]
code = "p2"
relevant = "count-selected(${STAGES}) > 0"
[[pages.questions]]
code = "MORE"
type = "short_text"
text = { en = "More" }
[[pages.questions]]
code = "ABOUT_WHY"
type = "short_text"
relevant = "${WHY_POST} != ''"
text = { en = "About why" }
"#;

    fn answers(pairs: &[(&str, &str, &str)]) -> AnswerSet {
        let mut set = AnswerSet::new();
        for (q, item, value) in pairs {
            set.entry(q.to_string()).or_default().insert(item.to_string(), value.to_string());
        }
        set
    }

    #[test]
    fn conditions_hide_and_reveal_questions_and_pages() {
        let survey = from_toml(SURVEY).unwrap();
        let none = AnswerSet::new();
        let codes = |qs: Vec<&Question>| qs.iter().map(|q| q.code.clone()).collect::<Vec<_>>();
        assert_eq!(codes(visible_questions(&survey, 0, &none)), ["STAGES"]);
        assert!(!page_visible(&survey, 1, &none));
        assert_eq!(next_page(&survey, 0, &none), None);

        let post = answers(&[("STAGES", "post", "1")]);
        assert_eq!(codes(visible_questions(&survey, 0, &post)), ["STAGES", "WHY_POST"]);
        assert_eq!(next_page(&survey, 0, &post), Some(1));
        assert_eq!(progress(&survey, 1, &post), (2, 2));
    }

    #[test]
    fn a_page_is_out_of_reach_until_the_required_questions_before_it_are_answered() {
        const REQUIRED: &str = r#"
format = 1
slug = "reach"
default_language = "en"
languages = ["en"]
title = { en = "Reach" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "NEEDED"
type = "short_text"
required = true
text = { en = "Needed" }
[[pages]]
code = "p2"
[[pages.questions]]
code = "OPTIONAL"
type = "short_text"
text = { en = "Optional" }
[[pages]]
code = "p3"
[[pages.questions]]
code = "LAST"
type = "short_text"
text = { en = "Last" }
"#;
        let survey = from_toml(REQUIRED).unwrap();
        let none = AnswerSet::new();
        assert_eq!(first_unfinished_page(&survey, 0, &none), None);
        assert_eq!(first_unfinished_page(&survey, 2, &none), Some(0));
        let needed = answers(&[("NEEDED", "", "yes")]);
        assert_eq!(first_unfinished_page(&survey, 2, &needed), None, "optional questions hold nobody up");
    }

    #[test]
    fn stale_answers_of_hidden_questions_are_dropped_in_order() {
        let survey = from_toml(SURVEY).unwrap();
        let mut set =
            answers(&[("STAGES", "pre", "1"), ("WHY_POST", "", "because"), ("ABOUT_WHY", "", "x"), ("MORE", "", "m")]);
        let dropped = prune_hidden(&survey, &mut set);
        // WHY_POST is hidden once post is unticked, and with it goes ABOUT_WHY, which depended on it.
        assert_eq!(dropped, ["WHY_POST", "ABOUT_WHY"]);
        assert!(set.contains_key("MORE"));
    }
}
