//! A survey's texts as one respondent reads them: in their language (else the survey's default),
//! with the answers they gave earlier piped in where a text refers to one (`survey::pipe`): a
//! choice by its label in that language, Other by what was typed, a value as given.

use std::borrow::Cow;

use crate::answer::{Answer, Naming};
use crate::respond::answers::AnswerSet;
use crate::survey::model::Text;
use crate::survey::pipe;
use crate::survey::validate::CompiledSurvey;

/// The texts of `survey` in `language`, for the respondent whose answers are `answers`.
#[derive(Clone, Copy)]
pub struct Texts<'a> {
    pub survey: &'a CompiledSurvey,
    pub answers: &'a AnswerSet,
    pub language: &'a str,
}

impl<'a> Texts<'a> {
    pub fn new(survey: &'a CompiledSurvey, answers: &'a AnswerSet, language: &'a str) -> Texts<'a> {
        Texts { survey, answers, language }
    }

    /// `text` in the respondent's language with earlier answers piped in.
    pub fn show(&self, text: &'a Text) -> Cow<'a, str> {
        let raw = self.survey.definition.text(text, self.language);
        pipe::fill(raw, |code| self.piped(code))
    }

    /// `text` as `show` gives it, owned.
    pub fn string(&self, text: &'a Text) -> String {
        self.show(text).into_owned()
    }

    /// The answer to `code` as piped into a text, None when it has none.
    fn piped(&self, code: &str) -> Option<String> {
        let question = self.survey.question(code)?;
        let answer = Answer::of(question, self.answers)?;
        Some(answer.piped(question, Naming::labels(&self.survey.definition, self.language)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::file::from_toml;

    const SURVEY: &str = r#"
format = 1
slug = "piping"
default_language = "en"
languages = ["en", "es"]
title = { en = "Piping", es = "Piping" }
thank_you = { en = "Thanks for telling us about ${NAME|your project}.", es = "Gracias por hablarnos de ${NAME|su proyecto}." }
[[pages]]
code = "p1"
[[pages.questions]]
code = "NAME"
type = "short_text"
text = { en = "Name?", es = "¿Nombre?" }
[[pages.questions]]
code = "KIND"
type = "multiple_choice"
other = true
text = { en = "Kind?", es = "¿Tipo?" }
choices = [{ code = "lab", label = { en = "Lab", es = "Laboratorio" } }, { code = "firm", label = { en = "Firm", es = "Empresa" } }]
[[pages]]
code = "p2"
title = { en = "About ${NAME|the project} (${KIND})", es = "Sobre ${NAME|el proyecto} (${KIND})" }
[[pages.questions]]
code = "MORE"
type = "short_text"
text = { en = "More?", es = "¿Más?" }
"#;

    fn answers(pairs: &[(&str, &str, &str)]) -> AnswerSet {
        let mut set = AnswerSet::new();
        for (q, item, value) in pairs {
            set.entry(q.to_string()).or_default().insert(item.to_string(), value.to_string());
        }
        set
    }

    #[test]
    fn earlier_answers_are_piped_in_by_label_in_the_language_or_the_fallback_shown() {
        let survey = from_toml(SURVEY).unwrap();
        let title = &survey.definition.pages[1].title;
        let given = answers(&[("NAME", "", "BLOOM <b>"), ("KIND", "lab", "1"), ("KIND", "other", "Guild")]);
        assert_eq!(Texts::new(&survey, &given, "en").show(title), "About BLOOM <b> (Lab, Guild)");
        assert_eq!(Texts::new(&survey, &given, "es").show(title), "Sobre BLOOM <b> (Laboratorio, Guild)");
        let none = AnswerSet::new();
        assert_eq!(Texts::new(&survey, &none, "es").show(title), "Sobre el proyecto ()");
        let thanks = &survey.definition.thank_you;
        assert_eq!(Texts::new(&survey, &none, "en").show(thanks), "Thanks for telling us about your project.");
    }

    #[test]
    fn a_text_may_pipe_only_a_question_on_an_earlier_page() {
        let same_page = SURVEY.replace(
            "code = \"MORE\"\ntype = \"short_text\"\ntext = { en = \"More?\"",
            "code = \"MORE\"\ntype = \"short_text\"\ntext = { en = \"More about ${MORE}?\"",
        );
        let errors = from_toml(&same_page).unwrap_err();
        assert_eq!(errors[0].path, "pages[1].questions[0].text.en", "{errors:?}");
        assert!(errors[0].message.contains("not asked on an earlier page"), "{errors:?}");
        let unknown = SURVEY.replace("${KIND})\", es", "${NOPE})\", es");
        let errors = from_toml(&unknown).unwrap_err();
        assert!(errors[0].message.contains("at character 27: ${NOPE}: the survey has no question NOPE"), "{errors:?}");
        let welcome = SURVEY.replace("title = { en = \"Piping\"", "title = { en = \"Piping ${NAME}\"");
        assert!(from_toml(&welcome).unwrap_err()[0].path == "title.en");
    }
}
