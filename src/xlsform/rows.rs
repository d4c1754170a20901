//! A survey definition as XLSForm rows. Each page is a `begin_group … end_group` with appearance
//! `field-list` (one screen); a question maps onto its XLSForm type:
//!
//! | fieldwork | XLSForm |
//! | --- | --- |
//! | `short_text`, `long_text` | `text` (long: appearance `multiline`) |
//! | `number` | `integer` or `decimal` |
//! | `date` | `date` |
//! | `single_choice`, `multiple_choice` | `select_one Q`, `select_multiple Q` (dropdown: appearance `minimal`) |
//! | `ranking` | `rank Q` |
//! | `matrix` | a `field-list` group `Q` of one `select_one Q` per row, named `Q_ROW` |
//! | `display` | `note` |
//!
//! Other is a choice `other` and a `text` question `Q_other` shown when it is chosen (XLSForm's
//! `or_other` has no translations). Lengths, bounds, patterns, counts of ticks, exclusive choices
//! and the question's own `constraint` become one `constraint`. A choice question's `randomize` is
//! the `parameters` cell `randomize=true`. A text missing in a language is an empty cell
//! (respondents of fieldwork see the default language's there); piped answers lose their fallback
//! (`${CODE|text}` → `${CODE}`: XLSForm has none).
//!
//! XLSForm has no place for a page's `randomize` (pyxform accepts the parameter on a group but
//! ignores it), `order_group`, anchored choices (ODK shuffles them all), a matrix's shuffled rows,
//! a choice's `relevant` (XLSForm's `choice_filter` is another shape) or the missing-data codes:
//! they are left out.

use std::collections::BTreeMap;

use crate::answer::OTHER;
use crate::survey::messages;
use crate::survey::model::{Choice, ChoiceDisplay, NumberKind, Question, QuestionType, SurveyDefinition, Text};
use crate::survey::pipe;

use super::constraint::constraint;

/// A row: column → value.
pub type Row = BTreeMap<String, String>;

/// The settings sheet's columns.
pub const SETTINGS_HEADER: [&str; 3] = ["form_title", "form_id", "default_language"];

/// The three sheets' rows, and the languages their texts are in.
#[derive(Debug, Clone, Default)]
pub struct Sheets {
    pub survey: Vec<Row>,
    pub choices: Vec<Row>,
    pub settings: Vec<Row>,
    /// Each language's column suffix, `English (en)`, in the survey's order.
    languages: Vec<(String, String)>,
}

/// The column of `field` in `language`: `label::English (en)`.
fn translated(field: &str, language: &str) -> String {
    format!("{field}::{language}")
}

/// XLSForm's name for a language: its own name and its code, `Español (es)`.
pub fn language_column(code: &str) -> String {
    format!("{} ({code})", crate::respond::web::view::language_name(code))
}

impl Sheets {
    pub fn of(definition: &SurveyDefinition) -> Sheets {
        let languages = definition.languages.iter().map(|code| (code.clone(), language_column(code))).collect();
        let mut sheets = Sheets { languages, ..Sheets::default() };
        let default = language_column(&definition.default_language);
        sheets.settings.push(Row::from([
            ("form_title".to_string(), definition.text(&definition.title, &definition.default_language).to_string()),
            ("form_id".to_string(), definition.slug.clone()),
            ("default_language".to_string(), default),
        ]));
        for page in &definition.pages {
            let mut group = row_of("begin_group", &page.code);
            sheets.texts(&mut group, "label", &page.title);
            group.insert("appearance".into(), "field-list".into());
            group.extend(page.relevant.clone().map(|r| ("relevant".to_string(), r)));
            sheets.survey.push(group);
            for question in &page.questions {
                sheets.question(definition, question);
            }
            sheets.survey.push(row_of("end_group", ""));
        }
        sheets
    }

    /// `type, name, label::…, hint::…, required, relevant, constraint, constraint_message::…,
    /// appearance, parameters`, with the translated columns (and `parameters`) only where some
    /// row has a value.
    pub fn survey_header(&self) -> Vec<String> {
        let mut header = vec!["type".to_string(), "name".to_string()];
        header.extend(self.used(&self.survey, "label"));
        header.extend(self.used(&self.survey, "hint"));
        header.extend(["required", "relevant", "constraint"].map(String::from));
        header.extend(self.used(&self.survey, "constraint_message"));
        header.push("appearance".into());
        if self.survey.iter().any(|row| row.contains_key("parameters")) {
            header.push("parameters".into());
        }
        header
    }

    pub fn choices_header(&self) -> Vec<String> {
        let mut header = vec!["list_name".to_string(), "name".to_string()];
        header.extend(self.used(&self.choices, "label"));
        header
    }

    /// `field`'s column in every language, when any row of `rows` has one.
    fn used(&self, rows: &[Row], field: &str) -> Vec<String> {
        let columns: Vec<String> = self.languages.iter().map(|(_, name)| translated(field, name)).collect();
        let any = rows.iter().any(|row| columns.iter().any(|c| row.contains_key(c)));
        if any { columns } else { Vec::new() }
    }

    /// `text` in each language it has, as `field::Language (code)`. A language without it gets an
    /// empty cell (its column is there: pyxform checks columns, not cells), so that reading the
    /// file back gives the same texts.
    fn texts(&self, row: &mut Row, field: &str, text: &Text) {
        for (code, name) in &self.languages {
            if let Some(value) = text.get(code).filter(|t| !t.trim().is_empty()) {
                row.insert(translated(field, name), pipe::without_fallbacks(value).into_owned());
            }
        }
    }

    /// A message of the respondent's interface in every language.
    fn message(&self, row: &mut Row, field: &str, definition: &SurveyDefinition, key: &str) {
        for (code, name) in &self.languages {
            row.insert(translated(field, name), messages::message(definition, key, code));
        }
    }

    fn question(&mut self, definition: &SurveyDefinition, q: &Question) {
        let list = q.code.as_str();
        let kind = match q.kind {
            QuestionType::ShortText | QuestionType::LongText => "text".to_string(),
            QuestionType::Number if q.number_kind() == NumberKind::Decimal => "decimal".to_string(),
            QuestionType::Number => "integer".to_string(),
            QuestionType::Date => "date".to_string(),
            QuestionType::SingleChoice => format!("select_one {list}"),
            QuestionType::MultipleChoice => format!("select_multiple {list}"),
            QuestionType::Ranking => format!("rank {list}"),
            QuestionType::Matrix => "begin_group".to_string(),
            QuestionType::Display => "note".to_string(),
        };
        let mut row = row_of(&kind, &q.code);
        self.texts(&mut row, "label", &q.text);
        self.texts(&mut row, "hint", &q.help);
        row.extend(q.relevant.clone().map(|r| ("relevant".to_string(), r)));
        if q.required && q.kind != QuestionType::Matrix {
            row.insert("required".into(), "yes".into());
        }
        let appearance = match q.kind {
            QuestionType::LongText => Some("multiline"),
            QuestionType::SingleChoice if q.display == Some(ChoiceDisplay::Dropdown) => Some("minimal"),
            QuestionType::Matrix => Some("field-list"),
            _ => None,
        };
        row.extend(appearance.map(|a| ("appearance".to_string(), a.to_string())));
        if let Some(constraint) = constraint(q) {
            row.insert("constraint".into(), constraint);
            // One message per row: the general constraint's, else the pattern's.
            let message = if q.constraint.is_some() { &q.constraint_message } else { &q.pattern_message };
            self.texts(&mut row, "constraint_message", message);
        }
        if q.randomize
            && matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking)
        {
            row.insert("parameters".into(), RANDOMIZE.into());
        }
        self.survey.push(row);
        self.choice_list(list, &q.choices);
        if q.kind == QuestionType::Matrix {
            for matrix_row in &q.rows {
                let mut row = row_of(&format!("select_one {list}"), &format!("{}_{}", q.code, matrix_row.code));
                self.texts(&mut row, "label", &matrix_row.label);
                if q.required {
                    row.insert("required".into(), "yes".into());
                }
                row.insert("appearance".into(), "likert".into());
                self.survey.push(row);
            }
            self.survey.push(row_of("end_group", ""));
        }
        if q.other && matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) {
            let mut choice =
                Row::from([("list_name".to_string(), list.to_string()), ("name".to_string(), OTHER.into())]);
            self.message(&mut choice, "label", definition, "other_specify");
            self.choices.push(choice);
            let mut row = row_of("text", &format!("{}_{OTHER}", q.code));
            self.message(&mut row, "label", definition, "other_text_label");
            row.insert("relevant".into(), format!("selected(${{{}}}, '{OTHER}')", q.code));
            row.insert("required".into(), "yes".into());
            self.survey.push(row);
        }
    }

    fn choice_list(&mut self, list: &str, choices: &[Choice]) {
        for choice in choices {
            let mut row =
                Row::from([("list_name".to_string(), list.to_string()), ("name".to_string(), choice.code.clone())]);
            self.texts(&mut row, "label", &choice.label);
            self.choices.push(row);
        }
    }
}

/// A survey row of `kind` named `name`.
fn row_of(kind: &str, name: &str) -> Row {
    Row::from([("type".to_string(), kind.to_string()), ("name".to_string(), name.to_string())])
}

/// The `parameters` cell of a select whose choices are shuffled (pyxform: `randomize(…)`).
pub const RANDOMIZE: &str = "randomize=true";
