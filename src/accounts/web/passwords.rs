//! Passwords: changing one's own, and setting one through a one-time invitation or reset link.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::auth::{self, SignedIn};
use crate::accounts::{check_new_password, store, tokens};
use crate::app::AppState;
use crate::audit;
use crate::error::Result;
use crate::web::Page;
use crate::web::page::flash;

#[derive(Deserialize, Default)]
pub struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

/// `GET /account/password`
pub async fn change_form(_user: SignedIn, page: Page) -> Result<Response> {
    Ok(page.render("accounts/password.html", context! {})?.into_response())
}

/// `POST /account/password`
pub async fn change(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    page: Page,
    Form(form): Form<ChangeForm>,
) -> Result<Response> {
    let email = user.email.clone();
    let stored = state.db.read(move |conn| store::find_credentials(conn, &email)).await?.and_then(|(_, hash)| hash);
    let current_ok = state.hashing.verify(form.current_password.clone(), stored).await?;
    let errors = context! {
        current_password => (!current_ok).then_some("The current password is wrong."),
        password => check_new_password(&form.password, &form.password_confirmation, &user.email).err(),
    };
    if !current_ok || check_new_password(&form.password, &form.password_confirmation, &user.email).is_err() {
        return Ok(page
            .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "accounts/password.html", context! { errors })?
            .into_response());
    }
    let hash = super::hash_password(&state, form.password).await?;
    let changed = user.clone();
    let epoch = state
        .db
        .write(move |tx| {
            store::set_password(tx, changed.id, &hash)?;
            audit::record(tx, Some(&changed), "user.password_change", &changed.email, "")?;
            Ok(store::find(tx, changed.id)?.map_or(0, |u| u.session_epoch))
        })
        .await?;
    // Other sessions of this user end; this one carries on.
    auth::restamp(&page.session, epoch).await?;
    flash(&page.session, "success", "Your password has been changed. Other sessions were signed out.").await;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize, Default)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize, Default)]
pub struct SetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirmation: String,
}

fn link_invalid(page: &Page) -> Result<Response> {
    Ok(page.render_with_status(StatusCode::NOT_FOUND, "accounts/link_invalid.html", context! {})?.into_response())
}

/// `GET /account/set-password?token=…`
pub async fn set_form(State(state): State<AppState>, page: Page, Query(query): Query<TokenQuery>) -> Result<Response> {
    let token = query.token.clone();
    let user = state
        .db
        .read(move |conn| match tokens::lookup(conn, &token)? {
            Some(id) => store::find(conn, id),
            None => Ok(None),
        })
        .await?;
    let Some(user) = user else { return link_invalid(&page) };
    Ok(page
        .render("accounts/set_password.html", context! { token => query.token, email => user.email })?
        .into_response())
}

/// `POST /account/set-password`
pub async fn set(State(state): State<AppState>, page: Page, Form(form): Form<SetForm>) -> Result<Response> {
    let token = form.token.clone();
    let user = state
        .db
        .read(move |conn| match tokens::lookup(conn, &token)? {
            Some(id) => store::find(conn, id),
            None => Ok(None),
        })
        .await?;
    let Some(user) = user else { return link_invalid(&page) };
    if let Err(error) = check_new_password(&form.password, &form.password_confirmation, &user.email) {
        let own = context! { token => &form.token, email => &user.email, errors => context! { password => error } };
        return Ok(page
            .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "accounts/set_password.html", own)?
            .into_response());
    }
    let hash = super::hash_password(&state, form.password).await?;
    let token = form.token;
    let done = state
        .db
        .write(move |tx| {
            // Consumed in the same transaction as the password is set: a link works exactly once.
            let Some(id) = tokens::consume(tx, &token)? else { return Ok(false) };
            store::set_password(tx, id, &hash)?;
            audit::record(tx, Some(&user), "user.password_set", &user.email, "through a one-time link")?;
            Ok(true)
        })
        .await?;
    if !done {
        return link_invalid(&page);
    }
    flash(&page.session, "success", "Your password is set. You can log in now.").await;
    Ok(Redirect::to("/login").into_response())
}
