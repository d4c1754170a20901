//! The comparison page of a codebook, linked from its agreement page: whether coders were blind
//! to closed answers, then per mapping the agreement figures, the counts and the responses where
//! the respondent and the coding differ; and its CSV, the file `fieldwork agreement --closed
//! --format csv` writes.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use super::report::{ClosedReport, closed_comparison};
use super::shown::ShownComparison;
use crate::agreement::error::AgreementError;
use crate::agreement::table::Bootstrap;
use crate::app::AppState;
use crate::codebook::tree::Tree;
use crate::error::Result;
use crate::web::Page;
use crate::web::routes::Routes;
use crate::web::scope::{CodebookScope, ManagedCodebook};

pub fn router() -> Routes {
    Routes::new()
        .route("/codebooks/{id}/agreement/closed", get(page))
        .route("/codebooks/{id}/agreement/closed.csv", get(csv))
}

/// The report, or why there is none (no mapping): a message for the page, an error elsewhere.
async fn load(state: &AppState, codebook_id: i64) -> Result<std::result::Result<ClosedReport, String>> {
    let report =
        state.db.read_apart(move |conn| Ok(closed_comparison(conn, codebook_id, Bootstrap::default()))).await?;
    match report {
        Ok(report) => Ok(Ok(report)),
        Err(AgreementError::Selection(message)) => Ok(Err(message)),
        Err(error) => Err(anyhow::anyhow!("comparing closed answers: {error}").into()),
    }
}

/// `GET /codebooks/{id}/agreement/closed`
pub async fn page(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let report = load(&state, codebook.id).await?;
    let tree = Tree::new(&codebook.draft);
    let (comparisons, independence, missing) = match &report {
        Ok(report) => {
            let shown: Vec<ShownComparison> =
                report.comparisons.iter().map(|c| ShownComparison::of(c, &survey.definition, &tree)).collect();
            (shown, Some(report.independence()), None)
        }
        Err(message) => (Vec::new(), None, Some(message.clone())),
    };
    let own = context! {
        codebook => &codebook, survey => &survey, comparisons, independence, missing,
        interpretation => crate::agreement::report::INTERPRETATION,
    };
    Ok(page.render("coding/agreement_closed.html", own)?.into_response())
}

/// `GET /codebooks/{id}/agreement/closed.csv`: the same comparison as `fieldwork agreement
/// --closed --format csv`; when the codebook maps no codes, the header and a `problem` row
/// saying so.
pub async fn csv(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, .. }): ManagedCodebook,
) -> Result<Response> {
    let mut out = Vec::new();
    let written = match load(&state, codebook.id).await? {
        Ok(report) => super::csv::write_csv(&report, &mut out),
        Err(message) => super::csv::write_problem(&message, &mut out),
    };
    written.map_err(|e| anyhow::anyhow!("writing the comparison CSV: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"closed-vs-coded.csv\"")),
        ],
        out,
    )
        .into_response())
}
