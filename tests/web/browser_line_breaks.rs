//! Passages after line breaks, in a real browser: a respondent types an answer with line breaks
//! (which the browser sends as CR LF), a coder selects passages after them, and the codings
//! export's `span_text` is exactly the text selected. An answer stored with CR LF before the fix,
//! coded on the same page, keeps its passages' text through migration 6.

use fieldwork::accounts::Role;
use fieldwork::survey::store::{self, Status};

use crate::browser::Browser;
use crate::browser_coding::{highlight_as, log_in, select_with_mouse};
use crate::coding::{RESEARCHER, Study, WHY, import_codebook};
use crate::helpers::{PASSWORD, TestApp};

/// One page with the question the coding tests code.
const SURVEY: &str = r#"
format = 1
slug = "lines"
default_language = "en"
languages = ["en"]
welcome_page = false
title = { en = "Line breaks" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "OPEN_WHY"
type = "long_text"
text = { en = "Why do you contribute?" }
"#;

/// What the respondent types: `\n` is the Enter key.
const TYPED: &str = "First line, Zoë 👩🏽‍🔬.\nSecond line.\n\nAfter two breaks: open weights for all.";

/// The study's survey and codebook, with nothing answered yet; the researcher is signed in.
async fn study() -> Study {
    let app = TestApp::spawn().await;
    let researcher = app.add_user(RESEARCHER, Role::Researcher);
    app.login(RESEARCHER, PASSWORD).await;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, Some(researcher)).unwrap();
    store::set_status(&conn, survey, Status::Open).unwrap();
    let codebook = import_codebook(&app, survey, researcher);
    Study { app, researcher, survey, codebook, responses: Vec::new() }
}

/// The codings export's (code, span_text) for each passage, as the researcher downloads it.
async fn exported_passages(study: &Study, response: i64) -> Vec<(String, String)> {
    let path = format!("/surveys/lines/export/codings.csv?codebook={}&no_formula_protection=1", study.codebook);
    let csv = study.app.get(&path).await.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (id, code, span_text, start) =
        (column("response_id"), column("code"), column("span_text"), column("span_start"));
    reader
        .records()
        .map(Result::unwrap)
        .filter(|r| r[id] == response.to_string() && !r[start].is_empty())
        .map(|r| (r[code].to_string(), r[span_text].to_string()))
        .collect()
}

/// Selects the text from `from` to `to` on the coding page and highlights it as `code`.
async fn highlight(browser: &Browser, study: &Study, response: i64, (from, to): (&str, &str), code: &str) {
    select_with_mouse(browser, from, to).await;
    assert_eq!(highlight_as(browser, code).await, study.unit(response), "{from}…{to}");
}

#[tokio::test]
async fn a_passage_after_line_breaks_is_exported_as_the_coder_selected_it() {
    let mut study = study().await;
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    let browser = Browser::start(1280, 900).await;

    // The respondent types the answer with Enter for each line break.
    browser.goto(&study.app.url("/s/lines")).await;
    browser.fill("#q-OPEN_WHY", TYPED).await;
    let sent = browser.client.execute("return document.getElementById('q-OPEN_WHY').value;", vec![]).await.unwrap();
    assert_eq!(sent.as_str(), Some(TYPED), "typed as meant (a browser sends it with CR LF)");
    browser.and_wait(browser.click("main form button[type=submit]")).await;
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let (response, stored): (i64, String) = conn
        .query_row("SELECT response_id, value FROM answers WHERE question = 'OPEN_WHY'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(stored, TYPED, "stored with LF line breaks");
    study.responses.push(response);
    study.assign(&[ana], "0", "2", "7").await;

    // The coder selects a passage after the two line breaks, then one across them.
    log_in(&browser, &study.app, "ana@example.org").await;
    browser.goto(&study.app.url(&study.unit(response))).await;
    highlight(&browser, &study, response, ("open weights", "for all"), "MOT_ACCESS").await;
    highlight(&browser, &study, response, ("Second", "After"), "MOT_OPEN_SCIENCE").await;
    highlight(&browser, &study, response, ("Zoë", "👩🏽‍🔬"), "MOT_LANGUAGE").await;
    browser.close().await;

    let mut passages = exported_passages(&study, response).await;
    passages.sort();
    let expected = [
        ("MOT_ACCESS", "open weights for all"),
        ("MOT_LANGUAGE", "Zoë 👩🏽‍🔬"),
        ("MOT_OPEN_SCIENCE", "Second line.\n\nAfter"),
    ];
    assert_eq!(passages, expected.map(|(c, t)| (c.to_string(), t.to_string())));
}

#[tokio::test]
async fn passages_coded_in_an_answer_stored_with_cr_lf_keep_their_text_through_migration_6() {
    let mut study = study().await;
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    // As fieldwork stored answers before: byte for byte as the browser sent them.
    let response = study.add_response(&[(WHY, &TYPED.replace('\n', "\r\n"))]);
    study.responses.push(response);
    study.assign(&[ana], "0", "2", "7").await;
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &study.app, "ana@example.org").await;
    browser.goto(&study.app.url(&study.unit(response))).await;
    // The first passage cuts the page in segments, which the next ones are counted from (each
    // selection lies in one segment: the page shows the first passage's mark shifted).
    highlight(&browser, &study, response, ("open weights", "for all"), "MOT_ACCESS").await;
    highlight(&browser, &study, response, ("Second", "line."), "MOT_OPEN_SCIENCE").await;
    highlight(&browser, &study, response, ("After", "two"), "MOT_LANGUAGE").await;
    browser.close().await;
    let expected =
        [("MOT_ACCESS", "open weights for all"), ("MOT_LANGUAGE", "After two"), ("MOT_OPEN_SCIENCE", "Second line.")]
            .map(|(c, t)| (c.to_string(), t.to_string()));
    let mut before = exported_passages(&study, response).await;
    before.sort();
    assert_ne!(before, expected, "before the migration, passages after line breaks point at other text");

    // The database as it was before migration 6, migrated again.
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    conn.execute("DELETE FROM schema_migrations WHERE version >= 6", []).unwrap();
    conn.pragma_update(None, "user_version", 5).unwrap();
    drop(conn);
    fieldwork::db::migrate(&study.app.db_path).unwrap();

    let mut after = exported_passages(&study, response).await;
    after.sort();
    assert_eq!(after, expected);
}
