//! The respondent's pages under `/s/{slug}`. Respondents have no account and no server session:
//! a resume token in a cookie (and in each form) says which response is theirs, and a
//! double-submit token in a cookie guards every form against cross-site posting. Each request's
//! cookies, client and languages are read once (`visit.rs`, the `Visit` extractor); a POST is
//! decided by `respond::step` and carried out by `execute.rs`.

mod execute;
mod invite;
mod loaded;
mod pages;
mod post;
pub(crate) mod rendered;
mod resume;
mod shown;
mod visit;

pub use pages::render_preview;
pub mod view;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_sessions::cookie::{Cookie, SameSite};

use crate::app::AppState;
use crate::respond::visit::Visit;
use crate::web::routes::Routes;

pub fn router() -> Routes {
    Routes::new()
        .route("/s/{slug}", get(pages::welcome))
        .route("/s/{slug}/start", axum::routing::post(post::start))
        .route("/s/{slug}/p/{index}", get(pages::show_page).post(post::save_page))
        .route("/s/{slug}/done", get(pages::done))
        .route("/s/{slug}/resume/{token}", get(resume::open).post(resume::confirm))
}

/// The prefix of the cookie naming a respondent's response to one survey (`fw_resume_ID`).
const RESUME_COOKIE: &str = "fw_resume_";
/// The prefix of the cookie keeping a personal link's token for one survey (`fw_invite_ID`).
const INVITE_COOKIE: &str = "fw_invite_";
/// The double-submit form token's cookie.
const FORM_COOKIE: &str = "fw_form";

/// How long a browser keeps a respondent's response and personal link.
const KEEP_DAYS: i64 = 180;

/// A `Set-Cookie` header value for a respondent cookie.
fn set_cookie(state: &AppState, name: &str, value: &str, path: &str, max_age_days: i64) -> Option<HeaderValue> {
    let cookie = Cookie::build((name.to_string(), value.to_string()))
        .path(path.to_string())
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.secure_cookies)
        .max_age(time::Duration::days(max_age_days))
        .build();
    HeaderValue::from_str(&cookie.to_string()).ok()
}

/// Adds to `response` the cookie `prefix` + the survey's id, for the survey's pages, holding
/// `value` (an empty value for 0 days forgets it).
fn keep_cookie(state: &AppState, response: &mut Response, (prefix, survey_id): (&str, i64), slug: &str, value: &str) {
    let days = if value.is_empty() { 0 } else { KEEP_DAYS };
    if let Some(header) = set_cookie(state, &format!("{prefix}{survey_id}"), value, &format!("/s/{slug}"), days) {
        response.headers_mut().append(header::SET_COOKIE, header);
    }
}

/// A page response that also (re)sets the form token cookie.
pub(crate) fn with_form_cookie(state: &AppState, status: StatusCode, html: String, form_token: &str) -> Response {
    let mut response = (status, Html(html)).into_response();
    if let Some(value) = set_cookie(state, FORM_COOKIE, form_token, "/s/", 1) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The form token for a page outside the `Visit`-taking handlers (the opt-out page): the
/// browser's, if one of ours in shape, or a new one.
pub(crate) fn form_token(headers: &HeaderMap) -> String {
    form_visit(headers).form_token
}

/// Whether `posted` is the browser's form token (the double-submit check, for the opt-out page).
pub(crate) fn form_token_valid(headers: &HeaderMap, posted: Option<&str>) -> bool {
    form_visit(headers).form_token_matches(posted)
}

/// A visit with only the form token: the same rules as every respondent page's.
fn form_visit(headers: &HeaderMap) -> Visit {
    Visit::default().with_form_cookie(form_cookie(headers).as_deref())
}

fn form_cookie(headers: &HeaderMap) -> Option<String> {
    visit::cookies(headers).find(|c| c.name() == FORM_COOKIE).map(|c| c.value().to_string())
}
