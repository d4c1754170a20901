//! A survey's definition: texts in every language, pages, questions and choices. The same types
//! are read from and written to the TOML file format (docs/questionnaire-format.md) and stored as
//! JSON in the database.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A text in every language of the survey, keyed by language code.
pub type Text = BTreeMap<String, String>;

/// The file format version this fieldwork reads and writes.
pub const FORMAT: u32 = 1;

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_true(value: &bool) -> bool {
    *value
}

fn yes() -> bool {
    true
}

/// Accepts `min = 0` as well as `min = 0.5`: people write whole numbers without a decimal point.
fn number_or_integer<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Float(f64),
        Integer(i64),
    }
    Ok(Option::<Number>::deserialize(deserializer)?.map(|n| match n {
        Number::Float(f) => f,
        // Bounds are small; the precision of f64 is ample for them.
        Number::Integer(i) => i as f64,
    }))
}

/// Writes a whole-number bound as an integer (`min = 0`, not `min = 0.0`), so that a questionnaire
/// exported reads as it was written; other bounds keep their decimals.
fn integer_when_whole<S: serde::Serializer>(value: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    // Beyond 2^53 an f64 no longer holds every integer; such a bound is written as it is stored.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Some(v) if v.fract() == 0.0 && v.abs() <= EXACT => serializer.serialize_some(&(*v as i64)),
        other => other.serialize(serializer),
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SurveyDefinition {
    pub format: u32,
    pub slug: String,
    pub default_language: String,
    pub languages: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub anonymous: bool,
    /// Whether respondents see a welcome page (description, consent, Start) before the first
    /// page. Without one, the survey's link opens the first page and the response begins when
    /// that page is first saved; a consent text needs the welcome page.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub welcome_page: bool,
    pub title: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub description: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub consent: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub thank_you: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes_at: Option<String>,
    /// Overrides of the built-in respondent interface texts (buttons, messages), by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub messages: BTreeMap<String, Text>,
    /// The codes the wide export writes, with `--missing codes`, for each reason a cell is empty.
    #[serde(default, skip_serializing_if = "MissingCodes::is_default")]
    pub missing_codes: MissingCodes,
    pub pages: Vec<Page>,
}

/// Why an answer cell is empty: the question was hidden by display logic, the respondent stopped
/// before its page, or they saw it and gave no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    NotShown,
    NotReached,
    Skipped,
}

impl Reason {
    pub const ALL: [Reason; 3] = [Reason::NotShown, Reason::NotReached, Reason::Skipped];

    /// The label its code is given (the data dictionary, SPSS, Stata, R).
    pub fn label(self) -> &'static str {
        match self {
            Reason::NotShown => "not shown",
            Reason::NotReached => "not reached",
            Reason::Skipped => "shown and skipped",
        }
    }
}

/// The number written for each `Reason` in an empty cell, on request (SPSS and Stata take numeric
/// user-missing values); -66, -77 and -99 unless the survey sets its own. 32 bits: what a Stata
/// `long` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MissingCodes {
    pub not_shown: i32,
    pub not_reached: i32,
    pub skipped: i32,
}

impl Default for MissingCodes {
    fn default() -> MissingCodes {
        MissingCodes { not_shown: -66, not_reached: -77, skipped: -99 }
    }
}

impl MissingCodes {
    fn is_default(&self) -> bool {
        *self == MissingCodes::default()
    }

    pub fn code(&self, reason: Reason) -> i32 {
        match reason {
            Reason::NotShown => self.not_shown,
            Reason::NotReached => self.not_reached,
            Reason::Skipped => self.skipped,
        }
    }

    /// The bytes of the longest code written as text (what a string must hold).
    pub fn longest_digits(&self) -> usize {
        Reason::ALL.iter().map(|r| self.code(*r).to_string().len()).max().unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub code: String,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub title: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    /// Whether the page's questions are shown in an order drawn for each response (within their
    /// `order_group`s, when any question has one; display texts keep their place).
    #[serde(default, skip_serializing_if = "is_false")]
    pub randomize: bool,
    #[serde(default)]
    pub questions: Vec<Question>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionType {
    ShortText,
    LongText,
    SingleChoice,
    MultipleChoice,
    Matrix,
    Number,
    Date,
    Ranking,
    Display,
}

impl QuestionType {
    /// Every type, in the order the builder offers them.
    pub const ALL: [QuestionType; 9] = [
        QuestionType::ShortText,
        QuestionType::LongText,
        QuestionType::SingleChoice,
        QuestionType::MultipleChoice,
        QuestionType::Matrix,
        QuestionType::Number,
        QuestionType::Date,
        QuestionType::Ranking,
        QuestionType::Display,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionType::ShortText => "short_text",
            QuestionType::LongText => "long_text",
            QuestionType::SingleChoice => "single_choice",
            QuestionType::MultipleChoice => "multiple_choice",
            QuestionType::Matrix => "matrix",
            QuestionType::Number => "number",
            QuestionType::Date => "date",
            QuestionType::Ranking => "ranking",
            QuestionType::Display => "display",
        }
    }

    /// What a person calls the type: "Short text", not `short_text`.
    pub fn label(self) -> &'static str {
        match self {
            QuestionType::ShortText => "Short text",
            QuestionType::LongText => "Long text",
            QuestionType::SingleChoice => "Single choice",
            QuestionType::MultipleChoice => "Multiple choice",
            QuestionType::Matrix => "Matrix",
            QuestionType::Number => "Number",
            QuestionType::Date => "Date",
            QuestionType::Ranking => "Ranking",
            QuestionType::Display => "Text display",
        }
    }

    /// Whether a question of this type takes `setting`, one of [`QuestionType::SETTINGS`]: the
    /// builder shows only these, and a definition that sets another is refused.
    pub fn takes(self, setting: &str) -> bool {
        use QuestionType::*;
        match setting {
            "required" => self != Display,
            "min_length" | "max_length" => matches!(self, ShortText | LongText),
            "pattern" | "pattern_message" => self == ShortText,
            "number_kind" | "min" | "max" => self == Number,
            "display" => self == SingleChoice,
            "other" => matches!(self, SingleChoice | MultipleChoice),
            "min_selected" | "max_selected" => self == MultipleChoice,
            "choices" => self.has_choices(),
            "rows" => self == Matrix,
            "constraint" | "constraint_message" => self != Display,
            "randomize" => matches!(self, SingleChoice | MultipleChoice | Ranking | Matrix),
            _ => false,
        }
    }

    /// The settings a question has besides its code, type, text, help and display logic.
    pub const SETTINGS: [&'static str; 17] = [
        "required",
        "min_length",
        "max_length",
        "pattern",
        "pattern_message",
        "number_kind",
        "min",
        "max",
        "display",
        "other",
        "min_selected",
        "max_selected",
        "choices",
        "rows",
        "constraint",
        "constraint_message",
        "randomize",
    ];

    /// Which of [`QuestionType::SETTINGS`] this type takes, by name (for the builder's form).
    pub fn settings(self) -> std::collections::BTreeMap<&'static str, bool> {
        QuestionType::SETTINGS.into_iter().map(|s| (s, self.takes(s))).collect()
    }

    /// Whether the question's answers are free text (what coders code).
    pub fn is_open(self) -> bool {
        matches!(self, QuestionType::ShortText | QuestionType::LongText)
    }

    fn has_choices(self) -> bool {
        matches!(
            self,
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Matrix | QuestionType::Ranking
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum NumberKind {
    #[default]
    Integer,
    Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceDisplay {
    #[default]
    Radio,
    Dropdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub code: String,
    #[serde(rename = "type")]
    pub kind: QuestionType,
    pub text: Text,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub help: Text,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub pattern_message: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_kind: Option<NumberKind>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_integer",
        serialize_with = "integer_when_whole"
    )]
    pub min: Option<f64>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "number_or_integer",
        serialize_with = "integer_when_whole"
    )]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<ChoiceDisplay>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub other: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_selected: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_selected: Option<u32>,
    /// An XLSForm-style condition the answer must meet (`.` is the answer), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<String>,
    #[serde(default, skip_serializing_if = "Text::is_empty")]
    pub constraint_message: Text,
    /// Whether the choices (a matrix: its rows) are shown in an order drawn for each response;
    /// anchored and exclusive choices keep their place.
    #[serde(default, skip_serializing_if = "is_false")]
    pub randomize: bool,
    /// On a page with `randomize`: the questions of one group change places among themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_group: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<Choice>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Choice>,
}

/// A choice of a choice question, a point of a matrix scale, or a matrix row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub code: String,
    pub label: Text,
    /// Keeps its place when the question's order is randomised ("Prefer not to say").
    #[serde(default, skip_serializing_if = "is_false")]
    pub anchor: bool,
    /// A multiple choice's answer that excludes every other ("None of these", "Don't know").
    #[serde(default, skip_serializing_if = "is_false")]
    pub exclusive: bool,
    /// Offered only when this condition holds (display logic over answers on earlier pages, e.g.
    /// rank only the barriers rated above "Not at all"); a choice not offered is not accepted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relevant: Option<String>,
}

impl Choice {
    /// A choice with a label in one language.
    pub fn new(code: &str, language: &str, label: &str) -> Choice {
        Choice {
            code: code.to_string(),
            label: Text::from([(language.to_string(), label.to_string())]),
            anchor: false,
            exclusive: false,
            relevant: None,
        }
    }

    /// Whether the choice keeps its place when the order is randomised: anchored, or exclusive
    /// (a "None of these" among shuffled choices would be hard to find).
    pub fn keeps_place(&self) -> bool {
        self.anchor || self.exclusive
    }
}

impl SurveyDefinition {
    /// Every question, in order, with the index of its page.
    pub fn questions(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.pages.iter().enumerate().flat_map(|(index, page)| page.questions.iter().map(move |q| (index, q)))
    }

    pub fn question(&self, code: &str) -> Option<&Question> {
        self.questions().map(|(_, q)| q).find(|q| q.code == code)
    }

    /// The open (text) question `code`, which is what codes are applied to, or why it is not one.
    pub fn open_question(&self, code: &str) -> Result<&Question, String> {
        match self.question(code) {
            Some(q) if q.kind.is_open() => Ok(q),
            Some(_) => Err(format!("{code} is not an open (text) question")),
            None => Err(format!("the survey has no question {code}")),
        }
    }

    /// Every translatable text with its place (`pages[0].questions[2].text`), to change in place.
    pub(super) fn texts_mut(&mut self) -> Vec<(String, &mut Text)> {
        let mut texts = vec![
            ("title".to_string(), &mut self.title),
            ("description".to_string(), &mut self.description),
            ("consent".to_string(), &mut self.consent),
            ("thank_you".to_string(), &mut self.thank_you),
        ];
        texts.extend(self.messages.iter_mut().map(|(key, text)| (format!("messages.{key}"), text)));
        for (p, page) in self.pages.iter_mut().enumerate() {
            texts.push((format!("pages[{p}].title"), &mut page.title));
            for (q, question) in page.questions.iter_mut().enumerate() {
                let at = format!("pages[{p}].questions[{q}]");
                texts.push((format!("{at}.text"), &mut question.text));
                texts.push((format!("{at}.help"), &mut question.help));
                texts.push((format!("{at}.pattern_message"), &mut question.pattern_message));
                texts.push((format!("{at}.constraint_message"), &mut question.constraint_message));
                let choices = question
                    .choices
                    .iter_mut()
                    .enumerate()
                    .map(|(i, c)| (format!("{at}.choices[{i}].label"), &mut c.label));
                let rows =
                    question.rows.iter_mut().enumerate().map(|(i, c)| (format!("{at}.rows[{i}].label"), &mut c.label));
                texts.extend(choices.chain(rows));
            }
        }
        texts
    }

    /// A new survey with one empty page, to be filled in with the builder.
    pub fn blank(slug: &str, language: &str, title: &str) -> SurveyDefinition {
        SurveyDefinition {
            format: FORMAT,
            slug: slug.to_string(),
            default_language: language.to_string(),
            languages: vec![language.to_string()],
            anonymous: false,
            welcome_page: true,
            title: Text::from([(language.to_string(), title.to_string())]),
            description: Text::new(),
            consent: Text::new(),
            thank_you: Text::new(),
            opens_at: None,
            closes_at: None,
            messages: BTreeMap::new(),
            missing_codes: MissingCodes::default(),
            pages: vec![Page::new("p1")],
        }
    }

    /// Drops the texts in languages the survey no longer lists (after a language is removed).
    pub fn drop_unlisted_languages(&mut self) {
        let languages = self.languages.clone();
        for (_, text) in self.texts_mut() {
            text.retain(|language, _| languages.contains(language));
        }
    }

    /// The text in `language`, falling back to the default language.
    pub fn text<'a>(&self, text: &'a Text, language: &str) -> &'a str {
        text.get(language).or_else(|| text.get(&self.default_language)).map_or("", String::as_str)
    }
}

impl Page {
    /// An empty page with this code.
    pub fn new(code: &str) -> Page {
        Page { code: code.to_string(), title: Text::new(), relevant: None, randomize: false, questions: Vec::new() }
    }

    /// Whether anything on the page is shown in an order drawn for each response.
    pub fn randomises(&self) -> bool {
        self.randomize || self.questions.iter().any(|q| q.randomize)
    }
}

impl Question {
    /// A question of `kind` with its text in one language and nothing else set.
    pub fn new(code: &str, kind: QuestionType, language: &str, text: &str) -> Question {
        Question {
            code: code.into(),
            kind,
            text: Text::from([(language.to_string(), text.to_string())]),
            help: Text::new(),
            required: false,
            relevant: None,
            min_length: None,
            max_length: None,
            pattern: None,
            pattern_message: Text::new(),
            number_kind: None,
            min: None,
            max: None,
            display: None,
            other: false,
            min_selected: None,
            max_selected: None,
            constraint: None,
            constraint_message: Text::new(),
            randomize: false,
            order_group: None,
            choices: Vec::new(),
            rows: Vec::new(),
        }
    }

    /// Clears the settings its type does not take (after a change of type, say), so that what
    /// the builder's form no longer shows is not kept.
    pub fn clear_settings_its_type_does_not_take(&mut self) {
        let kind = self.kind;
        let keep = |setting: &str| kind.takes(setting);
        self.required &= keep("required");
        if !keep("min_length") {
            (self.min_length, self.max_length) = (None, None);
        }
        if !keep("pattern") {
            (self.pattern, self.pattern_message) = (None, Text::new());
        }
        if !keep("min") {
            (self.number_kind, self.min, self.max) = (None, None, None);
        }
        if !keep("display") {
            self.display = None;
        }
        self.other &= keep("other");
        if !keep("min_selected") {
            (self.min_selected, self.max_selected) = (None, None);
        }
        if !keep("choices") {
            self.choices.clear();
        }
        if !keep("constraint") {
            (self.constraint, self.constraint_message) = (None, Text::new());
        }
        // Not `order_group`: it places the question within its page's random order, whatever its type.
        self.randomize &= keep("randomize");
        if !keep("rows") {
            self.rows.clear();
        }
    }

    pub fn number_kind(&self) -> NumberKind {
        self.number_kind.unwrap_or_default()
    }

    pub fn choice(&self, code: &str) -> Option<&Choice> {
        self.choices.iter().find(|c| c.code == code)
    }

    pub fn takes_choices(&self) -> bool {
        self.kind.has_choices()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPES: [QuestionType; 9] = QuestionType::ALL;

    #[test]
    fn every_setting_belongs_to_some_type_and_types_have_human_names() {
        for setting in QuestionType::SETTINGS {
            assert!(TYPES.iter().any(|t| t.takes(setting)), "{setting}");
        }
        assert!(!QuestionType::Date.takes("nonsense"));
        for t in TYPES {
            assert!(!t.label().contains('_') && t.label().chars().next().is_some_and(char::is_uppercase), "{t:?}");
            assert_eq!(t.takes("choices"), t.has_choices());
        }
        assert_eq!(QuestionType::ShortText.label(), "Short text");
        let number = QuestionType::Number.settings();
        assert!(number["min"] && number["required"] && !number["choices"] && !number["pattern"]);
    }
}
