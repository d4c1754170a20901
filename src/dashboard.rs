//! The start page after login, and the health check.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use crate::accounts::auth::SignedIn;
use crate::app::AppState;
use crate::error::Result;
use crate::web::Page;

/// `GET /`
pub async fn home(SignedIn(_user): SignedIn, page: Page) -> Result<Response> {
    Ok(page.render("dashboard.html", context! {})?.into_response())
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.read(|conn| Ok(conn.query_row("SELECT 1", [], |row| row.get::<_, i64>(0))?)).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
