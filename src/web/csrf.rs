//! CSRF protection for every state-changing request. Each session holds one random token; forms
//! send it back in a hidden `csrf_token` field (or, for uploads and scripts, the `X-CSRF-Token`
//! header or the query string). A request whose token is missing or wrong changes nothing.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
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
    let provided = token_in_header(&parts)
        .or_else(|| token_in_query(parts.uri.query()))
        .or_else(|| is_form(&parts).then(|| token_in_query(std::str::from_utf8(&bytes).ok())).flatten());
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

fn is_form(parts: &axum::http::request::Parts) -> bool {
    parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// The token in an `a=b&c=d` string (a query string or a urlencoded form body).
fn token_in_query(query: Option<&str>) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(name, _)| name == FIELD).map(|(_, value)| value)
}
