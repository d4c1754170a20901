//! The researcher's codebook screens: list and import per survey, the overview with publishing,
//! history and export, and editing (TOML draft, one code at a time, merge, split, review, the
//! codes standing for closed answers).

mod closed;
mod edit;
mod manage;

use axum::routing::{get, post};

use crate::web::routes::Routes;

pub fn router() -> Routes {
    Routes::new()
        .route("/surveys/{slug}/codebooks", get(manage::list).post(manage::create))
        .route("/surveys/{slug}/codebooks/import", post(manage::import))
        .route("/codebooks/{id}", get(manage::overview))
        .route("/codebooks/{id}/publish", post(manage::publish))
        .route("/codebooks/{id}/modes", post(manage::set_modes))
        .route("/codebooks/{id}/history", get(manage::history))
        .route("/codebooks/{id}/colours.css", get(manage::colours))
        .route("/codebooks/{id}/export", get(manage::export))
        .route("/codebooks/{id}/closed", get(closed::closed_form).post(closed::save_closed))
        .route("/codebooks/{id}/draft", get(edit::draft_form).post(edit::save_draft))
        .route("/codebooks/{id}/codes", post(edit::add_code))
        .route("/codebooks/{id}/codes/{key}", get(edit::code_form).post(edit::save_code))
        .route("/codebooks/{id}/merge", post(edit::merge))
        .route("/codebooks/{id}/split", post(edit::split))
        .route("/codebooks/{id}/review", get(edit::review).post(edit::resolve_review))
}
