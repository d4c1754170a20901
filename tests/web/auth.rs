//! Setup, login, logout, throttling and sessions.

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp, location};

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_and_logs_them_in() {
    let app = TestApp::spawn().await;
    let link = app.setup_link.clone().expect("no account yet, so a setup link");
    let path = link.trim_start_matches(&app.address);

    let (status, body) = app.get_page(path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Create administrator"));

    app.setup_admin("ana@example.org").await;
    let (status, body) = app.get_page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("ana@example.org") && body.contains("admin"));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users WHERE role = 'admin'"), 1);
}

#[tokio::test]
async fn the_setup_form_refuses_a_name_with_a_control_character_and_keeps_it() {
    let app = TestApp::spawn().await;
    let link = app.setup_link.clone().unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();
    let form = [
        ("token", token.as_str()),
        ("email", "ana@example.org"),
        ("name", "Ana\u{7f}"),
        ("password", PASSWORD),
        ("password_confirmation", PASSWORD),
    ];
    let response = app.post_form("/setup", &form).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("The name has an invisible control character (U+007F) at character 4"), "{body}");
    assert!(body.contains("value=\"Ana\u{7f}\""), "kept as typed");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users"), 0);
}

#[tokio::test]
async fn the_setup_link_works_once_and_not_once_an_account_exists() {
    let app = TestApp::spawn().await;
    let link = app.setup_link.clone().unwrap();
    let token = link.split("token=").nth(1).unwrap().to_string();
    app.setup_admin("ana@example.org").await;

    let other = app.other_client();
    let (status, _) = other.get_page(&format!("/setup?token={token}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let response = other
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("email", "eve@example.org"),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users"), 1);
}

#[tokio::test]
async fn no_setup_link_is_offered_when_an_account_already_exists() {
    let mut app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.restart().await;
    assert!(app.setup_link.is_none());
}

#[tokio::test]
async fn a_wrong_setup_token_is_refused() {
    let app = TestApp::spawn().await;
    let (status, _) = app.get_page("/setup?token=guess").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.get_page("/setup").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn setup_explains_why_a_password_was_refused_and_keeps_the_email() {
    let app = TestApp::spawn().await;
    let token = app.setup_link.clone().unwrap().split("token=").nth(1).unwrap().to_string();
    let response = app
        .post_form(
            "/setup",
            &[
                ("token", &token),
                ("email", "ana@example.org"),
                ("password", "short"),
                ("password_confirmation", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("at least 10 characters"), "{body}");
    assert!(body.contains("value=\"ana@example.org\""));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM users"), 0);
}

#[tokio::test]
async fn login_with_the_right_password_reaches_the_dashboard() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    let response = app.login("rae@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/");
    let (status, body) = app.get_page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("rae@example.org"));
}

#[tokio::test]
async fn login_with_a_wrong_password_is_refused() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    let response = app.login("rae@example.org", "not the password at all").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(response.text().await.unwrap().contains("The email or the password is wrong."));
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_unknown_email_and_a_wrong_password_look_the_same() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    let known = app.login("rae@example.org", "not the password at all").await;
    let other = app.other_client();
    let unknown = other.login("nobody@example.org", "not the password at all").await;
    assert_eq!(known.status(), unknown.status());
    let strip = |body: String, email: &str| {
        body.replace(email, "EMAIL").lines().filter(|l| !l.contains("csrf_token")).collect::<Vec<_>>().join("\n")
    };
    assert_eq!(
        strip(known.text().await.unwrap(), "rae@example.org"),
        strip(unknown.text().await.unwrap(), "nobody@example.org")
    );
}

#[tokio::test]
async fn logging_out_ends_the_session() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    let response = app.logout().await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
    assert_eq!(app.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn five_failures_for_one_account_pause_logins_even_with_the_right_password() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    for _ in 0..5 {
        assert_eq!(app.login("rae@example.org", "wrong password 123").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let response = app.login("rae@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.text().await.unwrap().contains("Too many failed attempts"));
    assert_eq!(app.get("/").await.status(), StatusCode::SEE_OTHER, "not logged in");
}

#[tokio::test]
async fn five_failures_from_one_client_pause_logins_for_other_accounts_too() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    for n in 0..5 {
        app.login(&format!("guess{n}@example.org"), "wrong password 123").await;
    }
    let response = app.login("rae@example.org", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn throttling_by_email_treats_unknown_emails_like_known_ones() {
    // Behind a proxy each attempt comes from another address, so only the per-email count applies.
    let app = TestApp::spawn_with(&["--behind-proxy"]).await;
    app.add_user("rae@example.org", Role::Researcher);
    let attempt = |email: &'static str, n: usize| {
        let app = &app;
        async move {
            let token = app.csrf_token().await;
            app.client
                .post(app.url("/login"))
                .header("x-forwarded-for", format!("198.51.100.{n}"))
                .form(&[("csrf_token", token.as_str()), ("email", email), ("password", "wrong password 123")])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    for n in 0..5 {
        assert_eq!(attempt("rae@example.org", n).await, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(attempt("nobody@example.org", 100 + n).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(attempt("rae@example.org", 50).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(attempt("nobody@example.org", 150).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        attempt("other@example.org", 200).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "other accounts are unaffected"
    );
}

#[tokio::test]
async fn a_page_behind_login_redirects_to_login_and_back_afterwards() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    let response = app.get("/admin/users?x=1").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let target = location(&response);
    assert!(target.starts_with("/login?next="), "{target}");

    let (_, body) = app.get_page(&target).await;
    assert!(body.contains("value=\"&#x2f;admin&#x2f;users?x=1\"") || body.contains("/admin/users?x=1"), "{body}");
    let response = app
        .post_form("/login", &[("email", "ana@example.org"), ("password", PASSWORD), ("next", "/admin/users?x=1")])
        .await;
    assert_eq!(location(&response), "/admin/users?x=1");
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    let response = app
        .post_form("/login", &[("email", "ana@example.org"), ("password", PASSWORD), ("next", "//evil.example/x")])
        .await;
    assert_eq!(location(&response), "/");
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    let before = app.get("/login").await;
    let before_cookie = before.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap();
    let response = app.login("ana@example.org", PASSWORD).await;
    let after_cookie = response.headers().get("set-cookie").map(|v| v.to_str().unwrap().to_string()).unwrap();
    let id = |c: &str| c.split(';').next().unwrap().to_string();
    assert_ne!(id(&before_cookie), id(&after_cookie));
    assert!(after_cookie.contains("HttpOnly") && after_cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn secure_cookies_are_marked_secure_when_asked() {
    let app = TestApp::spawn_with(&["--secure-cookies"]).await;
    let response = app.get("/login").await;
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let mut app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    app.restart().await;
    let (status, body) = app.get_page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("rae@example.org"));
}

/// A signed-in page view reads the session and writes nothing: the session is saved only when it
/// changes (a flash, the idle expiry moved on once a minute), not on every request, which would
/// put a write, and a wait for the disk, behind every page a coder opens.
#[tokio::test]
async fn viewing_pages_writes_nothing_to_the_database() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    assert_eq!(app.get("/").await.status(), StatusCode::OK);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    // Changes when another connection commits a write to the file.
    let version = || conn.query_row("PRAGMA data_version", [], |row| row.get::<_, i64>(0)).unwrap();
    let before = version();
    for path in ["/", "/surveys", "/account/password", "/"] {
        assert_eq!(app.get(path).await.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(version(), before, "a page view committed a write");
}

#[tokio::test]
async fn a_deactivated_users_session_stops_working_at_once() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    let coder_id = app.add_user("cody@example.org", Role::Coder);
    let coder = app.other_client();
    coder.login("cody@example.org", PASSWORD).await;
    assert_eq!(coder.get("/").await.status(), StatusCode::OK);

    app.login("ana@example.org", PASSWORD).await;
    let response = app.post_form(&format!("/admin/users/{coder_id}/active"), &[("active", "0")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);

    assert_eq!(coder.get("/").await.status(), StatusCode::SEE_OTHER, "the coder's session has ended");
    assert_eq!(coder.login("cody@example.org", PASSWORD).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
