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

/// `GET /healthz`: 200 `ok` when the database can be read and saving works; otherwise 503 with
/// JSON saying which and why: `{"status": "cannot read" | "cannot save", "reason": …}`. Saving
/// fails with a full disk or files that cannot be written; the answer is 200 again as soon as a
/// save works. The server keeps serving either way.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let failed = match state.db.check_reading().await {
        Err(err) => Some(("cannot read", err)),
        Ok(_) => state.db.check_saving().await.err().map(|err| ("cannot save", err)),
    };
    match failed {
        None => (StatusCode::OK, "ok").into_response(),
        Some((status, reason)) => {
            tracing::warn!(status, reason = %reason, "health check failed");
            let body = serde_json::json!({ "status": status, "reason": reason.to_string() });
            (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
        }
    }
}
