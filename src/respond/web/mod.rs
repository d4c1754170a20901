//! The respondent's pages under `/s/{slug}`. Respondents have no account and no server session:
//! a resume token in a cookie (and in each form) says which response is theirs, and a
//! double-submit token in a cookie guards every form against cross-site posting.

mod begin;
mod invite;
mod loaded;
mod pages;
pub(crate) mod rendered;
mod save;

pub use pages::render_preview;
// The double-submit form token, shared with the opt-out page (distribute::mail).
pub(crate) use pages::{form_token, form_token_valid, with_form_cookie};
pub mod view;

use axum::http::{HeaderMap, HeaderValue, header};
use axum::routing::get;
use tower_sessions::cookie::{Cookie, SameSite};

use crate::app::AppState;
use crate::web::routes::Routes;

pub fn router() -> Routes {
    Routes::new()
        .route("/s/{slug}", get(pages::welcome))
        .route("/s/{slug}/start", axum::routing::post(begin::start))
        .route("/s/{slug}/p/{index}", get(pages::show_page).post(save::save_page))
        .route("/s/{slug}/done", get(pages::done))
        .route("/s/{slug}/resume/{token}", get(pages::resume))
}

/// The cookie naming a respondent's response to one survey.
fn resume_cookie_name(survey_id: i64) -> String {
    format!("fw_resume_{survey_id}")
}

const FORM_COOKIE: &str = "fw_form";

/// A cookie's value from the request.
fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

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
