//! The export page of a survey and its downloads: `GET /surveys/{slug}/export` lists every file
//! with its options; `GET /surveys/{slug}/export/{file}?…` (`responses.csv`, `project.qdpx`, …)
//! streams one, with the options of `fieldwork export`. A wrong option brings the page back with
//! the message at that file's form (400). The survey's researchers only; every download is in the
//! audit log.

use std::collections::BTreeMap;

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use minijinja::context;

use super::fields::Choices;
use super::stream::{self, BadOption, CsvExportError, ExportRequest, Target, What};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;
use crate::web::Page;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;

pub fn router() -> Routes {
    Routes::new().route("/surveys/{slug}/export", get(page)).route("/surveys/{slug}/export/{file}", get(download))
}

/// `GET /surveys/{slug}/export/{file}`: checked first (404, or the page again with the reason),
/// then written while it is sent.
pub async fn download(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response> {
    let what = What::at_url(&file).ok_or(AppError::NotFound)?;
    let request = match ExportRequest::from_query(query.as_deref().unwrap_or("")) {
        Ok(request) => request,
        Err(bad) => return refused(&state, &page, survey, what, ExportRequest::default(), bad).await,
    };
    let (given, target) = (request.clone(), survey.clone());
    let resolved = state.db.read(move |conn| Ok(given.resolve(conn, target, Target::File(what)))).await?;
    let plan = match resolved {
        Ok(plan) => plan,
        Err(CsvExportError::NotFound(_)) => return Err(AppError::NotFound),
        Err(CsvExportError::BadOption(bad)) => return refused(&state, &page, survey, what, request, bad).await,
        Err(err) => return Err(anyhow::Error::new(err).into()),
    };
    let (target, details) = (plan.survey.slug.clone(), plan.describe());
    state.db.write(move |tx| crate::audit::record(tx, Some(&user), "responses.export", &target, &details)).await?;
    let name = what.file_name(&plan.survey.slug);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(what.content_type())),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, stream::body(state.db.path(), what, plan)).into_response())
}

/// `GET /surveys/{slug}/export`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    render(&state, &page, survey, None).await.map(IntoResponse::into_response)
}

/// The page again, with 400 and the reason at the refused file's form, its options as given.
async fn refused(
    state: &AppState,
    page: &Page,
    survey: StoredSurvey,
    what: What,
    request: ExportRequest,
    bad: BadOption,
) -> Result<Response> {
    let html = render(state, page, survey, Some((what, request, bad))).await?;
    Ok((StatusCode::BAD_REQUEST, html).into_response())
}

async fn render(
    state: &AppState,
    page: &Page,
    survey: StoredSurvey,
    refused: Option<(What, ExportRequest, BadOption)>,
) -> Result<axum::response::Html<String>> {
    let reader = survey.clone();
    let choices = state.db.read(move |conn| Choices::read(conn, &reader)).await?;
    let mut errors = BTreeMap::new();
    let files: Vec<_> = What::all()
        .map(|w| {
            let spec = w.spec();
            let request = match &refused {
                Some((failed, request, bad)) if *failed == w => {
                    // At its field, or at the form for an option the file has no field for.
                    let at = bad.option.filter(|o| w.takes().contains(o)).map_or("options", |o| o.name());
                    errors.insert(format!("{}-{at}", spec.name), bad.to_string());
                    request.clone()
                }
                _ => ExportRequest::default(),
            };
            context! {
                what => spec.name, url => spec.url, title => spec.title, description => spec.description,
                csv => w.is_csv(), needs_codebook => spec.needs_codebook,
                fields => choices.fields(&w.takes(), &request, Some(w)),
            }
        })
        .collect();
    let own = context! {
        survey => &survey, files, errors, has_codebook => choices.has_codebook(),
        title => if refused.is_some() { "Export options not understood" } else { "Export" },
    };
    page.render("export/page.html", own)
}
