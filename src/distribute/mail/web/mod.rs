//! The mail pages: the researcher's `/surveys/{slug}/mail` (templates, sending, progress,
//! failures) behind the staff CSRF layer, and the respondent's `/s/{slug}/opt-out` outside it.

mod edit;
mod opt_out;
mod page;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::store::{self, StoredSurvey};

/// The researcher's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/surveys/{slug}/mail", get(page::show))
        .route("/surveys/{slug}/mail/send", post(page::send))
        .route("/surveys/{slug}/mail/{mailing}/retry", post(page::retry))
        .route("/surveys/{slug}/mail/templates/{kind}/{language}", get(edit::form).post(edit::save))
        .route("/surveys/{slug}/mail/templates/{kind}/{language}/reset", post(edit::reset))
}

/// The respondent's routes (no session; the form has its own double-submit token).
pub fn opt_out_router() -> Router<AppState> {
    Router::new().route("/s/{slug}/opt-out", get(opt_out::confirm).post(opt_out::opt_out))
}

/// The survey at `slug`, or 404.
async fn find_survey(state: &AppState, slug: &str) -> Result<StoredSurvey> {
    let slug = slug.to_string();
    state.db.read(move |conn| store::find_by_slug(conn, &slug)).await?.ok_or(AppError::NotFound)
}

/// A survey's title in its default language.
fn title(survey: &StoredSurvey) -> String {
    let d = &survey.definition;
    d.text(&d.title, &d.default_language).to_string()
}
