//! A coder's queue, a page at a time: about a hundred answers from a response on (or before one),
//! read by key with links to the pages before and after, the counts, and where to start.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

use super::workspace::{QueueQuery, Scope, question_text};
use super::{back_link, context};
use crate::app::AppState;
use crate::coding::store::queue::{Counts, Direction, QueueItem};
use crate::error::Result;
use crate::web::Page;
use crate::web::scope::{CodebookScope, CodingCodebook};

/// Answers on a page of the queue (whole responses, so a page may hold a few more or less).
const PAGE: usize = 100;

/// Which page: from a response on, or the page before a response.
#[derive(Deserialize, Default)]
pub struct At {
    from: Option<i64>,
    before: Option<i64>,
}

/// One page of the queue and what is around it.
struct Listing {
    items: Vec<QueueItem>,
    counts: Option<Counts>,
    first_open: Option<crate::coding::units::Unit>,
    /// The first response of the page after, and whether there is one before.
    next_from: Option<i64>,
    has_before: bool,
}

/// `GET /codebooks/{id}/code?question=Q&from=RESPONSE` (or `&before=RESPONSE`)
pub async fn page(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, standing }): CodingCodebook,
    page: Page,
    Query(query): Query<QueueQuery>,
    Query(at): Query<At>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let scope = Scope::new(&ctx, &user, &query);
    let listing = state
        .db
        .read_by_key(move |conn| {
            scope.with(conn, |queue| {
                let items = match (at.before, at.from) {
                    (Some(before), _) => queue.page(conn, before, Direction::Before, PAGE)?,
                    (None, from) => queue.page(conn, from.unwrap_or(i64::MIN), Direction::After, PAGE)?,
                };
                let (first, last) = match (items.first(), items.last()) {
                    (Some(first), Some(last)) => (first.unit.response_id, last.unit.response_id),
                    _ => (at.before.or(at.from).unwrap_or(i64::MIN), i64::MAX),
                };
                let open = queue.neighbour(conn, i64::MIN, Direction::After, true)?;
                let first_open = match open {
                    Some(response) => queue.in_response(conn, response)?.into_iter().find(|i| !i.done).map(|i| i.unit),
                    None => None,
                };
                Ok(Listing {
                    counts: queue.counts(conn)?,
                    first_open,
                    next_from: queue.neighbour(conn, last, Direction::After, false)?,
                    has_before: queue.neighbour(conn, first, Direction::Before, false)?.is_some(),
                    items,
                })
            })
        })
        .await?;
    let suffix = query.suffix();
    // The paging links keep the question asked for.
    let joiner = if suffix.is_empty() { "?" } else { "&" };
    let here = format!("/codebooks/{}/code{suffix}", ctx.codebook.id);
    let first_response = listing.items.first().map(|i| i.unit.response_id);
    let all = (String::new(), "All questions of the queue".to_string());
    let question_options: Vec<(String, String)> = std::iter::once(all)
        .chain(ctx.questions.iter().map(|q| (q.clone(), format!("{q}: {}", question_text(&ctx, q)))))
        .collect();
    let (back_url, back_label) = back_link(&ctx, standing);
    let own = context! {
        codebook => super::codebook_view(&ctx.codebook), items => listing.items, suffix => &suffix, counts => listing.counts, question_options,
        first_open => listing.first_open,
        question => query.only(), published => ctx.codebook.published_version > 0, back_url, back_label,
        next_page => listing.next_from.map(|from| format!("{here}{joiner}from={from}")),
        previous_page => first_response.filter(|_| listing.has_before).map(|r| format!("{here}{joiner}before={r}")),
    };
    Ok(page.render("coding/queue.html", own)?.into_response())
}
