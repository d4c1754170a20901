//! The comparison page of a codebook, linked from its agreement page: whether coders were blind
//! to closed answers, then per mapping the agreement figures, the counts and the responses where
//! the respondent and the coding differ; and its CSV, the file `fieldwork agreement --closed
//! --format csv` writes.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;
use serde::Serialize;

use super::report::{ClosedReport, closed_comparison};
use super::{Line, MappingComparison};
use crate::agreement::error::AgreementError;
use crate::agreement::table::Bootstrap;
use crate::agreement::report::ShownRow;
use crate::agreement::{ReportRow, RowKind};
use crate::answer::{Naming, OTHER};
use crate::app::AppState;
use crate::codebook::tree::Tree;
use crate::error::Result;
use crate::survey::model::SurveyDefinition;
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
    let report = state.db.read(move |conn| Ok(closed_comparison(conn, codebook_id, Bootstrap::default()))).await?;
    match report {
        Ok(report) => Ok(Ok(report)),
        Err(AgreementError::Selection(message)) => Ok(Err(message)),
        Err(error) => Err(anyhow::anyhow!("comparing closed answers: {error}").into()),
    }
}

/// A figures row as the agreement page shows it, named for what it compares.
fn shown_row(row: &ReportRow, tree: &Tree) -> ShownRow {
    let mut shown = ShownRow::of(row, tree);
    match row.kind {
        RowKind::Pooled => shown.name = "All mapped codes, pooled".into(),
        RowKind::Code => {}
        _ => shown.name = "Respondent's choice against the coding's".into(),
    }
    shown
}

/// A response that differs, with choices by their labels and codes by their names.
#[derive(Serialize)]
struct ShownLine {
    response_id: i64,
    closed: Vec<String>,
    coded: Vec<String>,
    codes: Vec<String>,
    open_answers: Vec<(String, String)>,
}

/// One mapping as shown.
#[derive(Serialize)]
struct ShownComparison {
    question: String,
    question_text: String,
    multiple: bool,
    problems: Vec<String>,
    rows: Vec<ShownRow>,
    counts: Vec<(&'static str, usize)>,
    differences: Vec<ShownLine>,
}

impl ShownComparison {
    fn of(comparison: &MappingComparison, survey: &SurveyDefinition, tree: &Tree) -> ShownComparison {
        let naming = Naming::default_labels(survey);
        let question = survey.question(&comparison.mapping.question);
        let label = |choice: &String| match question {
            Some(q) if choice == OTHER || q.choice(choice).is_some() => naming.choice(q, choice).into_owned(),
            _ => choice.clone(),
        };
        let name = |code: &String| tree.get(code).map_or_else(|| code.clone(), |e| e.name.clone());
        let shown = |line: &Line| ShownLine {
            response_id: line.response_id,
            closed: line.closed.iter().map(label).collect(),
            coded: line.coded_choices.iter().map(label).collect(),
            codes: line.codes.iter().map(name).collect(),
            open_answers: line.open_answers.clone(),
        };
        ShownComparison {
            question: comparison.mapping.question.clone(),
            question_text: question
                .map(|q| survey.text(&q.text, &survey.default_language).to_string())
                .unwrap_or_default(),
            multiple: comparison.multiple,
            problems: comparison.problems.clone(),
            rows: comparison.rows.iter().map(|row| shown_row(row, tree)).collect(),
            counts: comparison.counts().into_iter().map(|(outcome, n)| (outcome.label(), n)).collect(),
            differences: comparison.differences().map(shown).collect(),
        }
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
