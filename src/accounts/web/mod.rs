//! The accounts screens: setup, login and logout, one's own password, set-password links, and
//! account management for admins.

mod admin;
mod login;
mod passwords;
mod setup;
mod time_zone;

use axum::routing::{get, post};

use crate::app::AppState;
use crate::web::routes::Routes;

pub fn router() -> Routes {
    Routes::new()
        .route("/setup", get(setup::form).post(setup::create_first_admin))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/account/password", get(passwords::change_form).post(passwords::change))
        .route("/account/set-password", get(passwords::set_form).post(passwords::set))
        .route("/account/time-zone", get(time_zone::form).post(time_zone::save))
        .route("/admin/users", get(admin::list).post(admin::create))
        .route("/admin/users/{id}", get(admin::show).post(admin::update))
        .route("/admin/users/{id}/active", post(admin::set_active))
        .route("/admin/users/{id}/reset", post(admin::reset_password))
        .route("/admin/audit", get(admin::audit))
}

/// Hashes a password on a blocking thread, in one of the hashing slots.
async fn hash_password(state: &AppState, password: String) -> crate::error::Result<String> {
    Ok(state.hashing.hash(password).await?)
}
