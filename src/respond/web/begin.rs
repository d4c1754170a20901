//! Beginning a response: Start on the welcome page or, in a survey without a welcome page, the
//! first page saved for the first time. Both check the same things before a response exists —
//! the personal link if any, invitation-only access, the survey's dates and response limit, the
//! honeypot and the per-client limit on new responses — and create the response in the same
//! transaction that marks the participant started. A form sent twice within seconds (a double
//! click) lands on the response its first send began (`respond::recent`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::cookie;
use super::invite;
use super::loaded::{Loaded, choose_language, find_response, load, refuses_new};
use super::pages::{
    PageRender, Welcome, form_token, form_token_valid, page_html, render_page, render_welcome, resume_target,
    status_page, welcome_html, with_form_cookie,
};
use super::rendered::{Kind, Tokens};
use super::save::{Posted, Saving, field, remember_response};
use crate::app::AppState;
use crate::db::DbError;
use crate::distribute::participants::{self, Participant};
use crate::error::Result;
use crate::respond::answers::AnswerSet;
use crate::respond::flow;
use crate::respond::recent::{FormKey, RecentBegins};
use crate::respond::store::{self as responses, NewResponse, Position, ResponseRow};
use crate::survey::messages;
use crate::web::client::ClientAddr;
use crate::web::{random_token, token_digest};

/// The page a respondent arriving at the survey sees first: the welcome page, or the first page
/// of questions when the survey has no welcome page. `invite` is the personal link's token; the
/// page without one is the same for everyone but its form token, and is kept rendered.
pub(super) fn render_entry(
    state: &AppState,
    loaded: &Loaded,
    language: &str,
    token: &str,
    invite: Option<&str>,
) -> Result<Response> {
    let html = match invite {
        Some(_) => entry_html(state, loaded, language, token, invite)?,
        None => {
            let tokens = Tokens { form: token, resume: "" };
            let render = |tokens: Tokens| entry_html(state, loaded, language, tokens.form, None);
            state.rendered.page(loaded.meta.id, &loaded.survey, (Kind::Entry, language), tokens, render)?
        }
    };
    Ok(with_form_cookie(state, StatusCode::OK, html, token))
}

fn entry_html(state: &AppState, loaded: &Loaded, language: &str, token: &str, invite: Option<&str>) -> Result<String> {
    if loaded.survey.definition.welcome_page {
        return welcome_html(state, loaded, &Welcome { language, token, invite, error: None });
    }
    let empty = AnswerSet::new();
    let page = PageRender {
        loaded,
        index: flow::first_page(&loaded.survey, &empty),
        language,
        answers: &empty,
        errors: HashMap::new(),
        notice: None,
        resume_token: "",
        invite,
        preview: false,
    };
    page_html(state, page, token)
}

/// Someone allowed to begin a response, with the personal link they came by, if any.
struct Admitted {
    participant: Option<Participant>,
    invite: Option<String>,
}

/// Whether a new response may begin: who begins it, or the page that says why not. The personal
/// link's token is the one posted, else the one the invitation cookie kept.
async fn admit(
    state: &AppState,
    loaded: &Loaded,
    headers: &HeaderMap,
    posted_invite: &str,
    language: &str,
) -> Result<std::result::Result<Admitted, Response>> {
    let invite = Some(posted_invite.to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| cookie(headers, &invite::cookie_name(loaded.meta.id)));
    let participant = match invite.as_deref() {
        None => None,
        Some(token) => match invite::participant(state, loaded, token).await? {
            Some(participant) => Some(participant),
            None => return Ok(Err(invite::invalid_link(state, loaded, language)?)),
        },
    };
    if participant.is_none() && !loaded.meta.distribution.access.admits_public() {
        let keys = ("invitation_only_title", "invitation_only_body");
        return Ok(Err(status_page(state, loaded, language, keys, StatusCode::FORBIDDEN)?));
    }
    if let Some(keys) = refuses_new(state, loaded).await? {
        return Ok(Err(status_page(state, loaded, language, keys, StatusCode::OK)?));
    }
    Ok(Ok(Admitted { participant, invite }))
}

/// A new response as it is created, owned so that it can go to the writer thread.
struct Beginning {
    survey_id: i64,
    version: i64,
    language: String,
    consented: bool,
    anonymous: bool,
    client: String,
    user_agent: String,
    participant_id: Option<i64>,
    /// The browser form beginning it, and the responses forms began in the last seconds.
    form: FormKey,
    recent: Arc<RecentBegins>,
}

/// The browser beginning a response: its address, its request, and its (valid) form token.
#[derive(Clone, Copy)]
struct Browser<'a> {
    client: &'a str,
    headers: &'a HeaderMap,
    form_token: &'a str,
}

/// What beginning a response came to.
enum Begun {
    /// A new response, with its id and resume token.
    Created(i64, String),
    /// This browser's form began it seconds ago: the response, and its resume token.
    Already(ResponseRow, String),
    /// The personal link began a response meanwhile (another tab, another device).
    LinkUsed,
}

impl Beginning {
    /// The response `browser` begins.
    fn new(
        state: &AppState,
        loaded: &Loaded,
        browser: Browser,
        language: &str,
        consented: bool,
        participant: Option<&Participant>,
    ) -> Beginning {
        let user_agent = browser.headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
        Beginning {
            survey_id: loaded.meta.id,
            version: loaded.meta.version,
            language: language.to_string(),
            consented,
            anonymous: loaded.survey.definition.anonymous,
            client: browser.client.to_string(),
            user_agent: user_agent.to_string(),
            participant_id: participant.map(|p| p.id),
            form: RecentBegins::key(browser.form_token, loaded.meta.id),
            recent: state.recent_begins.clone(),
        }
    }

    /// Finds the response this form began seconds ago (it was sent twice), or marks the
    /// participant started and creates the response. Runs in the writer's transaction, so two
    /// sends of one form cannot both create.
    fn create(&self, tx: &rusqlite::Connection) -> std::result::Result<Begun, DbError> {
        if let Some(resume) = self.recent.find(&self.form)
            && let Some(row) = responses::find_by_resume(tx, self.survey_id, &token_digest(&resume))?
        {
            return Ok(Begun::Already(row, resume));
        }
        if let Some(id) = self.participant_id
            && !participants::mark_started(tx, id, self.anonymous)?
        {
            return Ok(Begun::LinkUsed);
        }
        let resume = random_token();
        let new = NewResponse {
            survey_id: self.survey_id,
            survey_version: self.version,
            language: &self.language,
            resume_hash: &token_digest(&resume),
            consented: self.consented,
            anonymous: self.anonymous,
            client_ip: &self.client,
            user_agent: &self.user_agent,
            // Anonymous surveys keep nothing that links a response to its participant.
            participant_id: self.participant_id.filter(|_| !self.anonymous),
        };
        let id = responses::create(tx, &new)?;
        // Should this transaction fail after all, a second send finds no such response and begins.
        self.recent.remember(self.form, resume.clone());
        Ok(Begun::Created(id, resume))
    }
}

/// To where the respondent was in the response their form began already, remembering it.
fn carry_on(state: &AppState, loaded: &Loaded, response: &ResponseRow, resume: &str) -> Response {
    let mut redirect = Redirect::to(&resume_target(&loaded.meta.slug, response, None)).into_response();
    remember_response(state, &mut redirect, loaded, resume);
    redirect
}

#[derive(Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    form_token: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    consent: String,
    /// The honeypot: hidden from people, filled in by naive bots.
    #[serde(default)]
    website: String,
    /// The personal link's token, when the respondent came by one.
    #[serde(default)]
    invite: String,
}

/// `POST /s/{slug}/start`: consent checked, a new response begins at the first page.
pub async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Result<Response> {
    let loaded = load(&state, &slug).await?;
    if !loaded.survey.definition.welcome_page {
        // No welcome page to start from (the setting changed while it was open): the first page.
        return Ok(Redirect::to(&format!("/s/{slug}")).into_response());
    }
    let language = choose_language(&loaded.survey, Some(&form.lang), None, &headers);
    if let Some((_, response)) = find_response(&state, &loaded, &headers, None).await? {
        // A reload or a second click: carry on with the same response.
        return Ok(Redirect::to(&resume_target(&slug, &response, None)).into_response());
    }
    let admitted = match admit(&state, &loaded, &headers, &form.invite, &language).await? {
        Ok(admitted) => admitted,
        Err(refusal) => return Ok(refusal),
    };
    if !form.website.is_empty() {
        tracing::info!(%slug, "honeypot filled; no response created");
        return Ok(Redirect::to(&format!("/s/{slug}/done")).into_response());
    }
    let d = &loaded.survey.definition;
    let token = form_token(&headers);
    let invite = admitted.invite.as_deref();
    let again = |key: &str, status: StatusCode| {
        let error = Some(messages::message(d, key, &language));
        render_welcome(&state, &loaded, Welcome { language: &language, token: &token, invite, error }, status)
    };
    if !form_token_valid(&headers, Some(&form.form_token)) {
        return again("error_resubmit", StatusCode::UNPROCESSABLE_ENTITY);
    }
    let needs_consent = !d.consent.is_empty();
    if needs_consent && form.consent != "yes" {
        return again("error_consent", StatusCode::UNPROCESSABLE_ENTITY);
    }
    if admitted.participant.is_none() && !state.new_responses.allow(&client) {
        return status_page(&state, &loaded, &language, ("too_many", "too_many"), StatusCode::TOO_MANY_REQUESTS);
    }
    let participant = admitted.participant.as_ref();
    let beginning = Beginning::new(
        &state,
        &loaded,
        Browser { client: &client, headers: &headers, form_token: &token },
        &language,
        needs_consent,
        participant,
    );
    let first = flow::first_page(&loaded.survey, &AnswerSet::new());
    let at = (first, language.clone(), loaded.meta.version, d.anonymous);
    let started = state
        .db
        .write(move |tx| {
            let begun = beginning.create(tx)?;
            if let Begun::Created(id, _) = &begun {
                let (page_index, language, version, anonymous) = (at.0, at.1.as_str(), at.2, at.3);
                responses::set_position(tx, *id, &Position { page_index, language, version, anonymous })?;
            }
            Ok(begun)
        })
        .await;
    match started {
        Ok(Begun::Created(_, resume)) => {
            let mut response = Redirect::to(&format!("/s/{slug}/p/{first}")).into_response();
            remember_response(&state, &mut response, &loaded, &resume);
            Ok(response)
        }
        Ok(Begun::Already(row, resume)) => Ok(carry_on(&state, &loaded, &row, &resume)),
        // The link was used meanwhile (another tab or device); this browser has no response of it.
        Ok(Begun::LinkUsed) => invite::arrive(&state, &loaded, invite.unwrap_or_default(), None, &headers, None).await,
        Err(err) if err.is_storage_unavailable() => {
            tracing::warn!(error = %err, %slug, "could not start a response");
            again("error_save", StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(err) => Err(err.into()),
    }
}

/// `POST /s/{slug}/p/{index}` with no response yet, in a survey without a welcome page: the first
/// page, checked like any page, begins the response and is saved with it in one transaction.
/// Until it is valid nothing is stored; the page comes back with what was typed.
pub(super) async fn first_page_posted(
    state: &AppState,
    loaded: &Loaded,
    index: usize,
    client: &str,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Result<Response> {
    let slug = &loaded.meta.slug;
    let survey = &loaded.survey;
    let empty = AnswerSet::new();
    if index != flow::first_page(survey, &empty) {
        return Ok(Redirect::to(&format!("/s/{slug}")).into_response());
    }
    let asked = field(fields, "switch_lang").or(field(fields, "lang"));
    let language = choose_language(survey, asked, None, headers);
    let admitted = match admit(state, loaded, headers, field(fields, "invite").unwrap_or_default(), &language).await? {
        Ok(admitted) => admitted,
        Err(refusal) => return Ok(refusal),
    };
    let d = &survey.definition;
    let posted = Posted::check(state, survey, index, &empty, fields, &language);
    let token = form_token(headers);
    let mut render = PageRender {
        loaded,
        index,
        language: &language,
        answers: &posted.merged,
        errors: HashMap::new(),
        notice: None,
        resume_token: "",
        invite: admitted.invite.as_deref(),
        preview: false,
    };
    if !form_token_valid(headers, field(fields, "form_token")) {
        render.notice = Some(messages::message(d, "error_resubmit", &language));
        return render_page(state, render, &token, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if field(fields, "switch_lang").is_some() || posted.going_back {
        // Nothing to save yet, and nowhere to go back to: the page again, as typed.
        return render_page(state, render, &token, StatusCode::OK);
    }
    if !posted.errors.is_empty() {
        render.errors = posted.errors;
        return render_page(state, render, &token, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if field(fields, "website").is_some_and(|w| !w.is_empty()) {
        // Real answers may be here (a password manager filling the hidden field): the page comes
        // back, as typed, with the hidden field empty, and a second send goes through.
        tracing::info!(%slug, "honeypot filled; first page shown again, no response created");
        render.notice = Some(messages::message(d, "error_resubmit", &language));
        return render_page(state, render, &token, StatusCode::UNPROCESSABLE_ENTITY);
    }
    if admitted.participant.is_none() && !state.new_responses.allow(client) {
        render.notice = Some(messages::message(d, "too_many", &language));
        return render_page(state, render, &token, StatusCode::TOO_MANY_REQUESTS);
    }
    let participant = admitted.participant.as_ref();
    let beginning =
        Beginning::new(state, loaded, Browser { client, headers, form_token: &token }, &language, false, participant);
    let saving = Saving::new(loaded, index, &posted, &language);
    let target = saving.target(slug);
    // Anonymous surveys keep no link from the response to the participant, whose link is known here.
    let anonymous_participant = participant.map(|p| p.id).filter(|_| d.anonymous);
    let begun = state
        .db
        .write(move |tx| {
            let begun = beginning.create(tx)?;
            if let Begun::Created(id, _) = &begun
                && saving.write(tx, *id)?
                && let Some(participant_id) = anonymous_participant
            {
                participants::mark_completed(tx, participant_id, true)?;
            }
            Ok(begun)
        })
        .await;
    match begun {
        Ok(Begun::Created(_, resume)) => {
            let mut redirect = Redirect::to(&target).into_response();
            remember_response(state, &mut redirect, loaded, &resume);
            Ok(redirect)
        }
        // Sent twice: the first send began the response and saved this page.
        Ok(Begun::Already(row, resume)) => Ok(carry_on(state, loaded, &row, &resume)),
        Ok(Begun::LinkUsed) => {
            let invite = admitted.invite.as_deref().unwrap_or_default();
            invite::arrive(state, loaded, invite, None, headers, None).await
        }
        Err(err) if err.is_storage_unavailable() => {
            tracing::warn!(error = %err, %slug, "could not begin a response; showing the first page again");
            render.notice = Some(messages::message(d, "error_save", &language));
            render_page(state, render, &token, StatusCode::SERVICE_UNAVAILABLE)
        }
        Err(err) => Err(err.into()),
    }
}
