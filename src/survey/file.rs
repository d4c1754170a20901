//! Reading and writing the TOML questionnaire format (docs/questionnaire-format.md).

use super::model::SurveyDefinition;
use super::validate::{CompiledSurvey, DefinitionError};

/// Parses and checks a TOML questionnaire; every problem is returned, each with its place.
pub fn from_toml(text: &str) -> Result<CompiledSurvey, Vec<DefinitionError>> {
    let definition: SurveyDefinition = toml::from_str(text).map_err(|err| vec![syntax_error(text, &err)])?;
    CompiledSurvey::compile(definition)
}

/// A TOML or shape error, placed by line and column.
fn syntax_error(text: &str, err: &toml::de::Error) -> DefinitionError {
    let path = match err.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}")
        }
        None => String::new(),
    };
    DefinitionError { path, message: err.message().to_string() }
}

/// Writes a definition as TOML; `from_toml` of the result gives the same definition back.
pub fn to_toml(definition: &SurveyDefinition) -> Result<String, toml::ser::Error> {
    let body = toml::to_string_pretty(definition)?;
    Ok(format!("# fieldwork questionnaire; format described in docs/questionnaire-format.md\n{body}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIPPED: &str = include_str!("../../questionnaires/open-llm-governance.toml");

    #[test]
    fn the_shipped_questionnaire_is_valid() {
        let compiled = from_toml(SHIPPED).unwrap_or_else(|errors| {
            panic!("{}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
        });
        let d = &compiled.definition;
        assert_eq!(d.slug, "open-llm-governance");
        assert!(d.languages.len() >= 2);
        let open = d.questions().filter(|(_, q)| q.kind == super::super::model::QuestionType::LongText).count();
        assert!(open >= 6, "{open} open questions");
        assert!(!compiled.question_conditions.is_empty(), "display logic is used");
    }

    #[test]
    fn export_then_import_gives_the_same_definition() {
        let first = from_toml(SHIPPED).unwrap().definition;
        let exported = to_toml(&first).unwrap();
        let second = from_toml(&exported).unwrap().definition;
        assert_eq!(first, second);
        assert_eq!(exported, to_toml(&second).unwrap());
    }

    #[test]
    fn a_survey_without_a_welcome_page_says_so_in_its_file_and_others_need_not() {
        let mut definition = from_toml(SHIPPED).unwrap().definition;
        assert!(definition.welcome_page, "on unless the file turns it off");
        assert!(!to_toml(&definition).unwrap().contains("welcome_page"));
        definition.welcome_page = false;
        definition.consent.clear();
        let exported = to_toml(&definition).unwrap();
        assert!(exported.contains("welcome_page = false"), "{exported}");
        assert!(!from_toml(&exported).unwrap().definition.welcome_page);
    }

    #[test]
    fn bounds_are_written_as_they_were_imported() {
        let text = SHIPPED.replacen("[[pages.questions]]", "[[pages.questions]]\ncode = \"BOUNDS\"\ntype = \"number\"\ntext = { en = \"How many?\", es = \"¿Cuántos?\" }\nmin = 0\nmax = 50\n\n[[pages.questions]]\ncode = \"RATIO\"\ntype = \"number\"\nnumber_kind = \"decimal\"\ntext = { en = \"Share?\", es = \"¿Parte?\" }\nmin = 0.5\nmax = 2.25\n\n[[pages.questions]]", 1);
        let definition = from_toml(&text).unwrap_or_else(|e| panic!("{e:?}")).definition;
        let exported = to_toml(&definition).unwrap();
        for written in ["min = 0\n", "max = 50\n", "min = 0.5\n", "max = 2.25\n"] {
            assert!(exported.contains(written), "{written:?} not in the export");
        }
        assert!(!exported.contains("min = 0.0") && !exported.contains("max = 50.0"));
        // Stored as JSON too: the survey's page reads the same bounds back.
        let json = serde_json::to_string(&definition).unwrap();
        assert_eq!(serde_json::from_str::<super::super::model::SurveyDefinition>(&json).unwrap(), definition);
    }

    /// Every key of issue 17: randomised pages and questions with order groups, anchored and
    /// exclusive choices and rows, constraints with their messages, piping, missing-data codes.
    const METHODS: &str = r#"
format = 1
slug = "methods"
default_language = "en"
languages = ["en", "es"]
title = { en = "Methods", es = "Métodos" }
thank_you = { en = "Thanks about ${NAME|your project}.", es = "Gracias por ${NAME|su proyecto}." }

[missing_codes]
not_shown = -1
not_reached = -2
skipped = -3

[[pages]]
code = "p1"
[[pages.questions]]
code = "NAME"
type = "short_text"
text = { en = "Name?", es = "¿Nombre?" }
constraint = "string-length(.) <= 40 and not(regex(., '[<>]'))"
constraint_message = { en = "At most 40 characters, no < or >.", es = "Como máximo 40 caracteres, sin < ni >." }

[[pages]]
code = "p2"
title = { en = "About ${NAME|the project}", es = "Sobre ${NAME|el proyecto}" }
randomize = true
[[pages.questions]]
code = "WHY"
type = "multiple_choice"
randomize = true
order_group = "g"
other = true
text = { en = "Why?", es = "¿Por qué?" }
choices = [
  { code = "a", label = { en = "A", es = "A" } },
  { code = "b", label = { en = "B", es = "B" } },
  { code = "none", label = { en = "None", es = "Ninguno" }, exclusive = true },
  { code = "dk", label = { en = "Don't know", es = "No sé" }, anchor = true },
]
[[pages.questions]]
code = "GRID"
type = "matrix"
randomize = true
order_group = "g"
text = { en = "Rate ${NAME}", es = "Valore ${NAME}" }
rows = [{ code = "r1", label = { en = "R1", es = "F1" } }, { code = "r2", label = { en = "R2", es = "F2" }, anchor = true }]
choices = [{ code = "lo", label = { en = "Low", es = "Bajo" } }, { code = "hi", label = { en = "High", es = "Alto" } }]
[[pages.questions]]
code = "YEARS"
type = "number"
text = { en = "Years?", es = "¿Años?" }
constraint = "if(selected(${WHY}, 'none'), . = 0, . >= 1)"
"#;

    #[test]
    fn every_key_of_the_survey_methods_round_trips() {
        let first = from_toml(METHODS).unwrap_or_else(|e| panic!("{e:?}")).definition;
        let exported = to_toml(&first).unwrap();
        let second = from_toml(&exported).unwrap().definition;
        assert_eq!(first, second);
        assert_eq!(exported, to_toml(&second).unwrap());
        for key in [
            "randomize = true",
            "order_group = \"g\"",
            "exclusive = true",
            "anchor = true",
            "constraint = ",
            "[pages.questions.constraint_message]",
            "[missing_codes]",
            "not_reached = -2",
            "${NAME|the project}",
        ] {
            assert!(exported.contains(key), "{key} is missing from\n{exported}");
        }
        let json = serde_json::to_string(&first).unwrap();
        assert_eq!(serde_json::from_str::<super::super::model::SurveyDefinition>(&json).unwrap(), first);
        // The defaults are left out of the file.
        let shipped = to_toml(&from_toml(SHIPPED).unwrap().definition).unwrap();
        assert!(!shipped.contains("missing_codes"));
        assert!(
            !shipped.contains("exclusive = false")
                && !shipped.contains("anchor = false")
                && !shipped.contains("randomize = false")
        );
        let marked = SHIPPED.matches("exclusive = true").count();
        assert!(marked > 0 && shipped.matches("exclusive = true").count() == marked, "only the marked choices");
    }

    #[test]
    fn misplaced_method_keys_and_bad_constraints_are_reported_with_their_place() {
        let bad = METHODS
            .replace("not_reached = -2", "not_reached = -1")
            .replace(
                "code = \"YEARS\"\ntype = \"number\"",
                "code = \"YEARS\"\ntype = \"number\"\nrandomize = true\norder_group = \"x y\"",
            )
            .replace("constraint = \"if(", "constraint = \"${YEARS} > 1 and if(")
            .replace(
                "{ code = \"b\", label = { en = \"B\", es = \"B\" } },",
                "{ code = \"b\", label = { en = \"B\", es = \"B\" }, exclusive = true },",
            )
            .replace(
                "rows = [{ code = \"r1\", label = { en = \"R1\", es = \"F1\" } }",
                "rows = [{ code = \"r1\", label = { en = \"R1\", es = \"F1\" }, exclusive = true }",
            )
            .replace("string-length(.) <= 40", "string-length(.) <= 40 and regex(., '(')");
        let errors = from_toml(&bad).unwrap_err();
        let found: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for expected in [
            "missing_codes: not_shown, not_reached and skipped need three different codes",
            "pages[1].questions[2].randomize: does not apply to a number question",
            "pages[1].questions[2].order_group: \"x y\" is not a code",
            "pages[1].questions[1].rows[0].exclusive: applies only to a multiple choice's choices",
            "pages[0].questions[0].constraint: at character 36: not a valid regular expression",
        ] {
            assert!(found.iter().any(|f| f.starts_with(expected)), "{expected} not in {found:#?}");
        }
        let display_logic_with_dot = METHODS.replace("code = \"WHY\"\n", "code = \"WHY\"\nrelevant = \". = 'x'\"\n");
        let errors = from_toml(&display_logic_with_dot).unwrap_err();
        assert!(errors[0].to_string().contains("relevant: at character 0: '.' stands for the answer"), "{errors:?}");
    }

    #[test]
    fn a_syntax_error_is_placed_by_line_and_column() {
        let errors = from_toml("format = 1\nslug = \n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].path.starts_with("line 2"), "{:?}", errors[0]);
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let text = r#"
format = 1
slug = "Bad Slug"
default_language = "en"
languages = ["en", "es"]
title = { en = "T", xx = "?" }

[[pages]]
code = "p1"

[[pages.questions]]
code = "Q1"
type = "single_choice"
text = { en = "Pick" }
choices = [{ code = "a", label = { en = "A" } }, { code = "a", label = { en = "A again" } }, { code = "other", label = { en = "O" } }]

[[pages.questions]]
code = "Q1"
type = "number"
text = { en = "How many?" }
min = 10
max = 2
relevant = "${Q9} = 'x'"

[[pages.questions]]
code = "1bad"
type = "short_text"
text = { es = "solo español" }
pattern = "("
"#;
        let errors = from_toml(text).unwrap_err();
        let places: Vec<String> = errors.iter().map(|e| e.path.clone()).collect();
        for expected in [
            "slug",
            "title.xx",
            "pages[0].questions[0].choices[1].code",
            "pages[0].questions[0].choices[2].code",
            "pages[0].questions[1].code",
            "pages[0].questions[1].min",
            "pages[0].questions[2].code",
            "pages[0].questions[2].text",
            "pages[0].questions[2].pattern",
        ] {
            assert!(places.iter().any(|p| p == expected), "missing {expected} in {places:?}");
        }
    }
}
