//! Arriving by a personal link (`/s/{slug}?t=TOKEN`): the token names a participant, who gets one
//! response that they can resume until it is submitted, and a thank-you page after that. The
//! token is kept in a cookie so that switching language on the welcome page keeps it.

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::loaded::{Loaded, choose_language, refuses_new};
use super::pages::{form_token, render_done, resume_target, status_page};
use super::{resume_cookie_name, set_cookie};
use crate::app::AppState;
use crate::distribute::participants::{self, Participant};
use crate::error::Result;
use crate::respond::store::{self as responses, ResponseRow};
use crate::web::{random_token, token_digest};

/// The cookie holding the personal link's token for one survey.
pub(super) fn cookie_name(survey_id: i64) -> String {
    format!("fw_invite_{survey_id}")
}

/// The participant whose personal link carries `token`.
pub(super) async fn participant(state: &AppState, loaded: &Loaded, token: &str) -> Result<Option<Participant>> {
    let (survey_id, token) = (loaded.meta.id, token.to_string());
    Ok(state.db.read(move |conn| participants::find_by_token(conn, survey_id, &token)).await?)
}

/// The page for a link that names no participant (mistyped, cut short, or replaced by a new one).
pub(super) fn invalid_link(state: &AppState, loaded: &Loaded, language: &str) -> Result<Response> {
    let keys = ("invalid_link_title", "invalid_link_body");
    let mut response = status_page(state, loaded, language, keys, StatusCode::FORBIDDEN)?;
    // Forget a stale token so the public page (if the survey has one) is not blocked by it.
    if let Some(value) = set_cookie(state, &cookie_name(loaded.meta.id), "", &format!("/s/{}", loaded.meta.slug), 0) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `GET /s/{slug}?t=TOKEN` (or the welcome page with the token's cookie): the welcome page for a
/// participant who has not started, their response if they have, the thank-you page once done.
/// `existing` is the response this browser's resume cookie names, already looked up.
pub(super) async fn arrive(
    state: &AppState,
    loaded: &Loaded,
    token: &str,
    lang: Option<&str>,
    headers: &HeaderMap,
    existing: Option<ResponseRow>,
) -> Result<Response> {
    let Some(participant) = participant(state, loaded, token).await? else {
        let language = choose_language(&loaded.survey, lang, None, headers);
        return invalid_link(state, loaded, &language);
    };
    let preferred = Some(participant.language.as_str()).filter(|l| !l.is_empty());
    let language = choose_language(&loaded.survey, lang, preferred, headers);
    let slug = &loaded.meta.slug;
    if participant.completed_at.is_some() {
        return render_done(state, loaded, &language);
    }
    if let Some(response) = existing {
        return Ok(Redirect::to(&resume_target(slug, &response, lang)).into_response());
    }
    if participant.started_at.is_some() {
        return resume_elsewhere(state, loaded, &participant, &language, lang).await;
    }
    if let Some(keys) = refuses_new(state, loaded).await? {
        return status_page(state, loaded, &language, keys, StatusCode::OK);
    }
    let mut response = super::begin::render_entry(state, loaded, &language, &form_token(headers), Some(token))?;
    if let Some(value) = set_cookie(state, &cookie_name(loaded.meta.id), token, &format!("/s/{slug}"), 180) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// A participant who started on another device (or whose browser forgot the response): in a
/// non-anonymous survey the link finds the response and this browser takes it over with a new
/// resume token; an anonymous survey keeps no such link, so the person is told where to go on.
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
    if let Some(value) = set_cookie(state, &resume_cookie_name(loaded.meta.id), &resume, &format!("/s/{slug}"), 180) {
        redirect.headers_mut().append(header::SET_COOKIE, value);
    }
    Ok(redirect)
}
