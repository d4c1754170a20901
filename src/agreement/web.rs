//! The agreement page of a codebook, for one question or all, for one codebook version or all:
//! the summary, then the codes that were used, mutually exclusive categories as one nominal
//! variable each, and the pooled row; codes nobody applied folded away. Downloadable as CSV,
//! the same file as `fieldwork agreement --survey … --format csv`.

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::report::ShownRow;
use super::summary::{RELIABLE, Summary, TENTATIVE};
use super::{Bootstrap, Report, RowKind, write_csv};
use crate::app::AppState;
use crate::codebook::tree::Tree;
use crate::coding::store::layers;
use crate::error::Result;
use crate::web::Page;
use crate::web::routes::Routes;
use crate::web::scope::{CodebookScope, ManagedCodebook};

pub fn router() -> Routes {
    Routes::new().route("/codebooks/{id}/agreement", get(page)).route("/codebooks/{id}/agreement.csv", get(csv))
}

#[derive(Deserialize, Default)]
pub struct Filter {
    #[serde(default)]
    question: String,
    version: Option<i64>,
}

/// The summary as the page shows it, codes by their names.
#[derive(Serialize)]
struct ShownSummary {
    codes_used: usize,
    lowest: Option<(String, f64)>,
    median: Option<f64>,
    below_tentative: Vec<String>,
    below_reliable: Vec<String>,
    undefined: Vec<String>,
    verdict: String,
}

impl ShownSummary {
    fn of(summary: &Summary, tree: &Tree) -> ShownSummary {
        let names = |codes: Vec<&str>| codes.into_iter().map(|code| tree.path(code)).collect();
        ShownSummary {
            codes_used: summary.codes_used,
            lowest: summary.lowest().map(|(code, alpha)| (tree.path(code), alpha)),
            median: summary.median(),
            below_tentative: names(summary.below(TENTATIVE)),
            below_reliable: names(summary.below(RELIABLE)),
            undefined: names(summary.undefined.iter().map(String::as_str).collect()),
            verdict: summary.verdict(),
        }
    }
}

async fn load(
    state: &AppState,
    CodebookScope { codebook, survey, .. }: CodebookScope,
    filter: &Filter,
) -> Result<(crate::coding::web::Context, Report)> {
    let id = codebook.id;
    let question = Some(filter.question.clone()).filter(|q| !q.is_empty());
    let version = filter.version;
    let codings = state.db.read(move |conn| layers::agreement_codings(conn, id, question.as_deref(), version)).await?;
    let file = codebook.draft.clone();
    let report = tokio::task::spawn_blocking(move || Report::per_code(&codings, Some(&file), Bootstrap::default()))
        .await
        .map_err(|e| anyhow::anyhow!("agreement task: {e}"))?
        .map_err(|e| anyhow::anyhow!("agreement: {e}"))?;
    let questions = crate::coding::questions::open(&survey.definition);
    let meant_for = crate::coding::questions::meant_for(&survey.definition, &codebook.draft);
    let published = std::sync::Arc::new(codebook.draft.clone());
    Ok((crate::coding::web::Context { published, codebook, survey, questions, meant_for }, report))
}

/// `GET /codebooks/{id}/agreement?question=Q&version=V`
pub async fn page(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response> {
    let (ctx, report) = load(&state, scope, &filter).await?;
    // The machine coder's figures: a section of their own, never rows of the table below.
    let machine = crate::suggest::web::agreement_section(&state, &ctx.codebook).await?;
    // One index of the codebook for every path on the page (a path alone walks the whole file).
    let tree = Tree::new(&ctx.codebook.draft);
    let rows: Vec<ShownRow> = report.rows.iter().map(|row| ShownRow::of(row, &tree)).collect();
    let unused: Vec<(String, bool)> =
        report.not_applied.iter().map(|(code, kind)| (tree.path(code), *kind == RowKind::Category)).collect();
    let summary = report.summary.as_ref().map(|summary| ShownSummary::of(summary, &tree));
    let query = format!(
        "?question={}{}",
        crate::error::urlencode(&filter.question),
        filter.version.map(|v| format!("&version={v}")).unwrap_or_default()
    );
    let own = context! {
        codebook => &ctx.codebook, survey => &ctx.survey, rows, unused, summary, questions => &ctx.questions, machine,
        question => &filter.question, version => filter.version, query, double_coded => report.double_coded,
        interpretation => super::report::INTERPRETATION,
    };
    Ok(page.render("coding/agreement.html", own)?.into_response())
}

/// `GET /codebooks/{id}/agreement.csv`: the same rows, as `fieldwork agreement --format csv`.
pub async fn csv(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    Query(filter): Query<Filter>,
) -> Result<Response> {
    let (_, report) = load(&state, scope, &filter).await?;
    let mut out = Vec::new();
    write_csv(&report, &mut out).map_err(|e| anyhow::anyhow!("writing the agreement CSV: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"agreement.csv\"")),
        ],
        out,
    )
        .into_response())
}
