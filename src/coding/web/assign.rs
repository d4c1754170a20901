//! Assigning coders: choose coders, the questions (those the codebook is meant for ticked), the
//! share to double-code and a seed. The draw runs on a reader; the assignments are then written in
//! small batches (`BATCH`) with a pause after each, so that respondents' saves are committed in
//! between, never behind more than one batch; the page shows the progress. A small assignment is
//! finished before the page comes back.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::context;
use crate::accounts::User;
use crate::app::AppState;
use crate::audit;
use crate::coding::assign::{self, Plan};
use crate::coding::store::assignments::{self, Budget, NewRun};
use crate::error::Result;
use crate::survey::members;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};

/// What one batch may do: a few milliseconds on the writer, and few enough rows that the commit's
/// fsync stays short (measured: docs/performance.md).
const BATCH: Budget = Budget { time: Duration::from_millis(10), answers: 500 };
/// The pause after each batch, in which the writer commits others' saves on their own.
const PAUSE: Duration = Duration::from_millis(5);
/// How long the form's POST waits for the assignment before showing its progress instead.
const WAIT: Duration = Duration::from_secs(2);

/// The codebooks whose assignment is being written in this process: one at a time per codebook.
#[derive(Default)]
pub struct AssignmentJobs {
    running: Mutex<HashSet<i64>>,
}

/// A codebook's place in `AssignmentJobs`, given back when the job ends (however it ends).
struct Running {
    jobs: Arc<AssignmentJobs>,
    codebook_id: i64,
}

impl AssignmentJobs {
    fn start(jobs: &Arc<AssignmentJobs>, codebook_id: i64) -> Option<Running> {
        let mut running = jobs.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        running.insert(codebook_id).then(|| Running { jobs: Arc::clone(jobs), codebook_id })
    }

    fn is_running(&self, codebook_id: i64) -> bool {
        self.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).contains(&codebook_id)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.jobs.running.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(&self.codebook_id);
    }
}

/// What the form asked for, as typed (shown again when refused).
#[derive(Default, serde::Serialize)]
struct Chosen {
    coders: Vec<i64>,
    questions: Vec<String>,
}

async fn render(
    state: &AppState,
    page: &Page,
    ctx: &super::Context,
    refused: Option<(String, Chosen)>,
    status: StatusCode,
) -> Result<Response> {
    let (id, survey_id) = (ctx.codebook.id, ctx.survey.id);
    let (people, progress, runs) = state
        .db
        .read(move |conn| {
            let people = members::coders(conn, survey_id)?;
            Ok((people, assignments::progress(conn, id)?, assignments::runs(conn, id)?))
        })
        .await?;
    let (error, chosen) = refused.unzip();
    let chosen = chosen.unwrap_or_else(|| Chosen { coders: Vec::new(), questions: ctx.meant_for.clone() });
    let questions: Vec<_> = ctx
        .questions
        .iter()
        .map(|q| context! { code => q, text => super::workspace::question_text(ctx, q), checked => chosen.questions.contains(q) })
        .collect();
    // The newest run, if it is not finished: being written now, or left so by a stopped server.
    let writing =
        runs.first().filter(|r| !r.finished).map(|r| context! { run => r, alive => state.assignments.is_running(id) });
    let own = context! {
        codebook => super::codebook_view(&ctx.codebook), people, coder_progress => progress, runs, questions, chosen,
        suggested_seed => rand::random::<u32>(), error, writing,
    };
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

/// An assignment to write.
struct Job {
    codebook_id: i64,
    survey_id: i64,
    /// The questions, in code order (so that the draw orders answers as `Unit` does).
    questions: Vec<String>,
    coders: Vec<i64>,
    plan: Plan,
    actor: User,
}

/// `POST /codebooks/{id}/assign`: fields `coder` (repeated), `question` (repeated; none: the
/// questions the codebook is meant for), `double_percent`, `coders_per_double`, `seed`.
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
    let mut questions: Vec<String> = fields
        .iter()
        .filter(|(k, v)| k == "question" && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_string())
        .collect();
    if questions.is_empty() {
        questions = ctx.meant_for.clone();
    }
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
    } else if questions.iter().any(|q| !ctx.questions.contains(q)) {
        Some("Choose one of the survey's open questions.")
    } else {
        None
    };
    // One assignment of a codebook at a time: its place is taken here, or it is refused.
    let running = problem.is_none().then(|| AssignmentJobs::start(&state.assignments, id)).flatten();
    let Some(running) = running else {
        let problem = problem.unwrap_or(
            "An assignment of this codebook is being written: wait until it has finished (its progress is below).",
        );
        let chosen = Chosen { coders, questions };
        return render(&state, &page, &ctx, Some((problem.to_string(), chosen)), StatusCode::UNPROCESSABLE_ENTITY)
            .await;
    };
    questions.sort();
    let plan = Plan {
        double_share: percent.unwrap_or(0.0) / 100.0,
        coders_per_double: per_double.unwrap_or(2),
        seed: seed.unwrap_or(0),
    };
    let job = Job { codebook_id: id, survey_id, questions, coders, plan, actor: user };
    let mut task = tokio::spawn(write_in_batches(state.clone(), job, running));
    let message = match tokio::time::timeout(WAIT, &mut task).await {
        Ok(finished) => format!("Assigned {} answers.", finished.map_err(|e| anyhow::anyhow!("assignment: {e}"))??),
        Err(_) => "Assigning the answers: the progress is below.".to_string(),
    };
    flash(&page.session, "success", message).await;
    Ok(Redirect::to(&format!("/codebooks/{id}/assign")).into_response())
}

/// Draws the assignment on a reader, then writes it a batch at a time, removes the earlier
/// assignments of its questions it replaces the same way, and marks the run finished; returns
/// how many answers were assigned. `_running` keeps the codebook's place until it ends.
async fn write_in_batches(state: AppState, job: Job, _running: Running) -> Result<usize> {
    let Job { codebook_id, survey_id, questions, coders, plan, actor } = job;
    let (questions, coders) = (Arc::new(questions), Arc::new(coders));
    let (q, c) = (Arc::clone(&questions), Arc::clone(&coders));
    let drawn = state
        .db
        .read(move |conn| {
            // Only the survey's members who may code can be given answers (read again here, in
            // case one was removed since the form was checked).
            let allowed: Vec<i64> = members::coders(conn, survey_id)?.into_iter().map(|u| u.id).collect();
            let eligible: Vec<i64> = c.iter().copied().filter(|c| allowed.contains(c)).collect();
            if eligible.is_empty() {
                return Ok(assign::draw(Vec::new(), &eligible, plan));
            }
            Ok(assign::draw(assignments::answers_to_share(conn, survey_id, &q)?, &eligible, plan))
        })
        .await?;
    let drawn = Arc::new(drawn);
    let total = drawn.len();
    let (q, c) = (Arc::clone(&questions), Arc::clone(&coders));
    let run_id = state
        .db
        .write(move |tx| {
            let run = NewRun { codebook_id, questions: &q, coders: &c, plan, created_by: actor.id, total };
            let run_id = assignments::begin_run(tx, &run)?;
            let detail = format!("{total} answers, {}% double-coded, seed {}", plan.double_share * 100.0, plan.seed);
            let detail = audit::about_codebook(codebook_id, &detail);
            audit::record(tx, Some(&actor), "coding.assign", &q.join(" "), &detail)?;
            Ok(run_id)
        })
        .await?;
    let mut written = 0;
    while written < total {
        let (q, d) = (Arc::clone(&questions), Arc::clone(&drawn));
        written =
            state.db.write(move |tx| assignments::write_batch(tx, run_id, codebook_id, &q, &d, written, BATCH)).await?;
    }
    loop {
        let q = Arc::clone(&questions);
        let removed =
            state.db.write(move |tx| assignments::remove_replaced(tx, run_id, codebook_id, &q, BATCH)).await?;
        if removed == 0 {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    state.db.write(move |tx| assignments::finish_run(tx, run_id)).await?;
    Ok(total)
}
