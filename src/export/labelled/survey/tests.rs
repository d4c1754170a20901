//! The mapping from a survey to variables, names and dictionary rows, and one response's cells.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::codebook::model::{CodeEntry, CodebookFile};
use crate::export::labelled::{Cell, Reason};

const SURVEY: &str = r#"
format = 1
slug = "mapping"
default_language = "en"
languages = ["en", "de"]
title = { en = "Mapping", de = "Abbildung" }

[[pages]]
code = "p1"

[[pages.questions]]
code = "INTRO"
type = "display"
text = { en = "Welcome" }

[[pages.questions]]
code = "ROLE"
type = "single_choice"
other = true
text = { en = "Your role?", de = "Ihre Rolle?" }
choices = [
  { code = "dev", label = { en = "Developer", de = "Entwicklerin" } },
  { code = "res", label = { en = "Researcher", de = "Forscherin" } },
]

[[pages.questions]]
code = "LANGS"
type = "multiple_choice"
other = true
text = { en = "Languages?" }
choices = [
  { code = "english", label = { en = "English" } },
  { code = "in", label = { en = "Indonesian" } },
]

[[pages.questions]]
code = "IMP"
type = "matrix"
text = { en = "How important?" }
choices = [
  { code = "low", label = { en = "Low" } },
  { code = "high", label = { en = "High" } },
]
rows = [
  { code = "data", label = { en = "Open data" } },
]

[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank these" }
choices = [
  { code = "a", label = { en = "A" } },
  { code = "b", label = { en = "B" } },
]

[[pages.questions]]
code = "YEARS"
type = "number"
text = { en = "Years?" }

[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since when?" }

[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
"#;

fn definition() -> SurveyDefinition {
    crate::survey::file::from_toml(SURVEY).map(|c| c.definition).expect("the test survey is valid")
}

fn codebook() -> CodebookFile {
    let entry = |id: &str, parent: Option<&str>, kind: CodeKind, name: &str| CodeEntry {
        id: id.into(),
        parent: parent.map(str::to_string),
        kind,
        name: name.into(),
        ..CodeEntry::default()
    };
    CodebookFile {
        format: 1,
        name: "Reasons".into(),
        description: String::new(),
        codes: vec![
            entry("MOT", None, CodeKind::Category, "Motives"),
            entry("FUN", Some("MOT"), CodeKind::Code, "Fun"),
            entry("PAY", Some("MOT"), CodeKind::Code, "Pay"),
        ],
        closed: Vec::new(),
    }
}

#[test]
fn every_question_becomes_variables_in_questionnaire_order() {
    let definition = definition();
    let book = codebook();
    let layout = Layout::new(&definition, "en", Some(CodedLayer { codebook: &book, questions: &["WHY"] }));
    let columns: Vec<&str> = layout.columns.iter().map(|c| c.column.as_str()).collect();
    assert_eq!(
        columns,
        [
            "response_id",
            "status",
            "language",
            "ROLE",
            "ROLE/other",
            "LANGS/english",
            "LANGS/in",
            "LANGS/other",
            "IMP/data",
            "RANK/a",
            "RANK/b",
            "YEARS",
            "SINCE",
            "WHY",
            "WHY/FUN",
            "WHY/PAY",
        ]
    );
    let stata = layout.names(Package::Stata);
    assert_eq!(stata[3..8], ["ROLE", "ROLE_other", "LANGS_english", "LANGS_in", "LANGS_other"]);
    let kinds: Vec<Kind> = layout.columns.iter().map(|c| c.variable.kind).collect();
    assert_eq!(kinds[3], Kind::Numeric { decimals: 0 });
    assert_eq!(kinds[4], Kind::String { width: 1 });
    assert_eq!(kinds[12], Kind::Date);
    assert_eq!(layout.columns[8].variable.measure, Measure::Ordinal);
}

#[test]
fn choices_get_codes_in_questionnaire_order_with_labels_in_the_chosen_language() {
    let definition = definition();
    let layout = Layout::new(&definition, "de", None);
    let role = &layout.columns[3].variable;
    let labels: Vec<(f64, &str)> = role.value_labels.iter().map(|l| (l.value, l.label.as_str())).collect();
    assert_eq!(labels, [(1.0, "Entwicklerin"), (2.0, "Forscherin"), (3.0, "Andere (bitte angeben)")]);
    assert_eq!(role.label, "Ihre Rolle?");
    // A text missing in German falls back to the default language.
    assert_eq!(layout.columns[5].variable.label, "English: Languages?");
}

#[test]
fn the_dictionary_maps_codes_to_names_and_numbers() {
    let definition = definition();
    let book = codebook();
    let layout = Layout::new(&definition, "en", Some(CodedLayer { codebook: &book, questions: &["WHY"] }));
    let rows = layout.dictionary();
    let role: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .filter(|r| r.column == "ROLE")
        .map(|r| (r.spss.as_str(), r.value.as_str(), r.code.as_str(), r.label.as_str()))
        .collect();
    assert_eq!(
        role,
        [
            ("ROLE", "", "", "Your role?"),
            ("ROLE", "1", "dev", "Developer"),
            ("ROLE", "2", "res", "Researcher"),
            ("ROLE", "3", "other", "Other (please specify)"),
        ]
    );
    let coded = rows.iter().find(|r| r.column == "WHY/PAY").expect("a coded variable");
    assert_eq!((coded.stata.as_str(), coded.code.as_str()), ("WHY_PAY", "PAY"));
    assert_eq!(coded.label, "Motives / Pay: Why?");
    // `LANGS/in` is legal everywhere once `/` is `_`.
    assert!(rows.iter().any(|r| r.column == "LANGS/in" && r.stata == "LANGS_in"));
}

#[test]
fn a_response_fills_its_cells_with_codes_reasons_and_layer_codes() {
    let definition = definition();
    let book = codebook();
    let layout = Layout::new(&definition, "en", Some(CodedLayer { codebook: &book, questions: &["WHY"] }));
    let mut answers: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut answer = |q: &str, item: &str, value: &str| {
        answers.entry(q.into()).or_default().insert(item.into(), value.into());
    };
    answer("ROLE", "other", "Ökonomin");
    answer("LANGS", "in", "1");
    answer("IMP", "data", "high");
    answer("RANK", "a", "2");
    answer("RANK", "b", "1");
    answer("SINCE", "", "2024-02-29");
    answer("WHY", "", "Weil es Spaß macht");
    let reasons = BTreeMap::from([("YEARS".to_string(), Reason::Skipped)]);
    let codes = BTreeMap::from([("WHY".to_string(), BTreeSet::from(["FUN".to_string()]))]);
    let response =
        Response { id: 7, complete: true, language: "de", answers: &answers, reasons: &reasons, codes: Some(&codes) };
    let cells = layout.row(&response).expect("a row");
    let text = |t: &'static str| Cell::Text(t.into());
    assert_eq!(
        cells,
        [
            Cell::Number(7.0),
            Cell::Number(1.0),
            text("de"),
            Cell::Number(3.0), // Other, chosen by typing under it
            text("Ökonomin"),
            Cell::Number(0.0),
            Cell::Number(1.0),
            Cell::Empty, // no Other text
            Cell::Number(2.0),
            Cell::Number(2.0),
            Cell::Number(1.0),
            Cell::Missing(Reason::Skipped),
            Cell::Date(jiff::civil::date(2024, 2, 29)),
            text("Weil es Spaß macht"),
            Cell::Number(1.0),
            Cell::Number(0.0),
        ]
    );
}

#[test]
fn an_answer_left_out_of_the_layer_is_empty_and_a_damaged_number_is_an_error_with_its_place() {
    let definition = definition();
    let book = codebook();
    let layout = Layout::new(&definition, "en", Some(CodedLayer { codebook: &book, questions: &["WHY"] }));
    let answers = BTreeMap::from([
        ("WHY".to_string(), BTreeMap::from([(String::new(), "text".to_string())])),
        ("YEARS".to_string(), BTreeMap::from([(String::new(), "twelve".to_string())])),
    ]);
    let none = BTreeMap::new();
    let codes = BTreeMap::new();
    let response =
        Response { id: 9, complete: false, language: "en", answers: &answers, reasons: &none, codes: Some(&codes) };
    let err = layout.row(&response).expect_err("twelve is not a number").to_string();
    assert_eq!(err, "response 9, question YEARS: the stored answer \"twelve\" does not read as a number");
    let answers = BTreeMap::from([("WHY".to_string(), BTreeMap::from([(String::new(), "text".to_string())]))]);
    let response = Response { answers: &answers, ..response };
    let cells = layout.row(&response).expect("a row");
    assert_eq!(cells[14..], [Cell::Empty, Cell::Empty]);
    assert_eq!(cells[1], Cell::Number(2.0));
}
