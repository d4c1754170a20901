//! The API's errors: a status and a JSON body `{"error": "…"}` with a message a script's author
//! can act on. Internal errors are logged and described only as such.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::db::DbError;
use crate::error::AppError;

pub type ApiResult<T> = Result<T, ApiError>;

/// An error as the API reports it.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// Seconds to wait, for 429.
    pub retry_after: Option<i64>,
}

/// The body of every error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// What went wrong, and what to do about it.
    pub error: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, message: message.into(), retry_after: None }
    }

    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    fn internal() -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error: the problem has been logged")
    }
}

impl From<DbError> for ApiError {
    fn from(err: DbError) -> ApiError {
        if err.is_storage_unavailable() {
            tracing::warn!(error = %err, "storage unavailable");
            return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the server cannot save just now; try again");
        }
        tracing::error!(error = %err, "internal error in the API");
        ApiError::internal()
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(err: anyhow::Error) -> ApiError {
        tracing::error!(error = ?err, "internal error in the API");
        ApiError::internal()
    }
}

impl From<AppError> for ApiError {
    fn from(err: AppError) -> ApiError {
        match err {
            AppError::NotFound => ApiError::not_found("not found"),
            AppError::Forbidden => ApiError::new(StatusCode::FORBIDDEN, "forbidden"),
            AppError::Db(err) => err.into(),
            other => anyhow::Error::new(other).into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(ErrorBody { error: self.message })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = self.retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// A bare error status from a layer or the router (405, 413, a body that would not parse) on an
/// API route, given a JSON body like every other error.
pub async fn json_statuses(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let message = match status.as_u16() {
        405 => "this address does not take that method".to_string(),
        413 => "the request body is larger than this server accepts".to_string(),
        _ => status.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    ApiError::new(status, message).into_response()
}
