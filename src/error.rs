//! The web layer's one error type. Each variant maps to a status and a page; internal details go
//! to the log, never to the client.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::db::DbError;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("the form's security token was missing or wrong")]
    CsrfRejected,
    #[error("login required")]
    LoginRequired { next: String },
    /// Every password hashing slot stayed busy: the person should try again in a moment.
    #[error("too busy hashing passwords")]
    TooBusy,
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Template(#[from] minijinja::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error-page middleware renders: set as a response extension by `AppError`.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub title: &'static str,
    pub message: &'static str,
}

impl ErrorPage {
    /// The page for a bare status coming from a layer (body limit, timeout, method not allowed).
    pub fn for_status(status: StatusCode) -> ErrorPage {
        let (title, message) = match status.as_u16() {
            400 => ("Bad request", "The request could not be understood. Go back and try again."),
            403 => ("Not allowed", "You do not have access to this page."),
            404 => ("Page not found", "There is nothing at this address. Check the link, or go to the start page."),
            405 => ("Not allowed", "This address does not accept that kind of request."),
            408 => ("Too slow", "The request took too long to arrive. Please try again."),
            413 => ("Too large", "What you sent is larger than this server accepts. Shorten it and try again."),
            415 | 422 => {
                ("Form not understood", "The form was incomplete or not in the expected format. Go back and try again.")
            }
            429 => ("Too many requests", "Please wait a moment and try again."),
            503 => (
                "Could not save",
                "The server could not save your data just now. Nothing you saved before is lost; please try again in a moment.",
            ),
            504 => ("Too slow", "The server took too long to answer. Please try again."),
            _ => (
                "Something went wrong",
                "The server could not complete the request. The problem has been logged; please try again later.",
            ),
        };
        ErrorPage { title, message }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::LoginRequired { next } => {
                let target = format!("/login?next={}", urlencode(next));
                return Redirect::to(&target).into_response();
            }
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::CsrfRejected => StatusCode::FORBIDDEN,
            AppError::TooBusy => StatusCode::TOO_MANY_REQUESTS,
            AppError::Db(err) if err.is_storage_unavailable() => {
                tracing::warn!(error = %err, "storage unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            AppError::Db(_) | AppError::Template(_) | AppError::Internal(_) => {
                tracing::error!(error = ?self, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let page = match self {
            AppError::CsrfRejected => ErrorPage {
                title: "Form expired",
                message: "This form's security token was missing or out of date, so nothing was changed. \
                          Go back, reload the page and submit it again.",
            },
            _ => ErrorPage::for_status(status),
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(page);
        response
    }
}

impl From<crate::accounts::hashing::HashingError> for AppError {
    fn from(err: crate::accounts::hashing::HashingError) -> Self {
        match err {
            crate::accounts::hashing::HashingError::Busy => AppError::TooBusy,
            crate::accounts::hashing::HashingError::Failed(err) => AppError::Internal(err),
        }
    }
}

/// Percent-encodes a query-string value.
pub fn urlencode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)]).map(|s| s[1..].to_string()).unwrap_or_default()
}
