//! CSRF protection for every state-changing request. Each session holds one random token; forms
//! send it back in a hidden `csrf_token` field (urlencoded or, for uploads, multipart), scripts in
//! the `X-CSRF-Token` header. Never in the URL: a form with an upload that comes back with its
//! problems would leave the token in the address bar, the history and the logs. A request whose
//! token is missing or wrong changes nothing.

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest as _, Multipart, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::Session;

use crate::app::AppState;
use crate::error::AppError;

/// The form field that carries the token.
pub const FIELD: &str = "csrf_token";
const HEADER: &str = "x-csrf-token";
const SESSION_KEY: &str = "csrf";

/// The session's CSRF token, created on first use.
pub async fn session_token(session: &Session) -> Result<String, AppError> {
    if let Ok(Some(token)) = session.get::<String>(SESSION_KEY).await {
        return Ok(token);
    }
    let token = super::random_token();
    session.insert(SESSION_KEY, &token).await.map_err(|e| anyhow::anyhow!("session: {e}"))?;
    Ok(token)
}

/// Middleware: refuses POST, PUT, PATCH and DELETE requests without the session's token.
pub async fn verify(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let expected = match request.extensions().get::<Session>() {
        Some(session) => session.get::<String>(SESSION_KEY).await.ok().flatten(),
        None => None,
    };
    let (parts, body) = request.into_parts();
    let bytes = match to_bytes(body, state.config.max_body_bytes).await {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    let provided = match token_in_header(&parts) {
        Some(token) => Some(token),
        None if has_content_type(&parts, "application/x-www-form-urlencoded") => {
            token_in_urlencoded(std::str::from_utf8(&bytes).ok())
        }
        None if has_content_type(&parts, "multipart/form-data") => token_in_multipart(&parts, &bytes).await,
        None => None,
    };
    let valid = match (expected, provided) {
        (Some(expected), Some(provided)) => super::secrets_match(&expected, &provided),
        _ => false,
    };
    if !valid {
        tracing::warn!(path = %parts.uri.path(), "refused a request without a valid CSRF token");
        return AppError::CsrfRejected.into_response();
    }
    next.run(Request::from_parts(parts, Body::from(bytes))).await
}

fn token_in_header(parts: &axum::http::request::Parts) -> Option<String> {
    parts.headers.get(HEADER)?.to_str().ok().map(str::to_string)
}

fn has_content_type(parts: &axum::http::request::Parts, expected: &str) -> bool {
    parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with(expected))
}

/// The token in a urlencoded form body (`a=b&c=d`).
fn token_in_urlencoded(body: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body?).ok()?;
    pairs.into_iter().find(|(name, _)| name == FIELD).map(|(_, value)| value)
}

/// The token in a multipart form body (an upload form), read from the body already in memory.
/// Forms put the field first, so the parts after it are not looked at.
async fn token_in_multipart(parts: &axum::http::request::Parts, bytes: &Bytes) -> Option<String> {
    let mut request = Request::new(Body::from(bytes.clone()));
    request.headers_mut().insert(header::CONTENT_TYPE, parts.headers.get(header::CONTENT_TYPE)?.clone());
    let mut multipart = Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(FIELD) {
            return field.text().await.ok();
        }
    }
    None
}
