//! Who is signed in: the session holds the user's id and the `session_epoch` it was issued under;
//! the account is read on every request, so a deactivation or a password reset ends the session at
//! once. Extractors state the role a route needs.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::{Role, User, store};
use crate::app::AppState;
use crate::error::AppError;
use crate::web::session_of;

const USER_KEY: &str = "user_id";
const EPOCH_KEY: &str = "epoch";
const SEEN_KEY: &str = "seen";
/// A signed-in session is re-saved (pushing its idle expiry back) at most this often.
const TOUCH_EVERY_SECS: i64 = 60;

/// The signed-in user loaded once per request and cached on it.
#[derive(Clone)]
struct CachedUser(Option<User>);

/// The signed-in, active user, if any.
pub async fn current_user(parts: &mut Parts, state: &AppState) -> Result<Option<User>, AppError> {
    if let Some(CachedUser(user)) = parts.extensions.get::<CachedUser>() {
        return Ok(user.clone());
    }
    let session = session_of(parts)?;
    let user = load_session_user(&session, state).await?;
    parts.extensions.insert(CachedUser(user.clone()));
    Ok(user)
}

async fn load_session_user(session: &Session, state: &AppState) -> Result<Option<User>, AppError> {
    let Ok(Some(user_id)) = session.get::<i64>(USER_KEY).await else { return Ok(None) };
    let epoch = session.get::<i64>(EPOCH_KEY).await.ok().flatten();
    let user = state.db.read_by_key(move |conn| store::find(conn, user_id)).await?;
    match user {
        Some(user) if user.active && Some(user.session_epoch) == epoch => {
            touch(session).await;
            Ok(Some(user))
        }
        _ => {
            // The account is gone, deactivated, or its sessions were ended: sign out here too.
            let _ = session.flush().await;
            Ok(None)
        }
    }
}

/// Marks the session as used so its idle expiry moves on, without a write on every request.
async fn touch(session: &Session) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let seen = session.get::<i64>(SEEN_KEY).await.ok().flatten().unwrap_or(0);
    if now - seen >= TOUCH_EVERY_SECS {
        let _ = session.insert(SEEN_KEY, now).await;
    }
}

/// Starts a signed-in session for `user` under a new session id (so a session id planted before
/// login is worthless after it) and a new CSRF token.
pub async fn log_in(session: &Session, user: &User) -> Result<(), AppError> {
    let fail = |e: tower_sessions::session::Error| AppError::Internal(anyhow::anyhow!("session: {e}"));
    session.cycle_id().await.map_err(fail)?;
    session.clear().await;
    session.insert(USER_KEY, user.id).await.map_err(fail)?;
    session.insert(EPOCH_KEY, user.session_epoch).await.map_err(fail)?;
    session.insert(SEEN_KEY, time::OffsetDateTime::now_utc().unix_timestamp()).await.map_err(fail)?;
    Ok(())
}

/// Keeps the current session valid after the user's own epoch moved (their own password change).
pub async fn restamp(session: &Session, epoch: i64) -> Result<(), AppError> {
    session.insert(EPOCH_KEY, epoch).await.map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
}

/// Ends the session.
pub async fn log_out(session: &Session) {
    let _ = session.flush().await;
}

async fn require(parts: &mut Parts, state: &AppState, role: Role) -> Result<User, AppError> {
    match current_user(parts, state).await? {
        Some(user) if user.role.includes(role) => Ok(user),
        Some(_) => Err(AppError::Forbidden),
        None => {
            let next = parts.uri.path_and_query().map_or("/", |pq| pq.as_str()).to_string();
            Err(AppError::LoginRequired { next })
        }
    }
}

/// Any signed-in user.
pub struct SignedIn(pub User);
/// A researcher or an admin.
pub struct Researcher(pub User);
/// An admin.
pub struct Admin(pub User);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Coder).await.map(SignedIn)
    }
}

impl FromRequestParts<AppState> for Researcher {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Researcher).await.map(Researcher)
    }
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Admin).await.map(Admin)
    }
}
