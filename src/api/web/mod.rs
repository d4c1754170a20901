//! The token API's routes (`/api/v1/…`, outside the session and CSRF layers: a token, never a
//! session, says who asks) and the account page's tokens (a staff page, behind both).

pub mod account;
pub mod agreement;
pub mod export;
pub mod participants;
pub mod responses;
pub mod surveys;

use axum::Json;
use axum::routing::{get, post};

use crate::web::routes::Routes;

/// The API, under `/api/v1`.
pub fn router() -> Routes {
    Routes::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/surveys", get(surveys::list))
        .route("/api/v1/surveys/{slug}", get(surveys::show))
        .route("/api/v1/surveys/{slug}/responses", get(responses::list))
        .route("/api/v1/surveys/{slug}/export/{file}", get(export::download))
        .route("/api/v1/surveys/{slug}/participants", post(participants::import))
        .route("/api/v1/surveys/{slug}/agreement", get(agreement::report))
}

/// The account page's tokens (signed in, with CSRF).
pub fn account_router() -> Routes {
    Routes::new()
        .route("/account/tokens", get(account::page).post(account::create))
        .route("/account/tokens/{id}/revoke", post(account::revoke))
}

/// `GET /api/v1/openapi.json`: the document, generated from the handlers.
async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(super::openapi::document())
}
