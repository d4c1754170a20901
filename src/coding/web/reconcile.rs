//! Reconciliation: answers coded by several coders who disagree, side by side, and the
//! reconciler's consensus, which becomes the answer's codes in the default layer.

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::{Context, context};
use crate::app::AppState;
use crate::audit;
use crate::codebook::exclusivity_conflict;
use crate::coding::layers;
use crate::coding::store::{self, Coder};
use crate::coding::units::Unit;
use crate::error::{AppError, Result};
use crate::text::{self, Lines};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};

/// A double-coded answer: each done coder's codes, and whether they agree.
#[derive(serde::Serialize)]
struct Disagreement {
    unit: Unit,
    coders: BTreeMap<String, BTreeSet<String>>,
    agree: bool,
    reconciled: bool,
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
            let codes = layers::codes_by_unit(conn, id, layers::Layer::Union)?;
            let reconciled = store::reconciled(conn, id)?;
            let mut out = Vec::new();
            for (unit, coders) in done.into_iter().filter(|(_, c)| c.len() >= 2) {
                let mut by_coder = BTreeMap::new();
                for coder in &coders {
                    let mine = layers::codes_by_unit_for(conn, id, &unit, *coder)?;
                    by_coder.insert(names.get(coder).cloned().unwrap_or_default(), mine);
                }
                let agree = by_coder.values().collect::<BTreeSet<_>>().len() <= 1;
                let _ = codes.get(&unit);
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
}

/// `GET /codebooks/{id}/reconcile?code=KEY`
pub async fn list(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
    axum::extract::Query(query): axum::extract::Query<ListQuery>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    let mut items = if ctx.codebook.reconciliation_open { double_coded(&state, &ctx).await? } else { Vec::new() };
    if !query.code.is_empty() {
        items.retain(|d| {
            let with = d.coders.values().filter(|codes| codes.contains(&query.code)).count();
            with > 0 && with < d.coders.len()
        });
    }
    let open = ctx.codebook.reconciliation_open;
    let own = context! { codebook => &ctx.codebook, survey => &ctx.survey, items, open, names => names(&ctx), code => query.code };
    Ok(page.render("coding/reconcile_list.html", own)?.into_response())
}

fn names(ctx: &Context) -> BTreeMap<String, String> {
    ctx.published.codes.iter().map(|c| (c.id.clone(), c.name.clone())).collect()
}

async fn render_unit(
    state: &AppState,
    page: &Page,
    ctx: &Context,
    unit: &Unit,
    refused: Option<(String, &str)>,
    status: StatusCode,
) -> Result<Response> {
    if !ctx.codebook.reconciliation_open {
        return Err(AppError::NotFound);
    }
    let text = answer(state, ctx, unit).await?;
    let (id, u) = (ctx.codebook.id, unit.clone());
    let (codings, reconciliation) = state
        .db
        .read(move |conn| Ok((store::codings(conn, id, u.as_ref())?, store::reconciliation(conn, id, u.as_ref())?)))
        .await?;
    let mut coders: BTreeMap<String, (BTreeSet<String>, Vec<minijinja::Value>)> = BTreeMap::new();
    let mut consensus = BTreeSet::new();
    for c in &codings {
        if c.layer == "consensus" {
            consensus.insert(c.code_key.clone());
            continue;
        }
        let entry = coders.entry(c.coder.clone()).or_default();
        entry.0.insert(c.code_key.clone());
        if let (Some(s), Some(e)) = (c.span_start, c.span_end) {
            let passage: String = text.chars().skip(s.max(0) as usize).take((e - s).max(0) as usize).collect();
            entry.1.push(context! { code => &c.code_key, passage });
        }
    }
    let all: BTreeSet<String> = coders.values().flat_map(|(codes, _)| codes.iter().cloned()).collect();
    // Pre-ticked: the earlier consensus, else what every coder agreed on.
    let agreed: BTreeSet<String> = coders
        .values()
        .map(|(codes, _)| codes.clone())
        .reduce(|a, b| a.intersection(&b).cloned().collect())
        .unwrap_or_default();
    let ticked = if reconciliation.is_some() { consensus } else { agreed };
    // A refused form comes back with its problem and the note as typed.
    let (error, note) = refused.unzip();
    let own = context! {
        codebook => &ctx.codebook, survey => &ctx.survey, unit, text, coders, all, ticked, names => names(ctx),
        reconciliation, error, note, question_text => ctx.survey.definition.question(&unit.question).map(|q| ctx.survey.definition.text(&q.text, &ctx.survey.definition.default_language).to_string()),
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
    state.db.read(move |conn| store::answer_text(conn, survey_id, u.as_ref())).await?.ok_or(AppError::NotFound)
}

/// `GET /codebooks/{id}/reconcile/{response_id}/{question}`
pub async fn unit(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
    Path((_, response_id, question)): Path<(i64, i64, String)>,
) -> Result<Response> {
    let ctx = context(&state, codebook, survey).await?;
    render_unit(&state, &page, &ctx, &Unit { response_id, question }, None, StatusCode::OK).await
}

/// `POST /codebooks/{id}/reconcile/{response_id}/{question}`: `code` (repeated) and `note`.
pub async fn resolve(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, survey, .. }): ManagedCodebook,
    page: Page,
    Path((id, response_id, question)): Path<(i64, i64, String)>,
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
    let note = text::field("The note", typed_note, Lines::Many);
    let unknown =
        codes.iter().find(|c| ctx.published.entry(c).is_none_or(|e| e.kind != crate::codebook::model::CodeKind::Code));
    let problem = unknown
        .map(|c| format!("\"{c}\" is not a code of this codebook"))
        .or_else(|| exclusivity_conflict(&ctx.published, &codes))
        .or_else(|| note.clone().err());
    if let Some(problem) = problem {
        let refused = Some((problem, typed_note));
        return render_unit(&state, &page, &ctx, &unit, refused, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let note = note.unwrap_or_default();
    let by = Coder {
        codebook_id: id,
        codebook_version: ctx.codebook.published_version,
        coder_id: user.id,
        layer: "consensus",
    };
    let (u, actor) = (unit.clone(), user.clone());
    state
        .db
        .write(move |tx| {
            store::reconcile(tx, by, u.as_ref(), &codes, &note)?;
            audit::record(
                tx,
                Some(&actor),
                "coding.reconcile",
                &format!("{}/{}", u.response_id, u.question),
                &codes.join(" "),
            )
        })
        .await?;
    flash(&page.session, "success", "Consensus saved.").await;
    Ok(Redirect::to(&format!("/codebooks/{id}/reconcile")).into_response())
}
