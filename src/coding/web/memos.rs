//! Memos: on an answer from the coding workspace, on a code, and the project journal.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::workspace::{QueueQuery, Refused, Viewer, ensure_in_queue, unit_url, unit_view};
use super::{Context, context};
use crate::accounts::User;
use crate::app::AppState;
use crate::codebook::model::CodeKind;
use crate::coding::blind::{Blinding, Person};
use crate::coding::store;
use crate::coding::units::Unit;
use crate::error::Result;
use crate::survey::members::{MemberRole, Standing};
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
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
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
            let viewer = Viewer { user: &user, standing };
            let refused = Refused { ticked: None, error: Some(problem) };
            let view = unit_view(&state, &ctx, &viewer, &unit, &query, refused).await?;
            let own = context! { memo => form.body, ..view };
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
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    render_journal(&state, &page, &ctx, (&user, standing), None, StatusCode::OK).await
}

/// The journal page; a refused entry comes back with its problem and the entry as typed. While
/// the codebook is blind, a coder sees their own entries and those of the people who run the
/// study, not other coders' (`blind::Blinding::shows_in_journal`).
async fn render_journal(
    state: &AppState,
    page: &Page,
    ctx: &Context,
    (user, standing): (&User, Standing),
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
    let (blinding, viewer) = (Blinding::of(&ctx.codebook), viewer(user, standing));
    let shown =
        |m: &store::Memo| blinding.shows_in_journal(viewer, Person { id: m.author_id, manages: m.author_manages });
    let journal: Vec<_> = journal.into_iter().filter(shown).collect();
    let code_memos: Vec<_> = code_memos.into_iter().filter(shown).collect();
    // What an entry may be about: the project, or one of the codes.
    let about: Vec<(&str, &str)> = std::iter::once(("", "The project (journal)"))
        .chain(
            ctx.published.codes.iter().filter(|c| c.kind == CodeKind::Code).map(|c| (c.id.as_str(), c.name.as_str())),
        )
        .collect();
    let (error, form) = refused.unzip();
    let own = context! { codebook => super::codebook_view(&ctx.codebook), journal, code_memos, about, error, form, blind => blinding.blind && !viewer.manages };
    Ok(page.render_with_status(status, "coding/journal.html", own)?.into_response())
}

/// Who reads the journal: whether they run the study or only code in it.
fn viewer(user: &User, standing: Standing) -> Person {
    Person { id: user.id, manages: standing != Standing::Member(MemberRole::Coder) }
}

/// `POST /codebooks/{id}/journal`: a journal entry, or with `code` a memo on that code.
pub async fn add_journal_memo(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
    Path(id): Path<i64>,
    axum::Form(form): axum::Form<MemoForm>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let body = match text::field("The entry", &form.body, Lines::Many) {
        Ok(body) => body,
        Err(problem) => {
            let refused = Some((problem, &form));
            let who = (&user, standing);
            return render_journal(&state, &page, &ctx, who, refused, StatusCode::UNPROCESSABLE_ENTITY).await;
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
