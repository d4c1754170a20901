//! `GET /api/v1/surveys/{slug}/agreement`: the intercoder agreement of a codebook's codings, the
//! same `agreement::Report::per_code` as the agreement page, its CSV and `fieldwork agreement
//! --survey` (with the same selection: codebook, version, question; and the bootstrap's draws and
//! seed), as JSON.

use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::agreement::codebook::{Report, RowKind};
use crate::agreement::database::{self, Selection};
use crate::agreement::error::AgreementError;
use crate::agreement::table::Bootstrap;
use crate::api::auth::ApiSurvey;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::app::AppState;

/// The most bootstrap draws one request may ask for.
const MAX_DRAWS: usize = 10_000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    /// The codebook, by id or name; needed only when the survey has several.
    pub codebook: Option<String>,
    /// Only codings made under this published codebook version.
    pub codebook_version: Option<i64>,
    /// Only the answers to this open question.
    pub question: Option<String>,
    /// Bootstrap resamples for each alpha's 95% interval (0: none; default 1000, at most 10000).
    pub bootstrap: Option<usize>,
    /// The bootstrap's seed (default 1): the same seed gives the same intervals.
    pub seed: Option<u64>,
}

/// One row of the table.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementLine {
    /// The code, the category, or `ALL`.
    pub code: String,
    /// `code`, `category` (a mutually exclusive category as one variable) or `pooled`.
    pub kind: String,
    pub units: u64,
    pub coders: usize,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub fleiss_kappa: Option<f64>,
    pub krippendorff_alpha: Option<f64>,
    pub alpha_low: Option<f64>,
    pub alpha_high: Option<f64>,
    /// How to read the alpha.
    pub reading: String,
}

/// The agreement report.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementReport {
    pub codebook_id: i64,
    pub codebook_name: String,
    /// Answers that at least two coders finished.
    pub double_coded: u64,
    pub rows: Vec<AgreementLine>,
    /// Codes and categories of the codebook no coder applied.
    pub not_applied: Vec<String>,
}

fn kind(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Code => "code",
        RowKind::Category => "category",
        RowKind::Pooled | RowKind::Nominal => "pooled",
    }
}

/// The agreement of the survey's codings.
#[utoipa::path(get, operation_id = "get_agreement", path = "/api/v1/surveys/{slug}/agreement", tag = "agreement", security(("token" = [])),
    params(("slug" = String, Path, description = "The survey's address"), AgreementQuery),
    responses(
        (status = 200, description = "The table", body = AgreementReport),
        (status = 400, description = "A selection that names nothing (no codebook, version or question)", body = ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A coder of the survey", body = ErrorBody),
        (status = 404, description = "No such survey, or not one the holder may reach", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    ApiSurvey { survey, .. }: ApiSurvey,
    query: Result<Query<AgreementQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Json<AgreementReport>> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let draws = query.bootstrap.unwrap_or(Bootstrap::default().draws);
    if draws > MAX_DRAWS {
        return Err(ApiError::bad_request(format!("bootstrap: at most {MAX_DRAWS} draws")));
    }
    let bootstrap = Bootstrap { draws, seed: query.seed.unwrap_or(Bootstrap::default().seed) };
    let computed = state
        .db
        .read(move |conn| {
            let selection = Selection {
                survey: &survey.slug,
                codebook: query.codebook.as_deref(),
                version: query.codebook_version,
                question: query.question.as_deref(),
            };
            Ok(database::codings(conn, selection)
                .and_then(|(book, codings)| Ok((Report::per_code(&codings, Some(&book.draft), bootstrap)?, book))))
        })
        .await?;
    let (report, book) = match computed {
        Ok(done) => done,
        Err(AgreementError::Selection(message)) => return Err(ApiError::bad_request(message)),
        Err(AgreementError::Database(err)) => return Err(err.into()),
        Err(err) => return Err(ApiError::bad_request(err.to_string())),
    };
    let rows = report
        .rows
        .iter()
        .map(|row| {
            let f = &row.figures;
            AgreementLine {
                code: f.code.clone(),
                kind: kind(row.kind).to_string(),
                units: f.units,
                coders: f.coders,
                percent_agreement: f.percent_agreement,
                cohen_kappa: f.cohen_kappa,
                fleiss_kappa: f.fleiss_kappa,
                krippendorff_alpha: f.krippendorff_alpha,
                alpha_low: f.alpha_interval.as_ref().map(|i| i.low),
                alpha_high: f.alpha_interval.as_ref().map(|i| i.high),
                reading: row.reading().to_string(),
            }
        })
        .collect();
    Ok(Json(AgreementReport {
        codebook_id: book.id,
        codebook_name: book.draft.name.clone(),
        double_coded: report.double_coded,
        rows,
        not_applied: report.not_applied.into_iter().map(|(code, _)| code).collect(),
    }))
}
