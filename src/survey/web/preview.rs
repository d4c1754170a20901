//! The preview: any page of a survey in any of its languages, as respondents see it.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use crate::app::AppState;
use crate::error::Result;
use crate::web::scope::ManagedSurvey;

#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    page: usize,
    lang: Option<String>,
}

/// `GET /surveys/{slug}/preview?page=N&lang=xx`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    Query(query): Query<PreviewQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    crate::respond::web::render_preview(&state, &survey.slug, query.page, query.lang.as_deref(), &headers).await
}
