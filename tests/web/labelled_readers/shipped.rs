//! The shipped questionnaire and codebook through the survey mapping: every package reads the
//! files with the names, value labels (in Spanish) and cells the mapping gives.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use fieldwork::codebook::model::CodebookFile;
use fieldwork::export::labelled::survey::{CodedLayer, Layout, Response};
use fieldwork::export::labelled::{dta, r, sav};
use fieldwork::survey::model::{QuestionType, SurveyDefinition};
use serde_json::{Value as Json, json};

use super::pyreadstat::{assert_same, code, expected, read_back};
use super::*;

const RESPONSES: usize = 40;

fn shipped() -> (SurveyDefinition, CodebookFile) {
    let survey = std::fs::read_to_string("questionnaires/open-llm-governance.toml").expect("the questionnaire");
    let survey = fieldwork::survey::file::from_toml(&survey).expect("it is valid").definition;
    let book = std::fs::read_to_string("codebooks/open-llm-governance.toml").expect("the codebook");
    (survey, fieldwork::codebook::model::from_toml(&book).expect("it is valid"))
}

type Answers = BTreeMap<String, BTreeMap<String, String>>;

/// Response `i`'s answers, reasons and layer codes: every type answered in turn, some questions
/// left with a reason, some open answers coded.
fn response(
    survey: &SurveyDefinition,
    book: &CodebookFile,
    i: usize,
) -> (Answers, BTreeMap<String, Reason>, BTreeMap<String, BTreeSet<String>>) {
    let mut answers = Answers::new();
    let mut reasons = BTreeMap::new();
    let mut codes = BTreeMap::new();
    for (n, (_, q)) in survey.questions().enumerate() {
        let turn = i + n;
        if turn % 7 == 0 {
            reasons.insert(q.code.clone(), Reason::ALL[turn % 3]);
            continue;
        }
        let items = answers.entry(q.code.clone()).or_default();
        let choices = q.choices.len().max(1);
        match q.kind {
            QuestionType::Display => {}
            QuestionType::ShortText | QuestionType::LongText => {
                items.insert(String::new(), format!("Respuesta {i} — «{}», ñandú", q.code));
                let applied: BTreeSet<String> =
                    book.codes.iter().skip(turn % 5).step_by(9).map(|c| c.id.clone()).collect();
                codes.insert(q.code.clone(), applied);
            }
            QuestionType::Number => {
                items.insert(String::new(), (turn % 40).to_string());
            }
            QuestionType::Date => {
                items.insert(String::new(), format!("2025-0{}-1{}", 1 + turn % 9, turn % 10));
            }
            QuestionType::SingleChoice if q.other && turn % 5 == 1 => {
                items.insert("other".into(), "Otra función".into());
            }
            QuestionType::SingleChoice => {
                items.insert(String::new(), q.choices[turn % choices].code.clone());
            }
            QuestionType::MultipleChoice => {
                for (j, c) in q.choices.iter().enumerate() {
                    if (turn + j) % 3 == 0 {
                        items.insert(c.code.clone(), "1".into());
                    }
                }
            }
            QuestionType::Matrix => {
                for (j, row) in q.rows.iter().enumerate() {
                    items.insert(row.code.clone(), q.choices[(turn + j) % choices].code.clone());
                }
            }
            QuestionType::Ranking => {
                for (j, c) in q.choices.iter().enumerate() {
                    items.insert(c.code.clone(), (1 + (turn + j) % choices).to_string());
                }
            }
        }
        if items.is_empty() {
            answers.remove(&q.code);
        }
    }
    (answers, reasons, codes)
}

struct Shipped {
    survey: SurveyDefinition,
    book: CodebookFile,
    responses: Vec<(Answers, BTreeMap<String, Reason>, BTreeMap<String, BTreeSet<String>>)>,
}

impl Shipped {
    fn new() -> Shipped {
        let (survey, book) = shipped();
        let responses = (0..RESPONSES).map(|i| response(&survey, &book, i)).collect();
        Shipped { survey, book, responses }
    }

    fn open(&self) -> Vec<&str> {
        self.survey.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect()
    }

    fn rows<'a>(&'a self, layout: &Layout<'_>) -> Vec<Vec<Cell<'a>>> {
        self.responses
            .iter()
            .enumerate()
            .map(|(i, (answers, reasons, codes))| {
                let response = Response {
                    id: i as i64 + 1,
                    complete: i % 4 != 0,
                    language: "es",
                    answers,
                    reasons,
                    codes: Some(codes),
                };
                layout.row(&response).expect("a row")
            })
            .collect()
    }
}

fn created() -> jiff::civil::DateTime {
    jiff::civil::date(2026, 3, 1).at(9, 0, 0, 0)
}

#[test]
fn the_shipped_questionnaire_reads_back_in_pspp_pyreadstat_and_r() {
    let test = "the_shipped_questionnaire_reads_back_in_pspp_pyreadstat_and_r";
    let shipped = Shipped::new();
    let open = shipped.open();
    let layout = Layout::new(&shipped.survey, "es", Some(CodedLayer { codebook: &shipped.book, questions: &open }));
    let rows = shipped.rows(&layout);
    let dir = scratch();
    let role = layout.columns.iter().position(|c| c.column == "ROLE").expect("ROLE");
    let role_labels: Vec<String> = layout.columns[role].variable.value_labels.iter().map(|l| l.label.clone()).collect();
    assert_eq!(role_labels[0], "Dirección del proyecto o investigador/a principal");

    let spss = layout.dataset(
        Package::Spss,
        "Desarrollo y gobernanza de LLM abiertos",
        Some(MissingCodes::default()),
        created(),
    );
    let mut sav_rows = rows.clone();
    sav::write(&spss, &mut sav_rows, std::fs::File::create(dir.path().join("shipped.sav")).expect("file"))
        .expect("sav");
    if let Some(pspp) = tool("pspp", &["--version"], test) {
        let tables = super::pspp::run_pspp(&pspp, dir.path(), "GET FILE='shipped.sav'.\nDISPLAY DICTIONARY.\n");
        let names: Vec<&str> = tables["Variables"][1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, layout.names(Package::Spss));
    }

    let stata = layout.dataset(
        Package::Stata,
        "Desarrollo y gobernanza de LLM abiertos",
        Some(MissingCodes::default()),
        created(),
    );
    let mut dta_rows = rows.clone();
    dta::write(&stata, &mut dta_rows, std::fs::File::create(dir.path().join("shipped.dta")).expect("file"))
        .expect("dta");
    if let Some(python) = readers_python(test) {
        let back = read_back(&python, "sav", &dir.path().join("shipped.sav"));
        assert_eq!(back["names"], json!(layout.names(Package::Spss)));
        let expected_sav = expected(&spss, &rows, |cell, variable| match (cell, variable.kind) {
            (Cell::Missing(reason), Kind::Numeric { .. }) => json!(code(reason)),
            (Cell::Missing(reason), Kind::String { .. }) => json!(code(reason).to_string()),
            (_, Kind::String { .. }) => json!(""),
            _ => Json::Null,
        });
        assert_same("the shipped .sav", &back["rows"], &expected_sav);
        assert_eq!(back["value_labels"]["ROLE"]["1.0"], json!(role_labels[0]));

        let back = read_back(&python, "dta", &dir.path().join("shipped.dta"));
        assert_eq!(back["names"], json!(layout.names(Package::Stata)));
        let expected_dta = expected(&stata, &rows, |cell, variable| match (cell, variable.kind) {
            (Cell::Missing(reason), Kind::String { .. }) => json!(code(reason).to_string()),
            (_, Kind::String { .. }) => json!(""),
            _ => Json::Null,
        });
        assert_same("the shipped .dta", &back["plain_rows"], &expected_dta);
        assert_eq!(back["value_labels"]["ROLE"]["1"], json!(role_labels[0]));
    }

    let r_data =
        layout.dataset(Package::R, "Desarrollo y gobernanza de LLM abiertos", Some(MissingCodes::default()), created());
    let mut r_rows = rows.clone();
    r::write_csv(&r_data, &mut r_rows, std::fs::File::create(dir.path().join("shipped.csv")).expect("file"))
        .expect("csv");
    std::fs::write(dir.path().join("shipped.R"), r::script(&r_data, "shipped.csv")).expect("script");
    if let Some(rscript) = tool("Rscript", &["--version"], test) {
        let inspect = "source('shipped.R'); cat(nrow(responses), ncol(responses), is.ordered(responses[['MOTIV_IMP_open_science']]), sep = '\\n'); \
                       writeLines(levels(responses[['ROLE']]), 'levels.txt', useBytes = TRUE)";
        let output = Command::new(rscript)
            .current_dir(dir.path())
            .args(["--vanilla", "-e", inspect])
            .env("LANG", "C.UTF-8")
            .output()
            .expect("Rscript runs");
        assert!(output.status.success(), "R failed: {}", String::from_utf8_lossy(&output.stderr));
        let said = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            said.lines().collect::<Vec<_>>(),
            [RESPONSES.to_string(), layout.columns.len().to_string(), "TRUE".into()]
        );
        let levels = std::fs::read_to_string(dir.path().join("levels.txt")).expect("levels");
        assert_eq!(levels.lines().collect::<Vec<_>>(), role_labels);
    }
}
