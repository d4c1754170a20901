//! The respondent pages' script in a real browser: on every condition of the shipped
//! questionnaire it shows and hides questions as the server decides (the server's own
//! `flow::visible_questions` is asked for the same answers), a question it revealed is saved
//! without the page coming back, the Other box shows only while Other is chosen, and an
//! exclusive choice unticks the others. The pages stay accessible with hidden questions.

use std::collections::BTreeMap;

use fieldwork::respond::answers::AnswerSet;
use fieldwork::respond::flow;
use fieldwork::survey::file::from_toml;
use fieldwork::survey::model::{Question, QuestionType};
use fieldwork::survey::store::Status;

use crate::browser::Browser;
use crate::helpers::TestApp;
use crate::respondent::*;

/// Sets the answer to `code` in the browser (ticks exactly `values`, or selects the first) and
/// returns the codes of the conditional questions the script then shows.
const SET_AND_READ: &str = r#"
    const [code, values] = arguments;
    const block = document.getElementById('question-' + code);
    const inputs = Array.from(block.querySelectorAll('input[name="q.' + code + '"], select[name="q.' + code + '"]'));
    for (const input of inputs) {
        if (input.tagName === 'SELECT') input.value = values[0] || '';
        else input.checked = values.includes(input.value);
    }
    inputs[0].dispatchEvent(new Event('change', { bubbles: true }));
    return Array.from(document.querySelectorAll('.question[data-relevant]'))
        .filter(q => !q.hidden).map(q => q.dataset.code).sort();
"#;

/// The answers worth trying for a question a condition reads: for a single choice none, each
/// choice and Other; for a multiple choice every set of up to eight choices (Other included), or
/// of more choices every set of at most two and all of them — leaving out the sets the server
/// refuses, an exclusive choice ("None of these") ticked with another (the script unticks the
/// others there, so there is no one answer to compare).
fn candidate_values(question: &Question) -> Vec<Vec<String>> {
    let mut codes: Vec<String> = question.choices.iter().map(|c| c.code.clone()).collect();
    if question.other {
        codes.push("other".into());
    }
    let allowed =
        |set: &Vec<String>| set.len() < 2 || !question.choices.iter().any(|c| c.exclusive && set.contains(&c.code));
    match question.kind {
        QuestionType::SingleChoice => std::iter::once(Vec::new()).chain(codes.into_iter().map(|c| vec![c])).collect(),
        QuestionType::MultipleChoice if codes.len() <= 8 => (0..1u32 << codes.len())
            .map(|set| codes.iter().enumerate().filter(|(i, _)| set & (1 << i) != 0).map(|(_, c)| c.clone()).collect())
            .filter(allowed)
            .collect(),
        QuestionType::MultipleChoice => {
            let mut sets: Vec<Vec<String>> = vec![Vec::new(), codes.clone()];
            for (i, a) in codes.iter().enumerate() {
                sets.push(vec![a.clone()]);
                sets.extend(codes[i + 1..].iter().map(|b| vec![a.clone(), b.clone()]));
            }
            sets.into_iter().filter(allowed).collect()
        }
        kind => panic!("no candidate answers for a {kind:?} question"),
    }
}

/// The rows of `values` as the server stores a page's answer to `question`.
fn items(question: &Question, values: &[String]) -> BTreeMap<String, String> {
    match question.kind {
        QuestionType::SingleChoice => values.first().map(|v| (String::new(), v.clone())).into_iter().collect(),
        // An Other box ticked without text holds an empty text.
        _ => values.iter().map(|v| (v.clone(), if v == "other" { String::new() } else { "1".into() })).collect(),
    }
}

#[tokio::test]
async fn the_script_decides_as_the_server_on_every_condition_of_the_shipped_questionnaire() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let survey = from_toml(SHIPPED).unwrap();
    let d = &survey.definition;
    // A response answered up to the organisation page over HTTP, then continued in the browser.
    let mut elsewhere = Respondent::new(&app, SHIPPED_SLUG);
    elsewhere.start().await;
    for index in 0..4 {
        let fields = answer_everything(&elsewhere.html, &[("q.STAGES", "pre_training")]);
        elsewhere.next(index, &borrowed(&fields)).await;
    }
    let token = hidden(&elsewhere.html, "r").expect("the resume token");
    let stored = {
        let conn = fieldwork::db::open(&app.db_path).unwrap();
        fieldwork::respond::store::load_answers(&conn, 1).unwrap()
    };
    let browser = Browser::start(1024, 900).await;
    browser.goto(&app.url(&format!("/s/{SHIPPED_SLUG}/resume/{token}"))).await;
    browser.click_and_wait("button[type=submit]").await;

    let mut compared = Vec::new();
    for code in survey.question_conditions.keys() {
        let page = survey.page_of(code).unwrap();
        if compared.iter().any(|(p, _): &(usize, _)| *p == page) {
            continue;
        }
        browser.goto(&app.url(&format!("/s/{SHIPPED_SLUG}/p/{page}"))).await;
        let on_page: Vec<&Question> = d.pages[page].questions.iter().collect();
        let conditional: Vec<&str> = on_page
            .iter()
            .filter(|q| survey.question_conditions.contains_key(&q.code))
            .map(|q| q.code.as_str())
            .collect();
        let read: Vec<String> = conditional
            .iter()
            .flat_map(|c| survey.question_conditions[*c].referenced_codes())
            .filter(|r| on_page.iter().any(|q| &q.code == r))
            .collect();
        assert!(!read.is_empty(), "the shipped conditions read answers on their own page");
        for controlling in read.iter().collect::<std::collections::BTreeSet<_>>() {
            let question = survey.question(controlling).unwrap();
            for values in candidate_values(question) {
                let shown = browser
                    .client
                    .execute(SET_AND_READ, vec![controlling.as_str().into(), values.clone().into()])
                    .await;
                let mut by_script: Vec<String> = serde_json::from_value(shown.expect("the script ran")).unwrap();
                by_script.sort();
                let mut answers: AnswerSet = stored.clone();
                answers.remove(controlling.as_str());
                let given = items(question, &values);
                if !given.is_empty() {
                    answers.insert(controlling.clone(), given);
                }
                let mut by_server: Vec<String> = flow::visible_questions(&survey, page, &answers)
                    .into_iter()
                    .filter(|q| conditional.contains(&q.code.as_str()))
                    .map(|q| q.code.clone())
                    .collect();
                by_server.sort();
                assert_eq!(by_script, by_server, "page {page}, {controlling} = {values:?}");
            }
        }
        compared.push((page, conditional.iter().map(|c| c.to_string()).collect::<Vec<_>>()));
    }
    let every: Vec<String> = compared.iter().flat_map(|(_, codes)| codes.clone()).collect();
    let mut conditions: Vec<String> = survey.question_conditions.keys().cloned().collect();
    conditions.sort();
    let mut every = every;
    every.sort();
    assert_eq!(every, conditions, "every condition of the questionnaire was compared");
    browser.close().await;
}

#[tokio::test]
async fn a_question_the_script_reveals_is_answered_and_saved_without_the_page_coming_back() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut elsewhere = Respondent::new(&app, SHIPPED_SLUG);
    elsewhere.start().await;
    let fields = answer_everything(&elsewhere.html, &[]);
    elsewhere.next(0, &borrowed(&fields)).await;
    let token = hidden(&elsewhere.html, "r").expect("the resume token");
    let browser = Browser::start(1024, 900).await;
    browser.goto(&app.url(&format!("/s/{SHIPPED_SLUG}/resume/{token}"))).await;
    assert_eq!(browser.click_and_wait("button[type=submit]").await, format!("/s/{SHIPPED_SLUG}/p/1"));
    let hidden_now = "return document.getElementById('question-REUSE').hidden;";
    assert_eq!(browser.client.execute(hidden_now, vec![]).await.unwrap(), serde_json::json!(true));
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "hidden questions: {violations:?}");

    browser.click("#q-PROJ_STAGES-pre_training").await;
    browser.click("#q-STAGES-post_release").await;
    assert_eq!(browser.client.execute(hidden_now, vec![]).await.unwrap(), serde_json::json!(false), "at once");
    browser.click("#q-REUSE-evaluation").await;
    browser.click("#q-REUSE_FEEDBACK-often").await;
    assert!(browser.serious_accessibility_violations().await.is_empty(), "revealed questions");
    let next = browser.click_and_wait("button[name=action][value=next]").await;
    assert_eq!(next, format!("/s/{SHIPPED_SLUG}/p/2"), "the page did not come back to reveal REUSE");
    assert_eq!(answer_items(&app, "REUSE"), [("evaluation".to_string(), "1".to_string())].into());
    assert_eq!(answer(&app, "REUSE_FEEDBACK", "").as_deref(), Some("often"));

    // Unticked again, the question hides and what was ticked in it is not sent.
    browser.goto(&app.url(&format!("/s/{SHIPPED_SLUG}/p/1"))).await;
    browser.click("#q-STAGES-post_release").await;
    assert_eq!(browser.client.execute(hidden_now, vec![]).await.unwrap(), serde_json::json!(true));
    browser.click("#q-STAGES-pre_training").await;
    browser.click_and_wait("button[name=action][value=next]").await;
    assert!(answer_items(&app, "REUSE").is_empty(), "the hidden answer was dropped");
    browser.close().await;
}

/// A first page (no welcome page) with an exclusive choice and Other boxes.
const CHOICES: &str = r#"
format = 1
slug = "choices"
default_language = "en"
languages = ["en"]
welcome_page = false
title = { en = "Choices" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "ONE"
type = "single_choice"
other = true
text = { en = "Pick one" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "MANY"
type = "multiple_choice"
other = true
randomize = true
text = { en = "Pick any" }
choices = [
  { code = "a", label = { en = "A" } },
  { code = "b", label = { en = "B" } },
  { code = "none", label = { en = "None of these" }, exclusive = true },
]
"#;

#[tokio::test]
async fn the_other_box_shows_while_other_is_chosen_and_an_exclusive_choice_unticks_the_others() {
    let app = TestApp::spawn().await;
    add_survey(&app, CHOICES, Status::Open);
    let browser = Browser::start(390, 844).await;
    browser.goto(&app.url("/s/choices")).await;
    let box_hidden = |code: &'static str| {
        let script = format!("return document.getElementById('q-{code}-other-text').closest('.other-text').hidden;");
        let client = browser.client.clone();
        async move { client.execute(&script, vec![]).await.unwrap() }
    };
    let ticked = || {
        let client = browser.client.clone();
        async move {
            let script = "return Array.from(document.querySelectorAll('input[name=\"q.MANY\"]:checked')).map(i => i.value).sort();";
            client.execute(script, vec![]).await.unwrap()
        }
    };
    assert_eq!(box_hidden("ONE").await, serde_json::json!(true));
    assert_eq!(box_hidden("MANY").await, serde_json::json!(true));
    browser.click("#q-ONE-other").await;
    assert_eq!(box_hidden("ONE").await, serde_json::json!(false), "Other chosen: its box shows");
    browser.click("#q-ONE-a").await;
    assert_eq!(box_hidden("ONE").await, serde_json::json!(true));

    browser.click("#q-MANY-a").await;
    browser.click("#q-MANY-other").await;
    assert_eq!(box_hidden("MANY").await, serde_json::json!(false));
    browser.fill("#q-MANY-other-text", "Fame").await;
    browser.click("#q-MANY-none").await;
    assert_eq!(ticked().await, serde_json::json!(["none"]), "the exclusive choice unticks the others");
    assert_eq!(box_hidden("MANY").await, serde_json::json!(true));
    browser.click("#q-MANY-b").await;
    assert_eq!(ticked().await, serde_json::json!(["b"]), "another choice unticks the exclusive one");
    browser.click("#q-MANY-none").await;
    assert!(browser.serious_accessibility_violations().await.is_empty());

    let next = browser.click_and_wait("button[name=action][value=next]").await;
    assert_eq!(next, "/s/choices/done");
    assert_eq!(
        answer_items(&app, "MANY"),
        [("none".to_string(), "1".to_string())].into(),
        "the hidden Other text is not sent"
    );
    assert_eq!(answer_items(&app, "ONE"), [(String::new(), "a".to_string())].into());
    browser.close().await;
}
