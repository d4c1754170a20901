//! The mail pages: the researcher's `/surveys/{slug}/mail` (templates, sending, progress,
//! failures) behind the staff CSRF layer, and the respondent's `/s/{slug}/opt-out` outside it.

mod edit;
mod opt_out;
mod page;

use axum::routing::{get, post};

use crate::web::routes::Routes;

pub(crate) use crate::distribute::web::title;

/// The researcher's routes.
pub fn router() -> Routes {
    Routes::new()
        .route("/surveys/{slug}/mail", get(page::show))
        .route("/surveys/{slug}/mail/send", post(page::send))
        .route("/surveys/{slug}/mail/{mailing}/retry", post(page::retry))
        .route("/surveys/{slug}/mail/templates/{kind}/{language}", get(edit::form).post(edit::save))
        .route("/surveys/{slug}/mail/templates/{kind}/{language}/reset", post(edit::reset))
}

/// The respondent's routes (no session; the form has its own double-submit token).
pub fn opt_out_router() -> Routes {
    Routes::new().route("/s/{slug}/opt-out", get(opt_out::confirm).post(opt_out::opt_out))
}
