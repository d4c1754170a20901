//! The agreement page of a codebook: per code and overall, for one question or all, for one
//! codebook version or all; mutually exclusive categories also as one nominal variable each.
//! Downloadable as CSV with the same columns as `fieldwork agreement --format csv`.

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{AgreementRow, Bootstrap, Coding, exclusive_table, per_code_table, write_csv};
use crate::app::AppState;
use crate::codebook::model::{CodeKind, CodebookFile};
use crate::coding::layers;
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

/// A row as shown: the figures with the code's name and whether it is a nominal variable.
#[derive(Serialize)]
struct ShownRow {
    key: String,
    name: String,
    nominal: bool,
    units: u64,
    coders: usize,
    percent_agreement: Option<f64>,
    cohen_kappa: Option<f64>,
    fleiss_kappa: Option<f64>,
    alpha: Option<f64>,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    verdict: &'static str,
}

fn verdict(alpha: Option<f64>) -> &'static str {
    match alpha {
        Some(a) if a >= 0.8 => "reliable",
        Some(a) if a >= 0.667 => "tentative",
        Some(_) => "unreliable",
        None => "n/a",
    }
}

/// The table: a row per code, one per mutually exclusive category, and the overall row.
fn compute(
    file: &CodebookFile,
    codings: &[Coding],
) -> std::result::Result<Vec<(AgreementRow, bool)>, super::AgreementError> {
    let codes: Vec<String> = file.codes.iter().filter(|c| c.kind == CodeKind::Code).map(|c| c.id.clone()).collect();
    if codings.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<(AgreementRow, bool)> =
        per_code_table(codings, &codes, Bootstrap::default())?.into_iter().map(|r| (r, false)).collect();
    let overall = rows.pop();
    for category in file.codes.iter().filter(|c| c.mutually_exclusive) {
        let inside: Vec<&str> = codes
            .iter()
            .filter(|c| crate::codebook::exclusive_categories(file, c).contains(&category.id.as_str()))
            .map(String::as_str)
            .collect();
        // Each coder's value for an answer: the one code of the category applied, or none.
        let mut values: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
        for coding in codings {
            let entry = values.entry((coding.unit.clone(), coding.coder.clone())).or_insert(None);
            if let Some(code) = coding.code.as_deref().filter(|c| inside.contains(c)) {
                *entry = Some(code.to_string());
            }
        }
        let nominal: Vec<Coding> =
            values.into_iter().map(|((unit, coder), code)| Coding { unit, coder, code }).collect();
        if let Some(mut row) = exclusive_table(&nominal, Bootstrap::default())?.pop() {
            row.code = category.id.clone();
            rows.push((row, true));
        }
    }
    rows.extend(overall);
    Ok(rows)
}

async fn load(
    state: &AppState,
    CodebookScope { codebook, survey, .. }: CodebookScope,
    filter: &Filter,
) -> Result<(crate::coding::web::Context, Vec<(AgreementRow, bool)>)> {
    let id = codebook.id;
    let question = Some(filter.question.clone()).filter(|q| !q.is_empty());
    let version = filter.version;
    let codings = state.db.read(move |conn| layers::agreement_codings(conn, id, question.as_deref(), version)).await?;
    let file = codebook.draft.clone();
    let rows = tokio::task::spawn_blocking(move || compute(&file, &codings))
        .await
        .map_err(|e| anyhow::anyhow!("agreement task: {e}"))?
        .map_err(|e| anyhow::anyhow!("agreement: {e}"))?;
    let questions =
        survey.definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.clone()).collect();
    Ok((crate::coding::web::Context { published: codebook.draft.clone(), codebook, survey, questions }, rows))
}

/// `GET /codebooks/{id}/agreement?question=Q&version=V`
pub async fn page(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Query(filter): Query<Filter>,
) -> Result<Response> {
    let (ctx, rows) = load(&state, scope, &filter).await?;
    let file = &ctx.codebook.draft;
    let shown: Vec<ShownRow> = rows
        .iter()
        .map(|(r, nominal)| ShownRow {
            name: if r.code == super::ALL { "All codes (every answer × code)".into() } else { file.path(&r.code) },
            key: r.code.clone(),
            nominal: *nominal,
            units: r.units,
            coders: r.coders,
            percent_agreement: r.percent_agreement,
            cohen_kappa: r.cohen_kappa,
            fleiss_kappa: r.fleiss_kappa,
            alpha: r.krippendorff_alpha,
            ci_low: r.alpha_interval.map(|i| i.low),
            ci_high: r.alpha_interval.map(|i| i.high),
            verdict: verdict(r.krippendorff_alpha),
        })
        .collect();
    // Every code's row counts the same answers: those done by at least two coders.
    let double_coded = rows.first().map_or(0, |(r, _)| r.units);
    let query = format!(
        "?question={}{}",
        crate::error::urlencode(&filter.question),
        filter.version.map(|v| format!("&version={v}")).unwrap_or_default()
    );
    let own = context! {
        codebook => &ctx.codebook, survey => &ctx.survey, rows => shown, questions => &ctx.questions,
        question => &filter.question, version => filter.version, query, double_coded,
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
    let (_, rows) = load(&state, scope, &filter).await?;
    let rows: Vec<AgreementRow> = rows.into_iter().map(|(r, _)| r).collect();
    let mut out = Vec::new();
    write_csv(&rows, &mut out).map_err(|e| anyhow::anyhow!("writing the agreement CSV: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"agreement.csv\"")),
        ],
        out,
    )
        .into_response())
}
