//! `fieldwork survey …`: importing the shipped questionnaire, opening it for respondents, the
//! lossless export round trip, and an import with many errors that creates nothing.

use std::path::Path;
use std::process::{Command, Output};

use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::respondent::*;

fn fieldwork(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().expect("run fieldwork")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

const SHIPPED_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/questionnaires/open-llm-governance.toml");

#[tokio::test]
async fn survey_import_prints_the_slug_and_survey_open_lets_respondents_in() {
    let app = TestApp::spawn().await;

    let import = fieldwork(&app.db_path, &["survey", "import", SHIPPED_FILE]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert_eq!(stdout(&import), format!("{SHIPPED_SLUG}\n"));
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    assert_eq!(heading(&r.welcome("").await.html), "This survey is not open yet", "imported as a draft");

    let open = fieldwork(&app.db_path, &["survey", "open", SHIPPED_SLUG]);
    assert!(open.status.success(), "{}", stderr(&open));
    let welcome = r.welcome("").await;
    assert_eq!(welcome.status, StatusCode::OK);
    assert!(welcome.html.contains(&format!("action=\"/s/{SHIPPED_SLUG}/start\"")), "{}", welcome.html);

    let again = fieldwork(&app.db_path, &["survey", "import", SHIPPED_FILE]);
    assert!(!again.status.success(), "the address is taken");
    assert!(stderr(&again).contains("already exists"), "{}", stderr(&again));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys"), 1);
}

#[test]
fn an_exported_survey_imported_under_another_slug_exports_the_same_definition() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("round-trip.db");
    assert!(fieldwork(&db, &["survey", "import", SHIPPED_FILE]).status.success());

    let first = fieldwork(&db, &["survey", "export", SHIPPED_SLUG]);
    assert!(first.status.success(), "{}", stderr(&first));
    let exported = stdout(&first);
    let slug_line = format!("slug = \"{SHIPPED_SLUG}\"\n");
    assert_eq!(exported.matches(&slug_line).count(), 1, "{exported}");
    let copy = dir.path().join("copy.toml");
    std::fs::write(&copy, exported.replace(&slug_line, "slug = \"governance-copy\"\n")).unwrap();

    let import = fieldwork(&db, &["survey", "import", copy.to_str().unwrap()]);
    assert!(import.status.success(), "{}", stderr(&import));
    assert_eq!(stdout(&import), "governance-copy\n");
    let second = stdout(&fieldwork(&db, &["survey", "export", "governance-copy"]));
    assert_eq!(second.replace("slug = \"governance-copy\"\n", &slug_line), exported);
    // And the export holds everything the questionnaire file says.
    let original = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition;
    let reread = fieldwork::survey::file::from_toml(&exported).unwrap().definition;
    assert_eq!(reread, original);
}

/// Several problems at once: a bad address, a language not in the survey, a repeated choice code,
/// a reserved one, a repeated question code, bounds the wrong way round, a condition on a later
/// question, a condition that does not parse, and an invalid pattern.
const MANY_ERRORS: &str = r#"
format = 1
slug = "Bad Slug!"
default_language = "en"
languages = ["en"]
title = { en = "Broken", xx = "?" }

[[pages]]
code = "p1"
[[pages.questions]]
code = "Q1"
type = "single_choice"
relevant = "${Q3} = 'x'"
text = { en = "Pick" }
choices = [{ code = "a", label = { en = "A" } }, { code = "a", label = { en = "Again" } }, { code = "other", label = { en = "O" } }]
[[pages.questions]]
code = "Q1"
type = "number"
min = 10
max = 2
text = { en = "How many?" }
[[pages.questions]]
code = "Q3"
type = "short_text"
pattern = "("
relevant = "${Q1} = = 'a'"
text = { en = "Why?" }
"#;

#[test]
fn an_import_with_several_errors_lists_each_with_its_place_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("errors.db");
    let file = dir.path().join("broken.toml");
    std::fs::write(&file, MANY_ERRORS).unwrap();

    let output = fieldwork(&db, &["survey", "import", file.to_str().unwrap()]);
    assert!(!output.status.success());
    assert!(stdout(&output).is_empty(), "{}", stdout(&output));
    let errors = stderr(&output);
    for place in [
        "slug:",
        "title.xx:",
        "pages[0].questions[0].choices[1].code:",
        "pages[0].questions[0].choices[2].code:",
        "pages[0].questions[0].relevant:",
        "pages[0].questions[1].code:",
        "pages[0].questions[1].min:",
        "pages[0].questions[2].pattern:",
        "pages[0].questions[2].relevant:",
    ] {
        assert!(
            errors.lines().any(|line| line.starts_with(&format!("{}: {place}", file.display()))),
            "{place} missing from:\n{errors}"
        );
    }
    assert!(errors.contains("nothing was imported"), "{errors}");
    let conn = fieldwork::db::open(&db).unwrap();
    let surveys: i64 = conn.query_row("SELECT COUNT(*) FROM surveys", [], |r| r.get(0)).unwrap();
    assert_eq!(surveys, 0);
}
