//! `POST /api/v1/surveys/{slug}/participants`: a participant list as CSV in the body, imported as
//! the participants page imports it (`distribute::import`): every row checked first, then all of
//! them added in one write, or none with every problem by line.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::auth::{ApiSurvey, WritableSurvey};
use crate::api::error::{ApiResult, ErrorBody};
use crate::app::AppState;
use crate::distribute::import;

/// What an import added.
#[derive(Debug, Serialize, ToSchema)]
pub struct Imported {
    pub imported: usize,
}

/// A problem with one line of the file (0: the file as a whole).
#[derive(Debug, Serialize, ToSchema)]
pub struct LineProblem {
    pub line: u64,
    pub message: String,
}

/// The file was refused: nothing was added.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportRefused {
    pub error: String,
    pub problems: Vec<LineProblem>,
}

/// Imports participants from CSV (columns `email`, optional `name`, `language`, and attributes;
/// docs/distribution.md), all or nothing. Needs a read-write token.
#[utoipa::path(post, operation_id = "import_participants", path = "/api/v1/surveys/{slug}/participants", tag = "participants", security(("token" = [])),
    params(("slug" = String, Path, description = "The survey's address")),
    request_body(content = String, content_type = "text/csv", description = "The participant list"),
    responses(
        (status = 201, description = "All rows were added", body = Imported),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A read-only token, or a coder of the survey", body = ErrorBody),
        (status = 404, description = "No such survey, or not one the holder may reach", body = ErrorBody),
        (status = 422, description = "The file has problems; nothing was added", body = ImportRefused),
    ))]
pub async fn import(
    State(state): State<AppState>,
    WritableSurvey(ApiSurvey { user, survey, .. }): WritableSurvey,
    body: Bytes,
) -> ApiResult<Response> {
    let imported = import::import_in_one_write(&state.db, &state.link_key, &survey, &user, body.to_vec()).await?;
    Ok(match imported {
        Ok(count) => (StatusCode::CREATED, Json(Imported { imported: count })).into_response(),
        Err(problems) => {
            let error = format!("the file has {} problem(s); nothing was imported", problems.len());
            let problems = problems.into_iter().map(|p| LineProblem { line: p.line, message: p.message }).collect();
            (StatusCode::UNPROCESSABLE_ENTITY, Json(ImportRefused { error, problems })).into_response()
        }
    })
}
