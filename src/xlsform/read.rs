//! An XLSForm read into a survey definition (calamine reads the `.xlsx`): the inverse of
//! `rows.rs` for everything fieldwork can hold — groups at the top as pages (a question outside
//! any group is a page of its own), a `field-list` group of `select_one` rows of one list inside a
//! page as a matrix, `select_one L or_other` or a choice `other` with a `Q_other` text as Other,
//! the constraints `rows.rs` writes (bounds, exclusive choices; any other part that fieldwork's
//! logic reads is the question's own `constraint`) and a select's `randomize=true`. Each row
//! fieldwork cannot hold (repeats, geopoints, media, calculations, choice filters, constraints its
//! logic cannot read, a column it does not know) is listed with its sheet and row; nothing is read
//! from such a file unless the caller drops those rows.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Range, Reader as _, Xlsx, open_workbook_from_rs};

use super::constraint::constrain;
use super::rows::RANDOMIZE;
use crate::answer::OTHER;
use crate::survey::model::{
    Choice, ChoiceDisplay, MissingCodes, NumberKind, Page, Question, QuestionType, SurveyDefinition, Text,
};

/// A row fieldwork cannot hold (or a sheet that is missing), with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub sheet: String,
    /// The spreadsheet's row number (1 is the header).
    pub row: usize,
    pub what: String,
}

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet {}, row {}: {}", self.sheet, self.row, self.what)
    }
}

/// What was read: the definition (not yet validated) and the rows left out (with `skip`).
#[derive(Debug, Clone)]
pub struct Read {
    pub definition: SurveyDefinition,
    pub skipped: Vec<Unsupported>,
}

/// One sheet as rows of column → text, each with its row number.
struct Sheet {
    name: &'static str,
    header: Vec<String>,
    rows: Vec<(usize, BTreeMap<String, String>)>,
}

impl Sheet {
    fn read(range: &Range<Data>, name: &'static str) -> Sheet {
        let first = range.start().map_or(0, |(row, _)| row as usize);
        let mut rows = range.rows();
        let header: Vec<String> =
            rows.next().map(|r| r.iter().map(|c| c.to_string().trim().to_string()).collect()).unwrap_or_default();
        let rows = rows
            .enumerate()
            .map(|(i, cells)| {
                let values = header
                    .iter()
                    .zip(cells)
                    .map(|(h, c)| (h.clone(), c.to_string().trim().to_string()))
                    .filter(|(h, v)| !h.is_empty() && !v.is_empty())
                    .collect();
                (first + i + 2, values)
            })
            .filter(|(_, values): &(usize, BTreeMap<String, String>)| !values.is_empty())
            .collect();
        Sheet { name, header, rows }
    }
}

/// `label::Español (es)` → `es`; `label` alone → the default language.
fn language_of(suffix: &str) -> String {
    suffix.rsplit_once('(').and_then(|(_, code)| code.strip_suffix(')')).unwrap_or(suffix).trim().to_string()
}

/// The survey's columns fieldwork reads; any other column with a value is an unsupported cell.
const SURVEY_COLUMNS: [&str; 10] = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "parameters",
];

/// The types whose `parameters` fieldwork reads (`randomize`).
const WITH_PARAMETERS: [&str; 5] = ["select_one", "select one", "select_multiple", "select all that apply", "rank"];

/// Reads an XLSForm. With `skip`, rows fieldwork cannot hold are left out (and returned in
/// `Read::skipped`); without, any such row is an error, as is a file that is not an XLSForm.
pub fn read(bytes: &[u8], skip: bool) -> Result<Read, Vec<Unsupported>> {
    let problem = |sheet: &str, row: usize, what: String| vec![Unsupported { sheet: sheet.into(), row, what }];
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| problem("(file)", 0, format!("not a readable .xlsx: {e}")))?;
    let mut sheet = |name: &'static str| -> Result<Option<Sheet>, Vec<Unsupported>> {
        if !book.sheet_names().iter().any(|n| n == name) {
            return Ok(None);
        }
        let range = book.worksheet_range(name).map_err(|e| problem(name, 0, format!("cannot be read: {e}")))?;
        Ok(Some(Sheet::read(&range, name)))
    };
    let survey = sheet("survey")?.ok_or_else(|| problem("survey", 0, "there is no sheet named survey".into()))?;
    let choices = sheet("choices")?;
    let settings = sheet("settings")?;
    let setting = |key: &str| settings.as_ref().and_then(|s| s.rows.first()).and_then(|(_, r)| r.get(key).cloned());
    let mut reader = Reader::new(&survey, setting("default_language").map(|l| language_of(&l)));
    reader.lists = choices.as_ref().map(|c| reader.choice_lists(c)).unwrap_or_default();
    reader.settings = (setting("form_title").unwrap_or_default(), setting("form_id").unwrap_or_default());
    let definition = reader.survey(&survey);
    if !reader.unsupported.is_empty() && !skip {
        return Err(reader.unsupported);
    }
    Ok(Read { definition, skipped: reader.unsupported })
}

struct Reader {
    default_language: String,
    languages: Vec<String>,
    lists: BTreeMap<String, Vec<Choice>>,
    settings: (String, String),
    unsupported: Vec<Unsupported>,
}

impl Reader {
    fn new(survey: &Sheet, default: Option<String>) -> Reader {
        let mut languages: Vec<String> = Vec::new();
        for column in &survey.header {
            if let Some((_, suffix)) = column.split_once("::") {
                let code = language_of(suffix);
                if !languages.contains(&code) {
                    languages.push(code);
                }
            }
        }
        let default_language = default.or_else(|| languages.first().cloned()).unwrap_or_else(|| "en".to_string());
        if !languages.contains(&default_language) {
            languages.insert(0, default_language.clone());
        }
        Reader {
            default_language,
            languages,
            lists: BTreeMap::new(),
            settings: Default::default(),
            unsupported: Vec::new(),
        }
    }

    fn skip(&mut self, sheet: &str, row: usize, what: impl Into<String>) {
        self.unsupported.push(Unsupported { sheet: sheet.to_string(), row, what: what.into() });
    }

    /// `field` in each language that has it.
    fn text(&self, row: &BTreeMap<String, String>, field: &str) -> Text {
        let mut text = Text::new();
        for (column, value) in row {
            let language = match column.split_once("::") {
                Some((base, suffix)) if base == field => language_of(suffix),
                None if column == field => self.default_language.clone(),
                _ => continue,
            };
            text.insert(language, value.clone());
        }
        text
    }

    fn choice_lists(&mut self, sheet: &Sheet) -> BTreeMap<String, Vec<Choice>> {
        let mut lists: BTreeMap<String, Vec<Choice>> = BTreeMap::new();
        for (row, values) in &sheet.rows {
            let (Some(list), Some(name)) = (values.get("list_name"), values.get("name")) else {
                self.skip(sheet.name, *row, "a choice needs a list_name and a name");
                continue;
            };
            for column in values.keys() {
                let base = column.split("::").next().unwrap_or_default();
                if !["list_name", "name", "label"].contains(&base) {
                    self.skip(sheet.name, *row, format!("the column {column} (media, filters) is not supported"));
                }
            }
            let choice = Choice { label: self.text(values, "label"), ..Choice::new(name, "", "") };
            lists.entry(list.clone()).or_default().push(choice);
        }
        lists
    }

    fn survey(&mut self, sheet: &Sheet) -> SurveyDefinition {
        let mut pages: Vec<Page> = Vec::new();
        let mut in_page = false;
        let mut matrix: Option<Question> = None;
        for (row, values) in &sheet.rows {
            let row = *row;
            let kind = values.get("type").cloned().unwrap_or_default();
            let name = values.get("name").cloned().unwrap_or_default();
            for column in values.keys() {
                let base = column.split("::").next().unwrap_or_default();
                if !SURVEY_COLUMNS.contains(&base) {
                    self.skip(sheet.name, row, format!("the column {column} is not supported"));
                }
            }
            let words: Vec<&str> = kind.split_whitespace().collect();
            let selects = WITH_PARAMETERS.iter().any(|t| kind.starts_with(t)) && matrix.is_none();
            if values.contains_key("parameters") && !selects {
                self.skip(sheet.name, row, format!("parameters on {kind} are not supported"));
            }
            match words.as_slice() {
                ["begin_group" | "begin group"] if !in_page => {
                    let title = self.text(values, "label");
                    pages.push(Page { title, relevant: values.get("relevant").cloned(), ..Page::new(&name) });
                    in_page = true;
                }
                ["begin_group" | "begin group"] if matrix.is_none() => {
                    let mut q = self.question(values, QuestionType::Matrix);
                    q.code = name;
                    matrix = Some(q);
                }
                ["end_group" | "end group"] if matrix.is_some() => {
                    if let (Some(q), Some(page)) = (matrix.take(), pages.last_mut()) {
                        page.questions.push(q);
                    }
                }
                ["end_group" | "end group"] if in_page => in_page = false,
                ["select_one" | "select one", list] if matrix.is_some() => {
                    let lists = &self.lists;
                    if let Some(q) = matrix.as_mut() {
                        let code = name.strip_prefix(&format!("{}_", q.code)).unwrap_or(&name).to_string();
                        q.choices = lists.get(*list).cloned().unwrap_or_default();
                        q.required |= is_yes(values.get("required"));
                        q.rows.push(Choice { label: Text::new(), ..Choice::new(&code, "", "") });
                    }
                    let label = self.text(values, "label");
                    if let Some(last) = matrix.as_mut().and_then(|q| q.rows.last_mut()) {
                        last.label = label;
                    }
                }
                _ if matrix.is_some() => self.skip(sheet.name, row, format!("{kind} inside a matrix group")),
                ["text"] if self.is_other_text(&pages, &name, values) => {
                    if let Some(q) = pages.last_mut().and_then(|p| p.questions.last_mut()) {
                        q.other = true;
                    }
                }
                _ => match self.question_of(&words, values, row) {
                    Some(q) => {
                        // A question outside any group is a page of its own.
                        if !in_page {
                            pages.push(Page::new(&format!("p_{}", q.code)));
                        }
                        if let Some(page) = pages.last_mut() {
                            page.questions.push(q);
                        }
                    }
                    None => self.skip(sheet.name, row, format!("the type \"{kind}\" is not supported")),
                },
            }
        }
        // An Other choice read from the list becomes the question's `other`.
        for q in pages.iter_mut().flat_map(|p| p.questions.iter_mut()) {
            if q.other {
                q.choices.retain(|c| c.code != OTHER);
            }
        }
        let (title, slug) = self.settings.clone();
        SurveyDefinition {
            format: 1,
            slug,
            default_language: self.default_language.clone(),
            languages: self.languages.clone(),
            anonymous: false,
            welcome_page: true,
            title: Text::from([(self.default_language.clone(), title)]),
            description: Text::new(),
            consent: Text::new(),
            thank_you: Text::new(),
            opens_at: None,
            closes_at: None,
            messages: BTreeMap::new(),
            missing_codes: MissingCodes::default(),
            pages,
        }
    }

    /// `Q_other`, shown when Other of the question just before it is chosen.
    fn is_other_text(&self, pages: &[Page], name: &str, values: &BTreeMap<String, String>) -> bool {
        let Some(q) = pages.last().and_then(|p| p.questions.last()) else { return false };
        let shown = format!("selected(${{{}}}, '{OTHER}')", q.code);
        name == format!("{}_{OTHER}", q.code)
            && values.get("relevant").map(|r| r.replace(' ', "")) == Some(shown.replace(' ', ""))
            && q.choices.iter().any(|c| c.code == OTHER)
    }

    /// The question of a row of type `words`, or `None` for a type fieldwork has no question for.
    fn question_of(&mut self, words: &[&str], values: &BTreeMap<String, String>, row: usize) -> Option<Question> {
        let appearance = values.get("appearance").map(String::as_str).unwrap_or_default();
        let (kind, list, or_other) = match words {
            ["text"] if appearance.contains("multiline") => (QuestionType::LongText, None, false),
            ["text"] => (QuestionType::ShortText, None, false),
            ["integer" | "decimal"] => (QuestionType::Number, None, false),
            ["date"] => (QuestionType::Date, None, false),
            ["note"] => (QuestionType::Display, None, false),
            ["select_one" | "select one", list, rest @ ..] => {
                (QuestionType::SingleChoice, Some(*list), !rest.is_empty())
            }
            ["select_multiple" | "select all that apply", list, rest @ ..] => {
                (QuestionType::MultipleChoice, Some(*list), !rest.is_empty())
            }
            ["rank", list] => (QuestionType::Ranking, Some(*list), false),
            _ => return None,
        };
        if words.len() > 2 && !matches!(words[2..], ["or_other"] | ["or", "other"] | ["or", "specify", "other"]) {
            return None;
        }
        let mut q = self.question(values, kind);
        match words {
            ["decimal"] => q.number_kind = Some(NumberKind::Decimal),
            ["integer"] => q.number_kind = Some(NumberKind::Integer),
            _ => {}
        }
        if kind == QuestionType::SingleChoice && appearance.contains("minimal") {
            q.display = Some(ChoiceDisplay::Dropdown);
        }
        if let Some(list) = list {
            q.choices = self.lists.get(list).cloned().unwrap_or_default();
            q.other = or_other;
        }
        if let Some(constraint) = values.get("constraint")
            && !constrain(&mut q, constraint)
        {
            self.skip("survey", row, format!("the constraint \"{constraint}\" is not one fieldwork can check"));
        }
        match values.get("parameters").map(|p| randomize(p)) {
            Some(Ok(randomize)) => q.randomize = randomize,
            Some(Err(what)) => self.skip("survey", row, what),
            None => {}
        }
        Some(q)
    }

    /// The settings every question has.
    fn question(&self, values: &BTreeMap<String, String>, kind: QuestionType) -> Question {
        // `constrain` moves it to `constraint_message` for the question's own constraint.
        let pattern_message = self.text(values, "constraint_message");
        Question {
            code: values.get("name").cloned().unwrap_or_default(),
            kind,
            text: self.text(values, "label"),
            help: self.text(values, "hint"),
            required: kind != QuestionType::Matrix && is_yes(values.get("required")),
            relevant: values.get("relevant").cloned(),
            min_length: None,
            max_length: None,
            pattern: None,
            pattern_message,
            number_kind: None,
            min: None,
            max: None,
            display: None,
            other: false,
            min_selected: None,
            max_selected: None,
            ..Question::new("", kind, "", "")
        }
    }
}

fn is_yes(value: Option<&String>) -> bool {
    value.is_some_and(|v| matches!(v.trim().to_lowercase().as_str(), "yes" | "true" | "true()" | "1"))
}

/// `randomize` from a `parameters` cell (`randomize=true`, as pyxform reads it: pairs split by
/// spaces, commas or semicolons), or what fieldwork cannot hold in it.
fn randomize(parameters: &str) -> Result<bool, String> {
    let mut randomize = false;
    for pair in parameters.split([' ', ',', ';']).filter(|p| !p.is_empty()) {
        match pair.replace(' ', "").as_str() {
            pair if pair == RANDOMIZE => randomize = true,
            "randomize=false" => randomize = false,
            _ => return Err(format!("the parameter \"{pair}\" is not supported")),
        }
    }
    Ok(randomize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_give_randomize_and_nothing_else() {
        assert_eq!(randomize("randomize=true"), Ok(true));
        assert_eq!(randomize("randomize=false"), Ok(false));
        assert!(randomize("randomize=true seed=${S}").unwrap_err().contains("seed=${S}"));
    }
}
