//! The preview: any page of a survey in any of its languages, as respondents see it.

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::Result;
use crate::web::scope::ManagedSurvey;

#[derive(Deserialize, Default)]
pub struct PreviewQuery {
    #[serde(default)]
    page: usize,
    lang: Option<String>,
    /// The page's own buttons, as the respondent's page has them: `next` or `back`...
    action: Option<String>,
    /// ...or a language to see the page in.
    switch_lang: Option<String>,
}

impl PreviewQuery {
    /// Whether one of the preview form's buttons sent this request.
    fn is_button(&self) -> bool {
        self.action.is_some() || self.switch_lang.is_some()
    }

    /// The address of the page a button leads to, in a survey of `pages` pages; the answers the
    /// form carried are dropped.
    fn moved(&self, slug: &str, pages: usize) -> String {
        let page = match self.action.as_deref() {
            Some("next") => (self.page + 1).min(pages.saturating_sub(1)),
            Some("back") => self.page.saturating_sub(1),
            _ => self.page,
        };
        let lang = self.switch_lang.as_deref().or(self.lang.as_deref()).unwrap_or_default();
        format!("/surveys/{slug}/preview?page={page}&lang={}", crate::error::urlencode(lang))
    }
}

/// `GET /surveys/{slug}/preview?page=N&lang=xx`, and the preview's buttons (`action`,
/// `switch_lang`), which lead to the page they name.
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    Query(query): Query<PreviewQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    if query.is_button() {
        let pages = survey.definition.pages.len();
        return Ok(Redirect::to(&query.moved(&survey.slug, pages)).into_response());
    }
    crate::respond::web::render_preview(&state, &survey.slug, query.page, query.lang.as_deref(), &headers).await
}
