//! Assigning coders: choose coders, a question or all, the share to double-code and a seed.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::context;
use crate::app::AppState;
use crate::audit;
use crate::coding::assign::{self, Plan};
use crate::coding::{store, units};
use crate::error::Result;
use crate::survey::members;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};

async fn render(
    state: &AppState,
    page: &Page,
    ctx: &super::Context,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let (id, survey_id) = (ctx.codebook.id, ctx.survey.id);
    let (people, progress, runs) = state
        .db
        .read(move |conn| {
            let people = members::coders(conn, survey_id)?;
            Ok((people, assign::progress(conn, id)?, store::assignment_runs(conn, id)?))
        })
        .await?;
    let suggested_seed = rand::random::<u32>();
    let questions = &ctx.questions;
    let own = context! { codebook => &ctx.codebook, survey => &ctx.survey, people, coder_progress => progress, runs, questions, suggested_seed, error };
    Ok(page.render_with_status(status, "coding/assign.html", own)?.into_response())
}

/// `GET /codebooks/{id}/assign`
pub async fn form(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    render(&state, &page, &ctx, None, StatusCode::OK).await
}

/// `POST /codebooks/{id}/assign`: fields `coder` (repeated), `question` ('' = all),
/// `double_percent`, `coders_per_double`, `seed`.
pub async fn run(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, survey, .. }): ManagedCodebook,
    page: Page,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let (id, survey_id) = (ctx.codebook.id, ctx.survey.id);
    let allowed: Vec<i64> =
        state.db.read(move |conn| members::coders(conn, survey_id)).await?.into_iter().map(|u| u.id).collect();
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim());
    let coders: Vec<i64> = fields.iter().filter(|(k, _)| k == "coder").filter_map(|(_, v)| v.parse().ok()).collect();
    let question = Some(field("question").to_string()).filter(|q| !q.is_empty());
    let percent: Option<f64> =
        field("double_percent").replace(',', ".").parse().ok().filter(|p: &f64| (0.0..=100.0).contains(p));
    let per_double: Option<usize> = field("coders_per_double").parse().ok().filter(|n| *n >= 2);
    let seed: Option<u64> = field("seed").parse().ok();
    let problem = if coders.is_empty() {
        Some("Choose at least one coder.")
    } else if coders.iter().any(|c| !allowed.contains(c)) {
        Some("Choose coders among this survey's members (add people on the survey's page first).")
    } else if percent.is_none() {
        Some("The share to double-code is a percentage from 0 to 100.")
    } else if per_double.is_none_or(|n| n > coders.len() && percent.unwrap_or(0.0) > 0.0) {
        Some("Each double-coded answer needs at least two coders, and no more than you chose.")
    } else if seed.is_none() {
        Some("The seed is a whole number (it makes the draw reproducible).")
    } else if question.as_ref().is_some_and(|q| !ctx.questions.contains(q)) {
        Some("Choose one of the survey's open questions.")
    } else {
        None
    };
    if let Some(problem) = problem {
        return render(&state, &page, &ctx, Some(problem.to_string()), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let plan = Plan {
        double_share: percent.unwrap_or(0.0) / 100.0,
        coders_per_double: per_double.unwrap_or(2),
        seed: seed.unwrap_or(0),
    };
    let (questions, actor) = (ctx.questions.clone(), user.clone());
    let count = state
        .db
        .write(move |tx| {
            // Only the survey's members who may code can be given answers (read again here, in case
            // one was removed since the form was checked).
            let allowed: Vec<i64> = members::coders(tx, survey_id)?.into_iter().map(|u| u.id).collect();
            let eligible: Vec<i64> = coders.into_iter().filter(|c| allowed.contains(c)).collect();
            let all = units::all_units(tx, survey_id, &questions, question.as_deref())?;
            let drawn = assign::draw(&all, &eligible, plan);
            assign::save(tx, id, question.as_deref(), &eligible, plan, actor.id, &drawn)?;
            let detail =
                format!("{} answers, {}% double-coded, seed {}", drawn.len(), plan.double_share * 100.0, plan.seed);
            audit::record(tx, Some(&actor), "coding.assign", question.as_deref().unwrap_or("all"), &detail)?;
            Ok(drawn.len())
        })
        .await?;
    flash(&page.session, "success", format!("Assigned {count} answers.")).await;
    Ok(Redirect::to(&format!("/codebooks/{id}/assign")).into_response())
}
