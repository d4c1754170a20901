//! Logging in and out, with throttling that treats unknown emails and wrong passwords alike.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::hashing::HashingError;
use crate::accounts::throttle::Attempt;
use crate::accounts::{auth, store, throttle};
use crate::app::AppState;
use crate::audit;
use crate::error::Result;
use crate::web::client::ClientAddr;
use crate::web::{Page, is_local_path};

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn safe_next(next: &str) -> &str {
    if is_local_path(next) { next } else { "/" }
}

/// `GET /login`
pub async fn form(page: Page, Query(query): Query<NextQuery>) -> Result<Response> {
    if page.user.is_some() {
        return Ok(Redirect::to(safe_next(&query.next)).into_response());
    }
    Ok(page.render("accounts/login.html", context! { next => safe_next(&query.next), email => "" })?.into_response())
}

/// `POST /login`: reserves the attempt (or refuses it, throttled), checks the password in a
/// hashing slot (or asks to come back when all are busy), then logs in or keeps the failure.
pub async fn submit(
    State(state): State<AppState>,
    page: Page,
    ClientAddr(client): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let email = form.email.trim().to_string();
    let refuse = |status: StatusCode, error: String| {
        page.render_with_status(
            status,
            "accounts/login.html",
            context! { next => safe_next(&form.next), email => &email, error },
        )
    };

    let (key, addr) = (email.clone(), client.clone());
    let reservation = match state.db.write(move |tx| throttle::reserve(tx, &key, &addr)).await? {
        Attempt::Reserved { id } => id,
        Attempt::Refused { retry_after_secs } => {
            return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, throttled_message(retry_after_secs))?.into_response());
        }
    };

    let key = email.clone();
    let found = state.db.read(move |conn| store::find_credentials(conn, &key)).await?;
    let (user, hash) = match found {
        Some((user, hash)) if user.active => (Some(user), hash),
        _ => (None, None),
    };
    // Verified even when the email is unknown (against a decoy hash), so both cost the same time.
    let verified = match state.hashing.verify(form.password.clone(), hash).await {
        Ok(verified) => verified,
        Err(HashingError::Busy) => {
            // Not checked, so not a failure.
            state.db.write(move |tx| throttle::release(tx, reservation)).await?;
            let message = "Many people are logging in at this moment. Please try again in a few seconds.";
            return Ok(refuse(StatusCode::TOO_MANY_REQUESTS, message.into())?.into_response());
        }
        Err(err) => return Err(err.into()),
    };

    match user.filter(|_| verified) {
        Some(user) => {
            let logged_in = user.clone();
            state
                .db
                .write(move |tx| {
                    throttle::release(tx, reservation)?;
                    throttle::clear_for_email(tx, &logged_in.email)?;
                    store::record_login(tx, logged_in.id)?;
                    audit::record(tx, Some(&logged_in), "auth.login", &logged_in.email, "")
                })
                .await?;
            auth::log_in(&page.session, &user).await?;
            Ok(Redirect::to(safe_next(&form.next)).into_response())
        }
        None => {
            // The reservation stands as the failure.
            let key = email.clone();
            state
                .db
                .write(move |tx| audit::record(tx, None, "auth.login_failed", &key, &format!("from {client}")))
                .await?;
            Ok(refuse(StatusCode::UNPROCESSABLE_ENTITY, "The email or the password is wrong.".into())?.into_response())
        }
    }
}

fn throttled_message(wait_secs: i64) -> String {
    let minutes = (wait_secs + 59) / 60;
    format!(
        "Too many failed attempts. For your account's safety, logging in is paused; try again in {minutes} minute{}.",
        if minutes == 1 { "" } else { "s" }
    )
}

/// `POST /logout`
pub async fn logout(State(state): State<AppState>, page: Page) -> Result<Redirect> {
    if let Some(user) = page.user.clone() {
        state.db.write(move |tx| audit::record(tx, Some(&user), "auth.logout", &user.email, "")).await?;
    }
    auth::log_out(&page.session).await;
    Ok(Redirect::to("/login"))
}
