//! Layers that wrap every response: one log line per request, security headers, and the rendering
//! of error pages for errors raised anywhere below.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::app::AppState;
use crate::error::ErrorPage;

/// Scripts and styles only from this site, no inline script, no framing, forms post only here.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Logs method, path, status and latency of every request on one line.
pub async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(%method, %path, status = response.status().as_u16(), latency_ms = format!("{latency_ms:.2}"), "request");
    response
}

/// Sets the security headers on every response, errors included.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages carry personal data and CSRF tokens: never keep them in shared caches.
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
    response
}

/// Turns error responses without a page of their own into a rendered page: errors raised as
/// `AppError`, and bare statuses from layers (body limit, timeout, unknown method, failed session
/// save).
pub async fn render_error_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let page = match response.extensions().get::<ErrorPage>() {
        Some(page) => page.clone(),
        None if has_html_body(&response) => return response,
        None => ErrorPage::for_status(status),
    };
    let context = minijinja::context! { status => status.as_u16(), title => page.title, message => page.message };
    let body = state.templates.render("error.html", context).unwrap_or_else(|err| {
        tracing::error!(error = %err, "could not render the error page");
        format!("<!doctype html><title>{0}</title><h1>{0}</h1>", page.title)
    });
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    let mut rendered = Html(body).into_response();
    *rendered.status_mut() = status;
    for (name, value) in parts.headers.iter() {
        rendered.headers_mut().insert(name.clone(), value.clone());
    }
    rendered
}

fn has_html_body(response: &Response<Body>) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html") || v.starts_with("application/json"))
}
