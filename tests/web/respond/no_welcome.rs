//! A survey without a welcome page (`welcome_page = false`): its link opens the first page, and
//! the response begins when that page is first saved. Nothing is stored before then — not on
//! the GET, not for a page with errors, a language switch, a stale form or a bot — and everything
//! that guards Start guards it too: personal links, invitation-only access, dates, the limit on
//! new responses per client.

use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use crate::distribution::add_participant;
use crate::helpers::TestApp;
use crate::respondent::*;

/// Two pages, the first with a required question, in two languages, without a welcome page.
const DIRECT: &str = r#"
format = 1
slug = "direct"
default_language = "en"
languages = ["en", "es"]
welcome_page = false
title = { en = "Direct survey", es = "Encuesta directa" }
description = { en = "Never shown: there is no welcome page." }
thank_you = { en = "Thanks for answering." }

[[pages]]
code = "first"
[[pages.questions]]
code = "ROLE"
type = "single_choice"
required = true
text = { en = "What is your role?", es = "¿Cuál es su función?" }
choices = [{ code = "dev", label = { en = "Developer", es = "Desarrollo" } }, { code = "ops", label = { en = "Operations", es = "Operaciones" } }]
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why do you contribute?", es = "¿Por qué contribuye?" }

[[pages]]
code = "second"
[[pages.questions]]
code = "MORE"
type = "short_text"
text = { en = "Anything else?", es = "¿Algo más?" }
"#;

fn responses(app: &TestApp) -> i64 {
    app.query_i64("SELECT COUNT(*) FROM responses")
}

/// Arrange: changes the database behind the server's back.
fn execute(app: &TestApp, sql: &str) {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    conn.execute(sql, []).expect("execute");
}

#[tokio::test]
async fn the_link_opens_the_first_page_and_its_first_save_begins_the_response() {
    let app = TestApp::spawn().await;
    add_survey(&app, DIRECT, Status::Open);
    let mut respondent = Respondent::new(&app, "direct");

    let first = respondent.welcome("").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(question_codes(&first.html), ["ROLE", "WHY"], "the link shows the first page");
    assert!(!first.html.contains("Never shown"), "no welcome text");
    assert!(!first.html.contains("resume-link"), "no link to resume a response that does not exist yet");
    assert_eq!(responses(&app), 0, "opening the page stores nothing");

    let missing = respondent.submit(0, &[("q.WHY", "To keep my language on the map.")]).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(errors_in(&missing.html).contains("What is your role?"), "{}", errors_in(&missing.html));
    assert_eq!(field_value(&missing.html, "q-WHY").as_deref(), Some("To keep my language on the map."));
    assert_eq!(responses(&app), 0, "a page with errors begins no response");

    let saved = respondent.submit(0, &[("q.ROLE", "dev"), ("q.WHY", "To keep my language on the map.")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", errors_in(&saved.html));
    assert_eq!(saved.location, "/s/direct/p/1");
    assert_eq!(responses(&app), 1);
    assert_eq!(
        app.query_i64("SELECT COUNT(*) FROM answers WHERE question IN ('ROLE', 'WHY')"),
        2,
        "the first page is saved with the new response"
    );

    // The browser now has a response: the link takes it back to where it was, with a resume link.
    let back = respondent.welcome("").await;
    assert_eq!((back.status, back.location.as_str()), (StatusCode::SEE_OTHER, "/s/direct/p/1"));
    let second = respondent.page(1).await;
    assert!(second.html.contains("resume-link"));
    let done = respondent.submit(1, &[("q.MORE", "No.")]).await;
    assert_eq!(done.location, "/s/direct/done");
    assert!(respondent.get("/s/direct/done").await.html.contains("Thanks for answering."));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE status = 'complete'"), 1);

    // A second click on the first page's button, from the same browser, adds no response.
    let again = respondent.post_page(0, &respondent.form(&[("q.ROLE", "ops")])).await;
    assert_eq!((again.status, again.location.as_str()), (StatusCode::SEE_OTHER, "/s/direct/done"));
    assert_eq!(responses(&app), 1);
}

#[tokio::test]
async fn a_language_switch_a_stale_form_and_a_bot_on_the_first_page_store_nothing() {
    let app = TestApp::spawn().await;
    add_survey(&app, DIRECT, Status::Open);
    let mut respondent = Respondent::new(&app, "direct");
    respondent.welcome("").await;

    let switched = respondent.submit(0, &[("switch_lang", "es"), ("q.WHY", "Por la comunidad.")]).await;
    assert_eq!(switched.status, StatusCode::OK);
    assert!(switched.html.contains("¿Cuál es su función?"), "the page in Spanish");
    assert_eq!(field_value(&switched.html, "q-WHY").as_deref(), Some("Por la comunidad."), "typed text kept");

    let mut stale = respondent.form(&[("q.ROLE", "dev")]);
    stale.retain(|(name, _)| name != "form_token");
    stale.push(("form_token".into(), "x".repeat(43)));
    let refused = respondent.post_page(0, &stale).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_checked(&refused.html, "q-ROLE-dev"), "the answer is kept on the refused page");

    // The hidden field filled (a bot, or a password manager): the page again, as typed, and the
    // hidden field empty, so that a person's second send goes through.
    let bot = respondent.submit(0, &[("q.ROLE", "dev"), ("website", "http://spam.example")]).await;
    assert_eq!(bot.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(is_checked(&bot.html, "q-ROLE-dev"), "the answer is kept");
    let hidden_field = tag(&bot.html, "website").expect("the hidden field is on the page");
    assert!(!hidden_field.contains("value="), "the hidden field comes back empty: {hidden_field}");

    let other = app.other_client();
    let later_page = Respondent::new(&other, "direct").submit(1, &[("q.MORE", "skip ahead")]).await;
    assert_eq!(later_page.status, StatusCode::SEE_OTHER, "a later page cannot begin a response");
    assert_eq!(responses(&app), 0, "nothing was stored");
}

#[tokio::test]
async fn a_closed_survey_or_an_invitation_only_one_refuses_the_first_page_without_a_link() {
    let app = TestApp::spawn().await;
    add_survey(&app, DIRECT, Status::Open);
    let mut respondent = Respondent::new(&app, "direct");
    respondent.welcome("").await;
    execute(&app, "UPDATE surveys SET access = 'invitation'");
    let invitation = respondent.submit(0, &[("q.ROLE", "dev")]).await;
    assert_eq!(invitation.status, StatusCode::FORBIDDEN);
    assert!(invitation.html.contains("This survey is by invitation"), "{}", invitation.html);

    execute(&app, "UPDATE surveys SET access = 'public', status = 'closed', closed_at = '2020-01-01T00:00:00Z'");
    let closed = respondent.submit(0, &[("q.ROLE", "dev")]).await;
    assert!(closed.html.contains("This survey is closed"), "{}", closed.html);
    assert_eq!(responses(&app), 0);
}

#[tokio::test]
async fn a_personal_link_opens_the_first_page_and_begins_the_participants_one_response() {
    let app = TestApp::spawn().await;
    let (survey_id, _) = add_survey(&app, DIRECT, Status::Open);
    execute(&app, "UPDATE surveys SET access = 'invitation'");
    let (participant, token) = add_participant(&app, survey_id, "ada@example.org", &[]);

    let mut respondent = Respondent::new(&app, "direct");
    let first = respondent.welcome(&format!("?t={token}")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(question_codes(&first.html), ["ROLE", "WHY"]);
    assert_eq!(hidden(&first.html, "invite").as_deref(), Some(token.as_str()), "the form carries the link");

    let mut form = respondent.form(&[("q.ROLE", "ops")]);
    form.push(("invite".into(), token.clone()));
    let saved = respondent.post_page(0, &form).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", errors_in(&saved.html));
    assert_eq!(
        app.query_i64(&format!("SELECT COUNT(*) FROM responses WHERE participant_id = {participant}")),
        1,
        "the response is the participant's"
    );
    assert!(app.query_i64(&format!("SELECT started_at IS NOT NULL FROM participants WHERE id = {participant}")) == 1);

    // The same link in another browser finds the response begun, and begins no second one.
    let other = app.other_client();
    let mut elsewhere = Respondent::new(&other, "direct");
    let resumed = elsewhere.welcome(&format!("?t={token}")).await;
    assert_eq!((resumed.status, resumed.location.as_str()), (StatusCode::SEE_OTHER, "/s/direct/p/1"));
    assert_eq!(responses(&app), 1);
}

#[tokio::test]
async fn a_consent_text_needs_the_welcome_page() {
    let app = TestApp::spawn().await;
    let with_consent = DIRECT.replace("welcome_page = false", "welcome_page = false\nconsent = { en = \"I agree.\" }");
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let refused = fieldwork::survey::import_toml(&conn, &with_consent, None).expect_err("refused");
    assert!(format!("{refused:?}").contains("keep the welcome page or remove the consent"), "{refused:?}");
}

#[tokio::test]
async fn the_settings_turn_the_welcome_page_off_and_respondents_see_each_edit_at_once() {
    use crate::surveys::{form_fields, page, set, set_status, signed_in_researcher, submit};
    let app = signed_in_researcher().await;
    let id = crate::surveys::add_survey(&app, &DIRECT.replace("welcome_page = false\n", ""));
    set_status(&app, id, Status::Open);
    let visitor = app.other_client();
    let mut respondent = Respondent::new(&visitor, "direct");
    assert!(respondent.welcome("").await.html.contains("Never shown"), "the welcome page, by default");

    let path = "/surveys/direct/build/settings";
    let mut fields = form_fields(&page(&app, path).await, path);
    assert!(fields.iter().any(|(name, value)| name == "welcome_page" && value == "on"), "ticked: {fields:?}");
    fields.retain(|(name, _)| name != "welcome_page");
    set(&mut fields, "title.en", "Direct survey, edited");
    let saved = submit(&app, path, &fields).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);

    let first = respondent.welcome("").await;
    assert_eq!(question_codes(&first.html), ["ROLE", "WHY"], "now the link opens the first page");
    assert!(first.html.contains("Direct survey, edited"), "the kept page was rendered again");
    // Kept pages still carry each browser's own form token.
    let other = app.other_client();
    let second = Respondent::new(&other, "direct").welcome("").await;
    assert_ne!(hidden(&first.html, "form_token"), hidden(&second.html, "form_token"));
}

/// A client without cookies of its own: sends exactly the Cookie header it is given, as two
/// requests of one browser in flight at once do (neither has the other's answer yet).
fn bare_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The value the reply sets for a cookie whose name starts with `prefix`.
fn set_cookie(reply: &reqwest::Response, prefix: &str) -> Option<String> {
    reply
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(prefix))
        .and_then(|v| v.split(';').next()?.split_once('=').map(|(_, value)| value.to_string()))
}

#[tokio::test]
async fn a_first_page_sent_twice_at_once_begins_one_response_and_both_sends_land_on_it() {
    let app = TestApp::spawn().await;
    add_survey(&app, DIRECT, Status::Open);
    let mut respondent = Respondent::new(&app, "direct");
    respondent.welcome("").await;
    let form = respondent.form(&[("q.ROLE", "dev"), ("q.WHY", "Once.")]);
    let token = hidden(&respondent.html, "form_token").expect("form token");

    let client = bare_client();
    let send = || {
        client
            .post(app.url("/s/direct/p/0"))
            .header(reqwest::header::COOKIE, format!("fw_form={token}"))
            .form(&form)
            .send()
    };
    let (first, second) = (send().await.expect("first"), send().await.expect("second"));
    assert_eq!((first.status(), second.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER));
    assert_eq!(crate::helpers::location(&first), "/s/direct/p/1");
    assert_eq!(crate::helpers::location(&second), "/s/direct/p/1", "the second send finds the response");
    assert_eq!(set_cookie(&first, "fw_resume_"), set_cookie(&second, "fw_resume_"), "one response, one token");
    assert_eq!(responses(&app), 1);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM answers WHERE question = 'ROLE'"), 1);

    // Once that response is in the trash, the same browser begins a new one (not an error).
    execute(&app, "UPDATE responses SET deleted_at = '2026-01-01T00:00:00Z'");
    let again = send().await.expect("third");
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_ne!(set_cookie(&again, "fw_resume_"), set_cookie(&first, "fw_resume_"));
    assert_eq!(responses(&app), 2);
}

#[tokio::test]
async fn start_sent_twice_at_once_begins_one_response() {
    let app = TestApp::spawn().await;
    add_survey(&app, &DIRECT.replace("welcome_page = false\n", ""), Status::Open);
    let mut respondent = Respondent::new(&app, "direct");
    respondent.welcome("").await;
    let token = hidden(&respondent.html, "form_token").expect("form token");
    let client = bare_client();
    let start = || {
        client
            .post(app.url("/s/direct/start"))
            .header(reqwest::header::COOKIE, format!("fw_form={token}"))
            .form(&[("form_token", token.as_str()), ("lang", "en")])
            .send()
    };
    let (first, second) = (start().await.expect("first"), start().await.expect("second"));
    assert_eq!(crate::helpers::location(&first), "/s/direct/p/0");
    assert_eq!(crate::helpers::location(&second), "/s/direct/p/0");
    assert_eq!(responses(&app), 1);
}

#[tokio::test]
async fn start_on_a_survey_without_a_welcome_page_begins_nothing() {
    let app = TestApp::spawn().await;
    add_survey(&app, DIRECT, Status::Open);
    let mut respondent = Respondent::new(&app, "direct");
    respondent.welcome("").await;
    let started = respondent.post_start(&[]).await;
    assert_eq!((started.status, started.location.as_str()), (StatusCode::SEE_OTHER, "/s/direct"));
    assert_eq!(responses(&app), 0);
}

#[tokio::test]
async fn a_form_cookie_set_by_someone_else_is_never_written_into_a_page() {
    let app = TestApp::spawn().await;
    add_survey(&app, DIRECT, Status::Open);
    let planted = "\"><script>alert(1)</script><input value=\"xxxxxxxxxxxxxxxxxxxx";
    for _ in 0..2 {
        // Twice: the second time the page is the kept one.
        let reply = bare_client()
            .get(app.url("/s/direct"))
            .header(reqwest::header::COOKIE, format!("fw_form={planted}"))
            .send()
            .await
            .expect("GET");
        let fresh = set_cookie(&reply, "fw_form=").or_else(|| set_cookie(&reply, "fw_form"));
        let html = reply.text().await.expect("body");
        assert!(!html.contains("<script>"), "the planted value is in the page");
        let token = hidden(&html, "form_token").expect("form token");
        assert_eq!(token.len(), 43, "a token of our own: {token}");
        assert_eq!(fresh.as_deref(), Some(token.as_str()), "and the browser is given it");
    }
}

#[tokio::test]
async fn a_first_page_kept_rendered_carries_each_respondents_own_tokens() {
    let app = TestApp::spawn().await;
    add_survey(&app, &DIRECT.replace("welcome_page = false\n", ""), Status::Open);
    let mut seen = Vec::new();
    for _ in 0..3 {
        let browser = app.other_client();
        let mut respondent = Respondent::new(&browser, "direct");
        respondent.start().await;
        let (form, resume) = (hidden(&respondent.html, "form_token"), hidden(&respondent.html, "r"));
        let (form, resume) = (form.expect("form token"), resume.expect("resume token"));
        assert_eq!(form.len(), 43);
        assert!(
            unescape(&respondent.html).contains(&format!("/s/direct/resume/{resume}\"")),
            "the resume link is this one's"
        );
        // The token in the page is the one that finds this browser's response.
        let saved = respondent.submit(0, &[("q.ROLE", "ops")]).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        seen.push((form, resume));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 3, "no two respondents were given the same tokens");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM answers WHERE question = 'ROLE'"), 3);
}
