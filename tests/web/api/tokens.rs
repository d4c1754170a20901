//! Tokens: made on the account page and by `fieldwork token create`, shown once and stored as a
//! hash; read and read-write scopes; expiry, revocation and a deactivated account refused with
//! the reason; sessions do not authenticate API requests; failed attempts are throttled.

use fieldwork::accounts::Role;
use fieldwork::api::tokens::Scope;
use reqwest::StatusCode;

use super::{api_get, bare_client, error_of, json_of, token_for};
use crate::helpers::{TestApp, unescape};
use crate::surveys::{RESEARCHER, SMALL, add_survey, signed_in_researcher};

fn researcher_id(app: &TestApp) -> i64 {
    app.signed_in().expect("signed in").id
}

#[tokio::test]
async fn a_token_made_on_the_account_page_is_shown_once_stored_hashed_and_works() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let made =
        app.post_form("/account/tokens", &[("name", "weekly R pull"), ("scope", "read"), ("expires", "30")]).await;
    assert_eq!(made.status(), StatusCode::OK);
    let html = unescape(&made.text().await.unwrap());
    let start = html.find("<code id=\"new-token\">").expect("the new token is shown") + "<code id=\"new-token\">".len();
    let token = html[start..].split('<').next().unwrap().to_string();
    assert!(token.starts_with("fw_"), "{token}");

    let (status, surveys) = json_of(api_get(&app, Some(&token), "/api/v1/surveys").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(surveys[0]["slug"], "team-survey");
    assert_eq!(surveys[0]["title"], "Team survey");

    // The list shows it without the secret; the database holds only its hash.
    let (_, page) = app.get_page("/account/tokens").await;
    assert!(page.contains("weekly R pull") && !page.contains(&token), "{page}");
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (hash, prefix): (Vec<u8>, String) =
        conn.query_row("SELECT token_hash, prefix FROM api_tokens", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(hash, fieldwork::web::token_digest(&token).to_vec());
    assert!(token.contains(&prefix) && token.len() > prefix.len() + 40);
    assert_eq!(app.query_i64("SELECT count(*) FROM audit_log WHERE action = 'api.token_create'"), 1);
}

#[tokio::test]
async fn the_account_page_refuses_a_bad_name_keeping_what_was_typed() {
    let app = signed_in_researcher().await;
    let name = "x".repeat(101);
    let refused = app.post_form("/account/tokens", &[("name", &name), ("scope", "write"), ("expires", "")]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("at most 100 characters") && html.contains(&name), "{html}");
    assert_eq!(app.query_i64("SELECT count(*) FROM api_tokens"), 0);
}

#[tokio::test]
async fn a_revoked_token_stops_working_and_only_its_owner_can_revoke_it() {
    let app = signed_in_researcher().await;
    let token = token_for(&app, researcher_id(&app), Scope::Read, None);
    let id = app.query_i64("SELECT id FROM api_tokens");
    assert_eq!(api_get(&app, Some(&token), "/api/v1/surveys").await.status(), StatusCode::OK);

    // Another account cannot revoke it.
    let other = app.other_client();
    app.add_user("other@example.org", Role::Researcher);
    other.login("other@example.org", crate::helpers::PASSWORD).await;
    let refused = other.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert_eq!(api_get(&app, Some(&token), "/api/v1/surveys").await.status(), StatusCode::OK);

    let revoked = app.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let (status, message) = error_of(api_get(&app, Some(&token), "/api/v1/surveys").await).await;
    assert_eq!((status, message.as_str()), (StatusCode::UNAUTHORIZED, "the token was revoked"));
}

#[tokio::test]
async fn an_expired_token_and_a_deactivated_accounts_token_are_refused_with_the_reason() {
    let app = signed_in_researcher().await;
    let token = token_for(&app, researcher_id(&app), Scope::Read, Some(1));
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE api_tokens SET expires_at = strftime('%s', 'now') - 1", []).unwrap();
    let (status, message) = error_of(api_get(&app, Some(&token), "/api/v1/surveys").await).await;
    assert_eq!((status, message.as_str()), (StatusCode::UNAUTHORIZED, "the token has expired"));

    let fresh = token_for(&app, researcher_id(&app), Scope::Read, Some(1));
    assert_eq!(api_get(&app, Some(&fresh), "/api/v1/surveys").await.status(), StatusCode::OK);
    conn.execute("UPDATE users SET active = 0 WHERE email = ?1", [RESEARCHER]).unwrap();
    let (status, message) = error_of(api_get(&app, Some(&fresh), "/api/v1/surveys").await).await;
    assert_eq!((status, message.as_str()), (StatusCode::UNAUTHORIZED, "the token's account is deactivated"));
}

#[tokio::test]
async fn a_session_does_not_authenticate_an_api_request_and_bad_headers_are_refused() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    // The signed-in browser's cookies, without a token.
    let with_session = app.get("/api/v1/surveys").await;
    let www = with_session.headers().get("www-authenticate").cloned();
    let (status, message) = error_of(with_session).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(message.contains("Authorization: Bearer"), "{message}");
    assert_eq!(www.unwrap(), "Bearer");
    for header in ["Basic abc", "Bearer", "Bearer    ", "fw_nothing"] {
        let response =
            bare_client().get(app.url("/api/v1/surveys")).header("authorization", header).send().await.unwrap();
        assert_eq!(error_of(response).await.0, StatusCode::UNAUTHORIZED, "{header}");
    }
    let (status, message) = error_of(api_get(&app, Some("fw_notatokenatall"), "/api/v1/surveys").await).await;
    assert_eq!((status, message.as_str()), (StatusCode::UNAUTHORIZED, "the token is not valid"));
}

#[tokio::test]
async fn failed_tokens_from_one_address_are_throttled_and_a_valid_one_waits_too() {
    let app = signed_in_researcher().await;
    let valid = token_for(&app, researcher_id(&app), Scope::Read, None);
    for attempt in 0..5 {
        let guess = format!("fw_guess{attempt:04}{}", "A".repeat(43));
        assert_eq!(api_get(&app, Some(&guess), "/api/v1/surveys").await.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = api_get(&app, Some(&valid), "/api/v1/surveys").await;
    let retry_after = refused.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(str::to_string);
    let (status, message) = error_of(refused).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{message}");
    assert!(retry_after.is_some_and(|s| s.parse::<i64>().unwrap() > 0));
    // A valid token's use is not counted as a failure.
    assert_eq!(app.query_i64("SELECT count(*) FROM login_failures"), 5);
}

#[test]
fn the_command_line_prints_a_token_once_and_lists_and_revokes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(&db).args(args).output().unwrap()
    };
    assert!(run(&["user", "add", "--email", "ana@example.org", "--role", "researcher"]).status.success());
    let made = run(&[
        "token",
        "create",
        "--email",
        "ana@example.org",
        "--name",
        "nightly",
        "--expires",
        "30",
        "--scope",
        "write",
    ]);
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let token = String::from_utf8(made.stdout).unwrap().trim().to_string();
    assert!(fieldwork::api::tokens::prefix_of(&token).is_some(), "only the token on standard output: {token}");

    let listed = String::from_utf8(run(&["token", "list", "--email", "ana@example.org"]).stdout).unwrap();
    assert!(listed.contains("nightly") && listed.contains("write") && listed.contains("expires"), "{listed}");
    assert!(!listed.contains(&token));
    let id = listed.split('\t').next().unwrap();
    assert!(run(&["token", "revoke", "--email", "ana@example.org", "--id", id]).status.success());
    let again = run(&["token", "revoke", "--email", "ana@example.org", "--id", id]);
    assert!(!again.status.success());
    let nobody = run(&["token", "create", "--email", "nobody@example.org"]);
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no account"));
    let bad = run(&["token", "create", "--email", "ana@example.org", "--expires", "0"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("expires"));
}
