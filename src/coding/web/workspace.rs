//! The coding workspace: a coder's queue, and one answer at a time with the codebook beside it.
//! Whole-answer codes are a plain form (no JavaScript needed); highlighting a passage and the
//! keyboard shortcuts come from `static/coding.js`.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{Context, context};
use crate::accounts::User;
use crate::app::AppState;
use crate::codebook::exclusivity_conflict;
use crate::codebook::model::CodeKind;
use crate::coding::store::{self, Coder};
use crate::coding::units::{self, QueueItem, Unit};
use crate::error::{AppError, Result};
use crate::web::Page;
use crate::web::scope::{CodebookScope, CodingCodebook};

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    question: Option<String>,
}

impl QueueQuery {
    fn only(&self) -> Option<&str> {
        self.question.as_deref().filter(|q| !q.is_empty())
    }

    pub(super) fn suffix(&self) -> String {
        self.only().map(|q| format!("?question={}", crate::error::urlencode(q))).unwrap_or_default()
    }
}

async fn load_queue(state: &AppState, ctx: &Context, user: &User, only: Option<&str>) -> Result<Vec<QueueItem>> {
    let (id, survey_id, questions, only, coder) =
        (ctx.codebook.id, ctx.survey.id, ctx.questions.clone(), only.map(str::to_string), user.id);
    Ok(state.db.read(move |conn| units::queue(conn, id, survey_id, &questions, only.as_deref(), coder)).await?)
}

fn question_text(ctx: &Context, code: &str) -> String {
    let d = &ctx.survey.definition;
    d.question(code).map(|q| d.text(&q.text, &d.default_language).to_string()).unwrap_or_default()
}

/// `GET /codebooks/{id}/code?question=Q`
pub async fn queue(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, .. }): CodingCodebook,
    page: Page,
    Query(query): Query<QueueQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let items = load_queue(&state, &ctx, &user, query.only()).await?;
    let done = items.iter().filter(|i| i.done).count();
    let first_open = items.iter().find(|i| !i.done).or(items.first()).map(|i| i.unit.clone());
    let questions: Vec<_> =
        ctx.questions.iter().map(|q| context! { code => q, text => question_text(&ctx, q) }).collect();
    let own = context! {
        codebook => &ctx.codebook, survey => &ctx.survey, items, done, first_open, questions,
        question => query.only(), suffix => query.suffix(), published => ctx.codebook.published_version > 0,
    };
    Ok(page.render("coding/queue.html", own)?.into_response())
}

/// A stretch of the answer's text and the codes whose passages cover it.
#[derive(Debug, Serialize, PartialEq)]
pub struct Segment {
    /// Offset of the stretch in code points, for the highlighting script.
    pub start: usize,
    pub text: String,
    pub codes: Vec<String>,
}

/// Splits `text` at every passage boundary; offsets are Unicode code points, end exclusive.
pub fn segments(text: &str, spans: &[(usize, usize, String)]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut bounds: Vec<usize> = vec![0, chars.len()];
    for (start, end, _) in spans {
        bounds.push((*start).min(chars.len()));
        bounds.push((*end).min(chars.len()));
    }
    bounds.sort_unstable();
    bounds.dedup();
    bounds
        .windows(2)
        .map(|w| {
            let codes = spans.iter().filter(|(s, e, _)| *s <= w[0] && w[1] <= *e).map(|(_, _, c)| c.clone()).collect();
            Segment { start: w[0], text: chars[w[0]..w[1]].iter().collect(), codes }
        })
        .collect()
}

/// Where an answer stands in the coder's queue, and where to go from it.
struct Navigation {
    position: Option<usize>,
    prev: Option<Unit>,
    next: Option<Unit>,
    /// The next answer not yet done, wrapping round to the start of the queue.
    next_open: Option<Unit>,
}

fn navigation(items: &[QueueItem], unit: &Unit) -> Navigation {
    let position = items.iter().position(|i| &i.unit == unit);
    let (prev, next) = match position {
        Some(p) => (p.checked_sub(1).map(|p| items[p].unit.clone()), items.get(p + 1).map(|i| i.unit.clone())),
        None => (None, items.first().map(|i| i.unit.clone())),
    };
    let after = position.map_or(0, |p| p + 1).min(items.len());
    let next_open =
        items[after..].iter().chain(items[..after].iter()).find(|i| !i.done && &i.unit != unit).map(|i| i.unit.clone());
    Navigation { position, prev, next, next_open }
}

pub(super) fn unit_url(codebook_id: i64, unit: &Unit, suffix: &str) -> String {
    format!("/codebooks/{codebook_id}/code/{}/{}{suffix}", unit.response_id, crate::error::urlencode(&unit.question))
}

/// A code as the coding screen lists it.
#[derive(Serialize)]
struct CodeOption<'a> {
    entry: &'a crate::codebook::model::CodeEntry,
    depth: usize,
    applied: bool,
    exclusive_group: Option<String>,
}

pub(super) struct UnitView {
    pub(super) own: minijinja::Value,
}

/// Everything the unit page shows; `ticked` overrides the stored codes when a refused form
/// comes back.
pub(super) async fn unit_view(
    state: &AppState,
    ctx: &Context,
    user: &User,
    unit: &Unit,
    query: &QueueQuery,
    ticked: Option<Vec<String>>,
    error: Option<String>,
) -> Result<UnitView> {
    let (codebook_id, survey_id, unit_owned) = (ctx.codebook.id, ctx.survey.id, unit.clone());
    let (text, codings, done_by, memos) = state
        .db
        .read(move |conn| {
            let u = unit_owned.as_ref();
            Ok((
                store::answer_text(conn, survey_id, u)?,
                store::codings(conn, codebook_id, u)?,
                store::done_by(conn, codebook_id, u)?,
                store::memos(conn, codebook_id, "answer", Some(u), None)?,
            ))
        })
        .await?;
    let text = text.ok_or(AppError::NotFound)?;
    let items = load_queue(state, ctx, user, query.only()).await?;
    let Navigation { position, prev, next, next_open } = navigation(&items, unit);

    let show_others = !ctx.codebook.blind || ctx.codebook.reconciliation_open;
    let mine: Vec<_> = codings.iter().filter(|c| c.coder_id == user.id && c.layer == "coder").collect();
    let applied: HashSet<String> =
        ticked.unwrap_or_else(|| mine.iter().map(|c| c.code_key.clone()).collect()).into_iter().collect();
    let spans: Vec<(usize, usize, String)> = mine
        .iter()
        .filter_map(|c| {
            Some((usize::try_from(c.span_start?).ok()?, usize::try_from(c.span_end?).ok()?, c.code_key.clone()))
        })
        .collect();
    let file = &ctx.published;
    let tree = crate::codebook::tree::Tree::new(file);
    let codes: Vec<CodeOption> = tree
        .entries()
        .into_iter()
        .filter(|(_, e)| !e.retired || applied.contains(&e.id))
        .map(|(depth, entry)| CodeOption {
            depth,
            applied: applied.contains(&entry.id),
            exclusive_group: tree
                .exclusive_categories(&entry.id)
                .first()
                .and_then(|c| tree.get(c))
                .map(|c| c.name.clone()),
            entry,
        })
        .collect();
    let my_spans: Vec<_> = mine
        .iter()
        .filter(|c| c.span_start.is_some())
        .map(|c| {
            let (s, e) = (c.span_start.unwrap_or(0).max(0) as usize, c.span_end.unwrap_or(0).max(0) as usize);
            let passage: String = text.chars().skip(s).take(e.saturating_sub(s)).collect();
            context! { id => c.id, code => &c.code_key, name => file.entry(&c.code_key).map(|e| e.name.clone()), passage }
        })
        .collect();
    let mut others: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if show_others {
        for c in codings.iter().filter(|c| c.coder_id != user.id && c.span_start.is_none()) {
            let label = if c.layer == "consensus" { format!("consensus ({})", c.coder) } else { c.coder.clone() };
            others
                .entry(label)
                .or_default()
                .push(file.entry(&c.code_key).map_or(c.code_key.clone(), |e| e.name.clone()));
        }
    }
    let memos: Vec<_> = memos.into_iter().filter(|m| show_others || m.author_id == user.id).collect();
    let context_answers = closed_answers(state, ctx, unit.response_id).await?;
    let suffix = query.suffix();
    let unit_url = |u: &Unit| unit_url(ctx.codebook.id, u, &suffix);
    let own = context! {
        codebook => &ctx.codebook, survey => &ctx.survey, unit, question_text => question_text(ctx, &unit.question),
        segments => segments(&text, &spans), text_length => text.chars().count(), codes, my_spans, others, memos,
        done => done_by.contains(&user.id), error, context_answers, suffix,
        position => position.map(|p| p + 1), total => items.len(), done_count => items.iter().filter(|i| i.done).count(),
        prev_url => prev.as_ref().map(unit_url), next_url => next.as_ref().map(unit_url), next_open_url => next_open.as_ref().map(unit_url),
        published => ctx.codebook.published_version > 0, blind => !show_others,
    };
    Ok(UnitView { own })
}

/// The respondent's answers to closed questions, as context for the coder: each on one line in
/// the default language, as the responses page and the exports show it.
async fn closed_answers(state: &AppState, ctx: &Context, response_id: i64) -> Result<Vec<minijinja::Value>> {
    use crate::answer::{Answer, Naming};
    let answers = state.db.read(move |conn| crate::respond::store::load_answers(conn, response_id)).await?;
    let d = &ctx.survey.definition;
    let naming = Naming::default_labels(d);
    Ok(d.questions()
        .map(|(_, q)| q)
        .filter(|q| !q.kind.is_open())
        .filter_map(|q| {
            let value = Answer::of(q, &answers)?.line(q, naming);
            Some(context! { code => &q.code, text => d.text(&q.text, &d.default_language), value })
        })
        .collect())
}

/// `GET /codebooks/{id}/code/{response_id}/{question}`
pub async fn unit(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, .. }): CodingCodebook,
    page: Page,
    Path((_, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    ensure_in_queue(&state, &ctx, &user, &unit).await?;
    let view = unit_view(&state, &ctx, &user, &unit, &query, None, None).await?;
    Ok(page.render("coding/unit.html", view.own)?.into_response())
}

/// A coder may open only the answers of their queue (others are 404, as for a stranger).
pub(super) async fn ensure_in_queue(state: &AppState, ctx: &Context, user: &User, unit: &Unit) -> Result<()> {
    if !ctx.questions.contains(&unit.question) {
        return Err(AppError::NotFound);
    }
    let items = load_queue(state, ctx, user, Some(&unit.question)).await?;
    if items.iter().any(|i| &i.unit == unit) { Ok(()) } else { Err(AppError::NotFound) }
}

/// Who is coding, and under which version.
pub(super) fn coder(ctx: &Context, user: &User) -> Result<Coder<'static>> {
    if ctx.codebook.published_version == 0 {
        return Err(AppError::NotFound);
    }
    Ok(Coder {
        codebook_id: ctx.codebook.id,
        codebook_version: ctx.codebook.published_version,
        coder_id: user.id,
        layer: "coder",
    })
}

/// Checks codes a coder applies to an answer against the published codebook: each must be a
/// code, retired only if the answer already has it (`applied`); a message when refused.
pub(super) fn check_codes(ctx: &Context, codes: &[String], applied: &[String]) -> Option<String> {
    for code in codes {
        match ctx.published.entry(code) {
            Some(entry) if entry.kind == CodeKind::Code && (!entry.retired || applied.contains(code)) => {}
            Some(entry) if entry.kind == CodeKind::Code => {
                return Some(format!("{} is retired: it is no longer applied to new answers", entry.name));
            }
            _ => return Some(format!("\"{code}\" is not a code of this codebook")),
        }
    }
    exclusivity_conflict(&ctx.published, codes)
}

/// The codes the coding form offers, so that leaving one unticked removes it. Codings of a code
/// the published version does not offer (one given in review after a split that is not
/// published yet) are not on the form and are kept.
fn offered(ctx: &Context) -> HashSet<String> {
    ctx.published.codes.iter().filter(|e| e.kind == CodeKind::Code).map(|e| e.id.clone()).collect()
}

/// `POST /codebooks/{id}/code/{response_id}/{question}`: the ticked codes, then an action:
/// `save` (stay), `done` (mark done and go to the next open answer), `undone`, `next`, `prev`.
pub async fn save(
    State(state): State<AppState>,
    CodingCodebook(CodebookScope { user, codebook, survey, .. }): CodingCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<QueueQuery>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    ensure_in_queue(&state, &ctx, &user, &unit).await?;
    let by = coder(&ctx, &user)?;
    let mut ticked: Vec<String> = fields.iter().filter(|(k, _)| k == "code").map(|(_, v)| v.clone()).collect();
    ticked.sort();
    ticked.dedup();
    let action = fields.iter().find(|(k, _)| k == "action").map_or("save", |(_, v)| v.as_str()).to_string();
    let u = unit.clone();
    let applied = state.db.read(move |conn| store::applied_codes(conn, by, u.as_ref())).await?;
    if let Some(problem) = check_codes(&ctx, &ticked, &applied) {
        let view = unit_view(&state, &ctx, &user, &unit, &query, Some(ticked), Some(problem)).await?;
        return Ok(page
            .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "coding/unit.html", view.own)?
            .into_response());
    }
    let (stored_unit, set, act) = (unit.clone(), ticked.clone(), action.clone());
    let offered = offered(&ctx);
    state
        .db
        .write(move |tx| {
            let u = stored_unit.as_ref();
            let current = store::applied_codes(tx, by, u)?;
            for code in current.iter().filter(|c| !set.contains(c) && offered.contains(*c)) {
                store::remove_code(tx, by, u, code)?;
            }
            for code in set.iter().filter(|c| !current.contains(c)) {
                store::apply_whole(tx, by, u, code)?;
            }
            match act.as_str() {
                "done" => store::set_done(tx, by.codebook_id, u, by.coder_id, true),
                "undone" => store::set_done(tx, by.codebook_id, u, by.coder_id, false),
                _ => Ok(()),
            }
        })
        .await?;
    // Navigate from the queue as it is after the save (the answer may have just become done).
    let items = load_queue(&state, &ctx, &user, query.only()).await?;
    let nav = navigation(&items, &unit);
    let suffix = query.suffix();
    let here = unit_url(id, &unit, &suffix);
    let url = |u: Option<Unit>| u.map(|u| unit_url(id, &u, &suffix));
    let target = match action.as_str() {
        "done" => url(nav.next_open).unwrap_or_else(|| format!("/codebooks/{id}/code{suffix}")),
        "next" => url(nav.next).unwrap_or(here),
        "prev" => url(nav.prev).unwrap_or(here),
        _ => here,
    };
    Ok(Redirect::to(&target).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_split_at_passages_counted_in_code_points() {
        let text = "héllo 👩‍💻 world";
        let spans = vec![(1, 4, "A".to_string()), (6, 9, "B".to_string())];
        let parts = segments(text, &spans);
        let joined: String = parts.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, text);
        assert_eq!(parts[1], Segment { start: 1, text: "éll".into(), codes: vec!["A".into()] });
        // The emoji is three code points (woman, zero-width joiner, laptop).
        assert_eq!(parts.iter().find(|s| s.codes == ["B"]).map(|s| s.text.as_str()), Some("👩‍💻"));
    }

    #[test]
    fn overlapping_passages_carry_both_codes() {
        let parts = segments("abcdef", &[(0, 4, "A".into()), (2, 6, "B".into())]);
        let codes: Vec<Vec<String>> = parts.iter().map(|s| s.codes.clone()).collect();
        assert_eq!(codes, vec![vec!["A".to_string()], vec!["A".into(), "B".into()], vec!["B".into()]]);
    }
}
