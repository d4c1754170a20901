//! The shipped questionnaire and codebook through the survey mapping: every package reads the
//! files with the names, value labels (in Spanish) and cells the mapping gives.

use std::process::Command;

use fieldwork::codebook::model::CodebookFile;
use fieldwork::export::labelled::survey::{CodedLayer, Layout, Response};
use fieldwork::export::labelled::{dta, r, sav};
use fieldwork::survey::model::SurveyDefinition;
use serde_json::{Value as Json, json};

use super::pyreadstat::{assert_same, code, expected, read_back};
use super::*;

#[path = "../../../benches/labelled/synthetic.rs"]
mod synthetic;

const RESPONSES: usize = 60;

struct Shipped {
    survey: SurveyDefinition,
    book: CodebookFile,
    responses: Vec<synthetic::Synthetic>,
}

impl Shipped {
    fn new() -> Shipped {
        let (survey, book) = synthetic::shipped();
        let responses = (0..RESPONSES).map(|i| synthetic::response(&survey, &book, i)).collect();
        Shipped { survey, book, responses }
    }

    fn open(&self) -> Vec<&str> {
        self.survey.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect()
    }

    fn rows<'a>(&'a self, layout: &Layout<'_>) -> Vec<Vec<Cell<'a>>> {
        self.responses
            .iter()
            .enumerate()
            .map(|(i, made)| {
                let response = Response {
                    id: i as i64 + 1,
                    complete: i % 4 != 0,
                    language: "es",
                    answers: &made.answers,
                    reasons: &made.reasons,
                    codes: Some(&made.codes),
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
