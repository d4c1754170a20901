//! Static files (CSS, the small scripts), embedded at build time and served with a content type
//! and a cache lifetime.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use include_dir::{Dir, include_dir};

use crate::error::AppError;

static STATIC: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/static");

/// `GET /static/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Result<Response, AppError> {
    embedded(&path)
}

/// `GET /favicon.ico`, where browsers look for a site's icon when a page names none (the
/// respondent pages, error pages of other origins' links). Made by `scripts/favicon.py`.
pub async fn favicon() -> Result<Response, AppError> {
    embedded("favicon.ico")
}

fn embedded(path: &str) -> Result<Response, AppError> {
    let file = STATIC.get_file(path).ok_or(AppError::NotFound)?;
    let content_type = match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600")),
        ],
        file.contents(),
    )
        .into_response())
}
