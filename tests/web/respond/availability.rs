//! When a survey takes answers at all: status and dates, consent, the honeypot and the limit on
//! new responses; and what is stored about the respondent in anonymous and named surveys.

use fieldwork::survey::store::{Status, set_status};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::respondent::*;

/// A one-page survey; `{slug}` and `{extra}` (top-level keys) are filled in.
const SMALL_SURVEY: &str = r#"
format = 1
slug = "{slug}"
default_language = "en"
languages = ["en"]
title = { en = "Small survey" }
{extra}

[[pages]]
code = "only"
[[pages.questions]]
code = "NAME"
type = "short_text"
text = { en = "Your name?" }
"#;

fn small_survey(slug: &str, extra: &str) -> String {
    SMALL_SURVEY.replace("{slug}", slug).replace("{extra}", extra)
}

#[tokio::test]
async fn a_survey_not_taking_answers_shows_a_clear_page_and_creates_nothing() {
    let app = TestApp::spawn().await;
    // (slug, extra keys, status, heading shown)
    let cases = [
        ("draft-survey", "", Status::Draft, "This survey is not open yet"),
        ("closed-survey", "", Status::Closed, "This survey is closed"),
        ("ended-survey", "closes_at = \"2020-01-01T00:00:00Z\"", Status::Open, "This survey is closed"),
        ("future-survey", "opens_at = \"2999-01-01T00:00:00Z\"", Status::Open, "This survey is not open yet"),
    ];
    for (slug, extra, status, expected) in cases {
        add_survey(&app, &small_survey(slug, extra), status);
        let mut r = Respondent::new(&app, slug);

        let welcome = r.welcome("").await;
        assert_eq!(welcome.status, StatusCode::OK, "{slug}");
        assert_eq!(heading(&welcome.html), expected, "{slug}");
        assert!(!welcome.html.contains("<form"), "{slug}: no form to fill in");

        let form = [("form_token".to_string(), "A".repeat(43)), ("consent".to_string(), "yes".to_string())];
        let started = r.post(&format!("/s/{slug}/start"), &form).await;
        assert_eq!(started.status, StatusCode::OK, "{slug}");
        assert_eq!(heading(&started.html), expected, "{slug}");
        let page = r.page(0).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{slug}: no response to show a page of");
    }
    assert!(responses(&app).is_empty());
}

#[tokio::test]
async fn closing_a_survey_lets_respondents_mid_way_finish_within_the_grace_period_only() {
    let app = TestApp::spawn().await;
    let (id, slug) = add_survey(&app, &small_survey("closing", ""), Status::Open);
    let mut within = Respondent::new(&app, &slug);
    within.start().await;
    let other_browser = app.other_client();
    let mut late = Respondent::new(&other_browser, &slug);
    late.start().await;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    set_status(&conn, id, Status::Closed).unwrap();

    // Closed a moment ago, with the default grace period of 24 hours: the page is saved.
    let reply = within.submit(0, &[("q.NAME", "Just in time")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.html);
    assert!(reply.location.ends_with("/done"));
    // But nobody new may start.
    let third_browser = app.other_client();
    let newcomer = Respondent::new(&third_browser, &slug).welcome("").await;
    assert_eq!(heading(&newcomer.html), "This survey is closed");

    // 25 hours later the grace period is over: nothing more is saved.
    conn.execute("UPDATE surveys SET closed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-25 hours')", []).unwrap();
    let reply = late.submit(0, &[("q.NAME", "Too late")]).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(heading(&reply.html), "This survey is closed");
    let statuses: Vec<String> = responses(&app).into_iter().map(|r| r.status).collect();
    assert_eq!(statuses, ["complete", "partial"]);
    assert_eq!(answers(&app).len(), 1, "only the answer given within the grace period");
    let again = late.welcome("").await;
    let shown = late.get(&again.location).await;
    assert_eq!(heading(&shown.html), "This survey is closed");

    // Reopened, the late respondent carries on.
    set_status(&conn, id, Status::Open).unwrap();
    late.page(0).await;
    let reply = late.submit(0, &[("q.NAME", "Reopened")]).await;
    assert!(reply.location.ends_with("/done"), "{}", reply.html);
}

#[tokio::test]
async fn starting_without_ticking_consent_is_refused_and_creates_no_response() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    r.welcome("").await;

    for consent in [&[][..], &[("consent", "no")][..]] {
        let reply = r.post_start(consent).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{consent:?}");
        assert_eq!(
            element_text(&reply.html, "start-error").as_deref(),
            Some("Please tick the box to agree before starting.")
        );
        let checkbox = tag(&reply.html, "consent").unwrap();
        assert_eq!(attribute(checkbox, "aria-describedby").as_deref(), Some("start-error"));
        assert!(responses(&app).is_empty(), "{consent:?}");
    }
    let reply = r.post_start(&[("consent", "yes")]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(only_response(&app).consent_version, Some(1));

    // A survey without a consent text needs no tick and records no consent.
    add_survey(&app, &small_survey("no-consent", ""), Status::Open);
    let mut plain = Respondent::new(&app, "no-consent");
    plain.welcome("").await;
    assert!(!plain.html.contains("name=\"consent\""));
    assert_eq!(plain.post_start(&[]).await.status, StatusCode::SEE_OTHER);
    let response = responses(&app).pop().unwrap();
    assert_eq!((response.consent_version, response.consent_at), (None, None));
}

const BROWSER: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn complete_small_survey(app: &TestApp, slug: &str) -> StoredResponse {
    let mut r = Respondent::new(app, slug).with_header("user-agent", BROWSER);
    r.start().await;
    let done = r.submit(0, &[("q.NAME", "Sam")]).await;
    assert_eq!(done.location, format!("/s/{slug}/done"));
    only_response(app)
}

fn is_exact_time(text: &str) -> bool {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).is_ok()
}

fn is_date_only(text: &str) -> bool {
    time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
}

#[tokio::test]
async fn an_anonymous_survey_stores_no_address_no_browser_no_duration_and_only_dates() {
    let app = TestApp::spawn().await;
    add_survey(&app, &small_survey("anonymous", "anonymous = true"), Status::Open);
    let response = complete_small_survey(&app, "anonymous").await;

    assert_eq!(response.status, "complete");
    assert_eq!((response.client_ip, response.user_agent, response.duration_s), (None, None, None));
    assert!(is_date_only(&response.started_at), "{}", response.started_at);
    assert!(is_date_only(response.submitted_at.as_deref().unwrap()), "{:?}", response.submitted_at);
    assert_eq!(answer(&app, "NAME", "").as_deref(), Some("Sam"));
}

#[tokio::test]
async fn a_named_survey_stores_address_browser_duration_and_exact_times() {
    let app = TestApp::spawn().await;
    add_survey(&app, &small_survey("named", ""), Status::Open);
    let response = complete_small_survey(&app, "named").await;

    assert_eq!(response.client_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(response.user_agent.as_deref(), Some(BROWSER));
    assert!(response.duration_s.is_some_and(|d| (0..60).contains(&d)), "{:?}", response.duration_s);
    assert!(is_exact_time(&response.started_at), "{}", response.started_at);
    assert!(is_exact_time(response.submitted_at.as_deref().unwrap()), "{:?}", response.submitted_at);
}

#[tokio::test]
async fn a_filled_honeypot_shows_the_welcome_page_again_and_creates_no_response() {
    // The same as on a first page that begins a response (`no_welcome.rs`): a person whose
    // password manager filled the hidden field gets through on the second send.
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut bot = Respondent::new(&app, SHIPPED_SLUG);
    bot.welcome("").await;

    let reply = bot.post_start(&[("consent", "yes"), ("website", "https://spam.example")]).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(reply.html.contains("For your security this page has to be sent again."), "{}", reply.html);
    let hidden_field = tag(&reply.html, "website").expect("the hidden field is on the page");
    assert!(!hidden_field.contains("value="), "the hidden field comes back empty: {hidden_field}");
    assert!(responses(&app).is_empty());

    let again = bot.post_start(&[("consent", "yes")]).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.html);
    assert_eq!(responses(&app).len(), 1);
}

#[tokio::test]
async fn a_client_over_the_new_response_limit_gets_a_clear_429_page() {
    let app = TestApp::spawn_with(&["--new-responses-per-client", "2"]).await;
    add_survey(&app, SHIPPED, Status::Open);
    let browsers: Vec<TestApp> = (0..3).map(|_| app.other_client()).collect();

    let mut statuses = Vec::new();
    for browser in &browsers {
        let mut r = Respondent::new(browser, SHIPPED_SLUG);
        r.welcome("").await;
        let reply = r.post_start(&[("consent", "yes")]).await;
        statuses.push(reply.status);
        if reply.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(reply.html.contains("Too many new responses came from your network just now."), "{}", reply.html);
        }
    }
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::SEE_OTHER, StatusCode::TOO_MANY_REQUESTS]);
    assert_eq!(responses(&app).len(), 2);
}
