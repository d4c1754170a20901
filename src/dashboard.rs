//! The start page after login, and the health check.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use crate::accounts::auth::SignedIn;
use crate::app::AppState;
use crate::coding::store::CodingWork;
use crate::error::Result;
use crate::survey::members::{self, Need};
use crate::web::Page;

/// `GET /`: what the person can do, and the codebooks they were given answers in (those of
/// surveys they are still a member of).
pub async fn home(State(state): State<AppState>, SignedIn(user): SignedIn, page: Page) -> Result<Response> {
    let (user_id, account) = (user.id, user.role);
    let coding: Vec<CodingWork> = state
        .db
        .read(move |conn| {
            Ok(crate::coding::store::coding_work(conn, user_id)?
                .into_iter()
                .filter(|(_, member)| members::decide(account, *member, Need::Code, true).is_ok())
                .map(|(work, _)| work)
                .collect())
        })
        .await?;
    Ok(page.render("dashboard.html", context! { coding })?.into_response())
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    match state.db.read(|conn| Ok(conn.prepare_cached("SELECT 1")?.query_row([], |row| row.get::<_, i64>(0))?)).await {
        Ok(_) => (StatusCode::OK, "ok").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}
