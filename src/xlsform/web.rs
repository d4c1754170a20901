//! `GET /surveys/{slug}/export.xlsx`: the survey as an XLSForm, for its researchers and admins.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::error::Result;
use crate::web::off_workers;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;

/// The content type of an `.xlsx` file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn router() -> Routes {
    Routes::new().route("/surveys/{slug}/export.xlsx", get(download))
}

async fn download(ManagedSurvey { survey, .. }: ManagedSurvey) -> Result<Response> {
    let definition = survey.definition.clone();
    let bytes = off_workers(move || super::write(&definition)).await?.map_err(anyhow::Error::new)?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}.xlsx\"", survey.slug))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(XLSX)), (header::CONTENT_DISPOSITION, disposition)], bytes)
        .into_response())
}
