//! What a respondent's request finds before anything is decided (`respond::step::Loaded`): the
//! survey (compiled and cached), the respondent's response and its answers, their personal link,
//! and — when a response could begin — the complete responses and a place under the per-client
//! limit. The lookups by key are made in one visit to the database.

use crate::app::AppState;
use crate::distribute::access;
use crate::distribute::participants;
use crate::error::{AppError, Result};
use crate::respond::answers::{AnswerSet, Limits};
use crate::respond::limiter::Reservation;
use crate::respond::step::{Found, Link, Loaded};
use crate::respond::store as responses;
use crate::respond::visit::Visit;
use crate::web::token_digest;

/// What a request asks to be looked up besides what its cookies name.
#[derive(Default, Clone, Copy)]
pub(super) struct Wanted<'a> {
    /// A resume token from the form, tried after the cookie.
    pub(super) resume: Option<&'a str>,
    /// A personal link's token from the form or the address, used instead of the cookie's.
    pub(super) invite: Option<&'a str>,
    /// The response's stored answers.
    pub(super) answers: bool,
    /// A place under the per-client limit, for a request that may begin a response.
    pub(super) begins: bool,
}

/// The survey at `slug` and what `visit` and `wanted` name in it; 404 when there is no survey.
pub(super) async fn load(state: &AppState, slug: &str, visit: &Visit, wanted: Wanted<'_>) -> Result<Loaded> {
    // The cookies' names hold the survey id, known only once the survey is read: take them all.
    let mut resume: Vec<(Option<i64>, String)> = visit.resume.iter().map(|(id, t)| (Some(*id), t.clone())).collect();
    resume.extend(wanted.resume.map(|t| (None, t.to_string())));
    let invite: Vec<(Option<i64>, String)> = match wanted.invite.filter(|t| !t.is_empty()) {
        Some(token) => vec![(None, token.to_string())],
        None => visit.invites.iter().map(|(id, t)| (Some(*id), t.clone())).collect(),
    };
    let with_answers = wanted.answers;
    let found = state
        .surveys
        .get_with(&state.db, slug, move |conn, meta| {
            let of_survey = |(id, t): &(Option<i64>, String)| id.is_none_or(|id| id == meta.id) && !t.is_empty();
            let mut response = None;
            for (_, token) in resume.into_iter().filter(of_survey) {
                if let Some(row) = responses::find_by_resume(conn, meta.id, &token_digest(&token))? {
                    let answers = if with_answers { responses::load_answers(conn, row.id)? } else { AnswerSet::new() };
                    response = Some(Found { resume: token, row, answers });
                    break;
                }
            }
            let link = match invite.into_iter().find(of_survey) {
                None => Link::None,
                Some((_, token)) => match participants::find_by_token(conn, meta.id, &token)? {
                    Some(participant) => Link::Valid { token, participant: Box::new(participant) },
                    None => Link::Invalid,
                },
            };
            Ok((response, link))
        })
        .await?;
    let Some((meta, survey, (response, link))) = found else { return Err(AppError::NotFound) };
    let survey_id = meta.id;
    let complete = if response.is_none() && meta.distribution.response_limit.is_some() {
        state.db.read(move |conn| access::complete_responses(conn, survey_id)).await?
    } else {
        0
    };
    let new_response = match &link {
        _ if !wanted.begins || response.is_some() => None,
        // A personal link admits one response anyway: no per-client limit.
        Link::Valid { .. } => Some(Reservation::unlimited()),
        _ => state.new_responses.reserve(&visit.client),
    };
    Ok(Loaded {
        meta,
        survey,
        response,
        link,
        now: time::OffsetDateTime::now_utc(),
        complete,
        new_response,
        limits: Limits { max_answer_chars: state.config.max_answer_chars },
    })
}
