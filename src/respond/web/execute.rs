//! Carries out what `respond::step` decided for a respondent's POST: the one write, if any, on the
//! writer within the request's time, and the response the outcome calls for. Storage that cannot
//! take the write (disk full, files unwritable, the database busy) and a write still waiting when
//! the request's time runs out both bring the form back with 503, the answers as typed and
//! `error_save`; a write given up on that way is never made later.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::invite::{arrive_again, invalid_link};
use super::pages::{PageRender, Welcome, render_page, render_welcome, status_page};
use super::rendered::Tokens;
use super::view::problem_message;
use super::{RESUME_COOKIE, keep_cookie};
use crate::app::AppState;
use crate::db::DbError;
use crate::error::{AppError, Result};
use crate::respond::recent::RecentBegins;
use crate::respond::step::{Again, Begin, Form, Loaded, Refusal, Save, Step, Then, resume_target};
use crate::respond::texts::Texts;
use crate::respond::visit::Visit;
use crate::respond::write::{Beginning, Saving, Whose, Write, Written};
use crate::survey::messages;

/// Does `step` for the request that `loaded` and `visit` describe.
pub(super) async fn execute(state: &AppState, loaded: &Loaded, visit: &Visit, step: Step) -> Result<Response> {
    match step {
        Step::Redirect(to) => Ok(Redirect::to(&to).into_response()),
        Step::Reshow(again) => show_again(state, loaded, visit, &again),
        Step::Refuse { why, language } => refuse(state, loaded, why, &language),
        Step::Begin(Begin { language, consented, participant_id, invite, saving, seed, again }) => {
            let write = beginning(state, loaded, visit, (language, consented, participant_id), (saving, seed));
            let target = write.saving.target(&loaded.meta.slug);
            match store(state, loaded, visit, write).await? {
                Ok(Written::Stored { begun }) => Ok(go_on(state, loaded, &target, begun.as_deref())),
                Ok(Written::Already(row, resume)) => {
                    // Sent twice: the first send began the response (and stored the page).
                    Ok(go_on(state, loaded, &resume_target(&loaded.meta.slug, &row, None), Some(&resume)))
                }
                Ok(Written::LinkUsed) => {
                    arrive_again(state, loaded, visit, invite.as_deref().unwrap_or_default()).await
                }
                Err(NotStored) => could_not_save(state, loaded, visit, again),
            }
        }
        Step::Save(Save { response_id, saving, completes_participant, remember, then, again }) => {
            let target = saving.target(&loaded.meta.slug);
            let write = Write { whose: Whose::Existing(response_id), saving, completes_participant };
            match store(state, loaded, visit, write).await? {
                Ok(_) if then == Then::ShowAgain => show_again(state, loaded, visit, &again),
                // Found by the form's `r` alone (the cookie was lost): remember the response again,
                // or the next page would not find it and the respondent would start over.
                Ok(_) => Ok(go_on(state, loaded, &target, remember.as_deref())),
                Err(NotStored) => could_not_save(state, loaded, visit, again),
            }
        }
    }
}

/// The write that begins a response from this browser, in `language`, consented or not, by a
/// participant's personal link or not, with the seed its first page was shown with (if any), and
/// stores `saving` in it.
fn beginning(
    state: &AppState,
    loaded: &Loaded,
    visit: &Visit,
    (language, consented, participant_id): (String, bool, Option<i64>),
    (saving, seed): (Saving, Option<u64>),
) -> Write {
    let anonymous = loaded.survey.definition.anonymous;
    let beginning = Beginning {
        survey_id: loaded.meta.id,
        version: loaded.meta.version,
        language,
        consented,
        anonymous,
        client: visit.client.clone(),
        user_agent: visit.user_agent.clone(),
        participant_id,
        form: RecentBegins::key(&visit.form_token, loaded.meta.id),
        recent: state.recent_begins.clone(),
        seed,
    };
    // Anonymous surveys keep no link from the response to the participant, whose link is known here.
    let completes_participant = participant_id.filter(|_| anonymous);
    Write { whose: Whose::New(beginning), saving, completes_participant }
}

/// The write could not be made: the form comes back with what was typed.
struct NotStored;

/// Runs `write` on the writer, giving up when it has not begun by the request's deadline.
async fn store(
    state: &AppState,
    loaded: &Loaded,
    visit: &Visit,
    write: Write,
) -> Result<std::result::Result<Written, NotStored>> {
    let slug = &loaded.meta.slug;
    let deadline = deadline(visit, Duration::from_secs(state.config.request_timeout_secs));
    match in_time(state, deadline, move |tx| write.run(tx)).await {
        Ok(Some(written)) => {
            if let (Written::Stored { begun: Some(_) }, Some(place)) = (&written, &loaded.new_response) {
                // Only a response begun counts against the client's limit.
                place.keep();
            }
            Ok(Ok(written))
        }
        Ok(None) => {
            tracing::warn!(%slug, "a save waited past the request's time; showing the page again");
            Ok(Err(NotStored))
        }
        Err(err) if err.is_storage_unavailable() => {
            tracing::warn!(error = %err, %slug, "could not save a page; showing it again");
            Ok(Err(NotStored))
        }
        Err(err) => Err(err.into()),
    }
}

/// When a write must have begun for its page to come back before the request is cut off: the
/// request's time less a margin for the rendering (a second, or a quarter of a short timeout).
fn deadline(visit: &Visit, timeout: Duration) -> tokio::time::Instant {
    let margin = (timeout / 4).min(Duration::from_secs(1));
    // A timeout too large to add is no deadline at all: a day is as good.
    let at = visit.arrived.checked_add(timeout.saturating_sub(margin));
    tokio::time::Instant::from_std(at.unwrap_or(visit.arrived + Duration::from_secs(86_400)))
}

/// The write's turn on the writer: not yet, under way, or given up by its request.
const WAITING: u8 = 0;
const RUNNING: u8 = 1;
const GIVEN_UP: u8 = 2;

/// Runs `write` in the writer's transaction, or None when it had not begun by `deadline` (it
/// queued behind a lock held elsewhere, say): then it never runs, so that a respondent told
/// their page was not saved finds it not saved. A write under way at the deadline is awaited.
async fn in_time<T, F>(state: &AppState, deadline: tokio::time::Instant, write: F) -> Result<Option<T>, DbError>
where
    T: Send + 'static,
    F: FnOnce(&rusqlite::Transaction) -> Result<T, DbError> + Send + 'static,
{
    let turn = Arc::new(AtomicU8::new(WAITING));
    let writer_turn = turn.clone();
    let written = state.db.write(move |tx| {
        if writer_turn.compare_exchange(WAITING, RUNNING, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Ok(None);
        }
        write(tx).map(Some)
    });
    tokio::pin!(written);
    tokio::select! {
        result = &mut written => result,
        () = tokio::time::sleep_until(deadline) => {
            if turn.compare_exchange(WAITING, GIVEN_UP, Ordering::AcqRel, Ordering::Acquire).is_ok() {
                return Ok(None);
            }
            written.await
        }
    }
}

/// A redirect to `target`, setting the resume cookie to `resume` if given.
fn go_on(state: &AppState, loaded: &Loaded, target: &str, resume: Option<&str>) -> Response {
    let mut redirect = Redirect::to(target).into_response();
    if let Some(resume) = resume {
        keep_cookie(state, &mut redirect, (RESUME_COOKIE, loaded.meta.id), &loaded.meta.slug, resume);
    }
    redirect
}

fn could_not_save(state: &AppState, loaded: &Loaded, visit: &Visit, again: Again) -> Result<Response> {
    show_again(state, loaded, visit, &again.with(StatusCode::SERVICE_UNAVAILABLE, "error_save"))
}

/// The form the respondent sent, again: the welcome page, or the page with what was typed.
fn show_again(state: &AppState, loaded: &Loaded, visit: &Visit, again: &Again) -> Result<Response> {
    let d = &loaded.survey.definition;
    let language = again.language.as_str();
    let notice = again.notice.map(|key| messages::message(d, key, language));
    let token = &visit.form_token;
    match again.form {
        Form::Welcome => {
            let welcome = Welcome { language, token, invite: again.invite.as_deref(), error: notice };
            render_welcome(state, loaded, welcome, again.status)
        }
        Form::Page(index) => {
            let texts = Texts::new(&loaded.survey, &again.answers, language);
            let errors: HashMap<String, String> = again
                .problems
                .iter()
                .filter_map(|(code, problem)| {
                    Some((code.clone(), problem_message(&texts, loaded.survey.question(code)?, problem)))
                })
                .collect();
            let shown = Tokens::now();
            // Before the response exists, the page's order still travels in its form.
            let carries_seed = again.resume.is_empty() && d.pages.get(index).is_some_and(|p| p.randomises());
            let page = PageRender {
                loaded,
                index,
                language,
                answers: &again.answers,
                errors,
                notice,
                resume_token: &again.resume,
                invite: again.invite.as_deref(),
                preview: false,
                seed: again.seed,
                carries_seed,
                shown: &shown,
            };
            render_page(state, page, token, again.status)
        }
    }
}

fn refuse(state: &AppState, loaded: &Loaded, why: Refusal, language: &str) -> Result<Response> {
    match why {
        Refusal::Status { keys, status } => status_page(state, loaded, language, keys, status),
        Refusal::InvalidLink => invalid_link(state, loaded, language),
        Refusal::NotFound => Err(AppError::NotFound),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_must_begin_in_time_for_its_page_to_come_back_before_the_request_is_cut_off() {
        let visit = Visit::default();
        let start = tokio::time::Instant::from_std(visit.arrived);
        assert_eq!(deadline(&visit, Duration::from_secs(30)) - start, Duration::from_secs(29));
        assert_eq!(deadline(&visit, Duration::from_secs(2)) - start, Duration::from_millis(1500));
        assert_eq!(deadline(&visit, Duration::from_secs(u64::MAX)) - start, Duration::from_secs(86_400));
    }
}
