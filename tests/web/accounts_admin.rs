//! Account management by admins, set-password links, and changing one's own password.

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, location};

const NEW_PASSWORD: &str = "a brand new passphrase";

/// The set-password link shown on the page after creating or resetting an account.
fn link_in(body: &str) -> String {
    let body = body.replace("&#x2f;", "/");
    let start = body.find("/account/set-password?token=").expect("a link on the page");
    let end = body[start..].find('"').unwrap();
    body[start..start + end].to_string()
}

async fn admin_app() -> TestApp {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.login("ana@example.org", PASSWORD).await;
    app
}

#[tokio::test]
async fn an_admin_invites_a_coder_who_sets_a_password_and_logs_in() {
    let app = admin_app().await;
    let response =
        app.post_form("/admin/users", &[("email", "cody@example.org"), ("name", "Cody"), ("role", "coder")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let link = link_in(&response.text().await.unwrap());

    let coder = app.other_client();
    let (status, body) = coder.get_page(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("cody@example.org"));
    let token = link.split("token=").nth(1).unwrap();
    let response = coder
        .post_form(
            "/account/set-password",
            &[("token", token), ("password", NEW_PASSWORD), ("password_confirmation", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(location(&response), "/login");

    assert_eq!(coder.login("cody@example.org", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let (_, body) = coder.get_page("/").await;
    assert!(body.contains("Cody") && body.contains("coder"));

    // The link worked once.
    let (status, _) = app.other_client().get_page(&link).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn creating_an_account_with_a_bad_or_taken_email_keeps_the_form() {
    let app = admin_app().await;
    for (email, message) in [("not-an-email", "Enter an email address"), ("ANA@example.org", "already exists")] {
        let response =
            app.post_form("/admin/users", &[("email", email), ("name", "Typed Name"), ("role", "researcher")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{email}");
        let body = response.text().await.unwrap();
        assert!(body.contains(message), "{email}: {body}");
        assert!(body.contains("Typed Name"));
    }
    let response = app.post_form("/admin/users", &[("email", "x@example.org"), ("role", "emperor")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users"), 1);
}

#[tokio::test]
async fn a_name_with_a_line_break_or_a_control_character_is_refused_by_its_field_and_kept() {
    let app = admin_app().await;
    let id = app.add_user("cody@example.org", Role::Coder);
    // (the name typed, what the field says)
    let cases = [
        ("Ada\r\nBcc: eve@example.org", "The name has a line break at character 4; it must be one line."),
        ("Ada\u{1b}[2J", "The name has an invisible control character (U+001B) at character 4"),
    ];
    for (name, message) in cases {
        let created =
            app.post_form("/admin/users", &[("email", "x@example.org"), ("name", name), ("role", "coder")]).await;
        let updated = app.post_form(&format!("/admin/users/{id}"), &[("name", name), ("role", "coder")]).await;
        for response in [created, updated] {
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
            let body = response.text().await.unwrap();
            assert!(body.contains(&format!("<p class=\"error\" id=\"name-error\">{message}")), "{name:?}: {body}");
            assert!(body.contains("value=\"Ada"), "the name comes back as typed: {body}");
        }
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users"), 2, "no account created");
    assert_eq!(app.query_i64(&format!("SELECT name = '' FROM users WHERE id = {id}")), 1, "nor renamed");

    let response = app.post_form(&format!("/admin/users/{id}"), &[("name", "  Cody\tTab  "), ("role", "coder")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64(&format!("SELECT name = 'Cody' || char(9) || 'Tab' FROM users WHERE id = {id}")), 1);
}

#[tokio::test]
async fn an_admin_changes_a_role() {
    let app = admin_app().await;
    let id = app.add_user("cody@example.org", Role::Coder);
    let response = app.post_form(&format!("/admin/users/{id}"), &[("name", "Cody"), ("role", "researcher")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64(&format!("SELECT role = 'researcher' FROM users WHERE id = {id}")), 1);
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_deactivated() {
    let app = admin_app().await;
    let response = app.post_form("/admin/users/1", &[("name", ""), ("role", "coder")]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("last active admin"));
    app.post_form("/admin/users/1/active", &[("active", "0")]).await;
    assert_eq!(app.query_i64("SELECT active FROM users WHERE id = 1"), 1);
}

#[tokio::test]
async fn a_password_reset_ends_sessions_and_gives_a_working_link() {
    let app = admin_app().await;
    let id = app.add_user("rae@example.org", Role::Researcher);
    let researcher = app.other_client();
    researcher.login("rae@example.org", PASSWORD).await;

    let response = app.post_form(&format!("/admin/users/{id}/reset"), &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let link = link_in(&response.text().await.unwrap());
    assert_eq!(researcher.get("/").await.status(), StatusCode::SEE_OTHER, "their session ended");

    let token = link.split("token=").nth(1).unwrap();
    researcher
        .post_form(
            "/account/set-password",
            &[("token", token), ("password", NEW_PASSWORD), ("password_confirmation", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(researcher.login("rae@example.org", PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(researcher.login("rae@example.org", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_set_password_link_explains_a_refused_password() {
    let app = admin_app().await;
    let response = app.post_form("/admin/users", &[("email", "cody@example.org"), ("role", "coder")]).await;
    let link = link_in(&response.text().await.unwrap());
    let token = link.split("token=").nth(1).unwrap();
    let response = app
        .other_client()
        .post_form(
            "/account/set-password",
            &[("token", token), ("password", "tiny"), ("password_confirmation", "tiny")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("at least 10 characters"));
}

#[tokio::test]
async fn everyone_can_change_their_own_password_which_ends_their_other_sessions() {
    let app = TestApp::spawn().await;
    app.add_user("cody@example.org", Role::Coder);
    app.login("cody@example.org", PASSWORD).await;
    let other_device = app.other_client();
    other_device.login("cody@example.org", PASSWORD).await;

    let response = app
        .post_form(
            "/account/password",
            &[("current_password", PASSWORD), ("password", NEW_PASSWORD), ("password_confirmation", NEW_PASSWORD)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/").await.status(), StatusCode::OK, "this session carries on");
    assert_eq!(other_device.get("/").await.status(), StatusCode::SEE_OTHER, "the other session ended");
    assert_eq!(app.other_client().login("cody@example.org", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one() {
    let app = TestApp::spawn().await;
    app.add_user("cody@example.org", Role::Coder);
    app.login("cody@example.org", PASSWORD).await;
    let response = app
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong current pw"),
                ("password", NEW_PASSWORD),
                ("password_confirmation", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("current password is wrong"));
    assert_eq!(app.other_client().login("cody@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn account_actions_are_in_the_audit_log() {
    let app = admin_app().await;
    app.post_form("/admin/users", &[("email", "cody@example.org"), ("role", "coder")]).await;
    app.post_form("/admin/users/2/active", &[("active", "0")]).await;
    let (status, body) = app.get_page("/admin/audit").await;
    assert_eq!(status, StatusCode::OK);
    for action in ["auth.login", "user.create", "user.deactivate"] {
        assert!(body.contains(action), "{action} missing");
    }
    let (_, filtered) = app.get_page("/admin/audit?action=user.").await;
    assert!(filtered.contains("user.create") && !filtered.contains("auth.login"));
    let (_, by_nobody) = app.get_page("/admin/audit?actor=nobody-here").await;
    assert!(!by_nobody.contains("auth.login"), "filtered by who acted");
    let (_, by_admin) = app.get_page("/admin/audit?actor=ANA%40EXAMPLE").await;
    assert!(by_admin.contains("auth.login"), "case does not matter");
}
