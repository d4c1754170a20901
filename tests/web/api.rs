//! The token API (`/api/v1`): tokens (scope, expiry, revocation, throttling, sessions not taken),
//! each endpoint with its errors, the OpenAPI document, and webhooks. Requests go through a
//! client without cookies, with `Authorization: Bearer TOKEN`.

mod endpoints;
mod openapi;
mod tokens;
mod webhooks;
mod writes;

use fieldwork::api::tokens::{NewToken, Scope};
use reqwest::StatusCode;

use crate::helpers::TestApp;

/// A token for account `user_id`, made as the account page and the command line make them.
pub fn token_for(app: &TestApp, user_id: i64, scope: Scope, days: Option<i64>) -> String {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let new = NewToken::checked("test", scope, days).expect("a valid token");
    fieldwork::api::tokens::create(&conn, user_id, &new).expect("token stored").0
}

/// A client with no cookies: only the token says who asks.
pub fn bare_client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// `GET path` with `token` (None: no Authorization header).
pub async fn api_get(app: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut request = bare_client().get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("GET")
}

/// The status and the JSON body of a response (the body must be JSON, errors too).
pub async fn json_of(response: reqwest::Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let kind = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let text = response.text().await.expect("body");
    assert!(kind.starts_with("application/json"), "{status}: a JSON body expected, got {kind}: {text}");
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}")))
}

/// The message of a JSON error, checked to be one.
pub async fn error_of(response: reqwest::Response) -> (StatusCode, String) {
    let (status, body) = json_of(response).await;
    let message = body["error"].as_str().unwrap_or_else(|| panic!("no error message in {body}")).to_string();
    assert!(!message.is_empty());
    (status, message)
}
