//! What a respondent's request finds before any page is shown: the survey (compiled and cached),
//! the respondent's response if the browser has one, the language to speak, and whether the
//! survey takes new or continuing responses now.

use std::sync::Arc;

use axum::http::{HeaderMap, header};

use super::{cookie, resume_cookie_name};
use crate::app::AppState;
use crate::distribute::access::{self, Refusal, Schedule};
use crate::error::{AppError, Result};
use crate::respond::answers::AnswerSet;
use crate::respond::store::{self as responses, ResponseRow};
use crate::survey::cache::SurveyMeta;
use crate::survey::validate::CompiledSurvey;
use crate::web::token_digest;

/// A survey ready to answer, as loaded for one request.
pub(super) struct Loaded {
    pub(super) meta: SurveyMeta,
    pub(super) survey: Arc<CompiledSurvey>,
}

pub(super) async fn load(state: &AppState, slug: &str) -> Result<Loaded> {
    let (meta, survey) = state.surveys.get(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    Ok(Loaded { meta, survey })
}

/// The survey's schedule: status, dates and distribution settings.
fn schedule(loaded: &Loaded) -> Schedule<'_> {
    let d = &loaded.survey.definition;
    Schedule {
        status: loaded.meta.status,
        opens_at: d.opens_at.as_deref(),
        closes_at: d.closes_at.as_deref(),
        distribution: &loaded.meta.distribution,
    }
}

/// The status page's message keys for a refusal.
fn refusal_keys(refusal: Refusal) -> (&'static str, &'static str) {
    match refusal {
        Refusal::NotOpenYet => ("not_open_title", "not_open_body"),
        Refusal::Closed => ("closed_title", "closed_body"),
        Refusal::Full => ("full_title", "full_body"),
    }
}

/// Why a new response may not start now, as message keys, or None when it may. The complete
/// responses are counted only when the survey has a response limit.
pub(super) async fn refuses_new(state: &AppState, loaded: &Loaded) -> Result<Option<(&'static str, &'static str)>> {
    let schedule = schedule(loaded);
    let now = time::OffsetDateTime::now_utc();
    if let Some(refusal) = schedule.refuses_new(now, || 0) {
        return Ok(Some(refusal_keys(refusal)));
    }
    if loaded.meta.distribution.response_limit.is_none() {
        return Ok(None);
    }
    let survey_id = loaded.meta.id;
    let complete = state.db.read(move |conn| access::complete_responses(conn, survey_id)).await?;
    Ok(schedule.refuses_new(now, || complete).map(refusal_keys))
}

/// Why a respondent mid-way may not go on, or None: open, or closed less than the grace period ago.
pub(super) fn refuses_continuing(loaded: &Loaded) -> Option<(&'static str, &'static str)> {
    schedule(loaded).refuses_continuing(time::OffsetDateTime::now_utc()).map(refusal_keys)
}

/// The respondent's language: asked for, else the response's, else the browser's, else the default.
pub(super) fn choose_language(
    survey: &CompiledSurvey,
    asked: Option<&str>,
    saved: Option<&str>,
    headers: &HeaderMap,
) -> String {
    let d = &survey.definition;
    let offered = |code: &str| d.languages.iter().any(|l| l == code);
    if let Some(code) = asked.filter(|c| offered(c)) {
        return code.to_string();
    }
    if let Some(code) = saved.filter(|c| offered(c)) {
        return code.to_string();
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mut wanted: Vec<(f32, String)> = accept
        .split(',')
        .filter_map(|part| {
            let mut bits = part.trim().split(';');
            let tag = bits.next()?.trim().to_string();
            let q = bits.find_map(|b| b.trim().strip_prefix("q=")).and_then(|q| q.parse().ok()).unwrap_or(1.0);
            (!tag.is_empty()).then_some((q, tag))
        })
        .collect();
    wanted.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (_, tag) in wanted {
        if let Some(code) = d.languages.iter().find(|l| l.eq_ignore_ascii_case(&tag)) {
            return code.clone();
        }
        let base = tag.split('-').next().unwrap_or(&tag);
        if let Some(code) = d.languages.iter().find(|l| l.split('-').next() == Some(base)) {
            return code.clone();
        }
    }
    d.default_language.clone()
}

/// The respondent's response to this survey, from the cookie or (fallback) the form.
pub(super) async fn find_response(
    state: &AppState,
    loaded: &Loaded,
    headers: &HeaderMap,
    form_token: Option<&str>,
) -> Result<Option<(String, ResponseRow)>> {
    let candidates = [cookie(headers, &resume_cookie_name(loaded.meta.id)), form_token.map(str::to_string)];
    for token in candidates.into_iter().flatten().filter(|t| !t.is_empty()) {
        let (survey_id, digest) = (loaded.meta.id, token_digest(&token));
        if let Some(row) = state.db.read(move |conn| responses::find_by_resume(conn, survey_id, &digest)).await? {
            return Ok(Some((token, row)));
        }
    }
    Ok(None)
}

/// The survey, the respondent's response (as `find_response` finds it: cookie first, then the
/// form's token) and, if `with_answers`, its stored answers, read in one visit to the database
/// (`SurveyCache::get_with`, lookups by key done in place) instead of three trips to a reader.
pub(super) async fn load_with_response(
    state: &AppState,
    slug: &str,
    headers: &HeaderMap,
    form_token: Option<&str>,
    with_answers: bool,
) -> Result<(Loaded, Option<(String, ResponseRow)>, AnswerSet)> {
    // The cookie's name holds the survey id, known only once the survey is read: take them all.
    let mut candidates: Vec<(Option<i64>, String)> = resume_cookies(headers);
    candidates.extend(form_token.map(|t| (None, t.to_string())));
    let found = state
        .surveys
        .get_with(&state.db, slug, move |conn, meta| {
            let tokens = candidates.into_iter().filter(|(id, t)| id.is_none_or(|id| id == meta.id) && !t.is_empty());
            for (_, token) in tokens {
                if let Some(row) = responses::find_by_resume(conn, meta.id, &token_digest(&token))? {
                    let answers = if with_answers { responses::load_answers(conn, row.id)? } else { AnswerSet::new() };
                    return Ok(Some((token, row, answers)));
                }
            }
            Ok(None)
        })
        .await?;
    let Some((meta, survey, response)) = found else { return Err(AppError::NotFound) };
    let loaded = Loaded { meta, survey };
    Ok(match response {
        Some((token, row, answers)) => (loaded, Some((token, row)), answers),
        None => (loaded, None, AnswerSet::new()),
    })
}

/// Every resume cookie of the request, with the survey id its name holds.
fn resume_cookies(headers: &HeaderMap) -> Vec<(Option<i64>, String)> {
    let prefix = resume_cookie_name(0);
    let prefix = prefix.trim_end_matches('0');
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(tower_sessions::cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .filter_map(|c| Some((Some(c.name().strip_prefix(prefix)?.parse().ok()?), c.value().to_string())))
        .collect()
}
