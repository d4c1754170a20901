//! The survey's Webhooks page (`/surveys/{slug}/webhooks`): its webhooks with their secrets, a
//! form to add one, "send a test event", removing one, and the delivery log (the latest
//! deliveries with their attempts, last answer and when the next attempt is due).

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::Deserialize;

use super::{store, url};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;
use crate::web::page::flash;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;
use crate::web::{Page, random_token};

/// Deliveries the log shows.
const LOG_ROWS: i64 = 50;

pub fn router() -> Routes {
    Routes::new()
        .route("/surveys/{slug}/webhooks", get(page).post(add))
        .route("/surveys/{slug}/webhooks/{id}/test", post(test))
        .route("/surveys/{slug}/webhooks/{id}/delete", post(remove))
}

#[derive(Deserialize, Default)]
pub struct WebhookForm {
    #[serde(default)]
    url: String,
}

/// `GET /surveys/{slug}/webhooks`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    render(&state, &page, &survey, StatusCode::OK, "", None).await
}

/// `POST /surveys/{slug}/webhooks`: registers an address, with a new secret.
pub async fn add(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Form(form): Form<WebhookForm>,
) -> Result<Response> {
    let target = url::parse(&form.url, state.config.allow_private_webhooks);
    if let Err(error) = target {
        return render(&state, &page, &survey, StatusCode::UNPROCESSABLE_ENTITY, &form.url, Some(error)).await;
    }
    let (id, slug, address, actor) = (survey.id, survey.slug.clone(), form.url.trim().to_string(), user.clone());
    state
        .db
        .write(move |tx| {
            store::insert(tx, id, &address, &random_token(), Some(actor.id))?;
            crate::audit::record(tx, Some(&actor), "webhook.add", &slug, &address)
        })
        .await?;
    flash(&page.session, "success", "Webhook added: each completed response will be sent to it.".to_string()).await;
    Ok(Redirect::to(&format!("/surveys/{}/webhooks", survey.slug)).into_response())
}

/// `POST /surveys/{slug}/webhooks/{id}/test`: queues a test event.
pub async fn test(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (survey_id, slug) = (survey.id, survey.slug.clone());
    let queued = state
        .db
        .write(move |tx| {
            if store::find(tx, survey_id, id)?.is_none() {
                return Ok(false);
            }
            super::queue_test(tx, id, &slug).map(|()| true)
        })
        .await?;
    if !queued {
        return Err(AppError::NotFound);
    }
    state.webhooks.notify_one();
    flash(&page.session, "success", "A test event is on its way; its delivery appears in the log below.".to_string())
        .await;
    Ok(Redirect::to(&format!("/surveys/{}/webhooks", survey.slug)).into_response())
}

/// `POST /surveys/{slug}/webhooks/{id}/delete`: removes the webhook and its log.
pub async fn remove(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (survey_id, slug) = (survey.id, survey.slug.clone());
    let removed = state
        .db
        .write(move |tx| {
            let Some(hook) = store::find(tx, survey_id, id)? else { return Ok(false) };
            store::delete(tx, survey_id, id)?;
            crate::audit::record(tx, Some(&user), "webhook.remove", &slug, &hook.url).map(|()| true)
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    flash(&page.session, "success", "Webhook removed.".to_string()).await;
    Ok(Redirect::to(&format!("/surveys/{}/webhooks", survey.slug)).into_response())
}

async fn render(
    state: &AppState,
    page: &Page,
    survey: &StoredSurvey,
    status: StatusCode,
    typed: &str,
    error: Option<String>,
) -> Result<Response> {
    let id = survey.id;
    let (hooks, log) =
        state.db.read(move |conn| Ok((store::of_survey(conn, id)?, store::log(conn, id, LOG_ROWS)?))).await?;
    let log: Vec<_> = log
        .iter()
        .map(|d| {
            let next = time::OffsetDateTime::from_unix_timestamp(d.next_attempt_at / 1000).ok().map(crate::db::rfc3339);
            context! { delivery => d, next_attempt => next }
        })
        .collect();
    let own = context! { survey, hooks, log, url => typed, error, title => "Webhooks" };
    Ok(page.render_with_status(status, "webhooks/page.html", own)?.into_response())
}
