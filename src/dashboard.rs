//! The start page after login (with, for a researcher who has no survey yet, the study kit in
//! one click), and the health check.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use crate::accounts::Role;
use crate::accounts::auth::{Researcher, SignedIn};
use crate::app::AppState;
use crate::coding::store::CodingWork;
use crate::error::Result;
use crate::survey::ImportError;
use crate::survey::members::{self, Need};
use crate::web::Page;
use crate::web::page::flash;

/// `GET /`: the surveys the person manages (or, with none, how to begin), and the codebooks they
/// were given answers in (those of surveys they are still a member of).
pub async fn home(State(state): State<AppState>, SignedIn(user): SignedIn, page: Page) -> Result<Response> {
    let surveys = if user.role.includes(Role::Researcher) {
        crate::survey::web::survey_rows(&state, &user).await?
    } else {
        Vec::new()
    };
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
    Ok(page.render("dashboard.html", context! { coding, surveys })?.into_response())
}

/// `POST /study-kit`: the shipped questionnaire as a draft survey and its codebook, in one step;
/// then the survey's overview, which says what to do next.
pub async fn import_study_kit(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
) -> Result<Response> {
    let imported = state
        .db
        .write(move |tx| match crate::study_kit::import(tx, &user) {
            Ok(imported) => Ok(Ok(imported)),
            Err(ImportError::Invalid(errors)) => Ok(Err(errors)),
            Err(ImportError::Db(err)) => Err(err),
        })
        .await?;
    match imported {
        Ok(kit) => {
            let message = "The study kit is in: a draft survey and its codebook. Review the questions, then open it.";
            flash(&page.session, "success", message).await;
            Ok(Redirect::to(&format!("/surveys/{}", kit.slug)).into_response())
        }
        Err(errors) => {
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            flash(&page.session, "error", format!("The study kit was not imported: {message}")).await;
            Ok(Redirect::to("/").into_response())
        }
    }
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
