//! The start page after login, and the health check.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use minijinja::context;

use crate::accounts::auth::SignedIn;
use crate::app::AppState;
use crate::error::Result;
use crate::web::Page;

/// A codebook the person can code in, with their progress.
#[derive(serde::Serialize)]
struct CodingWork {
    id: i64,
    name: String,
    survey: String,
    done: i64,
    assigned: i64,
}

/// `GET /`
pub async fn home(State(state): State<AppState>, SignedIn(user): SignedIn, page: Page) -> Result<Response> {
    let user_id = user.id;
    let coding = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT c.id, c.draft, s.slug, COUNT(*), SUM(EXISTS (SELECT 1 FROM coding_done d WHERE d.codebook_id = a.codebook_id \
                     AND d.response_id = a.response_id AND d.question = a.question AND d.coder_id = a.coder_id)) \
                 FROM assignments a JOIN codebooks c ON c.id = a.codebook_id JOIN surveys s ON s.id = c.survey_id \
                 WHERE a.coder_id = ?1 GROUP BY c.id ORDER BY c.id",
            )?;
            let rows = stmt.query_map([user_id], |r| {
                let draft: String = r.get(1)?;
                let name = serde_json::from_str::<crate::codebook::model::CodebookFile>(&draft).map(|f| f.name).unwrap_or_default();
                Ok(CodingWork { id: r.get(0)?, name, survey: r.get(2)?, assigned: r.get(3)?, done: r.get(4)? })
            })?;
            Ok(rows.collect::<std::result::Result<Vec<_>, _>>()?)
        })
        .await?;
    Ok(page.render("dashboard.html", context! { coding })?.into_response())
}

/// `GET /healthz`: 200 `ok` when the database can be read and saving works; otherwise 503 with
/// JSON saying which and why: `{"status": "cannot read" | "cannot save", "reason": …}`. Saving
/// fails with a full disk or files that cannot be written; the answer is 200 again as soon as a
/// save works. The server keeps serving either way.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let read = state.db.read(|conn| Ok(conn.prepare_cached("SELECT 1")?.query_row([], |row| row.get::<_, i64>(0))?));
    let failed = match read.await {
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
