//! In a real browser: a survey's researcher adds a coder under Members, is told why a coder's
//! account cannot be a researcher (the page keeps what was typed), and the page passes the
//! accessibility check both times.

use fieldwork::accounts::Role;

use crate::browser::Browser;
use crate::browser_coding::log_in;
use crate::surveys::{RESEARCHER, SMALL, SMALL_SLUG, add_survey, signed_in_researcher};

#[tokio::test]
async fn a_researcher_adds_a_coder_under_members_and_is_told_why_a_coder_cannot_be_a_researcher() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    app.add_user("cody@example.org", Role::Coder);
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &app, RESEARCHER).await;
    browser.goto(&app.url(&format!("/surveys/{SMALL_SLUG}"))).await;

    browser.fill("#member_email", "cody@example.org").await;
    browser.click("#member_role option[value=researcher]").await;
    browser.click("form[action$='/members'] button[type=submit]").await;
    let refused = browser.wait_for_text("main", "coder's account").await;
    assert!(refused.contains("Please correct the following"), "{refused}");
    let typed = browser.client.execute("return document.getElementById('member_email').value;", vec![]).await;
    assert_eq!(typed.unwrap(), serde_json::json!("cody@example.org"), "what was typed is kept");
    assert_eq!(browser.serious_accessibility_violations().await, Vec::<String>::new(), "refused");

    browser.click("#member_role option[value=coder]").await;
    browser.click("form[action$='/members'] button[type=submit]").await;
    let added = browser.wait_for_text("main", "is a coder of this survey").await;
    assert!(added.contains("cody@example.org"), "{added}");
    browser.screenshot("survey-members").await;
    assert_eq!(browser.serious_accessibility_violations().await, Vec::<String>::new(), "members listed");
    browser.close().await;
}
