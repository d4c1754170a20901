//! Saving a page: Next, Back, Submit or a language switch. The posted answers are merged with the
//! stored ones and checked; a page with problems comes back with everything typed kept, a valid
//! one is stored in one transaction (with the answers its answers hid elsewhere let go) and the
//! respondent goes on to the next visible page.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::invite;
use super::loaded::{Loaded, choose_language, load_with_response, refuses_continuing};
use super::pages::{PageRender, form_token, form_token_valid, render_page, status_page};
use super::view::problem_message;
use super::{cookie, resume_cookie_name, set_cookie};
use crate::app::AppState;
use crate::db::DbError;
use crate::distribute::participants;
use crate::error::{AppError, Result};
use crate::respond::answers::{self, AnswerSet, Limits};
use crate::respond::flow;
use crate::respond::store::{self as responses, Position};
use crate::survey::messages;
use crate::survey::validate::CompiledSurvey;
use crate::web::client::ClientAddr;

/// `POST /s/{slug}/p/{index}`: Next, Back, Submit or a language switch.
pub async fn save_page(
    State(state): State<AppState>,
    Path((slug, index)): Path<(String, usize)>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let field = |name: &str| field(&fields, name);
    let (loaded, found, stored) = load_with_response(&state, &slug, &headers, field("r"), true).await?;
    let Some((resume, response)) = found else {
        if !loaded.survey.definition.welcome_page {
            // No welcome page: the first page, saved for the first time, begins the response.
            return super::begin::first_page_posted(&state, &loaded, index, &client, &headers, &fields).await;
        }
        return Ok(Redirect::to(&format!("/s/{slug}")).into_response());
    };
    if response.complete {
        // A second click on Submit, or the Back button after submitting: one response, kept.
        return Ok(Redirect::to(&format!("/s/{slug}/done")).into_response());
    }
    let survey = loaded.survey.clone();
    let d = &survey.definition;
    let language = choose_language(&survey, field("switch_lang").or(field("lang")), Some(&response.language), &headers);
    if let Some(keys) = refuses_continuing(&loaded) {
        return status_page(&state, &loaded, &language, keys, StatusCode::OK);
    }
    if index >= d.pages.len() {
        return Err(AppError::NotFound);
    }
    let response_id = response.id;
    if let Some(unfinished) = flow::first_unfinished_page(&survey, index, &stored) {
        // A typed address skips no page: nothing is saved from a page not reached yet.
        return Ok(Redirect::to(&format!("/s/{slug}/p/{unfinished}")).into_response());
    }
    let posted = Posted::check(&state, &survey, index, &stored, &fields, &language);
    let token = form_token(&headers);
    let mut render = PageRender {
        loaded: &loaded,
        index,
        language: &language,
        answers: &posted.merged,
        errors: HashMap::new(),
        notice: None,
        resume_token: &resume,
        invite: None,
        preview: false,
    };
    if !form_token_valid(&headers, field("form_token")) {
        render.notice = Some(messages::message(d, "error_resubmit", &language));
        return render_page(&state, render, &token, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if field("switch_lang").is_some() {
        let version = loaded.meta.version;
        let lang = language.clone();
        let anonymous = d.anonymous;
        state
            .db
            .write(move |tx| {
                responses::set_position(
                    tx,
                    response_id,
                    &Position { page_index: index, language: &lang, version, anonymous },
                )
            })
            .await?;
        return render_page(&state, render, &token, StatusCode::OK);
    }
    if !posted.errors.is_empty() && !posted.going_back {
        render.errors = posted.errors;
        return render_page(&state, render, &token, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let saving = Saving::new(&loaded, index, &posted, &language);
    let target = saving.target(&slug);
    // In an anonymous survey only the invitation cookie knows whose link began this response.
    let survey_id = loaded.meta.id;
    let invite_token = cookie(&headers, &invite::cookie_name(survey_id)).filter(|_| d.anonymous);
    let saved = state
        .db
        .write(move |tx| {
            let completed = saving.write(tx, response_id)?;
            match invite_token.filter(|_| completed).map(|t| participants::find_by_token(tx, survey_id, &t)) {
                Some(found) => {
                    found?.map_or(Ok(()), |participant| participants::mark_completed(tx, participant.id, true))
                }
                None => Ok(()),
            }
        })
        .await;
    match saved {
        Ok(()) => {
            let mut redirect = Redirect::to(&target).into_response();
            // Found by the form's `r` alone (the cookie was lost): remember the response again,
            // or the next page would not find it and the respondent would start over.
            if cookie(&headers, &resume_cookie_name(survey_id)).as_deref() != Some(resume.as_str()) {
                remember_response(&state, &mut redirect, &loaded, &resume);
            }
            Ok(redirect)
        }
        Err(err) if err.is_storage_unavailable() => {
            tracing::warn!(error = %err, %slug, "could not save a page; showing it again");
            render.notice = Some(messages::message(d, "error_save", &language));
            render_page(&state, render, &token, StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(err) => Err(err.into()),
    }
}

/// A posted form field's value.
pub(super) fn field<'f>(fields: &'f [(String, String)], name: &str) -> Option<&'f str> {
    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Sets the cookie naming the respondent's response on `response`.
pub(super) fn remember_response(state: &AppState, response: &mut Response, loaded: &Loaded, resume: &str) {
    let (name, path) = (resume_cookie_name(loaded.meta.id), format!("/s/{}", loaded.meta.slug));
    if let Some(value) = set_cookie(state, &name, resume, &path, 180) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

/// A page as posted, checked against the answers stored before it.
pub(super) struct Posted<'s> {
    /// The stored answers with this page's replaced by the posted ones: what the page shows if it
    /// comes back.
    pub(super) merged: AnswerSet,
    /// What is wrong, by question code; going back lets go of what is wrong instead.
    pub(super) errors: HashMap<String, String>,
    /// Questions of this page that the posted answers have just revealed.
    revealed: Vec<&'s str>,
    pub(super) going_back: bool,
}

impl<'s> Posted<'s> {
    /// Checks page `index` (which exists) as posted in `fields`.
    pub(super) fn check(
        state: &AppState,
        survey: &'s CompiledSurvey,
        index: usize,
        stored: &AnswerSet,
        fields: &[(String, String)],
        language: &str,
    ) -> Posted<'s> {
        let d = &survey.definition;
        let page_questions: Vec<_> = d.pages[index].questions.iter().collect();
        let mut merged = stored.clone();
        for question in &page_questions {
            merged.remove(&question.code);
        }
        merged.extend(answers::from_form(&page_questions, fields));
        let going_back = field(fields, "action") == Some("back");
        let revealed = if going_back { Vec::new() } else { just_revealed(survey, index, stored, &merged) };
        let limits = Limits { max_answer_chars: state.config.max_answer_chars };
        let mut errors = HashMap::new();
        for question in flow::visible_questions(survey, index, &merged) {
            if revealed.contains(&question.code.as_str()) {
                continue;
            }
            let required = question.required && !going_back;
            if let Err(problem) = answers::check(survey, question, merged.get(&question.code), required, limits) {
                errors.insert(question.code.clone(), problem_message(d, question, &problem, language));
            }
        }
        Posted { merged, errors, revealed, going_back }
    }
}

/// What saving a checked page writes: its answers (and those that its answers hid elsewhere) and
/// where the respondent goes next, None when the page was the last.
pub(super) struct Saving {
    replaced: Vec<String>,
    rows: Vec<(String, String, String)>,
    index: usize,
    next: Option<usize>,
    /// Whether the page comes back once because its answers revealed more questions.
    again: bool,
    language: String,
    version: i64,
    anonymous: bool,
}

impl Saving {
    pub(super) fn new(loaded: &Loaded, index: usize, posted: &Posted, language: &str) -> Saving {
        let survey = &loaded.survey;
        let d = &survey.definition;
        // Going back keeps what is valid and lets go of what is not, without holding the person up.
        let mut to_store = posted.merged.clone();
        for code in posted.errors.keys() {
            to_store.remove(code);
        }
        let dropped = flow::prune_hidden(survey, &mut to_store);
        let mut replaced: Vec<String> = d.pages[index].questions.iter().map(|q| q.code.clone()).collect();
        replaced.extend(dropped);
        let rows = replaced
            .iter()
            .filter_map(|code| Some((code, d.question(code)?, to_store.get(code)?)))
            .flat_map(|(code, question, items)| {
                answers::normalised(question, items).into_iter().map(move |(item, value)| (code.clone(), item, value))
            })
            .collect();
        let again = !posted.revealed.is_empty();
        let next = if posted.going_back {
            flow::previous_page(survey, index, &to_store).or(Some(index))
        } else if again {
            Some(index)
        } else {
            flow::next_page(survey, index, &to_store)
        };
        Saving {
            replaced,
            rows,
            index,
            next,
            again,
            language: language.to_string(),
            version: loaded.meta.version,
            anonymous: d.anonymous,
        }
    }

    /// Where the respondent goes once the page is saved.
    pub(super) fn target(&self, slug: &str) -> String {
        match self.next {
            Some(next) if self.again => format!("/s/{slug}/p/{next}?more=1"),
            Some(next) => format!("/s/{slug}/p/{next}"),
            None => format!("/s/{slug}/done"),
        }
    }

    /// Stores the page in response `response_id`; true when that completed the response.
    pub(super) fn write(&self, tx: &rusqlite::Connection, response_id: i64) -> std::result::Result<bool, DbError> {
        responses::replace_answers(tx, response_id, &self.replaced, &self.rows)?;
        let (language, version, anonymous) = (self.language.as_str(), self.version, self.anonymous);
        let page_index = self.next.unwrap_or(self.index);
        responses::set_position(tx, response_id, &Position { page_index, language, version, anonymous })?;
        if self.next.is_none() {
            responses::complete(tx, response_id, anonymous)?;
        }
        Ok(self.next.is_none())
    }
}

/// The questions of page `index` that answers on that same page have just revealed: shown with
/// `answers` but not with those `stored` before, and not answered yet. Pages are shown without
/// JavaScript, so the respondent has not seen them: the page comes back once before moving on.
fn just_revealed<'a>(
    survey: &'a CompiledSurvey,
    index: usize,
    stored: &AnswerSet,
    answers: &AnswerSet,
) -> Vec<&'a str> {
    let before = flow::visible_questions(survey, index, stored);
    flow::visible_questions(survey, index, answers)
        .into_iter()
        .filter(|q| !before.iter().any(|b| b.code == q.code) && !answers.contains_key(&q.code))
        .map(|q| q.code.as_str())
        .collect()
}
