//! One agreement, whichever way it is computed: the agreement page (and its CSV), `fieldwork
//! agreement --survey` on the database and `fieldwork agreement --input` on the `codings` export
//! give the same figures and the same summary, on codings with answers marked done without a
//! code, passages, a consensus and a coder's unfinished work.

use std::collections::BTreeMap;

use fieldwork::accounts::Role;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};
use crate::surveys::add_response;

const SURVEY: &str = r#"
format = 1
slug = "three"
default_language = "en"
languages = ["en"]
title = { en = "Three ways" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
text = { en = "Role?" }
choices = [{ code = "a", label = { en = "A" } }]
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Three ways"
[[codes]]
id = "A"
name = "Code A"
[[codes]]
id = "B"
name = "Code B"
[[codes]]
id = "C"
name = "Code C"
[[codes]]
id = "NEVER"
name = "Never applied"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisation"
mutually_exclusive = true
[[codes]]
id = "ORG_A"
parent = "ORG"
name = "Company"
[[codes]]
id = "ORG_B"
parent = "ORG"
name = "Grassroots"
"#;

/// Each answer as coded by ann, bob and cy: codes separated by spaces, "" for done without a
/// code, "-" for not done.
const CODED: [[&str; 3]; 12] = [
    ["A", "A", "A"],
    ["A B", "A", "-"],
    ["", "", ""],
    ["B", "", "B"],
    ["", "A", ""],
    ["C ORG_A", "C ORG_A", "C ORG_B"],
    ["ORG_B", "ORG_B", "-"],
    ["A", "-", "-"],
    ["", "B", "B"],
    ["A C", "A C", "A"],
    ["B", "B", "B"],
    ["", "", "A"],
];

const CODERS: [&str; 3] = ["ann@example.org", "bob@example.org", "cy@example.org"];

/// The survey, the codebook and the codings of `CODED`; also passages (which add rows to the
/// export), a consensus on answer 4 and codes cy applied to answer 1 without finishing it.
fn arrange(app: &TestApp) -> i64 {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey_id, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook_id = fieldwork::codebook::import(&conn, survey_id, &file, "test", None).unwrap();
    let coders = CODERS.map(|email| app.add_user(email, Role::Coder));
    let by = |coder: i64, layer| Coder { codebook_id, codebook_version: 1, coder_id: coder, layer };
    let mut responses = Vec::new();
    for (unit, coded) in CODED.iter().enumerate() {
        let text = format!("Answer {unit}: because of reasons");
        let response_id = add_response(app, survey_id, "complete", &[("WHY", "", &text)]);
        responses.push(response_id);
        let at = UnitRef { response_id, question: "WHY" };
        for (coder, codes) in coders.iter().zip(coded) {
            if *codes == "-" {
                continue;
            }
            for code in codes.split_whitespace() {
                store::apply_whole(&conn, by(*coder, "coder"), at, code).unwrap();
            }
            store::set_done(&conn, codebook_id, at, *coder, true).unwrap();
        }
    }
    let at = |unit: usize| UnitRef { response_id: responses[unit], question: "WHY" };
    store::apply_span(&conn, by(coders[0], "coder"), at(0), "A", 0, 6).unwrap();
    store::apply_span(&conn, by(coders[1], "coder"), at(10), "B", 10, 17).unwrap();
    store::apply_whole(&conn, by(coders[2], "coder"), at(1), "C").unwrap();
    store::reconcile(&conn, by(coders[0], "consensus"), at(4), &["A".into()], "agreed").unwrap();
    codebook_id
}

/// Runs the `fieldwork` binary on the app's database.
fn fieldwork(app: &TestApp, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(args)
        .env("FIELDWORK_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// The rows of an agreement CSV by their code (or summary) name.
fn rows_by_code(csv: &str) -> BTreeMap<String, Vec<String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r.iter().map(str::to_string).collect())).collect()
}

#[tokio::test]
async fn the_page_the_command_on_the_database_and_the_command_on_the_export_agree() {
    let app = TestApp::spawn().await;
    let codebook = arrange(&app);
    app.add_user("rae@example.org", Role::Researcher);
    app.add_member(app.survey_of_codebook(codebook), "rae@example.org", MemberRole::Researcher);
    app.login("rae@example.org", PASSWORD).await;

    let web = app.get(&format!("/codebooks/{codebook}/agreement.csv")).await.text().await.unwrap();
    let database = fieldwork(&app, &["agreement", "--survey", "three", "--format", "csv"]);
    assert_eq!(database, web, "the command reads the database as the page does");

    let export = app.dir.path().join("codings.csv");
    fieldwork(&app, &["export", "--survey", "three", "--what", "codings", "--out", export.to_str().unwrap()]);
    let exported = std::fs::read_to_string(&export).unwrap();
    let done_without_code = exported.lines().filter(|line| line.contains(",coder,,,")).count();
    assert_eq!(done_without_code, 9, "a row with an empty code per answer done without one:\n{exported}");
    let from_export = fieldwork(&app, &["agreement", "--input", export.to_str().unwrap(), "--format", "csv"]);

    let (web_rows, export_rows) = (rows_by_code(&web), rows_by_code(&from_export));
    // The export names no codebook: it has the codes used and the pooled row, not the codes
    // nobody applied or the categories as variables; every row it has is the page's.
    let used = ["A", "ALL", "B", "C", "ORG_A", "ORG_B"];
    let codes: Vec<&str> = export_rows.keys().map(String::as_str).filter(|c| !c.starts_with("summary: ")).collect();
    assert_eq!(codes, used);
    for (code, row) in &export_rows {
        assert_eq!(Some(row), web_rows.get(code), "{code}");
    }
    assert_eq!(export_rows.keys().filter(|c| c.starts_with("summary: ")).count(), 7);
    assert_eq!(web_rows["summary: codes used"][9], "5");

    // The page shows the same figures.
    let (status, page) = app.get_page(&format!("/codebooks/{codebook}/agreement")).await;
    assert_eq!(status, StatusCode::OK);
    for code in ["A", "B", "C"] {
        let alpha: f64 = web_rows[code][6].parse().unwrap();
        // As the template rounds it: three decimals, without trailing zeros.
        let shown = format!("{alpha:.3}");
        let shown = shown.trim_end_matches('0').trim_end_matches('.');
        assert!(page.contains(&format!("<td>{shown}</td>")), "{code} α {alpha} shown as {shown}");
    }
    assert!(page.contains("<dt>Codes used</dt><dd>5</dd>"), "{page}");
}

#[tokio::test]
async fn the_export_without_its_done_without_code_rows_would_not_agree() {
    // Shows what the empty-code rows are for: without them the figures differ.
    let app = TestApp::spawn().await;
    let codebook = arrange(&app);
    app.add_user("rae@example.org", Role::Researcher);
    app.add_member(app.survey_of_codebook(codebook), "rae@example.org", MemberRole::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    let web = rows_by_code(&app.get(&format!("/codebooks/{codebook}/agreement.csv")).await.text().await.unwrap());
    let export = app.dir.path().join("codings.csv");
    fieldwork(&app, &["export", "--survey", "three", "--what", "codings", "--out", export.to_str().unwrap()]);
    let kept: Vec<String> = std::fs::read_to_string(&export)
        .unwrap()
        .lines()
        .filter(|line| !line.contains(",coder,,,"))
        .map(str::to_string)
        .collect();
    let trimmed = app.dir.path().join("trimmed.csv");
    std::fs::write(&trimmed, kept.join("\n")).unwrap();
    let without =
        rows_by_code(&fieldwork(&app, &["agreement", "--input", trimmed.to_str().unwrap(), "--format", "csv"]));
    assert_ne!(without["A"], web["A"]);
}

#[tokio::test]
async fn the_command_chooses_the_codebook_version_and_question_or_says_what_is_wrong() {
    let app = TestApp::spawn().await;
    arrange(&app);
    let by_name = fieldwork(&app, &["agreement", "--survey", "three", "--codebook", "three ways", "--bootstrap", "0"]);
    let by_default = fieldwork(&app, &["agreement", "--survey", "three", "--bootstrap", "0"]);
    assert_eq!(by_name, by_default);
    assert!(by_default.starts_with("Summary (per-code Krippendorff's α of the codes used):\n  Codes used: 5\n"));
    assert!(by_default.contains("\nApplied by no coder (not in the table): NEVER\n"), "{by_default}");
    let question = fieldwork(&app, &["agreement", "--survey", "three", "--question", "WHY", "--codebook-version", "1"]);
    assert!(question.contains("Codes used: 5"));

    let cases: [(&[&str], &str); 6] = [
        (&["--survey", "nope"], "there is no survey with the address \"nope\""),
        (&["--survey", "three", "--codebook", "99"], "survey three has no codebook 99"),
        (&["--survey", "three", "--codebook-version", "2"], "codebook-version: codebook 1 has no version 2"),
        (&["--survey", "three", "--question", "ROLE"], "question: ROLE is not an open (text) question"),
        (&["--survey", "three", "--question", "NOPE"], "question: the survey has no question NOPE"),
        (&["--codebook", "1"], "--survey"),
    ];
    for (args, message) in cases {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
            .arg("--db")
            .arg(&app.db_path)
            .arg("agreement")
            .args(args)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}
