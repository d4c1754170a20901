//! First-run setup: the link printed by `serve` while no account exists lets one person create the
//! first administrator. It works once.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::{Role, auth, check_new_password, parse_email, store};
use crate::app::AppState;
use crate::audit;
use crate::db::DbError;
use crate::error::Result;
use crate::text::{self, Lines};
use crate::web::Page;

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// Whether the setup link is still open: no account yet and the right token.
async fn setup_open(state: &AppState, token: &str) -> Result<bool> {
    if !state.setup_token_matches(token) {
        return Ok(false);
    }
    Ok(state.db.read(store::count).await? == 0)
}

fn closed(page: &Page) -> Result<Response> {
    Ok(page.render_with_status(StatusCode::NOT_FOUND, "accounts/setup_closed.html", context! {})?.into_response())
}

/// `GET /setup?token=…`
pub async fn form(State(state): State<AppState>, page: Page, Query(query): Query<TokenQuery>) -> Result<Response> {
    if !setup_open(&state, &query.token).await? {
        return closed(&page);
    }
    Ok(page.render("accounts/setup.html", context! { token => query.token, form => context! {} })?.into_response())
}

/// `POST /setup`
pub async fn create_first_admin(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<SetupForm>,
) -> Result<Response> {
    if !setup_open(&state, &form.token).await? {
        return closed(&page);
    }
    let email = parse_email(&form.email);
    let password = check_new_password(&form.password, &form.password_confirmation, &form.email);
    let name = text::field("The name", &form.name, Lines::One);
    if email.is_err() || password.is_err() || name.is_err() {
        let errors = context! { email => email.err(), password => password.err(), name => name.err() };
        let shown = context! { email => &form.email, name => &form.name };
        return Ok(page
            .render_with_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                "accounts/setup.html",
                context! { token => &form.token, form => shown, errors },
            )?
            .into_response());
    }
    let (email, name) = (form.email.trim().to_string(), name.unwrap_or_default());
    let hash = super::hash_password(&state, form.password).await?;
    // Checked again inside the write transaction, so two people racing with the link make one admin.
    let created = state
        .db
        .write(move |tx| {
            if store::count(tx)? > 0 {
                return Ok(None);
            }
            let id = store::insert(tx, &email, &name, Role::Admin, Some(&hash))?;
            let user = store::find(tx, id)?.ok_or(DbError::TaskFailed)?;
            audit::record(tx, Some(&user), "setup.first_admin", &user.email, "")?;
            Ok(Some(user))
        })
        .await?;
    let Some(user) = created else { return closed(&page) };
    state.close_setup();
    auth::log_in(&page.session, &user).await?;
    Ok(Redirect::to("/").into_response())
}
