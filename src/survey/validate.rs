//! Checking a definition as a whole and compiling what the respondent pages need (conditions and
//! patterns). Every problem is reported with its place (`pages[1].questions[0].code`), never just
//! the first.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use super::logic::Condition;
use super::model::{FORMAT, QuestionType, SurveyDefinition, Text};
use crate::text::{Lines, typed};

/// A code: a letter, then up to `max - 1` letters, digits or `_` (ASCII).
pub fn is_code(text: &str, max: usize) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.len() <= max
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A survey address: 3–64 lowercase letters, digits and hyphens, not starting with a hyphen.
pub(crate) fn is_slug(text: &str) -> bool {
    (3..=64).contains(&text.len())
        && !text.starts_with('-')
        && text.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// A language tag such as `en` or `pt-BR`: 2–3 lowercase letters, then `-` and 2–8 letters or
/// digits, any number of times.
fn is_language(text: &str) -> bool {
    let mut parts = text.split('-');
    let base_ok = parts.next().is_some_and(|b| (2..=3).contains(&b.len()) && b.chars().all(|c| c.is_ascii_lowercase()));
    base_ok && parts.all(|p| (2..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// Choice codes fieldwork uses itself ("other" names the Other text's export column).
const RESERVED_CHOICE_CODES: [&str; 1] = ["other"];

/// One problem in a definition, and where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DefinitionError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() { write!(f, "{}", self.message) } else { write!(f, "{}: {}", self.path, self.message) }
    }
}

/// A checked definition with its conditions parsed and its patterns compiled.
#[derive(Debug)]
pub struct CompiledSurvey {
    pub definition: SurveyDefinition,
    pub page_conditions: Vec<Option<Condition>>,
    pub question_conditions: HashMap<String, Condition>,
    pub patterns: HashMap<String, Regex>,
}

impl CompiledSurvey {
    pub fn compile(definition: SurveyDefinition) -> Result<CompiledSurvey, Vec<DefinitionError>> {
        let mut check = Checker { errors: Vec::new(), definition: &definition };
        check.survey();
        let (page_conditions, question_conditions) = check.conditions();
        let patterns = check.patterns();
        if !check.errors.is_empty() {
            return Err(check.errors);
        }
        Ok(CompiledSurvey { definition, page_conditions, question_conditions, patterns })
    }
}

/// Makes every text of a definition being saved canonical as typed (`text::typed`): line breaks
/// as `\n` (browsers send a textarea's as `\r\n`, and Windows files have them too; left in, they
/// would make unchanged texts look edited), and returns each text holding an invisible control
/// character, with its place. Not part of `compile`, which also reads stored definitions: a survey
/// stored before this rule keeps opening.
pub fn typed_texts(definition: &mut SurveyDefinition) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    for (path, text) in definition.texts_mut() {
        for (language, value) in text.iter_mut() {
            match typed(value, Lines::Many) {
                Ok(canonical) => *value = canonical,
                Err(problem) => {
                    errors.push(DefinitionError { path: format!("{path}.{language}"), message: problem.to_string() })
                }
            }
        }
    }
    errors
}

struct Checker<'a> {
    errors: Vec<DefinitionError>,
    definition: &'a SurveyDefinition,
}

impl Checker<'_> {
    fn error(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(DefinitionError { path: path.into(), message: message.into() });
    }

    fn survey(&mut self) {
        let d = self.definition;
        if d.format != FORMAT {
            self.error("format", format!("this fieldwork reads format {FORMAT}, not {}", d.format));
        }
        if !is_slug(&d.slug) {
            self.error("slug", "use 3–64 lowercase letters, digits and hyphens, starting with a letter or digit");
        }
        self.languages();
        self.text("title", &d.title, true);
        self.text("description", &d.description, false);
        self.text("consent", &d.consent, false);
        if !d.welcome_page && !d.consent.is_empty() {
            self.error(
                "consent",
                "respondents accept the consent on the welcome page: keep the welcome page or remove the consent",
            );
        }
        self.text("thank_you", &d.thank_you, false);
        self.dates();
        for (key, text) in &d.messages {
            if !super::messages::is_known(key) {
                self.error(
                    format!("messages.{key}"),
                    "not a message fieldwork shows; see the list in the documentation",
                );
            }
            self.text(&format!("messages.{key}"), text, false);
        }
        if d.pages.is_empty() {
            self.error("pages", "a survey needs at least one page");
        }
        self.codes();
        for (p, page) in d.pages.iter().enumerate() {
            self.text(&format!("pages[{p}].title"), &page.title, false);
            for (q, question) in page.questions.iter().enumerate() {
                self.question(&format!("pages[{p}].questions[{q}]"), question);
            }
        }
    }

    fn languages(&mut self) {
        let d = self.definition;
        if d.languages.is_empty() {
            self.error("languages", "list at least one language, the default first");
        }
        let mut seen = HashSet::new();
        for (i, language) in d.languages.iter().enumerate() {
            if !is_language(language) {
                self.error(
                    format!("languages[{i}]"),
                    format!("\"{language}\" is not a language code such as en or pt-BR"),
                );
            }
            if !seen.insert(language) {
                self.error(format!("languages[{i}]"), format!("\"{language}\" is listed twice"));
            }
        }
        if !d.languages.contains(&d.default_language) {
            self.error("default_language", format!("\"{}\" must be one of `languages`", d.default_language));
        }
    }

    /// A translatable text: only the survey's languages, and the default one when required.
    fn text(&mut self, path: &str, text: &Text, required: bool) {
        let d = self.definition;
        for language in text.keys() {
            if !d.languages.contains(language) {
                self.error(
                    format!("{path}.{language}"),
                    format!("\"{language}\" is not one of the survey's languages"),
                );
            }
        }
        let has_default = text.get(&d.default_language).is_some_and(|t| !t.trim().is_empty());
        if required && !has_default {
            self.error(path, format!("the text in the default language ({}) is required", d.default_language));
        } else if !text.is_empty() && !has_default {
            self.error(path, format!("give the text in the default language ({}) too", d.default_language));
        }
    }

    fn dates(&mut self) {
        let d = self.definition;
        let parse = |value: &Option<String>| {
            value.as_deref().map(|v| time::OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339))
        };
        let opens = parse(&d.opens_at);
        let closes = parse(&d.closes_at);
        if let Some(Err(_)) = opens {
            self.error("opens_at", "use an RFC 3339 time such as 2026-03-01T09:00:00Z");
        }
        if let Some(Err(_)) = closes {
            self.error("closes_at", "use an RFC 3339 time such as 2026-04-01T00:00:00Z");
        }
        if let (Some(Ok(opens)), Some(Ok(closes))) = (opens, closes)
            && closes <= opens
        {
            self.error("closes_at", "must be after opens_at");
        }
    }

    /// Page and question codes: well-formed and unique.
    fn codes(&mut self) {
        let d = self.definition;
        let mut pages = HashSet::new();
        let mut questions = HashSet::new();
        for (p, page) in d.pages.iter().enumerate() {
            self.code(&format!("pages[{p}].code"), &page.code);
            if !pages.insert(page.code.as_str()) {
                self.error(format!("pages[{p}].code"), format!("another page already has the code {}", page.code));
            }
            for (q, question) in page.questions.iter().enumerate() {
                let path = format!("pages[{p}].questions[{q}].code");
                self.code(&path, &question.code);
                if !questions.insert(question.code.as_str()) {
                    self.error(path, format!("another question already has the code {}", question.code));
                }
            }
        }
    }

    fn code(&mut self, path: &str, code: &str) {
        if !is_code(code, 32) {
            self.error(
                path,
                format!("\"{code}\" is not a code: start with a letter, then up to 31 letters, digits or _"),
            );
        }
    }

    fn question(&mut self, path: &str, q: &super::model::Question) {
        use QuestionType::*;
        self.text(&format!("{path}.text"), &q.text, true);
        self.text(&format!("{path}.help"), &q.help, false);
        self.text(&format!("{path}.pattern_message"), &q.pattern_message, false);
        let kind = q.kind;
        let set: [(&str, bool); 11] = [
            ("required", q.required),
            ("min_length", q.min_length.is_some()),
            ("max_length", q.max_length.is_some()),
            ("pattern", q.pattern.is_some()),
            ("number_kind", q.number_kind.is_some()),
            ("min", q.min.is_some()),
            ("max", q.max.is_some()),
            ("display", q.display.is_some()),
            ("other", q.other),
            ("min_selected", q.min_selected.is_some() || q.max_selected.is_some()),
            ("rows", !q.rows.is_empty()),
        ];
        for (key, present) in set {
            if present && !kind.takes(key) {
                self.error(format!("{path}.{key}"), format!("does not apply to a {} question", kind.as_str()));
            }
        }
        if q.takes_choices() && q.choices.is_empty() {
            self.error(format!("{path}.choices"), format!("a {} question needs choices", kind.as_str()));
        }
        if !q.takes_choices() && !q.choices.is_empty() {
            self.error(format!("{path}.choices"), format!("a {} question has no choices", kind.as_str()));
        }
        if kind == Matrix && q.rows.is_empty() {
            self.error(format!("{path}.rows"), "a matrix question needs rows");
        }
        self.choices(&format!("{path}.choices"), &q.choices);
        self.choices(&format!("{path}.rows"), &q.rows);
        self.bounds(path, q);
    }

    fn choices(&mut self, path: &str, choices: &[super::model::Choice]) {
        let mut seen = HashSet::new();
        for (i, choice) in choices.iter().enumerate() {
            let at = format!("{path}[{i}]");
            self.code(&format!("{at}.code"), &choice.code);
            if RESERVED_CHOICE_CODES.contains(&choice.code.as_str()) {
                self.error(format!("{at}.code"), "\"other\" is reserved; set other = true on the question instead");
            }
            if !seen.insert(choice.code.as_str()) {
                self.error(format!("{at}.code"), format!("the code {} is used twice here", choice.code));
            }
            self.text(&format!("{at}.label"), &choice.label, true);
        }
    }

    fn bounds(&mut self, path: &str, q: &super::model::Question) {
        if let (Some(min), Some(max)) = (q.min_length, q.max_length)
            && min > max
        {
            self.error(format!("{path}.min_length"), "must not be larger than max_length");
        }
        if let (Some(min), Some(max)) = (q.min, q.max)
            && min > max
        {
            self.error(format!("{path}.min"), "must not be larger than max");
        }
        let options = q.choices.len() as u32 + u32::from(q.other);
        if let (Some(min), Some(max)) = (q.min_selected, q.max_selected)
            && min > max
        {
            self.error(format!("{path}.min_selected"), "must not be larger than max_selected");
        }
        if q.min_selected.is_some_and(|min| min > options) {
            self.error(format!("{path}.min_selected"), format!("the question has only {options} options"));
        }
    }

    /// Parses every condition; each may use only questions asked before it.
    fn conditions(&mut self) -> (Vec<Option<Condition>>, HashMap<String, Condition>) {
        let d = self.definition;
        let mut asked: Vec<&str> = Vec::new();
        let mut page_conditions = Vec::new();
        let mut question_conditions = HashMap::new();
        for (p, page) in d.pages.iter().enumerate() {
            page_conditions.push(self.condition(&format!("pages[{p}].relevant"), page.relevant.as_deref(), &asked));
            for (q, question) in page.questions.iter().enumerate() {
                let path = format!("pages[{p}].questions[{q}].relevant");
                if let Some(condition) = self.condition(&path, question.relevant.as_deref(), &asked) {
                    question_conditions.insert(question.code.clone(), condition);
                }
                if question.kind != QuestionType::Display {
                    asked.push(&question.code);
                }
            }
        }
        (page_conditions, question_conditions)
    }

    fn condition(&mut self, path: &str, source: Option<&str>, asked: &[&str]) -> Option<Condition> {
        let source = source?;
        match Condition::parse(source) {
            Ok(condition) => {
                for code in condition.referenced_codes() {
                    if !asked.contains(&code.as_str()) {
                        self.error(path, format!("${{{code}}} is not a question asked before this point"));
                    }
                }
                Some(condition)
            }
            Err(err) => {
                self.error(path, format!("{err}"));
                None
            }
        }
    }

    fn patterns(&mut self) -> HashMap<String, Regex> {
        let mut patterns = HashMap::new();
        for (p, page) in self.definition.pages.iter().enumerate() {
            for (q, question) in page.questions.iter().enumerate() {
                let Some(pattern) = &question.pattern else { continue };
                // Anchored: the whole answer must match, as in XLSForm's regex constraint.
                match regex::RegexBuilder::new(&format!("^(?:{pattern})$")).size_limit(1 << 20).build() {
                    Ok(regex) => {
                        patterns.insert(question.code.clone(), regex);
                    }
                    Err(err) => {
                        let message = format!("not a valid regular expression: {err}");
                        self.errors
                            .push(DefinitionError { path: format!("pages[{p}].questions[{q}].pattern"), message });
                    }
                }
            }
        }
        patterns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_slugs_and_language_tags_are_recognised() {
        for good in ["Q1", "a", "ROLE_2", &"x".repeat(32)] {
            assert!(is_code(good, 32), "{good}");
        }
        for bad in ["", "1Q", "_a", "a-b", "é", &"x".repeat(33)] {
            assert!(!is_code(bad, 32), "{bad}");
        }
        assert!(
            is_slug("open-llm-governance") && is_slug("abc") && !is_slug("ab") && !is_slug("-ab") && !is_slug("Abc")
        );
        assert!(
            is_language("en")
                && is_language("pt-BR")
                && is_language("zh-Hant-TW")
                && !is_language("EN")
                && !is_language("e")
        );
    }
}
