//! Reconciliation: answers coded by several coders, side by side with each coder's passages and
//! memos, and the reconciler's consensus, which becomes the answer's codes in the default layer.
//! The list can be narrowed to the disagreements still to reconcile, and "Save and next
//! disagreement" walks through them.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;

use super::{Context, context};
use crate::app::AppState;
use crate::audit;
use crate::codebook::exclusivity_conflict;
use crate::coding::layers::CONSENSUS;
use crate::coding::store::layers;
use crate::coding::store::{self, Coder};
use crate::coding::units::Unit;
use crate::error::{AppError, Result, urlencode};
use crate::text::{self, Lines};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};

/// A double-coded answer: each done coder's codes, and whether they agree.
#[derive(Serialize)]
struct Disagreement {
    unit: Unit,
    coders: BTreeMap<String, BTreeSet<String>>,
    agree: bool,
    reconciled: bool,
}

impl Disagreement {
    /// Still to reconcile: the coders disagree and nobody has reconciled it.
    fn open(&self) -> bool {
        !self.agree && !self.reconciled
    }
}

async fn double_coded(state: &AppState, ctx: &Context) -> Result<Vec<Disagreement>> {
    let id = ctx.codebook.id;
    Ok(state
        .db
        .read(move |conn| {
            let done = layers::done_coders(conn, id)?;
            let mut names = std::collections::HashMap::new();
            for user in crate::accounts::store::list(conn)? {
                names.insert(user.id, user.email);
            }
            let reconciled = store::reconciled(conn, id)?;
            let mut out = Vec::new();
            for (unit, coders) in done.into_iter().filter(|(_, c)| c.len() >= 2) {
                let mut by_coder = BTreeMap::new();
                for coder in &coders {
                    let mine = layers::codes_by_unit_for(conn, id, &unit, *coder)?;
                    by_coder.insert(names.get(coder).cloned().unwrap_or_default(), mine);
                }
                let agree = by_coder.values().collect::<BTreeSet<_>>().len() <= 1;
                out.push(Disagreement { reconciled: reconciled.contains(&unit), unit, coders: by_coder, agree });
            }
            Ok(out)
        })
        .await?)
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    /// Only answers where the coders disagree on this code (from the agreement page).
    #[serde(default)]
    code: String,
    /// Only the disagreements still to reconcile.
    #[serde(default)]
    disagreements: String,
}

impl ListQuery {
    fn only_open(&self) -> bool {
        !self.disagreements.is_empty()
    }

    /// The list's own query string, kept by the answers' pages to come back to it.
    fn suffix(&self) -> String {
        let mut parts = Vec::new();
        if !self.code.is_empty() {
            parts.push(format!("code={}", urlencode(&self.code)));
        }
        if self.only_open() {
            parts.push("disagreements=1".to_string());
        }
        if parts.is_empty() { String::new() } else { format!("?{}", parts.join("&")) }
    }
}

/// `GET /codebooks/{id}/reconcile?code=KEY&disagreements=1`
pub async fn list(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let all = if ctx.codebook.reconciliation_open { double_coded(&state, &ctx).await? } else { Vec::new() };
    let mut items = on_code(all, &query);
    let to_reconcile = items.iter().filter(|d| d.open()).count();
    if query.only_open() {
        items.retain(Disagreement::open);
    }
    let open = ctx.codebook.reconciliation_open;
    let own = context! {
        codebook => super::codebook_view(&ctx.codebook), items, open, names => names(&ctx), code => query.code,
        only_open => query.only_open(), to_reconcile, suffix => query.suffix(),
    };
    Ok(page.render("coding/reconcile_list.html", own)?.into_response())
}

/// The answers the list's `code` narrows it to: where the coders disagree on that code.
fn on_code(mut items: Vec<Disagreement>, query: &ListQuery) -> Vec<Disagreement> {
    if !query.code.is_empty() {
        items.retain(|d| {
            let with = d.coders.values().filter(|codes| codes.contains(&query.code)).count();
            with > 0 && with < d.coders.len()
        });
    }
    items
}

fn names(ctx: &Context) -> BTreeMap<String, String> {
    ctx.published.codes.iter().map(|c| (c.id.clone(), c.name.clone())).collect()
}

/// What one coder did on the answer: codes, passages and memos.
#[derive(Default, Serialize)]
struct CoderWork {
    codes: BTreeSet<String>,
    passages: Vec<minijinja::Value>,
    memos: Vec<store::Memo>,
}

async fn render_unit(
    state: &AppState,
    page: &Page,
    ctx: &Context,
    unit: &Unit,
    query: &ListQuery,
    refused: Option<(String, &str)>,
    status: StatusCode,
) -> Result<Response> {
    if !ctx.codebook.reconciliation_open {
        return Err(AppError::NotFound);
    }
    let text = answer(state, ctx, unit).await?;
    let (id, u) = (ctx.codebook.id, unit.clone());
    let (codings, reconciliation, memos) = state
        .db
        .read_by_key(move |conn| {
            let u = u.as_ref();
            Ok((
                store::codings(conn, id, u)?,
                store::reconciliation(conn, id, u)?,
                store::memos(conn, id, "answer", Some(u), None)?,
            ))
        })
        .await?;
    let mut coders: BTreeMap<String, CoderWork> = BTreeMap::new();
    let mut consensus = BTreeSet::new();
    for c in &codings {
        if c.layer == CONSENSUS {
            consensus.insert(c.code_key.clone());
            continue;
        }
        let work = coders.entry(c.coder.clone()).or_default();
        work.codes.insert(c.code_key.clone());
        if let (Some(s), Some(e)) = (c.span_start, c.span_end) {
            let passage: String = text.chars().skip(s.max(0) as usize).take((e - s).max(0) as usize).collect();
            work.passages.push(context! { code => &c.code_key, passage });
        }
    }
    // Each coder's memos beside their codes; memos by anyone else (the reconciler) after them.
    let mut other_memos = Vec::new();
    for memo in memos {
        match coders.get_mut(&memo.author) {
            Some(work) => work.memos.push(memo),
            None => other_memos.push(memo),
        }
    }
    let all: BTreeSet<String> = coders.values().flat_map(|w| w.codes.iter().cloned()).collect();
    // Pre-ticked: the earlier consensus, else what every coder agreed on.
    let agreed: BTreeSet<String> = coders
        .values()
        .map(|w| w.codes.clone())
        .reduce(|a, b| a.intersection(&b).cloned().collect())
        .unwrap_or_default();
    let ticked = if reconciliation.is_some() { consensus } else { agreed };
    // A refused form comes back with its problem and the note as typed.
    let (error, note) = refused.unzip();
    let d = &ctx.survey.definition;
    let question_text = d.question(&unit.question).map(|q| d.text(&q.text, &d.default_language).to_string());
    let own = context! {
        codebook => super::codebook_view(&ctx.codebook), unit, text, coders, other_memos, all, ticked, names => names(ctx),
        reconciliation, error, note, question_text, suffix => query.suffix(),
    };
    Ok(page.render_with_status(status, "coding/reconcile_unit.html", own)?.into_response())
}

/// The text of the answer `unit` names, if it is one to code in this codebook: an open question's
/// answer in a complete response of the codebook's survey, not in the trash; 404 for anything else.
async fn answer(state: &AppState, ctx: &Context, unit: &Unit) -> Result<String> {
    if !ctx.questions.contains(&unit.question) {
        return Err(AppError::NotFound);
    }
    let (survey_id, u) = (ctx.survey.id, unit.clone());
    state.db.read_by_key(move |conn| store::answer_text(conn, survey_id, u.as_ref())).await?.ok_or(AppError::NotFound)
}

/// `GET /codebooks/{id}/reconcile/{response_id}/{question}`
pub async fn unit(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
    Path((_, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    render_unit(&state, &page, &ctx, &Unit { response_id, question }, &query, None, StatusCode::OK).await
}

/// `POST /codebooks/{id}/reconcile/{response_id}/{question}`: `code` (repeated), `note`, and
/// `then=next` to go on to the next disagreement still to reconcile.
pub async fn resolve(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, survey, .. }): ManagedCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
    Query(query): Query<ListQuery>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let unit = Unit { response_id, question };
    if !ctx.codebook.reconciliation_open || ctx.codebook.published_version == 0 {
        return Err(AppError::NotFound);
    }
    answer(&state, &ctx, &unit).await?;
    let mut codes: Vec<String> = fields.iter().filter(|(k, _)| k == "code").map(|(_, v)| v.clone()).collect();
    codes.sort();
    codes.dedup();
    let typed_note = fields.iter().find(|(k, _)| k == "note").map_or("", |(_, v)| v.as_str());
    let go_on = fields.iter().any(|(k, v)| k == "then" && v == "next");
    let note = text::field("The note", typed_note, Lines::Many);
    let unknown =
        codes.iter().find(|c| ctx.published.entry(c).is_none_or(|e| e.kind != crate::codebook::model::CodeKind::Code));
    let problem = unknown
        .map(|c| format!("\"{c}\" is not a code of this codebook"))
        .or_else(|| exclusivity_conflict(&ctx.published, &codes))
        .or_else(|| note.clone().err());
    if let Some(problem) = problem {
        let refused = Some((problem, typed_note));
        return render_unit(&state, &page, &ctx, &unit, &query, refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let note = note.unwrap_or_default();
    let by = Coder {
        codebook_id: id,
        codebook_version: ctx.codebook.published_version,
        coder_id: user.id,
        layer: CONSENSUS,
    };
    let (u, actor) = (unit.clone(), user.clone());
    state
        .db
        .write(move |tx| {
            store::reconcile(tx, by, u.as_ref(), &codes, &note)?;
            let target = format!("{}/{}", u.response_id, u.question);
            audit::record(tx, Some(&actor), "coding.reconcile", &target, &codes.join(" "))
        })
        .await?;
    let list = format!("/codebooks/{id}/reconcile{}", query.suffix());
    if !go_on {
        flash(&page.session, "success", "Consensus saved.").await;
        return Ok(Redirect::to(&list).into_response());
    }
    // The next disagreement still to reconcile after this answer, else the first one before it.
    let all = on_code(double_coded(&state, &ctx).await?, &query);
    let open: Vec<Unit> = all.into_iter().filter(Disagreement::open).map(|d| d.unit).collect();
    let next = open.iter().find(|u| **u > unit).or(open.first()).filter(|u| **u != unit);
    let target = match next {
        Some(next) => {
            flash(&page.session, "success", "Consensus saved; the next disagreement.").await;
            let path = format!("/codebooks/{id}/reconcile/{}/{}", next.response_id, urlencode(&next.question));
            format!("{path}{}", query.suffix())
        }
        None => {
            flash(&page.session, "success", "Consensus saved. No disagreement is left to reconcile.").await;
            list
        }
    };
    Ok(Redirect::to(&target).into_response())
}
