//! `GET /api/v1/surveys/{slug}/responses`: the complete responses as JSON lines, one response a
//! line in the order they were completed, streamed as they are read; `since=SEQ` gives only those
//! completed after the response whose `seq` was SEQ (an incremental pull keeps the last `seq`).

use std::io::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::auth::ApiSurvey;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::lines::ResponseLine;
use crate::api::store;
use crate::app::AppState;
use crate::export::stream::{CsvExportError, streamed_body};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponsesQuery {
    /// Only the responses completed after the one with this `seq` (0 or absent: all).
    #[serde(default)]
    pub since: Option<i64>,
}

/// The complete responses (not in the trash), one JSON object a line.
#[utoipa::path(get, operation_id = "list_responses", path = "/api/v1/surveys/{slug}/responses", tag = "responses", security(("token" = [])),
    params(("slug" = String, Path, description = "The survey's address"), ResponsesQuery),
    responses(
        (status = 200, description = "One `ResponseLine` a line (application/x-ndjson)", body = ResponseLine,
            content_type = "application/x-ndjson"),
        (status = 400, description = "`since` is not a whole number", body = ErrorBody),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A coder of the survey", body = ErrorBody),
        (status = 404, description = "No such survey, or not one the holder may reach", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiSurvey { survey, .. }: ApiSurvey,
    query: Result<Query<ResponsesQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<Response> {
    let Query(query) = query.map_err(|_| {
        crate::api::error::ApiError::bad_request("since: give the `seq` of the last response you have, a whole number")
    })?;
    let since = query.since.unwrap_or(0);
    let label = format!("API responses of {}", survey.slug);
    let body = streamed_body(state.db.path(), label, move |conn, mut out| {
        let snapshot = conn.unchecked_transaction()?;
        let mut failed = None;
        store::completed_since(&snapshot, survey.id, since, |response| {
            let line = ResponseLine::of(response, &survey.definition);
            let written = serde_json::to_writer(&mut out, &line)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"));
            written.map_err(|err| failed = Some(err)).is_ok()
        })?;
        match failed {
            Some(err) => Err(CsvExportError::Io(err)),
            None => Ok(out.flush()?),
        }
    });
    let headers = [(header::CONTENT_TYPE, HeaderValue::from_static("application/x-ndjson"))];
    Ok((headers, body).into_response())
}
