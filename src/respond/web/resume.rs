//! The resume link, `/s/{slug}/resume/{token}`: continue a response on this device. A browser
//! that does not hold the response is asked first, and a response begun from a personal link
//! needs that link (`respond::resume` decides); the confirmation is a form, so that the link
//! alone — sent by someone else, or fetched by a mail scanner — moves nothing.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::loaded::{Wanted, load};
use super::pages::{LangQuery, base_context, status_page};
use super::{RESUME_COOKIE, keep_cookie, with_form_cookie};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::respond::resume::{Resume, decide};
use crate::respond::step::{Loaded, resume_target};
use crate::respond::store::{self as responses, ResumeLink};
use crate::respond::visit::Visit;
use crate::survey::messages;
use crate::web::token_digest;

/// `GET /s/{slug}/resume/{token}`
pub async fn open(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
    Query(query): Query<LangQuery>,
    visit: Visit,
) -> Result<Response> {
    let (loaded, link) = find(&state, &slug, &visit, &token).await?;
    let language = visit.language(&loaded.survey, query.lang.as_deref(), Some(&link.row.language));
    match decide(&loaded, &visit, &token, &link) {
        Resume::Go => Ok(go(&state, &loaded, &token, &link)),
        Resume::Confirm => confirmation(&state, &loaded, &visit, (&token, &link), &language, StatusCode::OK),
        Resume::NeedPersonalLink => personal_link_needed(&state, &loaded, &language),
    }
}

/// `POST /s/{slug}/resume/{token}`: the respondent confirmed.
pub async fn confirm(
    State(state): State<AppState>,
    Path((slug, token)): Path<(String, String)>,
    visit: Visit,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let (loaded, link) = find(&state, &slug, &visit, &token).await?;
    let language = visit.language(&loaded.survey, None, Some(&link.row.language));
    let posted_token = fields.iter().find(|(k, _)| k == "form_token").map(|(_, v)| v.as_str());
    match decide(&loaded, &visit, &token, &link) {
        Resume::Confirm if !visit.form_token_matches(posted_token) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            confirmation(&state, &loaded, &visit, (&token, &link), &language, status)
        }
        Resume::Go | Resume::Confirm => Ok(go(&state, &loaded, &token, &link)),
        Resume::NeedPersonalLink => personal_link_needed(&state, &loaded, &language),
    }
}

/// The survey, with the personal link this browser keeps, and the response `token` resumes; 404
/// when either is missing.
async fn find(state: &AppState, slug: &str, visit: &Visit, token: &str) -> Result<(Loaded, ResumeLink)> {
    let loaded = load(state, slug, visit, Wanted::default()).await?;
    let (survey_id, digest) = (loaded.meta.id, token_digest(token));
    let link = state.db.read(move |conn| responses::find_resume_link(conn, survey_id, &digest)).await?;
    Ok((loaded, link.ok_or(AppError::NotFound)?))
}

/// To where the respondent was, with the response remembered in this browser.
fn go(state: &AppState, loaded: &Loaded, token: &str, link: &ResumeLink) -> Response {
    let slug = &loaded.meta.slug;
    let mut redirect = Redirect::to(&resume_target(slug, &link.row, None)).into_response();
    keep_cookie(state, &mut redirect, (RESUME_COOKIE, loaded.meta.id), slug, token);
    redirect
}

/// "Continue the response started on …?"; with a notice when a stale form was sent.
fn confirmation(
    state: &AppState,
    loaded: &Loaded,
    visit: &Visit,
    (token, link): (&str, &ResumeLink),
    language: &str,
    status: StatusCode,
) -> Result<Response> {
    let d = &loaded.survey.definition;
    // The day is enough to recognise one's own response (and all an anonymous survey keeps).
    let day = link.started_at.get(..10).unwrap_or(&link.started_at);
    let error = (status != StatusCode::OK).then(|| messages::message(d, "resume_confirm_again", language));
    let own = context! {
        started_on => messages::message(d, "resume_confirm_body", language).replace("{date}", day),
        resume_token => token,
        error,
        ..base_context(loaded, language, &visit.form_token)
    };
    let html = state.templates.render("respond/resume.html", own)?;
    Ok(with_form_cookie(state, status, html, &visit.form_token))
}

fn personal_link_needed(state: &AppState, loaded: &Loaded, language: &str) -> Result<Response> {
    let keys = ("personal_link_needed_title", "personal_link_needed_body");
    status_page(state, loaded, language, keys, StatusCode::FORBIDDEN)
}
