//! Memos: on an answer from the coding workspace, on a code, and the project journal.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::workspace::{QueueQuery, ensure_in_queue, unit_url, unit_view};
use super::{Context, context};
use crate::app::AppState;
use crate::codebook::model::CodeKind;
use crate::coding::store;
use crate::coding::units::Unit;
use crate::error::Result;
use crate::text::{self, Lines};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, CodingCodebook};

#[derive(Deserialize, Default, serde::Serialize)]
pub struct MemoForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    code: String,
}

/// `POST …/memo`: a memo on this answer.
pub async fn add_memo(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, .. }): CodingCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
    axum::Form(form): axum::Form<MemoForm>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    ensure_in_queue(&state, &ctx, &user, &unit).await?;
    let body = match text::field("The memo", &form.body, Lines::Many) {
        Ok(body) => body,
        Err(problem) => {
            let view = unit_view(&state, &ctx, &user, &unit, &query, None, Some(problem)).await?;
            let own = context! { memo => form.body, ..view.own };
            return Ok(page
                .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "coding/unit.html", own)?
                .into_response());
        }
    };
    if !body.is_empty() {
        let (u, author) = (unit.clone(), user.id);
        state.db.write(move |tx| store::add_memo(tx, id, "answer", Some(u.as_ref()), None, author, &body)).await?;
        flash(&page.session, "success", "Memo added.").await;
    }
    Ok(Redirect::to(&format!("{}#memos", unit_url(id, &unit, &query.suffix()))).into_response())
}

/// `GET /codebooks/{id}/journal`: the project journal and the memos on codes.
pub async fn journal(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { codebook, survey, .. }): CodingCodebook,
    page: Page,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    render_journal(&state, &page, &ctx, None, StatusCode::OK).await
}

/// The journal page; a refused entry comes back with its problem and the entry as typed.
async fn render_journal(
    state: &AppState,
    page: &Page,
    ctx: &Context,
    refused: Option<(String, &MemoForm)>,
    status: StatusCode,
) -> Result<Response> {
    let id = ctx.codebook.id;
    let (journal, code_memos) = state
        .db
        .read(move |conn| {
            Ok((store::memos(conn, id, "journal", None, None)?, store::memos(conn, id, "code", None, None)?))
        })
        .await?;
    let codes: Vec<_> = ctx.published.codes.iter().filter(|c| c.kind == CodeKind::Code).collect();
    let (error, form) = refused.unzip();
    let own = context! { codebook => &ctx.codebook, survey => &ctx.survey, journal, code_memos, codes, error, form };
    Ok(page.render_with_status(status, "coding/journal.html", own)?.into_response())
}

/// `POST /codebooks/{id}/journal`: a journal entry, or with `code` a memo on that code.
pub async fn add_journal_memo(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, .. }): CodingCodebook,
    page: Page,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<MemoForm>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let body = match text::field("The entry", &form.body, Lines::Many) {
        Ok(body) => body,
        Err(problem) => {
            let refused = Some((problem, &form));
            return render_journal(&state, &page, &ctx, refused, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let code = Some(form.code.trim().to_string()).filter(|c| ctx.published.entry(c).is_some());
    if !body.is_empty() {
        let author = user.id;
        state
            .db
            .write(move |tx| {
                let kind = if code.is_some() { "code" } else { "journal" };
                store::add_memo(tx, id, kind, None, code.as_deref(), author, &body)
            })
            .await?;
        flash(&page.session, "success", "Memo added.").await;
    }
    Ok(Redirect::to(&format!("/codebooks/{id}/journal")).into_response())
}
