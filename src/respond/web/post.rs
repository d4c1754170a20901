//! The respondent's POSTs — Start on the welcome page, and a page sent with Next, Back, Submit or
//! a language switch — as adapters: read the form, find what the request needs, let
//! `respond::step` decide, and carry it out (`execute.rs`).

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;

use super::execute::execute;
use super::loaded::{Wanted, load};
use crate::app::AppState;
use crate::error::Result;
use crate::respond::step::{self, Posted};
use crate::respond::visit::Visit;

/// `POST /s/{slug}/start`: consent checked, a new response begins at the first page.
pub async fn start(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    visit: Visit,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let posted = Posted { form: step::Form::Welcome, fields };
    respond(&state, &slug, &visit, posted).await
}

/// `POST /s/{slug}/p/{index}`: a page sent; in a survey without a welcome page, the first page
/// sent for the first time begins the response.
pub async fn save_page(
    State(state): State<AppState>,
    Path((slug, index)): Path<(String, usize)>,
    visit: Visit,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let posted = Posted { form: step::Form::Page(index), fields };
    respond(&state, &slug, &visit, posted).await
}

async fn respond(state: &AppState, slug: &str, visit: &Visit, posted: Posted) -> Result<Response> {
    let wanted = Wanted {
        resume: posted.resume_token(),
        invite: posted.invite_token(),
        answers: matches!(posted.form, step::Form::Page(_)),
        begins: true,
    };
    let loaded = load(state, slug, visit, wanted).await?;
    let step = step::step(&loaded, visit, &posted);
    execute(state, &loaded, visit, step).await
}
