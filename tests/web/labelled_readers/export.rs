//! The SPSS, Stata and R files through the real export path — stored answers and codings read
//! from SQLite by `fieldwork export --what spss|stata|r` and the export page's downloads — read
//! back by PSPP, pyreadstat and R: the shipped questionnaire with synthetic answers (non-ASCII,
//! long texts, multiple choice with Other) and the shipped codebook's codings as 0/1 variables of
//! the default layer, a small survey with dates, the filters, and the data dictionary's mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use fieldwork::accounts::Role;
use fieldwork::codebook::model::{CodeKind, CodebookFile};
use fieldwork::coding::store::{self as codings, Coder, UnitRef};
use fieldwork::export::labelled::survey::{CodedLayer, Layout, Response};
use fieldwork::survey::model::SurveyDefinition;
use reqwest::StatusCode;
use rusqlite::Connection;
use serde_json::{Value as Json, json};

use super::pyreadstat::{assert_same, expected, read_back};
use super::synthetic;
use super::*;
use crate::export_qdpx::unzip;
use crate::exports::cli;
use crate::helpers::TestApp;

const SLUG: &str = "open-llm-governance";
const SYNTHETIC: usize = 24;

/// A text past SPSS's 255-byte strings and Stata's 2,045-byte `str`, with non-ASCII.
fn long_answer() -> String {
    "Queremos modelos abiertos para todas las lenguas — ñandú, 日本語, emoji 🚀. ".repeat(60).trim_end().to_string()
}

/// The codes of each open answer in the default layer.
type Codes = BTreeMap<String, BTreeSet<String>>;

/// A response as stored: its id, whether complete, its answers and its codes.
type Stored = (i64, bool, synthetic::Answers, Codes);

/// What the test stored, and the rows the mapping makes of it (complete responses, in order).
struct Arranged {
    survey: SurveyDefinition,
    book: CodebookFile,
    /// Each response's id, whether complete, its answers and its codes in the default layer.
    stored: Vec<Stored>,
}

impl Arranged {
    fn open(&self) -> Vec<&str> {
        self.survey.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect()
    }

    fn layout(&self) -> Layout<'_> {
        let open = self.open();
        Layout::new(&self.survey, "en", Some(CodedLayer { codebook: &self.book, questions: &open }))
    }

    /// The rows the export should hold, from the stored answers by the mapping alone.
    fn rows<'a>(&'a self, layout: &Layout<'_>, include_partial: bool) -> Vec<Vec<Cell<'a>>> {
        let no_reasons = Box::leak(Box::new(BTreeMap::new()));
        self.stored
            .iter()
            .filter(|(_, complete, _, _)| include_partial || *complete)
            .map(|(id, complete, answers, codes)| {
                let response = Response {
                    id: *id,
                    complete: *complete,
                    language: "en",
                    answers,
                    reasons: no_reasons,
                    codes: Some(codes),
                };
                layout.row(&response).expect("a row")
            })
            .collect()
    }
}

fn insert_response(conn: &Connection, survey: i64, complete: bool, answers: &synthetic::Answers) -> i64 {
    let status = if complete { "complete" } else { "partial" };
    conn.execute(
        "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
         VALUES (?1, randomblob(32), ?2, 1, 'en', '2026-02-01T09:00:00Z', '2026-02-01T10:00:00Z')",
        rusqlite::params![survey, status],
    )
    .expect("a response");
    let id = conn.last_insert_rowid();
    for (question, items) in answers {
        for (item, value) in items {
            conn.execute(
                "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, question, item, value],
            )
            .expect("an answer");
        }
    }
    id
}

/// The shipped questionnaire and codebook, synthetic responses (one in four partial) and one
/// written by hand, each open answer coded by one coder who marked it done (so the default layer
/// holds that coder's codes).
fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).expect("db");
    let (survey, book) = synthetic::shipped();
    let text = std::fs::read_to_string("questionnaires/open-llm-governance.toml").expect("questionnaire");
    let (survey_id, _) = fieldwork::survey::import_toml(&conn, &text, None).expect("imported");
    let codebook_id = fieldwork::codebook::import(&conn, survey_id, &book, "test", None).expect("codebook");
    let coder = app.add_user("coder@example.org", Role::Coder);
    let codes: BTreeSet<&str> = book.codes.iter().filter(|c| c.kind == CodeKind::Code).map(|c| c.id.as_str()).collect();

    let mut made: Vec<(bool, synthetic::Answers, Codes)> = (0..SYNTHETIC)
        .map(|i| {
            let response = synthetic::response(&survey, &book, i);
            let mut applied = response.codes.clone();
            for set in applied.values_mut() {
                set.retain(|c| codes.contains(c.as_str()));
            }
            applied.retain(|q, _| response.answers.contains_key(q));
            (i % 4 != 3, response.answers, applied)
        })
        .collect();
    let mut by_hand = synthetic::Answers::new();
    let mut put = |q: &str, item: &str, value: &str| {
        by_hand.entry(q.to_string()).or_default().insert(item.to_string(), value.to_string());
    };
    put("PROJECT", "", "Proyecto «Ñandú» — 日本語 🚀");
    put("ROLE", "", "other");
    put("ROLE", "other", "Bibliothécaire");
    put("LANGS", "english", "1");
    put("LANGS", "other", "Kiswahili, Yorùbá");
    put("OPEN_WHY", "", &long_answer());
    put("YEARS", "", "7");
    let hand_codes = BTreeMap::from([
        ("PROJECT".to_string(), BTreeSet::new()),
        ("OPEN_WHY".to_string(), BTreeSet::from(["MOT_ACCESS".to_string(), "MOT_LANGUAGE".to_string()])),
    ]);
    made.push((true, by_hand, hand_codes));

    let by = Coder { codebook_id, codebook_version: 1, coder_id: coder, layer: "coder" };
    let stored = made
        .into_iter()
        .map(|(complete, answers, applied)| {
            let id = insert_response(&conn, survey_id, complete, &answers);
            for (question, set) in &applied {
                let unit = || UnitRef { response_id: id, question };
                for code in set {
                    codings::apply_whole(&conn, by, unit(), code).expect("coded");
                }
                codings::set_done(&conn, codebook_id, unit(), coder, true).expect("done");
            }
            (id, complete, answers, applied)
        })
        .collect();
    Arranged { survey, book, stored }
}

async fn download(app: &TestApp, file: &str, content_type: &str) -> Vec<u8> {
    let response = app.get(&format!("/surveys/{SLUG}/export/{file}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{file}");
    assert_eq!(response.headers()["content-type"], content_type, "{file}");
    response.bytes().await.expect("body").to_vec()
}

/// Runs `fieldwork export` into `name` in the app's folder and returns the file.
fn exported(app: &TestApp, name: &str, args: &[&str]) -> Vec<u8> {
    let out = app.dir.path().join(name);
    let mut all = vec!["--survey", SLUG];
    all.extend(args);
    all.extend(["--out", out.to_str().expect("path")]);
    let output = cli(app, &all);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    std::fs::read(&out).expect("the exported file")
}

fn column(back: &Json, name: &str) -> usize {
    back["names"].as_array().expect("names").iter().position(|n| n == name).unwrap_or_else(|| panic!("{name}"))
}

/// The last row's cell of `name`: the response written by hand.
fn by_hand<'j>(back: &'j Json, rows: &str, name: &str) -> &'j Json {
    let rows = back[rows].as_array().expect("rows");
    &rows[rows.len() - 1][column(back, name)]
}

#[tokio::test]
async fn spss_stata_and_r_files_of_the_stored_answers_read_back_with_their_labels_and_codes() {
    let test = "spss_stata_and_r_files_of_the_stored_answers_read_back_with_their_labels_and_codes";
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let arranged = arrange(&app);
    let layout = arranged.layout();
    let complete = arranged.rows(&layout, false);
    let dir = scratch();

    let sav = download(&app, "responses.sav", "application/x-spss-sav").await;
    assert_eq!(sav, exported(&app, "cli.sav", &["--what", "spss"]), "the command line writes the same bytes");
    let dta = download(&app, "responses.dta", "application/x-stata-dta").await;
    assert_eq!(dta, exported(&app, "cli.dta", &["--what", "stata"]));
    std::fs::write(dir.path().join("shipped.sav"), &sav).expect("sav");
    std::fs::write(dir.path().join("shipped.dta"), &dta).expect("dta");

    if let Some(pspp) = tool("pspp", &["--version"], test) {
        let tables = super::pspp::run_pspp(&pspp, dir.path(), "GET FILE='shipped.sav'.\nDISPLAY DICTIONARY.\n");
        let names: Vec<&str> = tables["Variables"][1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, layout.names(Package::Spss));
        let labels = &tables["Value Labels"];
        assert!(labels.iter().any(|r| r.iter().any(|c| c == "Project lead or principal investigator")), "{labels:?}");
    }
    if let Some(python) = readers_python(test) {
        let spss = layout.dataset(Package::Spss, "", None, jiff::civil::date(2026, 1, 1).at(0, 0, 0, 0));
        let back = read_back(&python, "sav", &dir.path().join("shipped.sav"));
        assert_eq!(back["names"], json!(layout.names(Package::Spss)));
        let want = expected(&spss, &complete, |_, variable| match variable.kind {
            Kind::String { .. } => json!(""),
            _ => Json::Null,
        });
        assert_same("the .sav of the stored answers", &back["rows"], &want);
        assert_eq!(back["file_label"], json!("Open LLM development and governance"));
        assert_eq!(by_hand(&back, "rows", "PROJECT"), &json!("Proyecto «Ñandú» — 日本語 🚀"));
        assert_eq!(by_hand(&back, "rows", "ROLE_other"), &json!("Bibliothécaire"));
        assert_eq!(by_hand(&back, "rows", "LANGS_other"), &json!("Kiswahili, Yorùbá"));
        assert_eq!(by_hand(&back, "rows", "LANGS_english"), &json!(1.0));
        assert_eq!(by_hand(&back, "rows", "OPEN_WHY"), &json!(long_answer()), "a long text whole");
        let other = layout.columns.iter().find(|c| c.column == "ROLE").expect("ROLE").value_codes.len();
        assert_eq!(by_hand(&back, "rows", "ROLE"), &json!(other as f64), "Other is the last number");
        assert_eq!(back["value_labels"]["ROLE"][format!("{other}.0")], json!("Other (please specify)"));
        let coded = layout.names(Package::Spss)
            [layout.columns.iter().position(|c| c.column == "OPEN_WHY/MOT_ACCESS").expect("coded")]
        .clone();
        assert_eq!(by_hand(&back, "rows", &coded), &json!(1.0), "a code of the default layer");
        assert_eq!(back["value_labels"][&coded]["1.0"], json!("coded"));

        let stata = layout.dataset(Package::Stata, "", None, jiff::civil::date(2026, 1, 1).at(0, 0, 0, 0));
        let back = read_back(&python, "dta", &dir.path().join("shipped.dta"));
        assert_eq!(back["names"], json!(layout.names(Package::Stata)));
        let want = expected(&stata, &complete, |_, variable| match variable.kind {
            Kind::String { .. } => json!(""),
            _ => Json::Null,
        });
        assert_same("the .dta of the stored answers", &back["plain_rows"], &want);
        assert_eq!(by_hand(&back, "plain_rows", "OPEN_WHY"), &json!(long_answer()), "a strL whole");
    }

    let zip = download(&app, "responses-r.zip", "application/zip").await;
    assert_eq!(zip, exported(&app, "cli.r.zip", &["--what", "r"]));
    let files = unzip(&zip);
    assert_eq!(files.keys().collect::<Vec<_>>(), [&format!("{SLUG}.R"), &format!("{SLUG}.csv")]);
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).expect("unzipped");
    }
    if let Some(rscript) = tool("Rscript", &["--version"], test) {
        let inspect = format!(
            "source('{SLUG}.R'); cat(nrow(responses), ncol(responses), sep = '\\n'); \
             writeLines(c(levels(responses[['ROLE']]), as.character(responses[['PROJECT']][nrow(responses)])), \
             'out.txt', useBytes = TRUE)"
        );
        let output = Command::new(rscript)
            .current_dir(dir.path())
            .args(["--vanilla", "-e", &inspect])
            .env("LANG", "C.UTF-8")
            .output()
            .expect("Rscript runs");
        assert!(output.status.success(), "R failed: {}", String::from_utf8_lossy(&output.stderr));
        let said = String::from_utf8_lossy(&output.stdout);
        assert_eq!(said.lines().collect::<Vec<_>>(), [complete.len().to_string(), layout.columns.len().to_string()]);
        let out = std::fs::read_to_string(dir.path().join("out.txt")).expect("R's output");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "Project lead or principal investigator");
        assert_eq!(lines.last(), Some(&"Proyecto «Ñandú» — 日本語 🚀"));
    }
}

#[tokio::test]
async fn the_statistics_files_follow_the_filters_and_the_dictionary_maps_codes_to_names_and_numbers() {
    let test = "the_statistics_files_follow_the_filters_and_the_dictionary_maps_codes_to_names_and_numbers";
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let arranged = arrange(&app);
    let layout = arranged.layout();

    // Partial responses only when asked for; a wrong option is refused as for every export.
    let all = exported(&app, "all.sav", &["--what", "spss", "--include-partial"]);
    let one_role = exported(&app, "role.dta", &["--what", "stata", "--answer", "ROLE=other"]);
    let refused = cli(&app, &["--survey", SLUG, "--what", "spss", "--per", "answer", "--out", "x.sav"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--per: does not apply to spss"));
    let response = app.get(&format!("/surveys/{SLUG}/export/responses.sav?labels=fr")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    if let Some(python) = readers_python(test) {
        let dir = scratch();
        std::fs::write(dir.path().join("all.sav"), &all).expect("sav");
        std::fs::write(dir.path().join("role.dta"), &one_role).expect("dta");
        let back = read_back(&python, "sav", &dir.path().join("all.sav"));
        assert_eq!(back["rows"].as_array().map(Vec::len), Some(arranged.stored.len()));
        let back = read_back(&python, "dta", &dir.path().join("role.dta"));
        let chose_other = arranged.rows(&layout, false).len()
            - arranged
                .stored
                .iter()
                .filter(|(_, complete, answers, _)| {
                    *complete
                        && !answers.get("ROLE").is_some_and(|items| {
                            items.get("").map(String::as_str) == Some("other")
                                || (!items.contains_key("") && items.contains_key("other"))
                        })
                })
                .count();
        assert!(chose_other > 0);
        assert_eq!(back["plain_rows"].as_array().map(Vec::len), Some(chose_other));
    }

    // The dictionary: each column's variable in the three packages and its numbers.
    let dictionary = download(&app, "codebook-dictionary.csv", "text/csv; charset=utf-8").await;
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(dictionary.as_slice())
        .records()
        .map(|r| r.expect("a record").iter().map(str::to_string).collect())
        .collect();
    let find = |column: &str| rows.iter().find(|r| r[0] == column).unwrap_or_else(|| panic!("{column}")).clone();
    let langs = find("LANGS/other_european");
    assert_eq!(langs[7..10], ["LANGS_other_european", "LANGS_other_european", "LANGS_other_european"]);
    assert_eq!(langs[10], "0=not selected; 1=selected");
    let role = find("ROLE");
    assert!(role[10].starts_with("1=lead; 2="), "{role:?}");
    assert!(role[10].ends_with("=other"), "{role:?}");
    assert_eq!(find("LANGS")[7..11], ["", "", "", ""], "the list of codes is in no package's file");
    let coded = find("OPEN_WHY/MOT_ACCESS");
    assert_eq!(coded[5], "coded");
    assert_eq!(coded[10], "0=not coded; 1=coded");
    let position = layout.columns.iter().position(|c| c.column == "OPEN_WHY/MOT_ACCESS").expect("coded");
    assert_eq!(coded[7], layout.names(Package::Spss)[position]);
    assert_eq!(coded[8], layout.names(Package::Stata)[position]);
}

const DATED: &str = r#"
format = 1
slug = "dated"
default_language = "en"
languages = ["en"]
title = { en = "Dates" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since when?" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share" }
"#;

#[tokio::test]
async fn dates_and_decimals_are_dates_and_numbers_in_every_package() {
    let test = "dates_and_decimals_are_dates_and_numbers_in_every_package";
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let conn = fieldwork::db::open(&app.db_path).expect("db");
    let (survey, _) = fieldwork::survey::import_toml(&conn, DATED, None).expect("imported");
    for (since, share) in [("2024-02-29", "0.25"), ("1959-12-31", "-12.5"), ("1900-01-01", "")] {
        let mut answers = synthetic::Answers::new();
        answers.entry("SINCE".into()).or_default().insert(String::new(), since.into());
        if !share.is_empty() {
            answers.entry("SHARE".into()).or_default().insert(String::new(), share.into());
        }
        insert_response(&conn, survey, true, &answers);
    }
    let dir = scratch();
    for (file, kind, rows) in [("responses.sav", "sav", "rows"), ("responses.dta", "dta", "plain_rows")] {
        let bytes = app.get(&format!("/surveys/dated/export/{file}")).await.bytes().await.expect("body");
        std::fs::write(dir.path().join(file), &bytes).expect("file");
        if let Some(python) = readers_python(test) {
            let back = read_back(&python, kind, &dir.path().join(file));
            assert_eq!(back["names"], json!(["response_id", "status", "language", "SINCE", "SHARE"]), "{file}");
            let cells: Vec<Json> = back[rows].as_array().expect("rows").iter().map(|r| json!([r[3], r[4]])).collect();
            assert_same(
                file,
                &json!(cells),
                &json!([["2024-02-29", 0.25], ["1959-12-31", -12.5], ["1900-01-01", null]]),
            );
        }
    }
    let zip = app.get("/surveys/dated/export/responses-r.zip").await.bytes().await.expect("body");
    for (name, bytes) in unzip(&zip) {
        std::fs::write(dir.path().join(name), bytes).expect("unzipped");
    }
    if let Some(rscript) = tool("Rscript", &["--version"], test) {
        let inspect =
            "source('dated.R'); cat(class(responses$SINCE), format(responses$SINCE), responses$SHARE, sep = '\\n')";
        let output = Command::new(rscript)
            .current_dir(dir.path())
            .args(["--vanilla", "-e", inspect])
            .output()
            .expect("Rscript runs");
        assert!(output.status.success(), "R failed: {}", String::from_utf8_lossy(&output.stderr));
        let said = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            said.lines().collect::<Vec<_>>(),
            ["Date", "2024-02-29", "1959-12-31", "1900-01-01", "0.25", "-12.5", "NA"]
        );
    }
}
