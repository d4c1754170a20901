//! Checking a definition as a whole and compiling what the respondent pages need (conditions and
//! patterns). Every problem is reported with its place (`pages[1].questions[0].code`), never just
//! the first.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use super::logic::Condition;
use super::model::{FORMAT, Question, QuestionType, SurveyDefinition, Text};
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
    /// Each question's `constraint`, by code.
    pub constraints: HashMap<String, Condition>,
    /// The conditions of choices offered only when they hold, by (question code, choice code).
    pub choice_conditions: HashMap<(String, String), Condition>,
    pub patterns: HashMap<String, Regex>,
    /// Where each question is: (page index, position on the page), by code.
    places: HashMap<String, (usize, usize)>,
}

/// A definition's conditions, parsed (`Checker::conditions`).
struct Conditions {
    pages: Vec<Option<Condition>>,
    questions: HashMap<String, Condition>,
    constraints: HashMap<String, Condition>,
    choices: HashMap<(String, String), Condition>,
}

/// Which rules a definition is checked by.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rules {
    /// Every rule: a definition being imported or saved.
    All,
    /// The rules a definition was saved under at any time: one read back from the database, which
    /// must keep opening when a rule is added (piping references, paradata column names).
    Stored,
}

impl CompiledSurvey {
    /// Checks a definition being imported or saved by every rule, and compiles it.
    pub fn compile(definition: SurveyDefinition) -> Result<CompiledSurvey, Vec<DefinitionError>> {
        CompiledSurvey::compile_by(definition, Rules::All)
    }

    /// Compiles a stored definition, which was checked when it was saved: the rules added since
    /// (texts piping earlier answers, question codes clear of the paradata columns) are not asked
    /// again, so that every survey stored before them keeps opening.
    pub fn compile_stored(definition: SurveyDefinition) -> Result<CompiledSurvey, Vec<DefinitionError>> {
        CompiledSurvey::compile_by(definition, Rules::Stored)
    }

    fn compile_by(definition: SurveyDefinition, rules: Rules) -> Result<CompiledSurvey, Vec<DefinitionError>> {
        let mut check = Checker { errors: Vec::new(), definition: &definition };
        check.survey();
        let Conditions { pages: page_conditions, questions: question_conditions, constraints, choices } =
            check.conditions();
        let patterns = check.patterns();
        if rules == Rules::All {
            check.pipes();
            check.column_names();
        }
        if !check.errors.is_empty() {
            return Err(check.errors);
        }
        let places = definition
            .pages
            .iter()
            .enumerate()
            .flat_map(|(p, page)| {
                page.questions.iter().enumerate().map(move |(q, question)| (question.code.clone(), (p, q)))
            })
            .collect();
        Ok(CompiledSurvey {
            definition,
            page_conditions,
            question_conditions,
            constraints,
            choice_conditions: choices,
            patterns,
            places,
        })
    }

    /// The question with this code.
    pub fn question(&self, code: &str) -> Option<&Question> {
        let (page, position) = *self.places.get(code)?;
        self.definition.pages.get(page)?.questions.get(position)
    }

    /// Whether `choice` of `question` is offered to a respondent whose answers are `answers`: it
    /// has no condition, or its condition holds.
    pub fn offers(&self, question: &str, choice: &str, answers: &dyn super::logic::Answers) -> bool {
        if self.choice_conditions.is_empty() {
            return true;
        }
        let key = (question.to_string(), choice.to_string());
        self.choice_conditions.get(&key).is_none_or(|condition| condition.evaluate(answers))
    }

    /// The index of the page the question with this code is on.
    pub fn page_of(&self, code: &str) -> Option<usize> {
        self.places.get(code).map(|(page, _)| *page)
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
        self.missing_codes();
        for (p, page) in d.pages.iter().enumerate() {
            self.text(&format!("pages[{p}].title"), &page.title, false);
            for (q, question) in page.questions.iter().enumerate() {
                let path = format!("pages[{p}].questions[{q}]");
                self.question(&path, question);
                if let Some(group) = &question.order_group {
                    if !page.randomize {
                        self.error(format!("{path}.order_group"), "takes effect only on a page with randomize = true");
                    }
                    self.code(&format!("{path}.order_group"), group);
                }
            }
        }
    }

    /// The three missing-data codes must tell the reasons apart.
    fn missing_codes(&mut self) {
        let codes = self.definition.missing_codes;
        let named = [("not_reached", codes.not_reached), ("skipped", codes.skipped)];
        if named.iter().any(|(_, code)| *code == codes.not_shown) || codes.not_reached == codes.skipped {
            self.error("missing_codes", "not_shown, not_reached and skipped need three different codes");
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
        self.text(&format!("{path}.constraint_message"), &q.constraint_message, false);
        if !q.constraint_message.is_empty() && q.constraint.is_none() {
            self.error(format!("{path}.constraint_message"), "says why a constraint failed: add the constraint");
        }
        let kind = q.kind;
        let set: [(&str, bool); 13] = [
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
            ("constraint", q.constraint.is_some()),
            ("randomize", q.randomize),
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
        // What marks a choice: exclusive only in a multiple choice's choices; anchored only where
        // the order is randomised (a matrix shuffles its rows, never its scale).
        let anchors = |rows: bool| q.randomize && (kind == Matrix) == rows;
        for (list, name, anchored, exclusive) in
            [(&q.choices, "choices", anchors(false), kind == MultipleChoice), (&q.rows, "rows", anchors(true), false)]
        {
            for (i, choice) in list.iter().enumerate() {
                if choice.anchor && !anchored {
                    let message = "keeps a choice in place when the order is randomised: set randomize = true on the \
                                   question (a matrix shuffles its rows, not its scale)";
                    self.error(format!("{path}.{name}[{i}].anchor"), message);
                }
                if choice.exclusive && !exclusive {
                    self.error(format!("{path}.{name}[{i}].exclusive"), "applies only to a multiple choice's choices");
                }
            }
        }
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

    /// Parses every condition and constraint; each may use only questions asked before it (a
    /// constraint also its own question's answer, as `.`; a choice's condition only questions of
    /// earlier pages, so that the server decides which choices a page offers when it shows it).
    fn conditions(&mut self) -> Conditions {
        let d = self.definition;
        let mut asked: Vec<&str> = Vec::new();
        let mut page_conditions = Vec::new();
        let mut question_conditions = HashMap::new();
        let mut constraints = HashMap::new();
        let mut choices = HashMap::new();
        for (p, page) in d.pages.iter().enumerate() {
            let source = page.relevant.as_deref();
            page_conditions.push(self.condition(&format!("pages[{p}].relevant"), source, &asked, Condition::parse));
            let before_page = asked.clone();
            for (q, question) in page.questions.iter().enumerate() {
                let path = format!("pages[{p}].questions[{q}]");
                for (r, _) in question.rows.iter().enumerate().filter(|(_, row)| row.relevant.is_some()) {
                    self.error(
                        format!("{path}.rows[{r}].relevant"),
                        "a matrix's rows are all asked: only choices take a condition",
                    );
                }
                for (c, choice) in question.choices.iter().enumerate() {
                    let (at, source) = (format!("{path}.choices[{c}].relevant"), choice.relevant.as_deref());
                    if source.is_some() && question.kind == QuestionType::Matrix {
                        self.error(at, "a matrix's scale is the same for every row: only choices of a choice question or a ranking take a condition");
                        continue;
                    }
                    if let Some(condition) = self.condition(&at, source, &before_page, Condition::parse) {
                        choices.insert((question.code.clone(), choice.code.clone()), condition);
                    }
                }
                let source = question.relevant.as_deref();
                if let Some(condition) = self.condition(&format!("{path}.relevant"), source, &asked, Condition::parse) {
                    question_conditions.insert(question.code.clone(), condition);
                }
                if question.kind != QuestionType::Display {
                    asked.push(&question.code);
                }
                let source = question.constraint.as_deref();
                let parse = Condition::parse_constraint;
                if let Some(condition) = self.condition(&format!("{path}.constraint"), source, &asked, parse) {
                    constraints.insert(question.code.clone(), condition);
                }
            }
        }
        Conditions { pages: page_conditions, questions: question_conditions, constraints, choices }
    }

    fn condition(
        &mut self,
        path: &str,
        source: Option<&str>,
        asked: &[&str],
        parse: fn(&str) -> Result<Condition, super::logic::LogicError>,
    ) -> Option<Condition> {
        let source = source?;
        match parse(source) {
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

    /// Texts that pipe earlier answers in (`${CODE}`): each reference names a question with a text,
    /// number, date or choice answer on an earlier page (the thank-you text: on any page). The
    /// welcome page's texts come before every question and take none.
    fn pipes(&mut self) {
        let d = self.definition;
        let mut before: Vec<&Question> = Vec::new();
        let no_earlier: Vec<&Question> = Vec::new();
        for (path, text) in [("title", &d.title), ("description", &d.description), ("consent", &d.consent)] {
            self.pipe(path, text, &no_earlier);
        }
        for (p, page) in d.pages.iter().enumerate() {
            self.pipe(&format!("pages[{p}].title"), &page.title, &before);
            for (q, question) in page.questions.iter().enumerate() {
                let at = format!("pages[{p}].questions[{q}]");
                self.pipe(&format!("{at}.text"), &question.text, &before);
                self.pipe(&format!("{at}.help"), &question.help, &before);
                self.pipe(&format!("{at}.constraint_message"), &question.constraint_message, &before);
                for (list, name) in [(&question.choices, "choices"), (&question.rows, "rows")] {
                    for (i, choice) in list.iter().enumerate() {
                        self.pipe(&format!("{at}.{name}[{i}].label"), &choice.label, &before);
                    }
                }
            }
            before.extend(page.questions.iter());
        }
        self.pipe("thank_you", &d.thank_you, &before);
    }

    fn pipe(&mut self, path: &str, text: &Text, earlier: &[&Question]) {
        use QuestionType::*;
        for (language, value) in text {
            let at = format!("{path}.{language}");
            let references = match super::pipe::references(value) {
                Ok(references) => references,
                Err(err) => {
                    self.error(at, err.to_string());
                    continue;
                }
            };
            for reference in references {
                let code = reference.code;
                let found = earlier.iter().find(|q| q.code == code);
                let problem = match found.map(|q| q.kind) {
                    Some(ShortText | LongText | Number | Date | SingleChoice | MultipleChoice) => continue,
                    Some(kind) => format!(
                        "${{{code}}} is a {} question: piping takes a text, number, date or choice answer",
                        kind.as_str()
                    ),
                    None if self.definition.question(code).is_some() => {
                        format!("${{{code}}} is not asked on an earlier page: a text shows answers given before it")
                    }
                    None => format!("${{{code}}}: the survey has no question {code}"),
                };
                self.error(at.clone(), format!("at character {}: {problem}", reference.position));
            }
        }
    }

    /// Question codes are the export's column names: none may be a paradata column's name.
    fn column_names(&mut self) {
        let d = self.definition;
        let paradata = crate::paradata::column_names(d);
        let mut seen = HashSet::new();
        for name in &paradata {
            if !seen.insert(name) {
                let message = format!(
                    "the export would have two columns {name}: give a randomised page and question different codes"
                );
                self.error("pages", message);
            }
        }
        for (p, page) in d.pages.iter().enumerate() {
            for (q, question) in page.questions.iter().enumerate() {
                if paradata.contains(&question.code) {
                    let message =
                        format!("{} names a column of the export's paradata; choose another code", question.code);
                    self.error(format!("pages[{p}].questions[{q}].code"), message);
                }
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
