//! The coding screen in a real browser: a coder codes three answers with the keyboard (code keys,
//! n/p/u to move, d for done) and highlights a passage with the mouse; a second coder codes blind;
//! a researcher opens reconciliation and resolves the disagreement. axe-core finds no serious or
//! critical problem on the coding, reconciliation and agreement screens.

use fieldwork::accounts::Role;

use crate::browser::Browser;
use crate::coding::{Study, WHY, codings, whole_codes};
use crate::helpers::{PASSWORD, TestApp};

const ANSWERS: [&str; 3] = [
    "Free weights mean anyone can run the model, even in Swahili.",
    "Für uns 👩\u{200d}💻 zählt: offene Gewichte für alle, und Forschung, die man prüfen kann.",
    "Safety and transparency matter most to us.",
];
const PASSAGE: &str = "offene Gewichte für alle";

/// Signs in through the login form, as `email`, after signing out whoever was signed in.
pub async fn log_in(browser: &Browser, app: &TestApp, email: &str) {
    browser.goto(&app.url("/login")).await;
    browser.client.delete_all_cookies().await.expect("sign out");
    browser.goto(&app.url("/login")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("main button[type=submit]").await;
    assert_eq!(browser.wait_for_path("/").await, "/", "{email} signed in");
}

/// Presses a key on the page and waits for the page it leads to.
async fn key(browser: &Browser, key: &str) -> String {
    browser.and_wait(browser.press(key)).await
}

/// The code points from the start of `from` to the end of `to` in `text`, end exclusive.
fn code_points(text: &str, from: &str, to: &str) -> (usize, usize) {
    let start = text[..text.find(from).unwrap()].chars().count();
    let to_byte = text.find(to).unwrap() + to.len();
    (start, text[..to_byte].chars().count())
}

/// Selects the answer's text from the start of `from` to the end of `to` (each looked up in the
/// page's text nodes) and lets go of the mouse; returns the offsets the passage form took.
pub async fn select_with_mouse(browser: &Browser, from: &str, to: &str) -> (usize, usize) {
    let script = r#"
        const [from, to] = arguments;
        const answer = document.getElementById('answer-text');
        const walker = document.createTreeWalker(answer, NodeFilter.SHOW_TEXT);
        const nodes = [];
        while (walker.nextNode()) nodes.push(walker.currentNode);
        const first = nodes.find(n => n.data.includes(from));
        const last = nodes.find(n => n.data.includes(to));
        const range = document.createRange();
        range.setStart(first, first.data.indexOf(from));
        range.setEnd(last, last.data.indexOf(to) + to.length);
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
        answer.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
        return [document.getElementById('span-start').value, document.getElementById('span-end').value,
                document.getElementById('span-form').hidden, document.activeElement.id];
    "#;
    let shown = browser.client.execute(script, vec![serde_json::json!(from), serde_json::json!(to)]).await.unwrap();
    assert_eq!((shown[2].as_bool(), shown[3].as_str()), (Some(false), Some("span-code")), "the passage form opens");
    let number = |v: &serde_json::Value| v.as_str().and_then(|s| s.parse().ok()).expect("an offset");
    (number(&shown[0]), number(&shown[1]))
}

/// Chooses `code` in the passage form, submits it, and waits for the page that follows.
pub async fn highlight_as(browser: &Browser, code: &str) -> String {
    let select = browser.client.find(fantoccini::Locator::Css("#span-code")).await.unwrap();
    select.select_by_value(code).await.unwrap();
    browser.and_wait(browser.click("#span-form button[type=submit]")).await
}

fn assert_accessible(violations: Vec<String>, page: &str) {
    assert!(violations.is_empty(), "{page}:\n{}", violations.join("\n"));
}

#[tokio::test]
async fn coders_code_with_the_keyboard_and_mouse_blind_and_a_researcher_reconciles_in_a_browser() {
    let study = Study::with_answers(&ANSWERS).await;
    let [first, second, third] = [study.responses[0], study.responses[1], study.responses[2]];
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    let (_, ben) = study.person("ben@example.org", Role::Coder).await;
    study.assign(&[ana, ben], "100", "2", "2024").await;
    let unit = |response: i64| study.unit(response);
    let mine = |response: i64, coder: i64| whole_codes(&codings(&study.app, study.codebook), response, coder);
    let browser = Browser::start(1280, 900).await;

    // Ana, keyboard only: move around with n, p and u, toggle codes with their keys, d for done.
    log_in(&browser, &study.app, "ana@example.org").await;
    browser.goto(&study.app.url(&unit(first))).await;
    assert_eq!(key(&browser, "n").await, unit(second));
    assert_eq!(key(&browser, "p").await, unit(first));
    assert_eq!(key(&browser, "u").await, unit(second), "the next answer not done");
    assert_eq!(key(&browser, "p").await, unit(first));
    assert_eq!(key(&browser, "a").await, unit(first), "a code key saves at once");
    assert_eq!(mine(first, ana), ["MOT_ACCESS"]);
    key(&browser, "l").await;
    key(&browser, "a").await;
    assert_eq!(mine(first, ana), ["MOT_LANGUAGE"], "a toggles Democratising access off again");
    let ticked = browser.client.execute("return document.getElementById('code-MOT_LANGUAGE').checked;", vec![]).await;
    assert_eq!(ticked.unwrap(), serde_json::Value::Bool(true), "the page shows what was saved");
    browser.screenshot("coding-keyboard").await;
    assert_eq!(key(&browser, "d").await, unit(second), "done, on to the next answer");

    // Ana highlights a passage with the mouse: select it, let go, choose the code, submit.
    let (start, end) = code_points(ANSWERS[1], PASSAGE, PASSAGE);
    assert_eq!(select_with_mouse(&browser, PASSAGE, PASSAGE).await, (start, end), "code points, not UTF-16");
    browser.screenshot("coding-passage-selected").await;
    assert_eq!(highlight_as(&browser, "MOT_OPEN_SCIENCE").await, unit(second));
    let passages = |code: &str| {
        let all = codings(&study.app, study.codebook);
        all.into_iter().filter(|c| c.code_key == code && c.span.is_some()).map(|c| c.span.unwrap()).collect::<Vec<_>>()
    };
    assert_eq!(passages("MOT_OPEN_SCIENCE"), [(start as i64, end as i64)]);
    assert_eq!(browser.text("#answer-text mark").await, PASSAGE);
    // A second one from before the first passage to after it spans three elements of the page.
    let (start, end) = code_points(ANSWERS[1], "zählt", "Forschung");
    assert_eq!(select_with_mouse(&browser, "zählt", "Forschung").await, (start, end));
    highlight_as(&browser, "MOT_TECH_ADVANCE").await;
    assert_eq!(passages("MOT_TECH_ADVANCE"), [(start as i64, end as i64)]);
    browser.screenshot("coding-passage").await;
    assert_accessible(browser.serious_accessibility_violations().await, "coding screen");
    assert_eq!(key(&browser, "d").await, unit(third));
    key(&browser, "e").await;
    assert_eq!(key(&browser, "d").await, format!("/codebooks/{}/code", study.codebook), "all done: the queue");
    assert_eq!(mine(third, ana), ["MOT_ETHICS"]);
    let done = study.app.query_i64(&format!("SELECT COUNT(*) FROM coding_done WHERE coder_id = {ana}"));
    assert_eq!(done, 3);

    // Ben codes the first answer blind: Ana's codes are nowhere on his screen.
    log_in(&browser, &study.app, "ben@example.org").await;
    browser.goto(&study.app.url(&unit(first))).await;
    let page = browser.text("main").await;
    assert!(!page.contains("ana@example.org") && page.contains("Blind coding"), "{page}");
    let ticked =
        browser.client.execute("return document.querySelectorAll('#codes-form input:checked').length;", vec![]).await;
    assert_eq!(ticked.unwrap(), serde_json::json!(0));
    key(&browser, "a").await;
    assert_eq!(key(&browser, "d").await, unit(second));
    assert_eq!(mine(first, ben), ["MOT_ACCESS"]);

    // The researcher opens reconciliation and settles the disagreement.
    log_in(&browser, &study.app, crate::coding::RESEARCHER).await;
    browser.goto(&study.app.url(&format!("/codebooks/{}", study.codebook))).await;
    browser.click("label[for=reconciliation_open]").await;
    browser.and_wait(browser.click("form[action$='/modes'] button[type=submit]")).await;
    browser.goto(&study.app.url(&format!("/codebooks/{}/reconcile", study.codebook))).await;
    let link = format!("a[href='/codebooks/{}/reconcile/{first}/{WHY}']", study.codebook);
    browser.and_wait(browser.click(&link)).await;
    browser.screenshot("reconcile").await;
    assert_accessible(browser.serious_accessibility_violations().await, "reconciliation screen");
    browser.click("label[for=consensus-MOT_LANGUAGE]").await;
    browser.fill("#note", "Swahili is the point.").await;
    let after = browser.and_wait(browser.click("main form.stack button[type=submit]")).await;

    assert_eq!(after, format!("/codebooks/{}/reconcile", study.codebook));
    let consensus: Vec<_> = codings(&study.app, study.codebook)
        .into_iter()
        .filter(|c| c.layer == "consensus")
        .map(|c| c.code_key)
        .collect();
    assert_eq!(consensus, ["MOT_LANGUAGE"]);
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM reconciliations WHERE note = 'Swahili is the point.'"), 1);

    // The agreement page: its summary first, the codes nobody applied folded away.
    browser.goto(&study.app.url(&format!("/codebooks/{}/agreement", study.codebook))).await;
    browser.screenshot("agreement").await;
    assert_accessible(browser.serious_accessibility_violations().await, "agreement page");
    browser.close().await;
}
