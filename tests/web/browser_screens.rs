//! The researcher's screens in a real browser, at a desktop's size (1280×900) and a phone's
//! (390×844): from the setup link to the first coded answer with the study kit in at most twelve
//! page views, counted as the browser's document loads; axe-core on every researcher page with no
//! serious or critical WCAG 2.1 AA problem, and no time shown as stored; an upload that fails
//! leaves no token in the address. `cargo test --test web make_the_readme_screenshots --
//! --ignored` refreshes `docs/screenshots/`.

use fieldwork::accounts::Role;

use crate::browser::Browser;
use crate::browser_coding::log_in;
use crate::coding::{RESEARCHER, Study, WHY};
use crate::helpers::{PASSWORD, TestApp};

const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// The most page views the way from the setup link to the first coded answer may take.
const GETTING_STARTED_BUDGET: i64 = 12;

/// Answers to the kit's open question, as respondents might give them.
const ANSWERS: [&str; 4] = [
    "Free weights mean anyone can run the model, even in Swahili.",
    "We publish everything so that others can check our safety claims.",
    "Mostly to attract contributors; the licence keeps it open.",
    "Research: reproducibility needs open weights and open data.",
];

/// How many documents the tab has loaded since it opened (its history: each link followed, form
/// sent or address typed adds one; the blank page it opened with does not count).
async fn page_views(browser: &Browser) -> i64 {
    let length = browser.client.execute("return window.history.length;", vec![]).await.expect("history");
    length.as_i64().expect("a number") - 1
}

/// Counts a step of the way and checks where it led.
fn arrived(steps: &mut i64, path: &str, expected: &str) {
    *steps += 1;
    assert!(path.starts_with(expected), "step {steps}: at {path}, expected {expected}");
}

async fn walk_from_the_setup_link_to_the_first_coded_answer(size: (u32, u32)) {
    let app = TestApp::spawn().await;
    let browser = Browser::start(size.0, size.1).await;
    let mut steps = 0;
    // The link the server printed, then the first account.
    browser.goto(app.setup_link.as_deref().expect("a setup link")).await;
    arrived(&mut steps, &browser.current_path().await, "/setup");
    browser.fill("#email", "ana@example.org").await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirmation", PASSWORD).await;
    arrived(&mut steps, &browser.click_and_wait("main button[type=submit]").await, "/");
    // The empty dashboard offers the study kit.
    arrived(&mut steps, &browser.click_and_wait("#start-study-kit").await, "/surveys/open-llm-governance");
    browser.screenshot(&format!("start-overview-{}", size.0)).await;
    // Its overview's first next step after a review: open it.
    arrived(&mut steps, &browser.click_and_wait("ul.next-steps form button").await, "/surveys/open-llm-governance");
    assert!(browser.text("#survey-state").await.starts_with("open"), "the survey is open");

    // Respondents answer (through the survey's own pages, not the researcher's).
    let survey = crate::surveys::stored(&app, "open-llm-governance").id;
    for answer in ANSWERS {
        crate::surveys::add_response(&app, survey, "complete", &[(WHY, "", answer)]);
    }

    // Back later: the dashboard, the survey, its next step, the first answer, a code saved.
    browser.goto(&app.url("/")).await;
    arrived(&mut steps, &browser.current_path().await, "/");
    arrived(
        &mut steps,
        &browser.click_and_wait("a[href='/surveys/open-llm-governance']").await,
        "/surveys/open-llm-governance",
    );
    let first = browser.text("ul.next-steps li:first-child a").await;
    assert_eq!(first, "Code answers", "with answers in, coding is the next step");
    arrived(&mut steps, &browser.click_and_wait("ul.next-steps li:first-child a").await, "/codebooks/");
    arrived(&mut steps, &browser.click_and_wait("main a.button-link[href*='/code/']").await, "/codebooks/");
    browser.click("label[for=code-MOT_ACCESS]").await;
    arrived(&mut steps, &browser.click_and_wait("#codes-form button[type=submit]").await, "/codebooks/");
    browser.screenshot(&format!("start-first-coded-answer-{}", size.0)).await;

    let coded = app.query_i64("SELECT COUNT(*) FROM codings WHERE code_key = 'MOT_ACCESS' AND layer = 'coder'");
    assert_eq!(coded, 1, "the first coded answer is stored");
    let views = page_views(&browser).await;
    assert_eq!(views, steps, "every document the browser loaded is one of the steps");
    assert!(views <= GETTING_STARTED_BUDGET, "{views} page views from the setup link to the first coded answer");
    browser.close().await;
}

#[tokio::test]
async fn from_the_setup_link_to_the_first_coded_answer_in_at_most_twelve_page_views_on_a_desktop() {
    walk_from_the_setup_link_to_the_first_coded_answer(DESKTOP).await;
}

#[tokio::test]
async fn from_the_setup_link_to_the_first_coded_answer_in_at_most_twelve_page_views_on_a_phone() {
    walk_from_the_setup_link_to_the_first_coded_answer(PHONE).await;
}

/// The shipped study with answers, two coders who disagree on the first (reconciliation open), a
/// participant, and its researcher signed in on the app's own client.
async fn a_study_under_way() -> Study {
    let study = Study::with_answers(&ANSWERS).await;
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let coders =
        [("ana@example.org", ["MOT_ACCESS", "MOT_LANGUAGE"]), ("ben@example.org", ["MOT_ACCESS", "MOT_ETHICS"])];
    for (email, codes) in coders {
        let coder = study.app.add_user(email, Role::Coder);
        for (i, response) in study.responses.iter().enumerate() {
            let by = fieldwork::coding::store::Coder {
                codebook_id: study.codebook,
                codebook_version: 1,
                coder_id: coder,
                layer: "coder",
            };
            let unit = fieldwork::coding::store::UnitRef { response_id: *response, question: WHY };
            // They agree on every answer but the first.
            let code = if i == 0 { codes[1] } else { codes[0] };
            fieldwork::coding::store::apply_whole(&conn, by, unit, code).unwrap();
            fieldwork::coding::store::set_done(&conn, study.codebook, unit, coder, true).unwrap();
        }
    }
    fieldwork::codebook::store::set_modes(&conn, study.codebook, true, true).unwrap();
    map_a_closed_question(&conn, study.codebook);
    crate::distribution::add_participant(&study.app, study.survey, "pia@example.org", &[("role", "maintainer")]);
    // An API token, and a webhook with a delivery in its log.
    crate::api::token_for(&study.app, study.researcher, fieldwork::api::tokens::Scope::Read, Some(30));
    let hook = fieldwork::webhooks::store::insert(&conn, study.survey, "https://example.org/hook", "s", None).unwrap();
    fieldwork::webhooks::queue_test(&conn, hook, "open-llm-governance").unwrap();
    study
}

/// Maps the codebook's first code to the first choice of the survey's first single choice, so
/// that the closed-answer pages have a mapping to show (whatever the shipped kit holds).
fn map_a_closed_question(conn: &rusqlite::Connection, codebook_id: i64) {
    use fieldwork::codebook::closed::ClosedMapping;
    use fieldwork::codebook::model::CodeKind;
    let book = fieldwork::codebook::store::find(conn, codebook_id).unwrap().unwrap();
    let survey = fieldwork::survey::store::find_by_slug(conn, "open-llm-governance").unwrap().unwrap();
    let question = survey
        .definition
        .questions()
        .map(|(_, q)| q)
        .find(|q| q.kind == fieldwork::survey::model::QuestionType::SingleChoice && !q.choices.is_empty());
    let code = book.draft.codes.iter().find(|c| c.kind == CodeKind::Code);
    let (Some(question), Some(code)) = (question, code) else { panic!("the kit has a single choice and a code") };
    let mut draft = book.draft.clone();
    draft.closed.push(ClosedMapping {
        question: question.code.clone(),
        codes: [(code.id.clone(), question.choices[0].code.clone())].into(),
        ..ClosedMapping::default()
    });
    assert!(fieldwork::codebook::store::save_draft(conn, codebook_id, book.draft_revision, &draft).unwrap());
}

/// Every researcher page the issue names, and the other screens a newcomer meets on the way.
fn researcher_pages(study: &Study) -> Vec<String> {
    let (s, c, first) = ("/surveys/open-llm-governance", study.codebook, study.responses[0]);
    vec![
        "/".into(),
        "/surveys".into(),
        s.into(),
        format!("{s}/build"),
        format!("{s}/build/questions/ROLE"),
        format!("{s}/build/questions/ROLE/delete"),
        format!("{s}/translations"),
        format!("{s}/participants"),
        format!("{s}/mail"),
        format!("{s}/responses"),
        format!("{s}/responses/{first}"),
        format!("/codebooks/{c}"),
        format!("/codebooks/{c}/code/{first}/{WHY}"),
        format!("/codebooks/{c}/reconcile"),
        format!("/codebooks/{c}/reconcile/{first}/{WHY}"),
        format!("/codebooks/{c}/agreement"),
        format!("/codebooks/{c}/agreement/closed"),
        format!("/codebooks/{c}/closed"),
        format!("{s}/analysis"),
        format!("{s}/export"),
        format!("{s}/webhooks"),
        format!("{s}/report"),
        "/account/tokens".into(),
    ]
}

/// Whether `text` shows a time as stored (`2026-01-05T23:30`).
fn has_raw_time(text: &str) -> bool {
    text.as_bytes().windows(13).any(|w| {
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10) && w[10] == b'T' && digits(11..13)
    })
}

async fn every_researcher_page_passes_axe(size: (u32, u32)) {
    let study = a_study_under_way().await;
    let browser = Browser::start(size.0, size.1).await;
    log_in(&browser, &study.app, RESEARCHER).await;
    let mut problems = Vec::new();
    for path in researcher_pages(&study) {
        browser.goto(&study.app.url(&path)).await;
        assert_eq!(browser.current_path().await, path, "{path} opens");
        let name: String = path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        browser.screenshot(&format!("axe{name}-{}", size.0)).await;
        for violation in browser.serious_accessibility_violations().await {
            problems.push(format!("{path}: {violation}"));
        }
        let text = browser.text("main").await;
        if has_raw_time(&text) {
            problems.push(format!("{path}: a time as stored in {text}"));
        }
    }
    // A failed upload comes back at the form's address, with no token in it.
    browser.goto(&study.app.url("/surveys")).await;
    browser.fill("#toml", "not a questionnaire").await;
    browser.click_and_wait("form[action='/surveys/import'] button[type=submit]").await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!((url.path(), url.query()), ("/surveys/import", None), "no token in the address");
    assert!(browser.text("#import-errors").await.contains("Nothing was imported"));
    browser.close().await;
    assert!(problems.is_empty(), "at {}×{}:\n{}", size.0, size.1, problems.join("\n"));
}

#[tokio::test]
async fn every_researcher_page_passes_axe_on_a_desktop() {
    every_researcher_page_passes_axe(DESKTOP).await;
}

#[tokio::test]
async fn every_researcher_page_passes_axe_on_a_phone() {
    every_researcher_page_passes_axe(PHONE).await;
}

/// Refreshes the README's screenshots of the main screens at 1280×900: run it by hand.
#[tokio::test]
#[ignore = "writes docs/screenshots/; run by hand after a change to the screens"]
async fn make_the_readme_screenshots() {
    let study = a_study_under_way().await;
    let browser = Browser::start(DESKTOP.0, DESKTOP.1).await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let shoot = async |name: &str| {
        let png = browser.client.screenshot().await.expect("a screenshot");
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    };
    // The dashboard as a newcomer finds it: nothing yet, and the study kit.
    study.app.add_user("newcomer@example.org", Role::Researcher);
    log_in(&browser, &study.app, "newcomer@example.org").await;
    shoot("dashboard").await;
    log_in(&browser, &study.app, RESEARCHER).await;
    let (s, c, first) = ("/surveys/open-llm-governance", study.codebook, study.responses[1]);
    let shots = [
        ("survey-overview", s.to_string()),
        ("builder", format!("{s}/build")),
        ("coding", format!("/codebooks/{c}/code/{first}/{WHY}")),
        ("analysis", format!("{s}/analysis")),
    ];
    for (name, path) in shots {
        browser.goto(&study.app.url(&path)).await;
        shoot(name).await;
    }
    browser.close().await;
}
