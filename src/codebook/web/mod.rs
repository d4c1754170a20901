//! The researcher's codebook screens: list and import per survey, the overview with publishing,
//! history and export, and editing (TOML draft, one code at a time, merge, split, review).

mod edit;
mod manage;

use axum::Router;
use axum::routing::{get, post};

use super::store::{self, StoredCodebook};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/surveys/{slug}/codebooks", get(manage::list).post(manage::create))
        .route("/surveys/{slug}/codebooks/import", post(manage::import))
        .route("/codebooks/{id}", get(manage::overview))
        .route("/codebooks/{id}/publish", post(manage::publish))
        .route("/codebooks/{id}/modes", post(manage::set_modes))
        .route("/codebooks/{id}/history", get(manage::history))
        .route("/codebooks/{id}/colours.css", get(manage::colours))
        .route("/codebooks/{id}/export", get(manage::export))
        .route("/codebooks/{id}/draft", get(edit::draft_form).post(edit::save_draft))
        .route("/codebooks/{id}/codes", post(edit::add_code))
        .route("/codebooks/{id}/codes/{key}", get(edit::code_form).post(edit::save_code))
        .route("/codebooks/{id}/merge", post(edit::merge))
        .route("/codebooks/{id}/split", post(edit::split))
        .route("/codebooks/{id}/review", get(edit::review).post(edit::resolve_review))
}

/// The codebook and its survey, or 404.
pub async fn find(state: &AppState, id: i64) -> Result<(StoredCodebook, StoredSurvey)> {
    let found = state
        .db
        .read(move |conn| {
            let Some(codebook) = store::find(conn, id)? else { return Ok(None) };
            let survey = conn
                .query_row("SELECT slug FROM surveys WHERE id = ?1", [codebook.survey_id], |r| r.get::<_, String>(0))
                .map_err(crate::db::DbError::from)
                .and_then(|slug| crate::survey::store::find_by_slug(conn, &slug))?;
            Ok(survey.map(|s| (codebook, s)))
        })
        .await?;
    found.ok_or(AppError::NotFound)
}
