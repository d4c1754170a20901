//! `GET /api/v1/surveys/{slug}/export/{file}`: any export, with the options of `fieldwork export`
//! and of the export page, through the one `ExportRequest` and its `resolve`, written by the
//! export's own writer while it is sent; recorded in the audit log like every download.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;

use crate::api::auth::ApiSurvey;
use crate::api::error::{ApiError, ApiResult, ErrorBody};
use crate::app::AppState;
use crate::export::stream::{CsvExportError, ExportRequest, Target, What};

/// An export file, as the export page and `fieldwork export` make it.
#[utoipa::path(get, operation_id = "export_file", path = "/api/v1/surveys/{slug}/export/{file}", tag = "exports", security(("token" = [])),
    params(
        ("slug" = String, Path, description = "The survey's address"),
        ("file" = String, Path, description = "The file, as the export page's addresses name it: \
            responses.csv, codebook-dictionary.csv, codings.csv, code-matrix.csv, project.qdpx, … (docs/exports.md)"),
    ),
    responses(
        (status = 200, description = "The file, streamed", content_type = "application/octet-stream"),
        (status = 400, description = "An option the file does not take, or a value the survey does not have", body = ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A coder of the survey", body = ErrorBody),
        (status = 404, description = "No such survey or file", body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    ApiSurvey { user, survey, .. }: ApiSurvey,
    Path((_, file)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let what = What::at_url(&file).ok_or_else(|| {
        let files: Vec<String> = What::all().map(|w| w.spec().url.to_string()).collect();
        ApiError::not_found(format!("there is no export \"{file}\"; the files are {}", files.join(", ")))
    })?;
    let request = ExportRequest::from_query(query.as_deref().unwrap_or(""))
        .map_err(|bad| ApiError::bad_request(bad.to_string()))?;
    let target = survey.clone();
    let resolved = state.db.read(move |conn| Ok(request.resolve(conn, target, Target::File(what)))).await?;
    let plan = match resolved {
        Ok(plan) => plan,
        Err(CsvExportError::NotFound(message)) => return Err(ApiError::not_found(message)),
        Err(CsvExportError::BadOption(bad)) => return Err(ApiError::bad_request(bad.to_string())),
        Err(err) => return Err(anyhow::Error::new(err).into()),
    };
    let (slug, details) = (plan.survey.slug.clone(), format!("{}, by API token", plan.describe()));
    state.db.write(move |tx| crate::audit::record(tx, Some(&user), "responses.export", &slug, &details)).await?;
    Ok(crate::export::web::send(state.db.path(), what, plan))
}
