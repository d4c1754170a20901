//! The coding screen at a desktop's 1280×900 and a phone's 390×844: the answer, the code panel
//! and Save/Done on one screen without scrolling (the code panel scrolling on its own on a wide
//! screen), the respondent's closed answers collapsed, long code labels beside their checkbox,
//! the "d" on Done legible, two codes of an exclusive category flagged as soon as the second is
//! ticked (and refused by the server), a definition shown in place, and Save saying what was
//! saved and moving on as the coder chose. The machine coder's suggestions, shown after the save,
//! keep Save and Done on the screen. axe-core finds nothing serious or critical.

use fieldwork::accounts::Role;
use serde_json::Value;

use crate::browser::Browser;
use crate::browser_coding::log_in;
use crate::coding::{Study, WHY, codings, whole_codes};

const COMPANY: &str = "ORG_SINGLE_COMPANY";
const GRASSROOTS: &str = "ORG_COMPANY_GRASSROOTS";

/// A long answer, as respondents write them.
fn long_answer(n: usize) -> String {
    format!(
        "Answer {n}. We release the weights because researchers in smaller labs, and people who write in \
         languages the big models ignore, should be able to study and adapt the model. Our community decides \
         in public meetings, but a single company pays for the compute, which shapes what gets trained. \
         Documentation lags behind, and newcomers find the data pipeline hard to run on their own hardware."
    )
}

/// A study of three long answers with the respondent's closed answers, given to Ana.
async fn study() -> (Study, i64) {
    let study = Study::with_answers(&[]).await;
    let mut responses = Vec::new();
    for n in 0..3 {
        let text = long_answer(n);
        responses.push(study.add_response(&[(WHY, text.as_str()), ("ROLE", "lead"), ("YEARS", "4")]));
    }
    let study = Study { responses, ..study };
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    study.assign(&[ana], "0", "2", "5").await;
    (study, ana)
}

/// Where an element is on the screen and the screen's size: [top, bottom, left, right, height, width].
async fn placed(browser: &Browser, css: &str) -> Vec<f64> {
    let script = "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
                  return [r.top, r.bottom, r.left, r.right, window.innerHeight, window.innerWidth];";
    let value = browser.client.execute(script, vec![Value::from(css)]).await.expect(css);
    value.as_array().expect("numbers").iter().map(|v| v.as_f64().unwrap_or(f64::NAN)).collect()
}

async fn run(browser: &Browser, script: &str) -> Value {
    browser.client.execute(script, vec![]).await.expect("script")
}

/// The whole of `css` is on the screen.
async fn assert_on_screen(browser: &Browser, css: &str, size: &str) {
    let r = placed(browser, css).await;
    assert!(r[0] >= 0.0 && r[1] <= r[4] && r[2] >= 0.0 && r[3] <= r[5], "{css} at {size} is off the screen: {r:?}");
}

#[tokio::test]
async fn the_answer_the_code_panel_and_save_and_done_fit_one_screen_on_a_desktop_and_a_phone() {
    let (study, _) = study().await;
    for (width, height) in [(1280, 900), (390, 844)] {
        let size = format!("{width}×{height}");
        let browser = Browser::start(width, height).await;
        log_in(&browser, &study.app, "ana@example.org").await;
        browser.goto(&study.app.url(&study.unit(study.responses[0]))).await;

        assert_on_screen(&browser, "#save-button", &size).await;
        assert_on_screen(&browser, "#done-button", &size).await;
        let panel = placed(&browser, ".codes-panel").await;
        assert!(
            panel[0] >= 0.0 && panel[0] < panel[4] - 150.0,
            "the code panel begins on the screen at {size}: {panel:?}"
        );
        assert_eq!(run(&browser, "return window.scrollY;").await, Value::from(0), "nothing scrolled yet");
        if width == 1280 {
            assert_on_screen(&browser, ".codes-panel", &size).await;
            assert_on_screen(&browser, "#answer-text", &size).await;
            // The list of codes scrolls on its own; the page does not.
            let scrolls = "const l = document.querySelector('#codes-form .code-list'); l.scrollTop = 400; \
                           return [l.scrollHeight > l.clientHeight, l.scrollTop > 0, document.scrollingElement.scrollHeight <= window.innerHeight];";
            assert_eq!(run(&browser, scrolls).await, serde_json::json!([true, true, true]), "at {size}");
            assert_on_screen(&browser, "#done-button", &size).await;
        } else {
            // On a phone the answer comes first, then the codes; Save and Done stay at the bottom
            // of the screen while the coder scrolls through the codes.
            assert_on_screen(&browser, "#answer-text", &size).await;
            run(
                &browser,
                "document.querySelector('.codes-panel').scrollIntoView(); window.scrollBy(0, 600); return true;",
            )
            .await;
            assert_on_screen(&browser, "#done-button", &size).await;
        }

        // The closed answers are there, folded away.
        let context = "const d = document.getElementById('respondent-context'); return [d.open, d.textContent.includes('Project lead')];";
        assert_eq!(run(&browser, context).await, serde_json::json!([false, true]), "at {size}");
        // A long label wraps beside its checkbox, not below it.
        let beside = "return [...document.querySelectorAll('.code-item')].every(li => { \
                        const box = li.querySelector('input').getBoundingClientRect(); \
                        const label = li.querySelector('label').getBoundingClientRect(); \
                        return label.left >= box.right && Math.abs(label.top - box.top) < 12; });";
        assert_eq!(run(&browser, beside).await, Value::Bool(true), "labels beside their checkboxes at {size}");
        // The "d" on Done is the button's own colour, on the button's own background.
        let legible = "const b = document.getElementById('done-button'), k = b.querySelector('kbd'); \
                       const sb = getComputedStyle(b), sk = getComputedStyle(k); \
                       return [sk.color === sb.color, sk.backgroundColor === 'rgba(0, 0, 0, 0)', sb.color !== sb.backgroundColor];";
        assert_eq!(run(&browser, legible).await, serde_json::json!([true, true, true]), "at {size}");
        browser.screenshot(&format!("coding-screen-{width}")).await;
        let violations = browser.serious_accessibility_violations().await;
        assert!(violations.is_empty(), "coding screen at {size}:\n{}", violations.join("\n"));
        browser.close().await;
    }
}

#[tokio::test]
async fn a_second_code_of_an_exclusive_category_is_flagged_when_ticked_and_refused_by_the_server() {
    let (study, ana) = study().await;
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &study.app, "ana@example.org").await;
    let first = study.responses[0];
    browser.goto(&study.app.url(&study.unit(first))).await;
    let warning = "const w = document.getElementById('exclusive-warning'); return [w.hidden, w.textContent];";
    let invalid = "return [...document.querySelectorAll('input[aria-invalid=true]')].map(i => i.value);";

    browser.click(&format!("label[for=code-{COMPANY}]")).await;
    assert_eq!(run(&browser, warning).await[0], Value::Bool(true), "one code of the category is fine");
    browser.click(&format!("label[for=code-{GRASSROOTS}]")).await;

    let shown = run(&browser, warning).await;
    assert_eq!(shown[0], Value::Bool(false), "flagged as soon as the second is ticked");
    assert!(shown[1].as_str().unwrap_or("").contains("Organisational model"), "{shown}");
    assert_eq!(run(&browser, invalid).await, serde_json::json!([COMPANY, GRASSROOTS]));
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "flagged:\n{}", violations.join("\n"));

    // Sent anyway, the server refuses it and keeps what was ticked.
    browser.and_wait(browser.click("#save-button")).await;
    assert!(browser.text("#coding-error").await.contains("Organisational model"));
    assert_eq!(run(&browser, invalid).await, serde_json::json!([COMPANY, GRASSROOTS]), "flagged on the page again");
    assert_eq!(whole_codes(&codings(&study.app, study.codebook), first, ana), Vec::<String>::new(), "nothing stored");

    // Unticking one takes the flag away.
    browser.click(&format!("label[for=code-{GRASSROOTS}]")).await;
    assert_eq!(run(&browser, warning).await[0], Value::Bool(true));
    browser.close().await;
}

#[tokio::test]
async fn save_says_what_was_saved_and_moves_on_as_the_coder_chose_and_a_definition_opens_in_place() {
    let (study, ana) = study().await;
    let [first, second, _] = [study.responses[0], study.responses[1], study.responses[2]];
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &study.app, "ana@example.org").await;
    browser.goto(&study.app.url(&study.unit(first))).await;

    // A definition is looked up in place, from the version's definitions page.
    browser.click("a.definition-link[data-code=MOT_ACCESS]").await;
    let definition = browser.wait_for_text("li:has(#code-MOT_ACCESS) .definition-shown", "access").await;
    assert!(!definition.is_empty(), "the definition is shown under the code");
    assert_eq!(browser.current_path().await, study.unit(first), "without leaving the answer");

    // Stay (the default): the same answer, saying what was saved.
    browser.click("label[for=code-MOT_ACCESS]").await;
    assert_eq!(browser.and_wait(browser.click("#save-button")).await, study.unit(first));
    let saved = browser.text("#saved").await;
    assert!(saved.contains(&format!("Saved #{first} · {WHY}")) && saved.contains("Democratising access"), "{saved}");

    // Then the coder chooses to go on to the next answer after saving.
    let choose = "document.getElementById('then').value = 'next'; return true;";
    run(&browser, choose).await;
    browser.click("label[for=code-MOT_LANGUAGE]").await;
    assert_eq!(browser.and_wait(browser.click("#save-button")).await, study.unit(second), "on to the next");
    assert!(browser.text("#saved").await.contains("Language"), "the next page says what was saved on the last");
    let kept = run(&browser, "return document.getElementById('then').value;").await;
    assert_eq!(kept, Value::from("next"), "the choice is kept from answer to answer");
    let mut mine = whole_codes(&codings(&study.app, study.codebook), first, ana);
    mine.sort();
    assert_eq!(mine, ["MOT_ACCESS", "MOT_LANGUAGE"]);
    browser.close().await;
}

#[tokio::test]
async fn the_suggestions_after_a_save_keep_save_and_done_on_the_screen_and_one_is_accepted() {
    use crate::machine_coder::suggestions::{arranged, unit};
    let (app, a, _) = arranged().await;
    let size = "1280×900";
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &app, "admin@example.org").await;
    browser.goto(&app.url(&unit(&a))).await;
    let shown = "return document.getElementById('suggestions') !== null;";
    assert_eq!(run(&browser, shown).await, Value::Bool(false), "nothing before the save");

    assert_eq!(browser.and_wait(browser.click("#save-button")).await, unit(&a));
    assert_eq!(run(&browser, shown).await, Value::Bool(true), "the suggestions after the save");
    assert_on_screen(&browser, "#suggestions", size).await;
    assert_on_screen(&browser, "#save-button", size).await;
    assert_on_screen(&browser, "#done-button", size).await;
    assert_eq!(run(&browser, "return window.scrollY;").await, Value::from(0), "nothing scrolled");
    browser.screenshot("coding-screen-suggestions").await;
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "coding screen with suggestions:\n{}", violations.join("\n"));

    assert_eq!(browser.and_wait(browser.click("#accept-PRICE")).await, unit(&a));
    let ticked = "return document.getElementById('code-PRICE').checked;";
    assert_eq!(run(&browser, ticked).await, Value::Bool(true), "the accepted code is the coder's");
    assert_eq!(run(&browser, shown).await, Value::Bool(false), "nothing left to suggest");
    browser.close().await;
}
