//! The machine coder from the web and the command line, on synthetic answers coded alike by two
//! coders (the consensus layer): a training started from the page runs off the request and ends
//! with each code's figures and eligibility; its figures have a section of their own on the
//! agreement page and a CSV; "find more like this" ranks the answers nobody coded; the settings
//! decide eligibility again; the command line trains the same model from the same seed; and a
//! coding's source shows in the exports.

use std::time::Duration;

use fieldwork::accounts::Role;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::suggest::synthetic::{SyntheticCode, training_set};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::surveys::add_response;

const SURVEY: &str = r#"
format = 1
slug = "machine"
default_language = "en"
languages = ["en"]
title = { en = "Machine" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Machine codes"
[[codes]]
id = "PRICE"
name = "Price"
[[codes]]
id = "RANDOM"
name = "Random"
"#;

struct Arranged {
    codebook: i64,
}

/// 240 answers that two coders coded alike (PRICE follows keywords in three languages, but for a
/// few answers; RANDOM is given at random), one answer only one coder coded, and two answers
/// nobody coded.
fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    let codes =
        [SyntheticCode::keywords("PRICE", &["expensive", "teuer", "cher"], 0.3), SyntheticCode::random("RANDOM", 0.3)];
    let set = training_set(240, &codes, 9);
    for (i, answer) in set.answers.iter().enumerate() {
        // The coders leave PRICE off a few answers with a keyword: the machine cannot be perfect.
        let applied = answer.codes.iter().filter(|code| !(*code == "PRICE" && i % 12 == 0));
        let id = add_response(app, survey, "complete", &[("WHY", "", &answer.text)]);
        let at = UnitRef { response_id: id, question: "WHY" };
        for coder in coders {
            let by = Coder { codebook_id: codebook, codebook_version: 1, coder_id: coder, layer: "coder" };
            for code in applied.clone() {
                store::apply_whole(&conn, by, at, code).unwrap();
            }
            store::set_done(&conn, codebook, at, coder, true).unwrap();
        }
    }
    let single = add_response(app, survey, "complete", &[("WHY", "", "only ann saw this, teuer")]);
    let at = UnitRef { response_id: single, question: "WHY" };
    store::set_done(&conn, codebook, at, coders[0], true).unwrap();
    add_response(app, survey, "complete", &[("WHY", "", "the weather was fine")]);
    add_response(app, survey, "complete", &[("WHY", "", "viel zu teuer für uns")]);
    Arranged { codebook }
}

/// Waits until the page no longer shows a training under way; the page's HTML.
async fn wait_for_training(app: &TestApp, codebook: i64) -> String {
    for _ in 0..600 {
        let (status, html) = app.get_page(&format!("/codebooks/{codebook}/machine-coder")).await;
        assert_eq!(status, StatusCode::OK);
        if !html.contains("id=\"training-progress\"") {
            return html;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the training did not end within two minutes");
}

/// (code, eligible, reason) of the codebook's latest model, from the database.
fn stored_figures(app: &TestApp, codebook: i64) -> Vec<(String, bool, String)> {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let latest = fieldwork::suggest::store::latest(&conn, codebook).unwrap().expect("a model");
    latest.figures.into_iter().map(|f| (f.code, f.eligible, f.reason)).collect()
}

#[tokio::test]
async fn a_training_started_on_the_page_measures_each_code_and_only_the_learnt_one_is_eligible() {
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let a = arrange(&app);
    let id = a.codebook;

    let response =
        app.post_form(&format!("/codebooks/{id}/machine-coder/train"), &[("seed", "7"), ("version", "1")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let html = wait_for_training(&app, id).await;

    let figures = stored_figures(&app, id);
    assert_eq!(figures.len(), 2, "{figures:?}");
    assert_eq!((figures[0].0.as_str(), figures[0].1), ("PRICE", true), "{figures:?}");
    assert_eq!((figures[1].0.as_str(), figures[1].1), ("RANDOM", false), "{figures:?}");
    let reason = figures[0].2.split_once("interval, ").map(|(_, rest)| rest).unwrap_or_default();
    assert!(reason.starts_with("0.") && reason.contains(" reaches 0.800 on "), "{reason}: an imperfect code");
    assert!(html.contains("id=\"machine-codes\"") && html.contains(reason), "the reason is shown");
    let answers = app.query_i64("SELECT answers FROM suggest_models");
    assert_eq!(answers, 240, "the answer only one coder coded is not in the consensus layer");
    let hash = {
        let conn = fieldwork::db::open(&app.db_path).unwrap();
        conn.query_row("SELECT hash FROM suggest_models", [], |r| r.get::<_, String>(0)).unwrap()
    };
    assert!(html.contains(&format!("machine:{}", &hash[..12])));

    // The agreement page: the human coders' table as before, the machine in a section of its own.
    let (status, agreement) = app.get_page(&format!("/codebooks/{id}/agreement")).await;
    assert_eq!(status, StatusCode::OK);
    let (humans, machine) = agreement.split_once("id=\"machine-coder\"").expect("the machine's section");
    assert!(!humans.contains("machine:"), "the machine is not among the coders");
    assert!(machine.contains(&format!("machine:{}", &hash[..12])) && machine.contains("id=\"machine-agreement\""));

    let response = app.get(&format!("/codebooks/{id}/agreement/machine.csv")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("coder,code,positives,"), "{csv}");
    assert!(lines[1].starts_with(&format!("machine:{},PRICE,", &hash[..12])) && lines[1].contains(",yes,"), "{csv}");
    assert!(lines[2].contains(",RANDOM,") && lines[2].contains(",no,"), "{csv}");

    // Find more like this: the uncoded answer with a keyword comes first.
    let (status, more) = app.get_page(&format!("/codebooks/{id}/machine-coder/more?code=PRICE")).await;
    assert_eq!(status, StatusCode::OK);
    let table = more.split_once("id=\"more-answers\"").expect("the ranked answers").1;
    let first = table.find("viel zu teuer").expect("the keyword answer is listed");
    let other = table.find("the weather was fine").expect("the other uncoded answer is listed");
    assert!(first < other, "{table}");
    assert!(!table.contains("only ann saw this"), "an answer a coder marked done is not uncoded");
    let (status, unknown) = app.get_page(&format!("/codebooks/{id}/machine-coder/more?code=NOPE")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unknown.contains("id=\"unknown-code\""));
}

#[tokio::test]
async fn the_settings_are_checked_kept_as_typed_and_decide_eligibility_again() {
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let a = arrange(&app);
    let id = a.codebook;
    app.post_form(&format!("/codebooks/{id}/machine-coder/train"), &[("seed", "7")]).await;
    wait_for_training(&app, id).await;
    assert!(stored_figures(&app, id)[0].1, "PRICE is eligible at .800");

    let settings = format!("/codebooks/{id}/machine-coder/settings");
    let response = app.post_form(&settings, &[("threshold", "1.5"), ("min_positives", "zero")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("value=\"1.5\"") && html.contains("value=\"zero\""), "typed input is kept");
    assert!(html.contains("is not a number above 0 and at most 1") && html.contains("is not a whole number"));
    assert!(stored_figures(&app, id)[0].1, "nothing was saved");

    let response = app.post_form(&settings, &[("threshold", "0.999"), ("min_positives", "20")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (code, eligible, reason) = stored_figures(&app, id).remove(0);
    assert_eq!((code.as_str(), eligible), ("PRICE", false));
    assert!(reason.contains("is below 0.999"), "{reason}");
    let response = app.post_form(&settings, &[("threshold", "0.8"), ("min_positives", "1000")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, eligible, reason) = stored_figures(&app, id).remove(0);
    assert!(!eligible && reason.ends_with("positive examples; 1000 needed"), "{reason}");
    assert_eq!(app.query_i64("SELECT suggestions FROM suggest_settings"), 0, "the box was not ticked");
}

#[tokio::test]
async fn a_bad_seed_or_version_is_refused_and_nothing_is_trained() {
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let a = arrange(&app);
    let id = a.codebook;
    for form in [[("seed", "-1"), ("version", "1")], [("seed", "1"), ("version", "9")]] {
        let response = app.post_form(&format!("/codebooks/{id}/machine-coder/train"), &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, html) = app.get_page(&format!("/codebooks/{id}/machine-coder")).await;
        assert!(html.contains("is not a whole number") || html.contains("is not a published version"), "{form:?}");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM suggest_models"), 0);
}

fn suggest_train(app: &TestApp, seed: &str) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["suggest", "train", "--survey", "machine", "--seed", seed])
        .env("FIELDWORK_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn the_command_line_trains_the_same_model_from_the_same_seed() {
    let app = TestApp::spawn().await;
    arrange(&app);
    let first = suggest_train(&app, "3");
    let again = suggest_train(&app, "3");
    let other = suggest_train(&app, "4");
    let model =
        |out: &str| out.lines().next().unwrap_or_default().split_whitespace().nth(1).unwrap_or_default().to_owned();
    assert_eq!(model(&first).len(), 64, "{first}");
    assert_eq!(first, again, "same data and seed: same model, same figures");
    assert_ne!(model(&first), model(&other));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM suggest_models"), 2, "the same model is stored once");
    let price = first.lines().find(|l| l.starts_with("PRICE")).expect("a line for PRICE");
    assert!(price.contains("yes: the lower bound"), "{first}");
}

#[tokio::test]
async fn a_coding_from_an_accepted_suggestion_shows_its_model_in_the_exports() {
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let a = arrange(&app);
    // The coding screen will record it so (part 2 of issue 21): one coding made from a suggestion.
    let hash = "ab".repeat(32);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let coding: i64 = conn.query_row("SELECT MIN(id) FROM codings WHERE code_key = 'PRICE'", [], |r| r.get(0)).unwrap();
    conn.execute("UPDATE codings SET source = ?1 WHERE id = ?2", rusqlite::params![hash, coding]).unwrap();

    let response = app.get(&format!("/surveys/machine/export/codings.csv?codebook={}", a.codebook)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    assert!(csv.lines().next().unwrap_or_default().ends_with(",done,source"), "{csv}");
    assert_eq!(csv.lines().filter(|l| l.ends_with(&format!(",{hash}"))).count(), 1, "one coding has the model");

    let response = app.get(&format!("/surveys/machine/export/project.qdpx?codebook={}", a.codebook)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let qde = crate::export_qdpx::unzip(&bytes).remove("project.qde").expect("project.qde");
    assert_eq!(qde.matches(&format!("name=\"Machine coder {}\"", &hash[..12])).count(), 1, "one note per model");
    let note = qde.split(&format!("name=\"Machine coder {}\"", &hash[..12])).next().unwrap_or_default();
    let guid = note.rsplit("guid=\"").next().unwrap_or_default().split('"').next().unwrap_or_default().to_owned();
    assert_eq!(qde.matches(&format!("<NoteRef targetGUID=\"{guid}\"")).count(), 1, "the coding refers to it");
    crate::export_qdpx::validate(&app, &bytes);
}
