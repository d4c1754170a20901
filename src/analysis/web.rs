//! The analysis page of a survey (`GET /surveys/{slug}/analysis?…`): the filters and the coding
//! layer, then the tables with their charts (`view.rs`). Its options are the exports'
//! (`ExportRequest`), checked by the same `resolve`: a wrong one brings the form back with the
//! message (400). Its downloads are the export files; its charts can be downloaded as SVG
//! (`/surveys/{slug}/analysis/{chart}.svg?…`), which the audit log records like any download.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use super::charts;
use super::view;
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::export::fields::Choices;
use crate::export::stream::{BadOption, CsvExportError, ExportRequest, Opt, Plan, Target};
use crate::export::tables::load;
use crate::survey::store::StoredSurvey;
use crate::web::Page;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;

pub fn router() -> Routes {
    Routes::new().route("/surveys/{slug}/analysis", get(page)).route("/surveys/{slug}/analysis/{file}", get(chart))
}

/// The request read and checked for the page, with what the form offers.
async fn resolve(
    state: &AppState,
    survey: StoredSurvey,
    query: Option<String>,
) -> Result<(ExportRequest, Choices, std::result::Result<Plan, BadOption>)> {
    let read = ExportRequest::from_query(query.as_deref().unwrap_or(""));
    let request = read.clone().unwrap_or_default();
    let given = request.clone();
    let (choices, resolved) = state
        .db
        .read(move |conn| {
            let choices = Choices::read(conn, &survey)?;
            let resolved = match read {
                Ok(request) => request.resolve(conn, survey, Target::AnalysisPage),
                Err(bad) => Err(CsvExportError::BadOption(bad)),
            };
            Ok((choices, resolved))
        })
        .await?;
    let plan = match resolved {
        Ok(plan) => Ok(plan),
        Err(CsvExportError::BadOption(bad)) => Err(bad),
        Err(CsvExportError::NotFound(_)) => return Err(AppError::NotFound),
        Err(err) => return Err(anyhow::Error::new(err).into()),
    };
    Ok((given, choices, plan))
}

/// `GET /surveys/{slug}/analysis`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let (request, choices, plan) = resolve(&state, survey.clone(), query).await?;
    let mut options = Target::AnalysisPage.takes();
    if !choices.has_codebook() {
        // Without a codebook the page has the closed questions only.
        options.retain(|o| Opt::FILTERS.contains(o));
    }
    let (status, analysis, errors) = match plan {
        Ok(plan) => {
            // The tables and charts grow with the codebook: drawn on the reader's blocking thread.
            let shown = state.db.read(move |conn| Ok(load(conn, &plan).map(|data| view::sections(&plan, &data))));
            (StatusCode::OK, Some(shown.await?.map_err(anyhow::Error::new)?), BTreeMap::new())
        }
        Err(bad) => {
            // At its field, or at the form for an option the page has no field for.
            let at = bad.option.filter(|o| options.contains(o)).map_or("options", |o| o.name());
            (StatusCode::BAD_REQUEST, None, BTreeMap::from([(at, bad.to_string())]))
        }
    };
    let own = context! {
        survey => &survey, fields => choices.fields(&options, &request, None), has_codebook => choices.has_codebook(),
        analysis, errors,
    };
    Ok(page.render_with_status(status, "analysis/page.html", own)?.into_response())
}

/// `GET /surveys/{slug}/analysis/{chart}.svg`: a chart of the page as a file.
pub async fn chart(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let name = file.strip_suffix(".svg").ok_or(AppError::NotFound)?.to_string();
    let (_, _, plan) = resolve(&state, survey, query).await?;
    let plan = match plan {
        Ok(plan) => plan,
        Err(bad) => {
            let message = bad.to_string();
            let context = context! { status => 400, title => "Chart options not understood", message };
            return Ok(page.render_with_status(StatusCode::BAD_REQUEST, "error.html", context)?.into_response());
        }
    };
    let (target, details) = (plan.survey.slug.clone(), format!("chart {name}.svg of {}", plan.describe()));
    let drawn = state
        .db
        .read(move |conn| Ok(load(conn, &plan).map(|data| charts::named(&plan, &data, &name))))
        .await?
        .map_err(anyhow::Error::new)?
        .ok_or(AppError::NotFound)?;
    state.db.write(move |tx| crate::audit::record(tx, Some(&user), "responses.export", &target, &details)).await?;
    let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml; charset=utf-8"))];
    Ok((headers, drawn).into_response())
}
