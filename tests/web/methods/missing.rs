//! Missing-data codes: with `--missing codes` every empty answer cell says why it is empty — not
//! shown (display logic), not reached (after the furthest page of a partial response), skipped —
//! in the survey's own codes, and the dictionary lists them; without the option they stay empty.

use serde_json::{Value as Json, json};

use super::*;

/// A complete response (a developer: the leads' question hidden; the project name and Q2 left
/// out) and a partial one stopped on the page "motives" (not saved).
async fn two_responses(app: &TestApp) {
    let mut done = Respondent::new(app, "methods");
    done.start().await;
    done.next(0, &[("q.ROLE", "dev"), ("q.YEARS", "4")]).await;
    done.next(1, &[("q.MOTIV", "science")]).await;
    done.next(2, &[("q.Q1", "one"), ("q.Q3", "three"), ("q.Q4", "four")]).await;
    assert_eq!(done.submit(3, &[("q.LAST", "bye")]).await.location, "/s/methods/done");
    let other = app.other_client();
    let mut stopped = Respondent::new(&other, "methods");
    stopped.start().await;
    stopped.next(0, &[("q.ROLE", "lead"), ("q.LEAD_WHY", "Someone must")]).await;
}

#[tokio::test]
async fn every_empty_answer_cell_holds_the_code_of_its_reason() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    two_responses(&app).await;

    let rows = export(&app, "methods", "responses", &["--include-partial", "--missing", "codes"]);
    let (done, stopped) = (1, 2);
    let expect = |row: usize, cells: &[(&str, &str)]| {
        for (column, value) in cells {
            assert_eq!(cell(&rows, row, column), *value, "row {row}, {column}");
        }
    };
    expect(
        done,
        &[
            ("PROJECT", "-99"),
            ("LEAD_WHY", "-66"),
            ("YEARS", "4"),
            ("MOTIV", "science"),
            ("MOTIV/science", "1"),
            ("MOTIV/job", "0"),
            ("MOTIV/other", "-66"),
            ("Q2", "-99"),
            ("LAST", "bye"),
            ("last_page", "end"),
        ],
    );
    expect(
        stopped,
        &[
            ("PROJECT", "-99"),
            ("LEAD_WHY", "Someone must"),
            ("YEARS", "-99"),
            ("MOTIV", "-99"),
            ("MOTIV/science", "-99"),
            ("MOTIV/other", "-99"),
            ("Q1", "-77"),
            ("LAST", "-77"),
            ("last_page", "motives"),
            ("time_motives", "-99"),
            ("time_rate", "-77"),
            ("order_MOTIV", "-99"),
            ("order_rate", "-77"),
            ("submitted_at", ""),
        ],
    );
    assert!(cell(&rows, stopped, "time_about").parse::<i64>().is_ok(), "a page saved has its time");

    let plain = export(&app, "methods", "responses", &["--include-partial"]);
    for column in ["PROJECT", "YEARS", "MOTIV/other", "Q1", "time_rate", "order_rate"] {
        assert_eq!(cell(&plain, stopped, column), "", "without the option {column} stays empty");
    }

    let dictionary = export(&app, "methods", "codebook-dictionary", &["--missing", "codes"]);
    assert_eq!(dictionary[0].last().map(String::as_str), Some("missing"));
    let missing = |column: &str| dictionary.iter().find(|r| r[0] == column).unwrap().last().unwrap().clone();
    assert!(
        missing("LAST").starts_with("-66=not shown (hidden by display logic); -77=not reached"),
        "{}",
        missing("LAST")
    );
    assert!(missing("time_rate").starts_with("-66="));
    assert_eq!(missing("last_page"), "");
    assert_eq!(missing("response_id"), "");
    let time_row = dictionary.iter().find(|r| r[0] == "time_rate").unwrap();
    assert_eq!((time_row[3].as_str(), time_row[5].as_str()), ("rate", "integer"));
    let plain_dictionary = export(&app, "methods", "codebook-dictionary", &[]);
    assert!(plain_dictionary[1..].iter().all(|r| r.last().unwrap().is_empty()));
}

#[tokio::test]
async fn a_survey_chooses_its_own_codes_and_the_option_is_checked() {
    let app = TestApp::spawn().await;
    let own = METHODS.replace(
        "[[pages]]\ncode = \"about\"",
        "[missing_codes]\nnot_shown = 6\nnot_reached = 7\nskipped = 9\n\n[[pages]]\ncode = \"about\"",
    );
    add_survey(&app, &own, fieldwork::survey::store::Status::Open);
    two_responses(&app).await;
    let rows = export(&app, "methods", "responses", &["--include-partial", "--missing", "codes"]);
    assert_eq!((cell(&rows, 1, "LEAD_WHY"), cell(&rows, 2, "LAST"), cell(&rows, 2, "YEARS")), ("6", "7", "9"));

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["export", "--survey", "methods", "--what", "closed", "--missing", "codes"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--missing: does not apply to closed, which takes"));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["export", "--survey", "methods", "--what", "responses", "--missing", "zeros"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("--missing: \"zeros\" is not empty or codes"));
}

/// `fieldwork export --what WHAT` of the methods survey into `name`, read back by pyreadstat.
fn statistics_read_back(app: &TestApp, python: &std::path::Path, what: &str, name: &str, args: &[&str]) -> Json {
    let out = app.dir.path().join(name);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["export", "--survey", "methods", "--what", what, "--include-partial", "--out"])
        .arg(&out)
        .args(args)
        .output()
        .expect("run fieldwork export");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let kind = if what == "spss" { "sav" } else { "dta" };
    crate::labelled_readers::pyreadstat::read_back(python, kind, &out)
}

/// The cell of variable `name` in row `row` (0: the complete response, 1: the partial one).
fn variable<'j>(back: &'j Json, rows: &str, row: usize, name: &str) -> &'j Json {
    let at = back["names"].as_array().unwrap().iter().position(|n| n == name).unwrap_or_else(|| panic!("{name}"));
    &back[rows][row][at]
}

#[tokio::test]
async fn the_spss_and_stata_files_hold_each_empty_answers_reason_as_a_missing_value() {
    let test = "the_spss_and_stata_files_hold_each_empty_answers_reason_as_a_missing_value";
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    two_responses(&app).await;
    let Some(python) = crate::labelled_readers::readers_python(test) else { return };
    let (done, stopped) = (0, 1);

    // SPSS: user-missing values, read as themselves; a string keeps the code's digits.
    let sav = statistics_read_back(&app, &python, "spss", "codes.sav", &["--missing", "codes"]);
    for (row, name, expected) in [
        (done, "LEAD_WHY", json!("-66")),
        (done, "PROJECT", json!("-99")),
        (done, "YEARS", json!(4.0)),
        (stopped, "YEARS", json!(-99.0)),
        (stopped, "MOTIV_science", json!(-99.0)),
        (stopped, "Q1", json!("-77")),
        (stopped, "LAST", json!("-77")),
    ] {
        assert_eq!(variable(&sav, "rows", row, name), &expected, ".sav row {row}, {name}");
    }
    assert_eq!(sav["missing_ranges"]["YEARS"][2], json!({"lo": -99.0, "hi": -99.0}), "declared user-missing");
    assert_eq!(variable(&sav, "plain_rows", stopped, "YEARS"), &Json::Null, "missing to a reader that asks");

    // Stata: a number's reason is an extended missing value, .c for skipped.
    let dta = statistics_read_back(&app, &python, "stata", "codes.dta", &["--missing", "codes"]);
    assert_eq!(variable(&dta, "rows", stopped, "YEARS"), &json!("c"));
    assert_eq!(variable(&dta, "plain_rows", stopped, "YEARS"), &Json::Null);
    assert_eq!(variable(&dta, "plain_rows", stopped, "Q1"), &json!("-77"));
    assert_eq!(variable(&dta, "plain_rows", done, "LEAD_WHY"), &json!("-66"));
    assert_eq!(dta["value_labels"]["YEARS"]["c"], json!("shown and skipped"));

    // R: the CSV keeps the codes, the script reads them as NA and says what each meant.
    let zip = app.dir.path().join("codes.zip");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["export", "--survey", "methods", "--what", "r", "--include-partial", "--missing", "codes", "--out"])
        .arg(&zip)
        .output()
        .expect("run fieldwork export");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let files = crate::export_qdpx::unzip(&std::fs::read(&zip).unwrap());
    let script = &files["methods.R"];
    assert!(
        script.contains("# Missing-data codes, read as NA: -66 not shown, -77 not reached, -99 shown and skipped.")
    );
    assert!(files["methods.csv"].contains(",-77"), "the CSV keeps the codes");

    // Without the option an empty cell is plain missing.
    let plain = statistics_read_back(&app, &python, "spss", "plain.sav", &[]);
    assert_eq!(variable(&plain, "rows", stopped, "YEARS"), &Json::Null);
    assert_eq!(variable(&plain, "rows", stopped, "Q1"), &json!(""));
}
