//! Coming back to a response: in the same browser, by the resume link in another (asked first, so
//! that a link sent by someone else moves nobody into their response; a response begun from a
//! personal link needs that link), after the form cookie was lost or the form token went stale;
//! and one response however often a form is sent.

use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use super::{TOOL_SURVEY, items};
use crate::helpers::TestApp;
use crate::respondent::*;

/// Answers to the shipped questionnaire's first page.
const FIRST_PAGE: &[(&str, &str)] = &[
    ("q.PROJECT", "Falcon"),
    ("q.ROLE", "lead"),
    ("q.ORGTYPE", "university"),
    ("q.LANGS", "english"),
    ("q.YEARS", "4"),
];

fn assert_first_page_shown_again(html: &str) {
    assert_eq!(field_value(html, "q-PROJECT").as_deref(), Some("Falcon"), "{html}");
    assert!(is_checked(html, "q-ROLE-lead") && is_checked(html, "q-ORGTYPE-university"));
    assert!(is_checked(html, "q-LANGS-english"));
    assert_eq!(field_value(html, "q-YEARS").as_deref(), Some("4"));
}

/// A respondent to the shipped questionnaire who answered its first page.
async fn past_the_first_page(app: &TestApp) -> Respondent<'_> {
    add_survey(app, SHIPPED, Status::Open);
    let mut r = Respondent::new(app, SHIPPED_SLUG);
    r.start().await;
    r.next(0, FIRST_PAGE).await;
    r
}

#[tokio::test]
async fn a_respondent_who_leaves_returns_to_their_page_in_the_same_browser() {
    let app = TestApp::spawn().await;
    let mut r = past_the_first_page(&app).await;

    let back = r.welcome("").await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(back.location, format!("/s/{SHIPPED_SLUG}/p/1"));
    let first = r.page(0).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_first_page_shown_again(&first.html);
    assert_eq!(responses(&app).len(), 1);
}

/// The resume link shown on the page `r` is on, as a path on the server.
fn resume_link_on(app: &TestApp, r: &Respondent<'_>) -> String {
    let start = r.html.find("class=\"resume-link\"").expect("a resume link");
    let link = attribute(&r.html[r.html[..start].rfind('<').unwrap()..start], "href").unwrap();
    link.strip_prefix(&app.address).expect("an absolute link to this server").to_string()
}

#[tokio::test]
async fn the_resume_link_continues_the_same_response_in_another_browser_once_confirmed() {
    let app = TestApp::spawn().await;
    let r = past_the_first_page(&app).await;
    let path = resume_link_on(&app, &r);

    let other = app.other_client();
    let mut elsewhere = Respondent::new(&other, SHIPPED_SLUG);
    let resumed = elsewhere.resume_by_link(&path).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER);
    assert_eq!(resumed.location, format!("/s/{SHIPPED_SLUG}/p/1"));
    assert_eq!(elsewhere.get(&resumed.location).await.status, StatusCode::OK);
    assert_first_page_shown_again(&elsewhere.page(0).await.html);

    elsewhere.page(1).await;
    elsewhere.next(1, &[("q.STAGES", "pre_training")]).await;
    assert_eq!(only_response(&app).page_index, 2, "the same response moved on");
    assert_eq!(answer(&app, "PROJECT", "").as_deref(), Some("Falcon"));
}

#[tokio::test]
async fn submitting_the_last_page_twice_keeps_one_complete_response() {
    let app = TestApp::spawn().await;
    add_survey(&app, TOOL_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "tool-use");
    r.start().await;
    r.next(0, &[("q.USES", "yes")]).await;
    r.next(1, &[("q.AGE", "40")]).await;
    let last_page = r.html.clone();

    let first = r.submit(3, &[("q.LAST", "First click")]).await;
    assert_eq!((first.status, first.location.as_str()), (StatusCode::SEE_OTHER, "/s/tool-use/done"));
    let submitted_at = only_response(&app).submitted_at;
    r.html = last_page.clone();
    let second = r.submit(3, &[("q.LAST", "Second click")]).await;
    assert_eq!((second.status, second.location.as_str()), (StatusCode::SEE_OTHER, "/s/tool-use/done"));

    let response = only_response(&app);
    assert_eq!(response.status, "complete");
    assert_eq!(response.submitted_at, submitted_at);
    assert_eq!(answer(&app, "LAST", "").as_deref(), Some("First click"), "a submitted response is not changed");
}

#[tokio::test]
async fn two_simultaneous_submissions_of_the_last_page_keep_one_complete_response() {
    let app = TestApp::spawn().await;
    add_survey(&app, TOOL_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "tool-use");
    r.start().await;
    r.next(0, &[("q.USES", "no")]).await;
    r.next(1, &[]).await;
    r.next(2, &[]).await;
    let form = r.form(&[("q.LAST", "Double click")]);

    let url = app.url("/s/tool-use/p/3");
    let (a, b) = tokio::join!(app.client.post(&url).form(&form).send(), app.client.post(&url).form(&form).send());
    for reply in [a.unwrap(), b.unwrap()] {
        assert_eq!(reply.status(), StatusCode::SEE_OTHER);
        assert_eq!(crate::helpers::location(&reply), "/s/tool-use/done");
    }
    assert_eq!(only_response(&app).status, "complete");
    assert_eq!(answer_items(&app, "LAST"), items(&[("", "Double click")]));
}

#[tokio::test]
async fn pressing_start_twice_creates_one_response() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    r.welcome("").await;

    let first = r.post_start(&[("consent", "yes")]).await;
    let second = r.post_start(&[("consent", "yes")]).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER);
    assert_eq!(second.status, StatusCode::SEE_OTHER);
    assert_eq!(second.location, first.location);
    assert_eq!(only_response(&app).status, "partial");
}

#[tokio::test]
async fn a_page_sent_with_a_wrong_or_missing_form_token_comes_back_with_the_answers_and_saves_nothing() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    r.start().await;
    let page = r.html.clone();

    let forged = "A".repeat(43);
    for token in [Some(forged.as_str()), None] {
        r.html = page.clone();
        let mut form = r.form(FIRST_PAGE);
        form.retain(|(name, _)| name != "form_token");
        if let Some(token) = token {
            form.push(("form_token".into(), token.into()));
        }
        let reply = r.post_page(0, &form).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "token {token:?}");
        assert!(reply.html.contains("For your security this page has to be sent again."), "{}", reply.html);
        assert_first_page_shown_again(&reply.html);
        assert!(answers(&app).is_empty(), "token {token:?}: nothing saved");
    }

    assert_eq!(r.next(0, FIRST_PAGE).await, format!("/s/{SHIPPED_SLUG}/p/1"), "sending again works");
    assert_eq!(answer(&app, "PROJECT", "").as_deref(), Some("Falcon"));
}

#[tokio::test]
async fn a_browser_without_the_form_cookie_can_send_the_page_again_and_carry_on() {
    // Cookies lost (expired, cleared): left are the page's hidden fields, with the resume token in
    // `r`, or the resume cookie alone (set again by the resume link) and a stale form.
    for keeps_resume_cookie in [false, true] {
        let app = TestApp::spawn().await;
        add_survey(&app, SHIPPED, Status::Open);
        let mut r = Respondent::new(&app, SHIPPED_SLUG);
        r.start().await;
        let page = r.html.clone();

        let fresh = app.other_client();
        let mut same_person = Respondent::new(&fresh, SHIPPED_SLUG);
        let mut form = r.form(FIRST_PAGE);
        if keeps_resume_cookie {
            let token = hidden(&page, "r").unwrap();
            same_person.resume_by_link(&format!("/s/{SHIPPED_SLUG}/resume/{token}")).await;
            form.retain(|(name, _)| name != "r");
        }
        let reply = same_person.post_page(0, &form).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "resume cookie: {keeps_resume_cookie}");
        assert!(reply.html.contains("For your security this page has to be sent again."));
        assert_first_page_shown_again(&reply.html);
        assert!(answers(&app).is_empty());

        let next = same_person.next(0, FIRST_PAGE).await;
        assert_eq!(next, format!("/s/{SHIPPED_SLUG}/p/1"), "resume cookie: {keeps_resume_cookie}");
        assert_eq!(form_index(&same_person.html), Some(1), "the next page is shown, not the welcome page");
        assert_eq!(only_response(&app).page_index, 1);
        assert_eq!(answer(&app, "PROJECT", "").as_deref(), Some("Falcon"));
    }
}

#[tokio::test]
async fn the_resume_link_in_the_browser_that_holds_the_response_goes_straight_on() {
    let app = TestApp::spawn().await;
    let mut r = past_the_first_page(&app).await;

    let path = resume_link_on(&app, &r);
    let resumed = r.get(&path).await;
    assert_eq!((resumed.status, resumed.location.as_str()), (StatusCode::SEE_OTHER, "/s/open-llm-governance/p/1"));
}

#[tokio::test]
async fn a_resume_link_sent_by_someone_else_asks_first_and_moves_nothing_until_confirmed() {
    let app = TestApp::spawn().await;
    let sender = past_the_first_page(&app).await;
    let path = resume_link_on(&app, &sender);
    let started_on = only_response(&app).started_at[..10].to_string();

    let victims_browser = app.other_client();
    let mut victim = Respondent::new(&victims_browser, SHIPPED_SLUG);
    let asked = victim.get(&path).await;
    assert_eq!(asked.status, StatusCode::OK);
    let text = unescape(&asked.html);
    assert!(text.contains("Continue this response?"), "{text}");
    assert!(text.contains(&format!("started on {started_on}")), "the day it was started: {text}");
    assert!(text.contains("whoever gave you this link can see every answer"), "{text}");
    assert!(!text.contains("Falcon"), "nothing of the response is shown before confirming");

    // A form posted from elsewhere (no form cookie of this browser's) is asked about again.
    let forged = victim.post(&path, &[("form_token".to_string(), "A".repeat(43))]).await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(forged.html.contains("please confirm once more"), "{}", forged.html);

    // Not confirmed: the survey's address is this browser's own beginning, not the sender's page.
    let own = victim.welcome("").await;
    assert_eq!(own.status, StatusCode::OK, "no response of the sender's in this browser");
    assert!(own.html.contains("action=\"/s/open-llm-governance/start\""), "{}", own.html);
    assert_eq!(responses(&app).len(), 1);
}

/// A small named survey by invitation, without a welcome page.
const INVITED: &str = r#"
format = 1
slug = "invited"
default_language = "en"
languages = ["en"]
welcome_page = false
title = { en = "Invited" }

[[pages]]
code = "first"
[[pages.questions]]
code = "NAME"
type = "short_text"
required = true
text = { en = "Your name?" }

[[pages]]
code = "second"
[[pages.questions]]
code = "MORE"
type = "short_text"
text = { en = "Anything else?" }
"#;

/// The survey `toml` by invitation, a participant who answered its first page in one browser,
/// and the resume link shown there. Returns the personal link's token and the resume link.
async fn begun_by_personal_link(app: &TestApp, toml: &str) -> (String, String) {
    let (survey_id, slug) = add_survey(app, toml, Status::Open);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE surveys SET access = 'invitation' WHERE id = ?1", [survey_id]).unwrap();
    let (_, token) = crate::distribution::add_participant(app, survey_id, "p@example.org", &[]);
    let mut participant = Respondent::new(app, &slug);
    let first = participant.welcome(&format!("?t={token}")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.html);
    participant.next(0, &[("q.NAME", "Pat")]).await;
    let link = resume_link_on(app, &participant);
    (token, link)
}

#[tokio::test]
async fn a_named_response_begun_from_a_personal_link_continues_elsewhere_only_with_that_link() {
    let app = TestApp::spawn().await;
    let (token, link) = begun_by_personal_link(&app, INVITED).await;

    let other = app.other_client();
    let mut elsewhere = Respondent::new(&other, "invited");
    let refused = elsewhere.get(&link).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(unescape(&refused.html).contains("open the personal link from your invitation"), "{}", refused.html);
    let confirmed = elsewhere.post(&link, &[("form_token".to_string(), "A".repeat(43))]).await;
    assert_eq!(confirmed.status, StatusCode::FORBIDDEN, "not by posting either");

    let by_link = elsewhere.welcome(&format!("?t={token}")).await;
    assert_eq!((by_link.status, by_link.location.as_str()), (StatusCode::SEE_OTHER, "/s/invited/p/1"));
    elsewhere.page(1).await;
    assert_eq!(elsewhere.next(1, &[("q.MORE", "From my phone")]).await, "/s/invited/done");
    assert_eq!(only_response(&app).status, "complete");
}

#[tokio::test]
async fn an_anonymous_response_by_invitation_continues_elsewhere_after_the_personal_link_and_a_confirmation() {
    let app = TestApp::spawn().await;
    let anonymous = INVITED.replace("welcome_page = false", "welcome_page = false\nanonymous = true");
    let (token, link) = begun_by_personal_link(&app, &anonymous).await;

    let other = app.other_client();
    let mut elsewhere = Respondent::new(&other, "invited");
    assert_eq!(elsewhere.get(&link).await.status, StatusCode::FORBIDDEN, "the resume link alone");
    let by_link = elsewhere.welcome(&format!("?t={token}")).await;
    assert!(by_link.html.contains("You have already started this survey"), "{}", by_link.html);

    let resumed = elsewhere.resume_by_link(&link).await;
    assert_eq!((resumed.status, resumed.location.as_str()), (StatusCode::SEE_OTHER, "/s/invited/p/1"));
    elsewhere.page(1).await;
    assert_eq!(elsewhere.next(1, &[("q.MORE", "From my phone")]).await, "/s/invited/done");
    assert_eq!(answer(&app, "MORE", "").as_deref(), Some("From my phone"));
}
