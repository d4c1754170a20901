//! The context every page shares (the signed-in user, the CSRF token, a flash message), built in
//! one place and merged into each template's own context.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::Html;
use minijinja::{Value, context};
use serde::Serialize;
use tower_sessions::Session;

use crate::accounts::User;
use crate::accounts::auth::current_user;
use crate::app::AppState;
use crate::error::AppError;

const FLASH_KEY: &str = "flash";

/// A one-time message shown on the next page, e.g. "Password changed".
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
pub struct Flash {
    pub kind: String,
    pub message: String,
}

/// Extractor for handlers that render pages.
pub struct Page {
    pub session: Session,
    pub csrf_token: String,
    pub user: Option<User>,
    flash: Option<Flash>,
    templates: std::sync::Arc<super::templates::Templates>,
}

impl FromRequestParts<AppState> for Page {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = super::session_of(parts)?;
        let csrf_token = super::csrf::session_token(&session).await?;
        let user = current_user(parts, state).await?;
        // Removed only when there is one: tower-sessions marks a session changed on any remove,
        // and a changed session is written back, so an unconditional remove put a write behind
        // every page.
        let flash = session.get::<Flash>(FLASH_KEY).await.ok().flatten();
        if flash.is_some() {
            let _ = session.remove::<Flash>(FLASH_KEY).await;
        }
        Ok(Page { session, csrf_token, user, flash, templates: state.templates.clone() })
    }
}

impl Page {
    /// Renders a template with the shared context plus the page's own.
    pub fn render(&self, template: &str, own: Value) -> Result<Html<String>, AppError> {
        let shared = context! {
            csrf_token => &self.csrf_token,
            current_user => &self.user,
            flash => &self.flash,
        };
        Ok(Html(self.templates.render(template, context! { ..own, ..shared })?))
    }

    /// Renders with a status, for forms shown again with errors (422).
    pub fn render_with_status(
        &self,
        status: axum::http::StatusCode,
        template: &str,
        own: Value,
    ) -> Result<(axum::http::StatusCode, Html<String>), AppError> {
        Ok((status, self.render(template, own)?))
    }
}

/// Queues a message for the next page the person sees.
pub async fn flash(session: &Session, kind: &str, message: impl Into<String>) {
    let flash = Flash { kind: kind.into(), message: message.into() };
    if let Err(err) = session.insert(FLASH_KEY, flash).await {
        tracing::warn!(error = %err, "could not store a flash message");
    }
}
