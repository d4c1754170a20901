//! `GET /api/v1/surveys/{slug}/responses`: the complete responses as JSON lines, one response a
//! line in the order they were completed, streamed as they are read; `since=SEQ` gives only those
//! completed after the response whose `seq` was SEQ (an incremental pull keeps the last `seq`).

use std::io::Write as _;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{IntoParams, ToSchema};

use crate::answer::Answer;
use crate::api::auth::ApiSurvey;
use crate::api::error::{ApiResult, ErrorBody};
use crate::api::store::{self, CompletedResponse};
use crate::app::AppState;
use crate::export::stream::{CsvExportError, streamed_body};
use crate::survey::model::SurveyDefinition;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResponsesQuery {
    /// Only the responses completed after the one with this `seq` (0 or absent: all).
    #[serde(default)]
    pub since: Option<i64>,
}

/// One line of the stream.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseLine {
    /// Its place in the order of completion: give the last one seen as `since` next time.
    pub seq: i64,
    pub id: i64,
    pub language: String,
    pub survey_version: i64,
    /// RFC 3339, or only the date in an anonymous survey.
    pub started_at: String,
    pub submitted_at: Option<String>,
    /// Each answered question by its code: a text, date or number; `{"choice", "other"?}`;
    /// `{"choices": […], "other"?}`; `[{"choice", "rank"}]`; or `{row: choice}`.
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
}

impl ResponseLine {
    fn of(response: CompletedResponse, definition: &SurveyDefinition) -> ResponseLine {
        let answers = definition
            .questions()
            .filter_map(|(_, question)| Some((question.code.clone(), Answer::of(question, &response.rows)?.to_json())))
            .collect();
        ResponseLine {
            seq: response.seq,
            id: response.id,
            language: response.language,
            survey_version: response.survey_version,
            started_at: response.started_at,
            submitted_at: response.submitted_at,
            answers,
        }
    }
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
