//! A person logs in through the real form in a real browser and sees the dashboard.

use fantoccini::key::Key;
use fieldwork::accounts::Role;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn a_person_logs_in_through_the_form_and_sees_the_dashboard() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    let browser = Browser::start(1024, 768).await;

    browser.goto(&app.url("/")).await;
    assert_eq!(browser.wait_for_path("/login").await, "/login", "redirected to the login page");
    browser.fill("#email", "ana@example.org").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("main button[type=submit]").await;

    assert_eq!(browser.wait_for_path("/").await, "/");
    let heading = browser.text("h1").await;
    assert!(heading.contains("Welcome"), "{heading}");
    assert!(browser.text("main").await.contains("ana@example.org"));
    browser.screenshot("dashboard").await;
    browser.close().await;
}

#[tokio::test]
async fn the_first_admin_is_created_through_the_setup_page_with_the_keyboard() {
    let app = TestApp::spawn().await;
    let browser = Browser::start(390, 844).await;
    browser.goto(app.setup_link.as_deref().unwrap()).await;

    browser.fill("#email", "ana@example.org").await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirmation", PASSWORD).await;
    // Enter in the last field submits the form, as for a keyboard user.
    browser
        .client
        .find(fantoccini::Locator::Css("#password_confirmation"))
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();

    assert_eq!(browser.wait_for_path("/").await, "/");
    assert!(browser.text("h1").await.contains("Welcome"));
    browser.screenshot("setup-phone").await;
    browser.close().await;
}
