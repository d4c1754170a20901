//! The `Visit` extractor: a respondent request's cookies, client, browser and languages, read once.

use std::convert::Infallible;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use tower_sessions::cookie::Cookie;

use super::{FORM_COOKIE, INVITE_COOKIE, RESUME_COOKIE};
use crate::app::AppState;
use crate::respond::visit::Visit;
use crate::web::client::ClientAddr;

impl FromRequestParts<AppState> for Visit {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Visit, Infallible> {
        let arrived = Instant::now();
        let ClientAddr(client) = ClientAddr::from_request_parts(parts, state).await?;
        let text = |name| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let mut visit = Visit {
            client,
            user_agent: text(header::USER_AGENT),
            accept_language: text(header::ACCEPT_LANGUAGE),
            arrived,
            ..Visit::default()
        };
        let mut form_cookie = None;
        for cookie in cookies(&parts.headers) {
            let (name, value) = (cookie.name(), cookie.value());
            let survey_id = |prefix: &str| name.strip_prefix(prefix).and_then(|id| id.parse::<i64>().ok());
            if name == FORM_COOKIE {
                // The first one sent, as browsers send the most specific path first.
                form_cookie.get_or_insert_with(|| value.to_string());
            } else if let Some(id) = survey_id(RESUME_COOKIE) {
                visit.resume.push((id, value.to_string()));
            } else if let Some(id) = survey_id(INVITE_COOKIE) {
                visit.invites.push((id, value.to_string()));
            }
        }
        Ok(visit.with_form_cookie(form_cookie.as_deref()))
    }
}

/// The cookies a request sends.
pub(super) fn cookies(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'_>> {
    let values = headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok());
    values.flat_map(Cookie::split_parse).filter_map(Result::ok)
}
