//! A published codebook version's definitions, served once: the answer pages carry only the codes'
//! names and link here (`static/coding.js` fetches this page once and shows a definition in
//! place). A published version never changes, so the page may be kept by the browser for good;
//! it is a page of its own (no session's CSRF token or message in it) for that reason.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;

use crate::app::AppState;
use crate::codebook::tree::Tree;
use crate::error::{AppError, Result};
use crate::web::scope::{CodebookScope, CodingCodebook};

/// `GET /codebooks/{id}/definitions/{version}`: every code of a published version with its
/// definition, in tree order, each at `#def-ID`.
pub async fn page(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { codebook, .. }): CodingCodebook,
    Path((_, version)): Path<(i64, i64)>,
) -> Result<Response> {
    let id = codebook.id;
    // Only the versions coders may use: published ones (a draft changes, so it is not kept).
    if version < 1 || version > codebook.published_version {
        return Err(AppError::NotFound);
    }
    let file = state.published.get(&state, id, version).await?.ok_or(AppError::NotFound)?;
    let tree = Tree::new(&file);
    let entries: Vec<_> = tree.entries().into_iter().map(|(depth, entry)| context! { depth, entry }).collect();
    let own = context! { codebook => super::codebook_view(&codebook), version, name => &file.name, entries };
    let mut response = Html(state.templates.render("coding/definitions.html", own)?).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    Ok(response)
}
