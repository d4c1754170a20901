//! CSRF, role checks, security headers and error pages.

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, csrf_in};

#[tokio::test]
async fn a_post_without_a_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.login("ana@example.org", PASSWORD).await;

    let response = app.post_raw("/admin/users", &[("email", "new@example.org"), ("role", "coder")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("security token"));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE email = 'new@example.org'"), 0);
}

#[tokio::test]
async fn a_post_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.login("ana@example.org", PASSWORD).await;

    let response = app
        .post_raw(
            "/admin/users",
            &[("csrf_token", "forged-token-value"), ("email", "new@example.org"), ("role", "coder")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE email = 'new@example.org'"), 0);
}

#[tokio::test]
async fn another_sessions_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.login("ana@example.org", PASSWORD).await;
    let attacker = app.other_client();
    let foreign_token = attacker.csrf_token().await;
    let response = app
        .post_raw("/admin/users", &[("csrf_token", &foreign_token), ("email", "new@example.org"), ("role", "coder")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE email = 'new@example.org'"), 0);
}

#[tokio::test]
async fn a_login_without_a_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    let response = app.post_raw("/login", &[("email", "ana@example.org"), ("password", PASSWORD)]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_csrf_token_is_also_accepted_in_a_header() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.login("ana@example.org", PASSWORD).await;
    let (_, page) = app.get_page("/").await;
    let token = csrf_in(&page).unwrap();
    let response = app
        .client
        .post(app.url("/admin/users"))
        .header("x-csrf-token", token)
        .form(&[("email", "new@example.org"), ("role", "coder")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE email = 'new@example.org'"), 1);
}

#[tokio::test]
async fn a_token_in_the_url_is_refused_and_upload_forms_carry_theirs_in_the_body() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.login("ana@example.org", PASSWORD).await;
    let token = app.csrf_token().await;

    // A URL is kept in the address bar, the history and logs: a token there does not count.
    let in_url = app.url(&format!("/admin/users?csrf_token={token}"));
    let form = app.client.post(&in_url).form(&[("email", "new@example.org"), ("role", "coder")]).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::FORBIDDEN);
    let toml = crate::surveys::SMALL;
    let upload = [("file", Some("q.toml"), toml.as_bytes())];
    let uploaded = crate::surveys::post_multipart(&app, &format!("/surveys/import?csrf_token={token}"), &upload).await;
    assert_eq!(uploaded.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE email = 'new@example.org'"), 0);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys"), 0);

    // The upload form sends it as a field of its body (`upload_through_form` checks the form's
    // action has no query), so a failed upload comes back at an address without it.
    let nonsense = [("file", Some("q.toml"), &b"nonsense"[..])];
    let failed = crate::surveys::upload_through_form(&app, "/surveys", "/surveys/import", &nonsense).await;
    assert_eq!(failed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(failed.url().query(), None);
    let imported = crate::surveys::upload_through_form(&app, "/surveys", "/surveys/import", &upload).await;
    assert_eq!(imported.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_coder_cannot_reach_account_management() {
    let app = TestApp::spawn().await;
    app.add_user("cody@example.org", Role::Coder);
    app.login("cody@example.org", PASSWORD).await;

    for path in ["/admin/users", "/admin/users/1", "/admin/audit"] {
        let (status, body) = app.get_page(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(body.contains("You do not have access"), "{path}");
    }
    let response = app.post_form("/admin/users", &[("email", "new@example.org"), ("role", "admin")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app.post_form("/admin/users/1", &[("name", "x"), ("role", "admin")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE role = 'admin'"), 0);
}

#[tokio::test]
async fn a_researcher_cannot_reach_account_management_either() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    assert_eq!(app.get("/admin/users").await.status(), StatusCode::FORBIDDEN);
}

fn assert_security_headers(response: &reqwest::Response) {
    let header = |name: &str| response.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let csp = header("content-security-policy");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "same-origin");
}

#[tokio::test]
async fn security_headers_are_on_pages_and_on_error_pages() {
    let app = TestApp::spawn().await;
    let page = app.get("/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_security_headers(&page);

    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&missing);
    assert!(missing.text().await.unwrap().contains("Page not found"));

    let refused = app.post_raw("/login", &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_security_headers(&refused);

    let css = app.get("/static/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert_security_headers(&css);
}

#[tokio::test]
async fn pages_have_no_inline_script() {
    let app = TestApp::spawn().await;
    let (_, body) = app.get_page("/login").await;
    assert!(!body.contains("<script>") && !body.contains(" onclick="), "{body}");
}

#[tokio::test]
async fn an_oversized_body_is_refused_with_a_page() {
    let app = TestApp::spawn_with(&["--max-body-bytes", "1000"]).await;
    let big = "x".repeat(5000);
    let response = app.post_form("/login", &[("email", &big), ("password", "x")]).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(response.text().await.unwrap().contains("larger than this server accepts"));
}

#[tokio::test]
async fn an_unsupported_method_gets_a_page_not_a_bare_status() {
    let app = TestApp::spawn().await;
    let token = app.csrf_token().await;
    let response = app.client.delete(app.url("/login")).header("x-csrf-token", token).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
}

#[tokio::test]
async fn the_health_check_answers_when_the_database_does() {
    let app = TestApp::spawn().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn html_typed_into_a_field_comes_back_escaped() {
    let app = TestApp::spawn().await;
    let response = app.post_form("/login", &[("email", "<script>alert(1)</script>"), ("password", "x")]).await;
    let body = response.text().await.unwrap();
    assert!(!body.contains("<script>alert(1)</script>"));
    assert!(body.contains("&lt;script&gt;"));
}
