//! Arriving by a personal link (`/s/{slug}?t=TOKEN`): the token names a participant, who gets one
//! response that they can resume until it is submitted, and a thank-you page after that. The
//! token is kept in a cookie so that switching language on the welcome page keeps it, and so that
//! the response's resume link can be checked against it (`respond::resume`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::pages::{render_done, render_entry, status_page};
use super::{INVITE_COOKIE, RESUME_COOKIE, keep_cookie};
use crate::app::AppState;
use crate::distribute::participants::{self, Participant};
use crate::error::Result;
use crate::respond::step::{Link, Loaded, resume_target};
use crate::respond::store as responses;
use crate::respond::visit::Visit;
use crate::web::{random_token, token_digest};

/// The page for a link that names no participant (mistyped, cut short, or replaced by a new one).
pub(super) fn invalid_link(state: &AppState, loaded: &Loaded, language: &str) -> Result<Response> {
    let keys = ("invalid_link_title", "invalid_link_body");
    let mut response = status_page(state, loaded, language, keys, StatusCode::FORBIDDEN)?;
    // Forget a stale token so the public page (if the survey has one) is not blocked by it.
    keep_cookie(state, &mut response, (INVITE_COOKIE, loaded.meta.id), &loaded.meta.slug, "");
    Ok(response)
}

/// `GET /s/{slug}?t=TOKEN` (or the welcome page with the token's cookie): what the personal link
/// the request carries leads to.
pub(super) async fn arrive(state: &AppState, loaded: &Loaded, visit: &Visit, lang: Option<&str>) -> Result<Response> {
    match &loaded.link {
        Link::Valid { token, participant } => show(state, loaded, visit, (token, participant), lang).await,
        _ => invalid_link(state, loaded, &visit.language(&loaded.survey, lang, None)),
    }
}

/// After a form that would have begun a response found that the personal link `token` began one
/// meanwhile (another tab, another device): what the link leads to now.
pub(super) async fn arrive_again(state: &AppState, loaded: &Loaded, visit: &Visit, token: &str) -> Result<Response> {
    let (survey_id, owned) = (loaded.meta.id, token.to_string());
    let found = state.db.read(move |conn| participants::find_by_token(conn, survey_id, &owned)).await?;
    match found {
        Some(participant) => show(state, loaded, visit, (token, &participant), None).await,
        None => invalid_link(state, loaded, &visit.language(&loaded.survey, None, None)),
    }
}

/// The welcome page for a participant who has not started, their response if they have, the
/// thank-you page once done.
async fn show(
    state: &AppState,
    loaded: &Loaded,
    visit: &Visit,
    (token, participant): (&str, &Participant),
    lang: Option<&str>,
) -> Result<Response> {
    let preferred = Some(participant.language.as_str()).filter(|l| !l.is_empty());
    let language = visit.language(&loaded.survey, lang, preferred);
    let (slug, survey_id) = (&loaded.meta.slug, loaded.meta.id);
    if participant.completed_at.is_some() {
        return render_done(state, loaded, &language);
    }
    if let Some(found) = &loaded.response {
        return Ok(Redirect::to(&resume_target(slug, &found.row, lang)).into_response());
    }
    let mut response = if participant.started_at.is_some() {
        resume_elsewhere(state, loaded, participant, &language, lang).await?
    } else if let Some(keys) = loaded.refuses_new() {
        return status_page(state, loaded, &language, keys, StatusCode::OK);
    } else {
        render_entry(state, loaded, &language, &visit.form_token, Some(token))?
    };
    keep_cookie(state, &mut response, (INVITE_COOKIE, survey_id), slug, token);
    Ok(response)
}

/// A participant who started on another device (or whose browser forgot the response): in a
/// non-anonymous survey the link finds the response and this browser takes it over with a new
/// resume token; an anonymous survey keeps no such link, so the person is told where to go on
/// (the resume link, which the personal link kept in this browser then lets through).
async fn resume_elsewhere(
    state: &AppState,
    loaded: &Loaded,
    participant: &Participant,
    language: &str,
    lang: Option<&str>,
) -> Result<Response> {
    let participant_id = participant.id;
    let found = if loaded.survey.definition.anonymous {
        None
    } else {
        state.db.read(move |conn| responses::find_by_participant(conn, participant_id)).await?
    };
    let Some(response) = found else {
        let keys = ("already_started_title", "already_started_body");
        return status_page(state, loaded, language, keys, StatusCode::OK);
    };
    let resume = random_token();
    let (response_id, digest) = (response.id, token_digest(&resume));
    state.db.write(move |tx| responses::set_resume(tx, response_id, &digest)).await?;
    let slug = &loaded.meta.slug;
    let mut redirect = Redirect::to(&resume_target(slug, &response, lang)).into_response();
    keep_cookie(state, &mut redirect, (RESUME_COOKIE, loaded.meta.id), slug, &resume);
    Ok(redirect)
}
