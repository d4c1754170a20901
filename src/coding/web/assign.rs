//! Assigning coders: choose coders, a question or all, the share to double-code and a seed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::context;
use crate::accounts::auth::Researcher;
use crate::accounts::{Role, store as users};
use crate::app::AppState;
use crate::audit;
use crate::coding::assign::{self, Plan};
use crate::coding::units;
use crate::error::Result;
use crate::web::Page;
use crate::web::page::flash;

async fn render(
    state: &AppState,
    page: &Page,
    ctx: &super::Context,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response> {
    let id = ctx.codebook.id;
    let (people, progress, runs) = state
        .db
        .read(move |conn| {
            let people: Vec<_> = users::list(conn)?.into_iter().filter(|u| u.active && u.has_password).collect();
            let mut stmt = conn.prepare(
                "SELECT COALESCE(question, 'all open questions'), double_share, coders_per_double, seed, created_at FROM assignment_runs \
                 WHERE codebook_id = ?1 ORDER BY id DESC",
            )?;
            let runs: Vec<(String, f64, i64, i64, String)> =
                stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?.collect::<std::result::Result<_, _>>()?;
            Ok((people, assign::progress(conn, id)?, runs))
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
    Researcher(user): Researcher,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response> {
    let ctx = context(&state, id, &user).await?;
    render(&state, &page, &ctx, None, StatusCode::OK).await
}

/// `POST /codebooks/{id}/assign`: fields `coder` (repeated), `question` ('' = all),
/// `double_percent`, `coders_per_double`, `seed`.
pub async fn run(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path(id): Path<i64>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let ctx = context(&state, id, &user).await?;
    let field = |name: &str| fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.trim());
    let coders: Vec<i64> = fields.iter().filter(|(k, _)| k == "coder").filter_map(|(_, v)| v.parse().ok()).collect();
    let question = Some(field("question").to_string()).filter(|q| !q.is_empty());
    let percent: Option<f64> =
        field("double_percent").replace(',', ".").parse().ok().filter(|p: &f64| (0.0..=100.0).contains(p));
    let per_double: Option<usize> = field("coders_per_double").parse().ok().filter(|n| *n >= 2);
    let seed: Option<u64> = field("seed").parse().ok();
    let problem = if coders.is_empty() {
        Some("Choose at least one coder.")
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
    let (survey_id, questions, actor) = (ctx.survey.id, ctx.questions.clone(), user.clone());
    let count = state
        .db
        .write(move |tx| {
            // Only people allowed to code can be given answers.
            let eligible: Vec<i64> = coders
                .into_iter()
                .filter(|c| {
                    users::find(tx, *c).ok().flatten().is_some_and(|u| u.active && u.role.includes(Role::Coder))
                })
                .collect();
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
