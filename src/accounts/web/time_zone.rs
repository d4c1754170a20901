//! The person's time zone, in which dates and times are shown and typed (`/account/time-zone`).

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::auth::SignedIn;
use crate::accounts::store;
use crate::app::AppState;
use crate::error::Result;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::time_zone;

/// `GET /account/time-zone`
pub async fn form(SignedIn(user): SignedIn, page: Page) -> Result<Response> {
    let own = context! { current => &user.time_zone, zones => time_zone::names(), error => None::<String> };
    Ok(page.render("accounts/time_zone.html", own)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct TimeZoneForm {
    #[serde(default)]
    time_zone: String,
}

/// `POST /account/time-zone`
pub async fn save(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
    page: Page,
    Form(form): Form<TimeZoneForm>,
) -> Result<Response> {
    let zone = form.time_zone.trim().to_string();
    if time_zone::find(&zone).is_none() {
        let error = format!("\"{zone}\" is not a time zone this server knows; choose one from the list");
        let own = context! { current => zone, zones => time_zone::names(), error };
        return Ok(page
            .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "accounts/time_zone.html", own)?
            .into_response());
    }
    let (id, saved) = (user.id, zone.clone());
    state.db.write(move |tx| store::set_time_zone(tx, id, &saved)).await?;
    flash(&page.session, "success", format!("Times are now shown in {zone}.")).await;
    Ok(Redirect::to("/account/time-zone").into_response())
}
