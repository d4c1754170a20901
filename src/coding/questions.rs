//! Which of a survey's questions a codebook is meant for: the open questions its name or
//! description names by code ("Codebook for the eight open questions … OPEN_WHY, OPEN_NEEDS, …");
//! when it names none, the long-text questions — a short text such as a project's name identifies
//! a respondent and is not coded unless the codebook names it. The assignment form ticks these,
//! and before any answer is assigned they make the queue.

use crate::codebook::model::CodebookFile;
use crate::survey::model::{QuestionType, SurveyDefinition};

/// The survey's open questions (short and long text), in survey order.
pub fn open(survey: &SurveyDefinition) -> Vec<String> {
    survey.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.clone()).collect()
}

/// The open questions the codebook is meant for, in survey order.
pub fn meant_for(survey: &SurveyDefinition, codebook: &CodebookFile) -> Vec<String> {
    let words: Vec<&str> = [codebook.name.as_str(), codebook.description.as_str()]
        .into_iter()
        .flat_map(|text| text.split(|c: char| !(c.is_alphanumeric() || c == '_')))
        .collect();
    let open: Vec<_> = survey.questions().map(|(_, q)| q).filter(|q| q.kind.is_open()).collect();
    let named: Vec<String> = open.iter().filter(|q| words.contains(&q.code.as_str())).map(|q| q.code.clone()).collect();
    if !named.is_empty() {
        return named;
    }
    open.iter().filter(|q| q.kind == QuestionType::LongText).map(|q| q.code.clone()).collect()
}

/// The questions a coder's queue covers: the one asked for (if it is open), else — once answers
/// were assigned, when the assignments say which — every open question, else those the codebook
/// is meant for.
pub fn of_queue(open: &[String], meant_for: &[String], only: Option<&str>, assigned: bool) -> Vec<String> {
    match only {
        Some(question) => open.iter().filter(|q| *q == question).cloned().collect(),
        None if assigned => open.to_vec(),
        None => meant_for.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::model::from_toml;

    fn survey() -> SurveyDefinition {
        let toml = r#"
            format = 1
            slug = "motives"
            default_language = "en"
            languages = ["en"]
            title = { en = "S" }
            [[pages]]
            code = "p"
            [[pages.questions]]
            code = "PROJECT"
            type = "short_text"
            text = { en = "Your project's name" }
            [[pages.questions]]
            code = "ROLE"
            type = "single_choice"
            text = { en = "Role" }
            choices = [{ code = "a", label = { en = "A" } }]
            [[pages.questions]]
            code = "WHY"
            type = "long_text"
            text = { en = "Why?" }
            [[pages.questions]]
            code = "HOW"
            type = "long_text"
            text = { en = "How?" }
            [[pages.questions]]
            code = "WHO_ELSE"
            type = "short_text"
            text = { en = "Who else?" }
        "#;
        crate::survey::file::from_toml(toml).expect("the test survey").definition
    }

    fn codebook(description: &str) -> CodebookFile {
        let mut file = from_toml("format = 1\nname = \"Motives\"").expect("a codebook");
        file.description = description.into();
        file
    }

    #[test]
    fn the_questions_a_codebook_names_are_its_own_in_survey_order() {
        let book = codebook("For the answers to HOW and to WHO_ELSE (not ROLE, a closed one); WHYNOT is no code.");
        assert_eq!(meant_for(&survey(), &book), ["HOW", "WHO_ELSE"]);
    }

    #[test]
    fn a_codebook_that_names_none_is_for_the_long_texts_not_a_short_identifying_one() {
        assert_eq!(meant_for(&survey(), &codebook("Motives, in general.")), ["WHY", "HOW"]);
        assert_eq!(open(&survey()), ["PROJECT", "WHY", "HOW", "WHO_ELSE"]);
    }

    #[test]
    fn a_queue_covers_the_question_asked_for_else_the_assigned_else_the_codebooks() {
        let open = open(&survey());
        let meant = vec!["WHY".to_string(), "HOW".to_string()];
        assert_eq!(of_queue(&open, &meant, Some("PROJECT"), false), ["PROJECT"]);
        assert!(of_queue(&open, &meant, Some("ROLE"), true).is_empty(), "not an open question");
        assert_eq!(of_queue(&open, &meant, None, true), open, "the assignments say which");
        assert_eq!(of_queue(&open, &meant, None, false), meant);
    }
}
