//! The respondent flow: welcome (and consent) → pages with Back/Next → thank-you. This file shows
//! the pages (the GETs, and the renderings the POSTs come back with); `loaded.rs` finds what a
//! request needs, `respond::step` decides a POST and `execute.rs` carries it out.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::loaded::{Wanted, load};
use super::rendered::{Kind, Tokens};
use super::shown::page_questions;
use super::view::{self, language_options, paragraphs, question_view};
use super::{invite, with_form_cookie};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::respond::answers::AnswerSet;
use crate::respond::flow;
use crate::respond::step::{Link, Loaded, resume_target};
use crate::respond::store as responses;
use crate::respond::texts::Texts;
use crate::respond::visit::{Visit, choose_language};
use crate::survey::{messages, order, pipe};

/// Shared page context: survey texts, messages, language and the form token.
pub(super) fn base_context(loaded: &Loaded, language: &str, form_token: &str) -> minijinja::Value {
    let d = &loaded.survey.definition;
    context! {
        slug => &loaded.meta.slug,
        survey_title => d.text(&d.title, language),
        lang => language,
        dir => view::direction(language),
        languages => language_options(d, language),
        msg => view::Messages::value(&loaded.survey, language),
        form_token,
    }
}

pub(super) fn status_page(
    state: &AppState,
    loaded: &Loaded,
    language: &str,
    keys: (&str, &str),
    status: StatusCode,
) -> Result<Response> {
    let d = &loaded.survey.definition;
    let own = context! {
        title => messages::message(d, keys.0, language),
        body => messages::message(d, keys.1, language),
        ..base_context(loaded, language, "")
    };
    Ok((status, Html(state.templates.render("respond/status.html", own)?)).into_response())
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    pub(super) lang: Option<String>,
    /// A participant's personal link token.
    #[serde(default)]
    t: Option<String>,
    /// Set when the page comes back because the respondent's answers revealed more questions.
    #[serde(default)]
    more: Option<String>,
}

/// `GET /s/{slug}`: the welcome page (or the first page when there is none), or straight back
/// to where the respondent was.
pub async fn welcome(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<LangQuery>,
    visit: Visit,
) -> Result<Response> {
    // One visit to the database for the survey, the browser's response and its personal link.
    let loaded = load(&state, &slug, &visit, Wanted { invite: query.t.as_deref(), ..Wanted::default() }).await?;
    let lang = query.lang.as_deref();
    if !matches!(loaded.link, Link::None) {
        return invite::arrive(&state, &loaded, &visit, lang).await;
    }
    let saved = loaded.response.as_ref().map(|found| found.row.language.as_str());
    let language = visit.language(&loaded.survey, lang, saved);
    if let Some(found) = &loaded.response {
        return Ok(Redirect::to(&resume_target(&slug, &found.row, lang)).into_response());
    }
    if !loaded.meta.distribution.access.admits_public() {
        let keys = ("invitation_only_title", "invitation_only_body");
        return status_page(&state, &loaded, &language, keys, StatusCode::FORBIDDEN);
    }
    if let Some(keys) = loaded.refuses_new() {
        return status_page(&state, &loaded, &language, keys, StatusCode::OK);
    }
    render_entry(&state, &loaded, &language, &visit.form_token, None)
}

/// The page a respondent arriving at the survey sees first: the welcome page, or the first page
/// of questions when the survey has no welcome page. `invite` is the personal link's token; the
/// page without one is the same for everyone but its tokens, and is kept rendered (unless its
/// order is drawn for each respondent).
pub(super) fn render_entry(
    state: &AppState,
    loaded: &Loaded,
    language: &str,
    token: &str,
    invite: Option<&str>,
) -> Result<Response> {
    let now = Tokens::now();
    let tokens = Tokens { form: token, resume: "", shown: &now };
    let html = if invite.is_some() || draws_entry_order(loaded) {
        entry_html(state, loaded, language, tokens, invite)?
    } else {
        let render = |tokens: Tokens| entry_html(state, loaded, language, tokens, None);
        state.rendered.page(loaded.meta.id, &loaded.survey, (Kind::Entry, language), tokens, render)?
    };
    Ok(with_form_cookie(state, StatusCode::OK, html, token))
}

/// Whether the entry page is a first page of questions whose order is drawn per respondent.
fn draws_entry_order(loaded: &Loaded) -> bool {
    let survey = &loaded.survey;
    let first = flow::first_page(survey, &AnswerSet::new());
    !survey.definition.welcome_page && survey.definition.pages.get(first).is_some_and(|p| p.randomises())
}

fn entry_html(
    state: &AppState,
    loaded: &Loaded,
    language: &str,
    tokens: Tokens,
    invite: Option<&str>,
) -> Result<String> {
    if loaded.survey.definition.welcome_page {
        return welcome_html(state, loaded, &Welcome { language, token: tokens.form, invite, error: None });
    }
    let empty = AnswerSet::new();
    // Before a response exists the order's seed travels in the form, and begins the response.
    let draws = draws_entry_order(loaded);
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
        seed: if draws { order::new_seed() } else { 0 },
        carries_seed: draws,
        shown: tokens.shown,
    };
    page_html(state, page, tokens.form)
}

/// What the welcome page shows besides the survey's texts.
pub(super) struct Welcome<'a> {
    pub(super) language: &'a str,
    /// The form token.
    pub(super) token: &'a str,
    /// The personal link's token, carried into the Start form.
    pub(super) invite: Option<&'a str>,
    pub(super) error: Option<String>,
}

pub(super) fn render_welcome(
    state: &AppState,
    loaded: &Loaded,
    welcome: Welcome,
    status: StatusCode,
) -> Result<Response> {
    let html = welcome_html(state, loaded, &welcome)?;
    Ok(with_form_cookie(state, status, html, welcome.token))
}

pub(super) fn welcome_html(state: &AppState, loaded: &Loaded, welcome: &Welcome) -> Result<String> {
    let d = &loaded.survey.definition;
    let language = welcome.language;
    let own = context! {
        description => paragraphs(d.text(&d.description, language)),
        consent => paragraphs(d.text(&d.consent, language)),
        error => welcome.error,
        invite => welcome.invite,
        ..base_context(loaded, language, welcome.token)
    };
    Ok(state.templates.render("respond/welcome.html", own)?)
}

/// Everything needed to render one page of the survey.
pub(super) struct PageRender<'a> {
    pub(super) loaded: &'a Loaded,
    pub(super) index: usize,
    pub(super) language: &'a str,
    pub(super) answers: &'a AnswerSet,
    pub(super) errors: HashMap<String, String>,
    pub(super) notice: Option<String>,
    pub(super) resume_token: &'a str,
    /// A personal link's token, carried in the form of a first page that begins the response.
    pub(super) invite: Option<&'a str>,
    /// A researcher's preview: every question of the page shown, nothing saved.
    pub(super) preview: bool,
    /// The seed the page's order is drawn from.
    pub(super) seed: u64,
    /// Whether the form carries the seed (a first page before the response exists).
    pub(super) carries_seed: bool,
    /// When the page is shown (`Tokens::now`, or the marker of a kept page).
    pub(super) shown: &'a str,
}

pub(super) fn render_page(state: &AppState, page: PageRender, token: &str, status: StatusCode) -> Result<Response> {
    Ok(with_form_cookie(state, status, page_html(state, page, token)?, token))
}

pub(super) fn page_html(state: &AppState, page: PageRender, token: &str) -> Result<String> {
    let survey = &page.loaded.survey;
    let d = &survey.definition;
    let texts = Texts::new(survey, page.answers, page.language);
    let (rendered, values) = page_questions(survey, page.index, page.answers, page.seed, page.preview);
    let questions: Vec<_> = rendered
        .into_iter()
        .map(|r| {
            let mut shown = question_view(&texts, r.question, &page.errors, page.seed);
            shown.choices.retain(|c| !r.not_offered.contains(&c.code));
            shown.ranks = (1..=shown.choices.len()).collect();
            view::QuestionView { hidden: r.hidden, condition: r.condition, ..shown }
        })
        .collect();
    let error_list: Vec<_> = questions
        .iter()
        .filter_map(|q| q.error.as_ref().map(|e| context! { id => first_input_id(q), text => &q.text, message => e }))
        .collect();
    let (n, of) =
        if page.preview { (page.index + 1, d.pages.len()) } else { flow::progress(survey, page.index, page.answers) };
    let is_last = if page.preview {
        page.index + 1 >= d.pages.len()
    } else {
        flow::next_page(survey, page.index, page.answers).is_none()
    };
    let slug = &page.loaded.meta.slug;
    let own = context! {
        index => page.index,
        page_title => d.pages.get(page.index).map(|p| texts.string(&p.title)),
        questions,
        errors => error_list,
        notice => page.notice,
        progress => context! { n, of, label => messages::message(d, "progress", page.language).replace("{n}", &n.to_string()).replace("{max}", &of.to_string()) },
        has_back => if page.preview { page.index > 0 } else { flow::previous_page(survey, page.index, page.answers).is_some() },
        preview => page.preview,
        is_last,
        resume_token => page.resume_token,
        // No welcome page and no response yet: the form begins one (a personal link, the honeypot).
        starting => page.resume_token.is_empty() && !page.preview,
        invite => page.invite,
        resume_link => format!("{}/s/{slug}/resume/{}", state.base_url(), page.resume_token),
        // Paradata: when the page was shown (not in anonymous surveys, which keep no durations).
        shown => (!d.anonymous && !page.preview).then_some(page.shown),
        seed => page.carries_seed.then(|| page.seed.to_string()),
        // Answers of earlier pages that the conditions of this page's script read.
        values => (!values.is_empty()).then(|| serde_json::to_string(&values).unwrap_or_default()),
        ..base_context(page.loaded, page.language, token)
    };
    Ok(state.templates.render("respond/page.html", own)?)
}

/// Where the error summary links to: the question's first input.
fn first_input_id(question: &view::QuestionView) -> String {
    match question.kind {
        "single_choice" if !question.dropdown => question.choices.first().map_or(question.id.clone(), |c| c.id.clone()),
        "multiple_choice" | "ranking" => question.choices.first().map_or(question.id.clone(), |c| c.id.clone()),
        "matrix" => question.rows.first().map_or(question.id.clone(), |r| format!("{}-{}", r.id, "0")),
        _ => question.id.clone(),
    }
}

/// `GET /s/{slug}/p/{index}`
pub async fn show_page(
    State(state): State<AppState>,
    Path((slug, index)): Path<(String, usize)>,
    Query(query): Query<LangQuery>,
    visit: Visit,
) -> Result<Response> {
    let loaded = load(&state, &slug, &visit, Wanted { answers: true, ..Wanted::default() }).await?;
    let Some(found) = &loaded.response else {
        return Ok(Redirect::to(&format!("/s/{slug}")).into_response());
    };
    let (response, answers) = (&found.row, &found.answers);
    if response.complete {
        return Ok(Redirect::to(&format!("/s/{slug}/done")).into_response());
    }
    let language = visit.language(&loaded.survey, query.lang.as_deref(), Some(&response.language));
    if let Some(keys) = loaded.refuses_continuing() {
        return status_page(&state, &loaded, &language, keys, StatusCode::OK);
    }
    if index >= loaded.survey.definition.pages.len() || !flow::page_visible(&loaded.survey, index, answers) {
        return Ok(Redirect::to(&format!("/s/{slug}/p/{}", response.page_index)).into_response());
    }
    if let Some(unfinished) = flow::first_unfinished_page(&loaded.survey, index, answers) {
        return Ok(Redirect::to(&format!("/s/{slug}/p/{unfinished}")).into_response());
    }
    let notice = query.more.is_some().then(|| messages::message(&loaded.survey.definition, "revealed", &language));
    let seed = response.seed;
    let render = |tokens: Tokens| {
        let page = PageRender {
            loaded: &loaded,
            index,
            language: &language,
            answers,
            errors: HashMap::new(),
            notice: notice.clone(),
            resume_token: tokens.resume,
            invite: None,
            preview: false,
            seed,
            carries_seed: false,
            shown: tokens.shown,
        };
        page_html(&state, page, tokens.form)
    };
    let now = Tokens::now();
    let tokens = Tokens { form: &visit.form_token, resume: &found.resume, shown: &now };
    let randomised = loaded.survey.definition.pages[index].randomises();
    let html = if answers.is_empty() && notice.is_none() && !randomised {
        // Nothing answered yet (a response just begun): the page is the same for everyone.
        let id = loaded.meta.id;
        state.rendered.page(id, &loaded.survey, (Kind::Unanswered(index), &language), tokens, render)?
    } else {
        render(tokens)?
    };
    Ok(with_form_cookie(&state, StatusCode::OK, html, &visit.form_token))
}

/// `GET /s/{slug}/done`: the thank-you page.
pub async fn done(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<LangQuery>,
    visit: Visit,
) -> Result<Response> {
    let loaded = load(&state, &slug, &visit, Wanted::default()).await?;
    let saved = loaded.response.as_ref().map(|found| found.row.language.as_str());
    let language = visit.language(&loaded.survey, query.lang.as_deref(), saved);
    let d = &loaded.survey.definition;
    let pipes = d.thank_you.values().any(|text| pipe::references(text).is_ok_and(|found| !found.is_empty()));
    match loaded.response.as_ref().map(|found| found.row.id) {
        Some(id) if pipes => {
            // The thank-you text pipes answers in: this respondent's, read for it.
            let answers = state.db.read(move |conn| responses::load_answers(conn, id)).await?;
            Ok(Html(done_html(&state, &loaded, &language, &answers)?).into_response())
        }
        _ => render_done(&state, &loaded, &language),
    }
}

/// The thank-you page without answers (the same for everyone): rendered once per language, kept.
pub(super) fn render_done(state: &AppState, loaded: &Loaded, language: &str) -> Result<Response> {
    let render = |_: Tokens| done_html(state, loaded, language, &AnswerSet::new());
    let tokens = Tokens { form: "", resume: "", shown: "" };
    let html = state.rendered.page(loaded.meta.id, &loaded.survey, (Kind::Done, language), tokens, render)?;
    Ok(Html(html).into_response())
}

fn done_html(state: &AppState, loaded: &Loaded, language: &str, answers: &AnswerSet) -> Result<String> {
    let thanks = paragraphs(&Texts::new(&loaded.survey, answers, language).show(&loaded.survey.definition.thank_you));
    let own = context! { thank_you => thanks, ..base_context(loaded, language, "") };
    Ok(state.templates.render("respond/done.html", own)?)
}

/// A researcher's preview of page `index` in `language`, exactly as respondents see it but with
/// every question shown (display logic needs answers) and nothing saved.
pub async fn render_preview(
    state: &AppState,
    slug: &str,
    index: usize,
    language: Option<&str>,
    headers: &HeaderMap,
) -> Result<Response> {
    let loaded = load(state, slug, &Visit::default(), Wanted::default()).await?;
    if index >= loaded.survey.definition.pages.len() {
        return Err(AppError::NotFound);
    }
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let language = choose_language(&loaded.survey, language, None, accept);
    let answers = AnswerSet::new();
    let page = PageRender {
        loaded: &loaded,
        index,
        language: &language,
        answers: &answers,
        errors: HashMap::new(),
        notice: None,
        resume_token: "",
        invite: None,
        preview: true,
        seed: order::new_seed(),
        carries_seed: false,
        shown: "",
    };
    render_page(state, page, "", StatusCode::OK)
}
