//! Highlighted passages in the coding workspace: a span of an answer (code points, end exclusive)
//! as evidence for a code, and its removal.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::context;
use super::workspace::{QueueQuery, Refused, Viewer, check_codes, coder, ensure_in_queue, unit_url, unit_view};
use crate::app::AppState;
use crate::codebook::exclusivity_conflict;
use crate::coding::store;
use crate::coding::units::Unit;
use crate::error::{AppError, Result};
use crate::web::Page;
use crate::web::scope::{CodebookScope, CodingCodebook};

#[derive(Deserialize, Default)]
pub struct SpanForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

/// `POST …/span`: highlights a passage (code points, end exclusive) as evidence for a code.
pub async fn add_span(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
    axum::Form(form): axum::Form<SpanForm>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    ensure_in_queue(&state, &ctx, &user, &unit).await?;
    let by = coder(&ctx, &user)?;
    let (u, code, survey_id) = (unit.clone(), form.code.clone(), ctx.survey.id);
    let (text, current) = state
        .db
        .read_by_key(move |conn| {
            Ok((store::answer_text(conn, survey_id, u.as_ref())?, store::applied_codes(conn, by, u.as_ref())?))
        })
        .await?;
    let length = text.map_or(0, |t| t.chars().count());
    let bounds = match (form.start.trim().parse::<usize>(), form.end.trim().parse::<usize>()) {
        (Ok(start), Ok(end)) if start < end && end <= length => Some((start, end)),
        _ => None,
    };
    let mut with_code = current.clone();
    with_code.push(code.clone());
    with_code.sort();
    with_code.dedup();
    let problem = match bounds {
        None => Some(format!("Select a passage inside the answer (it has {length} characters)")),
        Some(_) => check_codes(&ctx, std::slice::from_ref(&code), &current)
            .or_else(|| exclusivity_conflict(&ctx.published, &with_code)),
    };
    if let Some(problem) = problem {
        let viewer = Viewer { user: &user, standing };
        let refused = Refused { ticked: None, error: Some(problem) };
        let own = unit_view(&state, &ctx, &viewer, &unit, &query, refused).await?;
        return Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "coding/unit.html", own)?.into_response());
    }
    let (start, end) = bounds.unwrap_or((0, 0));
    let u = unit.clone();
    state.db.write(move |tx| store::apply_span(tx, by, u.as_ref(), &code, start as i64, end as i64)).await?;
    Ok(Redirect::to(&unit_url(id, &unit, &query.suffix())).into_response())
}

/// `POST …/span/{coding_id}/delete`: one of the coder's own passages on this answer, or 404.
pub async fn delete_span(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, .. }): CodingCodebook,
    Path((id, response_id, question, coding_id)): Path<(i64, i64, String, i64)>,
    Query(query): Query<QueueQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    ensure_in_queue(&state, &ctx, &user, &unit).await?;
    let (by, u) = (coder(&ctx, &user)?, unit.clone());
    if !state.db.write(move |tx| store::remove_span(tx, by, u.as_ref(), coding_id)).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&unit_url(id, &unit, &query.suffix())).into_response())
}
