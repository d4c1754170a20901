//! A respondent on a phone answers the shipped questionnaire with the keyboard only, and axe-core
//! finds no serious or critical accessibility problem on the welcome page, a page with every
//! question type, a page with errors, the thank-you page, and a resume link's confirmation.

use std::collections::{HashMap, HashSet};

use fantoccini::key::Key;
use fieldwork::survey::store::{self, Status};

use crate::browser::Browser;
use crate::helpers::TestApp;

const SHIPPED: &str = include_str!("../../questionnaires/open-llm-governance.toml");

/// Every question type, two languages, one required question.
const ALL_TYPES: &str = r#"
format = 1
slug = "all-types"
default_language = "en"
languages = ["en", "es"]
title = { en = "Every question type", es = "Todos los tipos" }
[[pages]]
code = "p1"
title = { en = "All of them", es = "Todos" }
[[pages.questions]]
code = "INTRO"
type = "display"
text = { en = "Some context.", es = "Contexto." }
[[pages.questions]]
code = "NAME"
type = "short_text"
required = true
text = { en = "Your name", es = "Su nombre" }
help = { en = "Any name will do.", es = "Cualquier nombre." }
[[pages.questions]]
code = "STORY"
type = "long_text"
text = { en = "Tell us more", es = "Cuéntenos más" }
[[pages.questions]]
code = "ONE"
type = "single_choice"
other = true
text = { en = "Pick one", es = "Elija una" }
choices = [{ code = "a", label = { en = "A", es = "A" } }, { code = "b", label = { en = "B", es = "B" } }]
[[pages.questions]]
code = "DROP"
type = "single_choice"
display = "dropdown"
text = { en = "Pick from the list", es = "Elija de la lista" }
choices = [{ code = "a", label = { en = "A", es = "A" } }, { code = "b", label = { en = "B", es = "B" } }]
[[pages.questions]]
code = "MANY"
type = "multiple_choice"
other = true
text = { en = "Pick any", es = "Elija varias" }
choices = [{ code = "a", label = { en = "A", es = "A" } }, { code = "b", label = { en = "B", es = "B" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Rate", es = "Valore" }
rows = [{ code = "r1", label = { en = "Row 1", es = "Fila 1" } }, { code = "r2", label = { en = "Row 2", es = "Fila 2" } }]
choices = [{ code = "lo", label = { en = "Low", es = "Bajo" } }, { code = "hi", label = { en = "High", es = "Alto" } }]
[[pages.questions]]
code = "COUNT"
type = "number"
min = 0
max = 10
text = { en = "How many", es = "Cuántos" }
[[pages.questions]]
code = "WHEN"
type = "date"
text = { en = "When", es = "Cuándo" }
[[pages.questions]]
code = "ORDER"
type = "ranking"
text = { en = "Rank these", es = "Ordene" }
choices = [{ code = "x", label = { en = "X", es = "X" } }, { code = "y", label = { en = "Y", es = "Y" } }]
"#;

fn open_survey(app: &TestApp, toml: &str) -> String {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (id, slug) = fieldwork::survey::import_toml(&conn, toml, None).unwrap();
    store::set_status(&conn, id, Status::Open).unwrap();
    slug
}

/// Marks the current document, presses Enter, and waits until another document has loaded.
async fn press_enter_and_wait(browser: &Browser) {
    browser.client.execute("window.__fieldwork_before = true; return true;", vec![]).await.unwrap();
    browser.press(&Key::Enter.to_string()).await;
    for _ in 0..100 {
        let still = browser.client.execute("return window.__fieldwork_before === true;", vec![]).await;
        if matches!(still, Ok(serde_json::Value::Bool(false))) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Answers the current page with the keyboard only: Tab from the top, answer each field that
/// takes the focus, then Enter on the Next (or Start) button.
async fn answer_page_with_keyboard(browser: &Browser) {
    let mut answered_groups: HashSet<String> = HashSet::new();
    let mut ranks_given: HashMap<String, usize> = HashMap::new();
    for _ in 0..500 {
        browser.press(&Key::Tab.to_string()).await;
        let (tag, kind, id, name, value) = browser.focused().await;
        match (tag.as_str(), kind.as_str()) {
            ("input", "text") if id.ends_with("-other-text") || name == "website" => {}
            ("input", "text") => {
                let numeric = browser.client.execute("return document.activeElement.inputMode;", vec![]).await.unwrap();
                let text =
                    if numeric.as_str() == Some("numeric") { "3" } else { "Keyboard answer — ünïcödé ✓" };
                browser.press(text).await;
            }
            ("textarea", _) => browser.press("Written with the keyboard only: لغة، 中文, 🙂.").await,
            // Every barrier "A little" (the arrow checks the next radio), so that the ranking page
            // that follows asks about all of them.
            ("input", "radio") if name.starts_with("q.BARRIER_") && answered_groups.insert(name.clone()) => {
                browser.press(&Key::Down.to_string()).await;
            }
            ("input", "radio" | "checkbox") if name == "consent" || answered_groups.insert(name.clone()) => {
                browser.press(" ").await;
            }
            ("select", _) => {
                // A ranking's selects share the question's prefix: give each the next rank.
                let question = name.rsplit_once('.').map(|(q, _)| q.to_string()).unwrap_or(name.clone());
                let presses = if name.matches('.').count() == 2 {
                    let rank = ranks_given.entry(question).or_insert(0);
                    *rank += 1;
                    *rank
                } else {
                    1
                };
                for _ in 0..presses {
                    browser.press(&Key::Down.to_string()).await;
                }
            }
            ("button", _) if (name == "action" && value == "next") || name.is_empty() => {
                press_enter_and_wait(browser).await;
                return;
            }
            _ => {}
        }
    }
    panic!("Tab never reached the Next button");
}

async fn assert_accessible(browser: &Browser, what: &str) {
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{what}: {violations:#?}");
}

#[tokio::test]
async fn a_respondent_on_a_phone_answers_the_shipped_questionnaire_with_the_keyboard_only() {
    let app = TestApp::spawn().await;
    let slug = open_survey(&app, SHIPPED);
    let browser = Browser::start(390, 844).await;

    browser.goto(&app.url(&format!("/s/{slug}"))).await;
    assert_accessible(&browser, "welcome page").await;
    browser.screenshot("respond-welcome-phone").await;
    answer_page_with_keyboard(&browser).await;

    let mut pages = 0;
    while !browser.current_path().await.ends_with("/done") {
        pages += 1;
        assert!(pages <= 10, "stuck at {}", browser.current_path().await);
        let errors = browser
            .client
            .execute("const e = document.getElementById('error-summary'); return e ? e.innerText : '';", vec![])
            .await
            .unwrap();
        assert_eq!(errors.as_str(), Some(""), "page {pages} was refused");
        if pages == 1 {
            browser.screenshot("respond-page-phone").await;
        }
        answer_page_with_keyboard(&browser).await;
    }
    assert!(pages >= 9, "all nine pages were answered ({pages})");
    assert_accessible(&browser, "thank-you page").await;
    browser.screenshot("respond-done-phone").await;
    browser.close().await;

    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE status = 'complete'"), 1);
    assert!(
        app.query_i64("SELECT COUNT(*) FROM answers WHERE question LIKE 'OPEN_%'") >= 6,
        "the open answers were stored"
    );
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM answers WHERE question = 'BARRIER_PACE' AND value = 'h2'"), 1);
    assert_eq!(
        app.query_i64("SELECT COUNT(*) FROM answers WHERE question = 'BARRIER_RANK'"),
        9,
        "every barrier rated above Not at all was ranked"
    );
}

#[tokio::test]
async fn every_question_type_and_the_error_page_pass_axe_in_both_languages() {
    let app = TestApp::spawn().await;
    let slug = open_survey(&app, ALL_TYPES);
    let browser = Browser::start(390, 844).await;

    browser.goto(&app.url(&format!("/s/{slug}?lang=es"))).await;
    browser.click("button[type=submit]").await;
    assert!(browser.wait_for_path(&format!("/s/{slug}/p/0")).await.ends_with("/p/0"));
    assert_accessible(&browser, "page with every question type (es)").await;
    browser.screenshot("respond-all-types-es").await;

    // Next without the required name: the page comes back with an error summary.
    browser.click("button[name=action][value=next]").await;
    browser.client.wait().for_element(fantoccini::Locator::Css("#error-summary")).await.unwrap();
    assert_accessible(&browser, "page with errors").await;
    browser.screenshot("respond-errors-es").await;

    browser.goto(&app.url(&format!("/s/{slug}/p/0?lang=en"))).await;
    assert_accessible(&browser, "page with every question type (en)").await;
    browser.close().await;
}

#[tokio::test]
async fn without_a_welcome_page_the_link_opens_the_questions_and_the_keyboard_answers_them() {
    let app = TestApp::spawn().await;
    let direct = ALL_TYPES.replace("slug = \"all-types\"", "slug = \"all-types-direct\"\nwelcome_page = false");
    let slug = open_survey(&app, &direct);
    let browser = Browser::start(390, 844).await;

    browser.goto(&app.url(&format!("/s/{slug}"))).await;
    assert!(browser.text("h1").await.contains("All of them"), "the first page, not a welcome page");
    assert_accessible(&browser, "first page without a welcome page").await;
    browser.click("button[name=action][value=next]").await;
    browser.client.wait().for_element(fantoccini::Locator::Css("#error-summary")).await.unwrap();
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 0, "a refused first page stores nothing");

    answer_page_with_keyboard(&browser).await;
    assert_eq!(browser.wait_for_path(&format!("/s/{slug}/done")).await, format!("/s/{slug}/done"));
    assert_accessible(&browser, "thank-you page").await;
    browser.close().await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE status = 'complete'"), 1);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM answers WHERE question = 'NAME'"), 1);
}

#[tokio::test]
async fn a_resume_link_in_another_browser_asks_first_accessibly_then_continues() {
    let app = TestApp::spawn().await;
    let slug = open_survey(&app, ALL_TYPES);
    let mut elsewhere = crate::respondent::Respondent::new(&app, &slug);
    elsewhere.start().await;
    let token = crate::helpers::hidden(&elsewhere.html, "r").expect("the page's resume token");
    let browser = Browser::start(390, 844).await;

    browser.goto(&app.url(&format!("/s/{slug}/resume/{token}"))).await;
    assert!(browser.text("h1").await.contains("Continue this response?"));
    assert_accessible(&browser, "resume confirmation").await;
    browser.screenshot("respond-resume-confirmation").await;
    browser.click("button[type=submit]").await;
    assert_eq!(browser.wait_for_path(&format!("/s/{slug}/p/0")).await, format!("/s/{slug}/p/0"));
    browser.close().await;
}

#[tokio::test]
async fn the_accessibility_check_can_fail() {
    let browser = Browser::start(390, 844).await;
    browser.goto("data:text/html,<!doctype html><html><title>x</title><main><input type=text></main></html>").await;
    let violations = browser.serious_accessibility_violations().await;
    browser.close().await;
    assert!(violations.iter().any(|v| v.contains("label")), "{violations:?}");
}
