//! Accepting one of the machine coder's suggestions in the coding screen (offered by
//! `offer.rs`): a coding by the coder with the model's hash as its source.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::context;
use super::offer::offer;
use super::workspace::{QueueQuery, Refused, Scope, Viewer, coder, parse_unit, unit_url, unit_view, with_saved};
use crate::app::AppState;
use crate::coding::store;
use crate::coding::unit_page::suggestions::CoderOnAnswer;
use crate::coding::units::Unit;
use crate::error::{AppError, Result};
use crate::web::Page;
use crate::web::scope::{CodebookScope, CodingCodebook};

/// The accepting form: the code, and the model whose suggestion it was (a suggestion of a model
/// replaced since the page was shown is refused rather than credited to the new one).
/// Missing fields are empty, so that an answer not found is a 404 whatever was sent.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Accept {
    code: String,
    model: String,
}

/// `POST /codebooks/{id}/code/{response_id}/{question}/suggestion`: applies a suggested code,
/// recorded as the coder's with the model's hash as its source, and shows the answer again.
pub async fn accept(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
    axum::Form(form): axum::Form<Accept>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    let by = coder(&ctx, &user)?;
    let (scope, u, survey_id) = (Scope::new(&ctx, &user, &QueueQuery::default()), unit.clone(), ctx.survey.id);
    let (text, codings, done_by) = state
        .db
        .read_by_key(move |conn| {
            if !scope.with(conn, |queue| queue.contains(conn, &u))? {
                return Ok(None);
            }
            let Some(text) = store::answer_text(conn, survey_id, u.as_ref())? else { return Ok(None) };
            let codings = store::codings(conn, by.codebook_id, u.as_ref())?;
            Ok(Some((text, codings, store::done_by(conn, by.codebook_id, u.as_ref())?)))
        })
        .await?
        .ok_or(AppError::NotFound)?;
    let facts =
        crate::coding::unit_page::Facts { text: &text, codings: &codings, memos: Vec::new(), done_by: &done_by };
    let just_saved = query.saved.as_deref().and_then(parse_unit).is_some_and(|s| s == unit);
    let on_answer = CoderOnAnswer::of(&facts, user.id, just_saved);
    let offer = offer(&state, &ctx, &text, &on_answer).await?;
    let offered = offer.model == form.model && offer.suggestions.iter().any(|s| s.code == form.code);
    if !offered {
        let viewer = Viewer { user: &user, standing };
        let error = format!("\"{}\" is not suggested for this answer now: the page has been shown again", form.code);
        let own = unit_view(&state, &ctx, &viewer, &unit, &query, Refused { ticked: None, error: Some(error) }).await?;
        return Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "coding/unit.html", own)?.into_response());
    }
    let (u, code, model) = (unit.clone(), form.code, offer.model);
    state.db.write(move |tx| store::apply_suggested(tx, by, u.as_ref(), &code, &model)).await?;
    Ok(Redirect::to(&with_saved(&unit_url(id, &unit, ""), &query.suffix(), &unit)).into_response())
}
