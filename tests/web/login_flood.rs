//! Logins cannot be flooded: simultaneous attempts are counted before any password is checked, so
//! a burst checks no more passwords than the throttle allows.

use fieldwork::accounts::Role;
use fieldwork::accounts::throttle::MAX_FAILURES;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};

/// A signed-out client with its session's CSRF token, ready to post the login form.
async fn at_the_login_page(app: &TestApp) -> (TestApp, String) {
    let client = app.other_client();
    let token = client.csrf_token().await;
    (client, token)
}

/// Sends every attempt at once (each from its own client and `X-Forwarded-For` address); the
/// statuses.
async fn burst(app: &TestApp, attempts: Vec<(String, String, String)>) -> Vec<StatusCode> {
    let mut ready = Vec::new();
    for attempt in attempts {
        ready.push((at_the_login_page(app).await, attempt));
    }
    let sent: Vec<_> = ready
        .into_iter()
        .map(|((client, token), (email, password, address))| {
            tokio::spawn(async move {
                client
                    .client
                    .post(client.url("/login"))
                    .header("x-forwarded-for", address)
                    .form(&[("csrf_token", token.as_str()), ("email", &email), ("password", &password)])
                    .send()
                    .await
                    .expect("POST /login")
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in sent {
        statuses.push(attempt.await.expect("attempt task"));
    }
    statuses
}

fn count(statuses: &[StatusCode], status: StatusCode) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_simultaneous_wrong_passwords_for_one_account_check_only_the_limit() {
    let app = TestApp::spawn_with(&["--behind-proxy"]).await;
    app.add_user("rae@example.org", Role::Researcher);
    let attempts = (0..30)
        .map(|n| ("rae@example.org".to_string(), format!("wrong password {n}"), format!("198.51.100.{n}")))
        .collect();

    let before = app.password_verifications();
    let statuses = burst(&app, attempts).await;
    let checked = app.password_verifications() - before;

    assert_eq!(checked, MAX_FAILURES as u64, "passwords checked in the burst ({statuses:?})");
    assert_eq!(count(&statuses, StatusCode::UNPROCESSABLE_ENTITY), MAX_FAILURES as usize, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 30 - MAX_FAILURES as usize, "{statuses:?}");
    let (client, _) = at_the_login_page(&app).await;
    assert_eq!(client.login("rae@example.org", PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_simultaneous_attempts_from_one_address_check_only_the_limit() {
    let app = TestApp::spawn_with(&["--behind-proxy"]).await;
    let attempts = (0..30)
        .map(|n| (format!("guess{n}@example.org"), "wrong password".to_string(), "203.0.113.7".to_string()))
        .collect();

    let before = app.password_verifications();
    let statuses = burst(&app, attempts).await;

    assert_eq!(app.password_verifications() - before, MAX_FAILURES as u64, "{statuses:?}");
    assert_eq!(count(&statuses, StatusCode::TOO_MANY_REQUESTS), 30 - MAX_FAILURES as usize, "{statuses:?}");
}

#[tokio::test]
async fn a_right_password_does_not_count_against_the_address() {
    let app = TestApp::spawn().await;
    app.add_user("rae@example.org", Role::Researcher);
    for _ in 0..MAX_FAILURES + 2 {
        let (client, _) = at_the_login_page(&app).await;
        assert_eq!(client.login("rae@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM login_failures"), 0, "successes leave no failure behind");
}
