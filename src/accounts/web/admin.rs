//! Account management for admins: create (with a one-time link to set the password), change
//! name and role, deactivate and reactivate, reset a password, and read the audit log.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::auth::Admin;
use crate::accounts::tokens::{self, Purpose};
use crate::accounts::{Role, User, parse_email, store};
use crate::app::AppState;
use crate::audit;
use crate::db::DbError;
use crate::error::{AppError, Result};
use crate::text::{self, Lines};
use crate::web::Page;
use crate::web::page::flash;

#[derive(Deserialize, Default)]
pub struct NewUserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

fn roles() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// `GET /admin/users`
pub async fn list(State(state): State<AppState>, _admin: Admin, page: Page) -> Result<Response> {
    let users = state.db.read(store::list).await?;
    let own = context! { users, roles => roles(), form => context! { role => "coder" } };
    Ok(page.render("accounts/users.html", own)?.into_response())
}

/// `POST /admin/users`: creates the account and shows its invitation link once.
pub async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    page: Page,
    Form(form): Form<NewUserForm>,
) -> Result<Response> {
    let email = parse_email(&form.email);
    let role = Role::parse(&form.role).ok_or("Choose one of the roles.");
    let name = text::field("The name", &form.name, Lines::One);
    let taken = match &email {
        Ok(email) => {
            let email = email.clone();
            state.db.read(move |conn| store::email_exists(conn, &email)).await?
        }
        Err(_) => false,
    };
    if email.is_err() || role.is_err() || name.is_err() || taken {
        let email_error =
            email.as_ref().err().cloned().or(taken.then(|| "An account with this email already exists.".to_string()));
        let users = state.db.read(store::list).await?;
        let own = context! {
            users, roles => roles(), form => context! { email => &form.email, name => &form.name, role => &form.role },
            errors => context! { email => email_error, role => role.err(), name => name.err() },
        };
        return Ok(page
            .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "accounts/users.html", own)?
            .into_response());
    }
    let (Ok(email), Ok(role), Ok(name)) = (email, role, name) else { return Err(AppError::NotFound) };
    let created = state
        .db
        .write(move |tx| {
            // Checked again here: two admins creating the same account at once make one.
            if store::email_exists(tx, &email)? {
                return Ok(None);
            }
            let id = store::insert(tx, &email, &name, role, None)?;
            let token = tokens::issue(tx, id, Purpose::Invite)?;
            let user = store::find(tx, id)?.ok_or(DbError::TaskFailed)?;
            audit::record(tx, Some(&admin), "user.create", &user.email, &format!("role {}", role.as_str()))?;
            Ok(Some((user, token)))
        })
        .await?;
    let Some((user, token)) = created else {
        flash(&page.session, "error", "An account with this email already exists.").await;
        return Ok(Redirect::to("/admin/users").into_response());
    };
    show_link(&state, &page, &user, &token, "invite")
}

fn show_link(state: &AppState, page: &Page, user: &User, token: &str, kind: &str) -> Result<Response> {
    let link = format!("{}/account/set-password?token={token}", state.base_url());
    let own = context! { user, link, kind, valid_days => tokens::LINK_VALID_DAYS };
    Ok(page.render("accounts/link.html", own)?.into_response())
}

async fn find_user(state: &AppState, id: i64) -> Result<User> {
    state.db.read(move |conn| store::find(conn, id)).await?.ok_or(AppError::NotFound)
}

/// `GET /admin/users/{id}`
pub async fn show(State(state): State<AppState>, _admin: Admin, page: Page, Path(id): Path<i64>) -> Result<Response> {
    let user = find_user(&state, id).await?;
    Ok(page.render("accounts/user.html", context! { user, roles => roles() })?.into_response())
}

#[derive(Deserialize, Default)]
pub struct UpdateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /admin/users/{id}`: name and role.
pub async fn update(
    State(state): State<AppState>,
    Admin(admin): Admin,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<UpdateForm>,
) -> Result<Response> {
    let user = find_user(&state, id).await?;
    let (role, name) = match (Role::parse(&form.role), text::field("The name", &form.name, Lines::One)) {
        (Some(role), Ok(name)) => (role, name),
        (role, name) => {
            let errors = context! { role => role.is_none().then_some("Choose one of the roles."), name => name.err() };
            let own = context! { user, roles => roles(), errors, typed_name => &form.name };
            return Ok(page
                .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "accounts/user.html", own)?
                .into_response());
        }
    };
    let changed = user.clone();
    let outcome = state
        .db
        .write(move |tx| {
            if changed.role == Role::Admin && role != Role::Admin && store::other_active_admins(tx, changed.id)? == 0 {
                return Ok(Err("This is the last active admin; make someone else an admin first."));
            }
            store::update_profile(tx, changed.id, &name, role)?;
            let details = format!("role {} → {}", changed.role.as_str(), role.as_str());
            audit::record(tx, Some(&admin), "user.update", &changed.email, &details)?;
            Ok(Ok(()))
        })
        .await?;
    if let Err(message) = outcome {
        let own = context! { user, roles => roles(), errors => context! { role => message } };
        return Ok(page
            .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "accounts/user.html", own)?
            .into_response());
    }
    flash(&page.session, "success", format!("Saved {}.", user.email)).await;
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct ActiveForm {
    #[serde(default)]
    active: String,
}

/// `POST /admin/users/{id}/active`: deactivation ends the user's sessions at once.
pub async fn set_active(
    State(state): State<AppState>,
    Admin(admin): Admin,
    page: Page,
    Path(id): Path<i64>,
    Form(form): Form<ActiveForm>,
) -> Result<Response> {
    let user = find_user(&state, id).await?;
    let active = form.active == "1";
    let changed = user.clone();
    let outcome = state
        .db
        .write(move |tx| {
            if !active && changed.role == Role::Admin && store::other_active_admins(tx, changed.id)? == 0 {
                return Ok(Err("This is the last active admin and cannot be deactivated."));
            }
            store::set_active(tx, changed.id, active)?;
            let action = if active { "user.activate" } else { "user.deactivate" };
            audit::record(tx, Some(&admin), action, &changed.email, "")?;
            Ok(Ok(()))
        })
        .await?;
    match outcome {
        Ok(()) => {
            let what = if active { "reactivated" } else { "deactivated; their sessions have ended" };
            flash(&page.session, "success", format!("{} {what}.", user.email)).await;
        }
        Err(message) => flash(&page.session, "error", message).await,
    }
    Ok(Redirect::to(&format!("/admin/users/{id}")).into_response())
}

/// `POST /admin/users/{id}/reset`: ends the user's sessions and issues a one-time reset link.
pub async fn reset_password(
    State(state): State<AppState>,
    Admin(admin): Admin,
    page: Page,
    Path(id): Path<i64>,
) -> Result<Response> {
    let user = find_user(&state, id).await?;
    let target = user.clone();
    let token = state
        .db
        .write(move |tx| {
            store::end_sessions(tx, target.id)?;
            let token = tokens::issue(tx, target.id, Purpose::Reset)?;
            audit::record(tx, Some(&admin), "user.password_reset", &target.email, "")?;
            Ok(token)
        })
        .await?;
    show_link(&state, &page, &user, &token, "reset")
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    action: String,
    /// Part of the acting account's email.
    #[serde(default)]
    actor: String,
}

/// `GET /admin/audit?action=prefix`
pub async fn audit(
    State(state): State<AppState>,
    Admin(admin): Admin,
    page: Page,
    Query(query): Query<AuditQuery>,
) -> Result<Response> {
    let (prefix, actor) = (query.action.trim().to_string(), query.actor.trim().to_string());
    let entries = state.db.read(move |conn| audit::recent(conn, &prefix, &actor, 500)).await?;
    let own = context! { entries, action => query.action, actor => query.actor, time_zone => admin.time_zone };
    Ok(page.render("accounts/audit.html", own)?.into_response())
}
