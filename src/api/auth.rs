//! Who an API request comes from: the `Authorization: Bearer TOKEN` header, checked against the
//! stored tokens (sessions and cookies play no part), and the survey at `{slug}` the token's
//! holder may reach, by the one membership rule (`survey::members::decide`): admins and the
//! survey's researchers; its coders get 403, anyone else 404.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};

use super::error::ApiError;
use super::tokens::{self, Presented, Scope, store};
use crate::accounts::{User, throttle};
use crate::app::AppState;
use crate::survey::members::{self, Need, Refusal, store as members_store};
use crate::survey::store::StoredSurvey;
use crate::web::client::ClientAddr;

/// The holder of a valid token and what the token may do.
pub struct TokenHolder {
    pub user: User,
    pub scope: Scope,
}

/// A token holder who may reach the survey at `{slug}` (for reading).
pub struct ApiSurvey {
    pub user: User,
    pub scope: Scope,
    pub survey: StoredSurvey,
}

/// As `ApiSurvey`, with a token that may write.
pub struct WritableSurvey(pub ApiSurvey);

/// What checking a token came to, decided in one write.
enum Checked {
    Holder(User, Scope),
    Refused(ApiError),
}

impl FromRequestParts<AppState> for TokenHolder {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let Ok(ClientAddr(client)) = ClientAddr::from_request_parts(parts, state).await;
        // Failures count per client address (as a login's do, in the same table). Not per token:
        // a secret of 256 bits is not guessed, and a count per token would let anyone who saw a
        // token's prefix lock it.
        let key = format!("api-token from {client}");
        let checked = state
            .db
            .write(move |tx| {
                let id = match throttle::reserve(tx, &key, &client)? {
                    throttle::Attempt::Reserved { id } => id,
                    throttle::Attempt::Refused { retry_after_secs } => {
                        let mut refused = ApiError::new(
                            StatusCode::TOO_MANY_REQUESTS,
                            "too many failed attempts with tokens from this address; wait and try again",
                        );
                        refused.retry_after = Some(retry_after_secs);
                        return Ok(Checked::Refused(refused));
                    }
                };
                let now = time::OffsetDateTime::now_utc().unix_timestamp();
                let presented = tokens::check(tx, &token, now)?;
                if presented == Presented::Unknown {
                    // The reservation stands as a failure.
                    return Ok(Checked::Refused(ApiError::unauthorized("the token is not valid")));
                }
                throttle::release(tx, id)?;
                let (token_id, user_id, scope) = match presented {
                    Presented::Valid { id, user_id, scope } => (id, user_id, scope),
                    Presented::Expired => return Ok(Checked::Refused(ApiError::unauthorized("the token has expired"))),
                    _ => return Ok(Checked::Refused(ApiError::unauthorized("the token was revoked"))),
                };
                let user = crate::accounts::store::find(tx, user_id)?.filter(|u| u.active);
                let Some(user) = user else {
                    return Ok(Checked::Refused(ApiError::unauthorized("the token's account is deactivated")));
                };
                store::touch_token(tx, token_id)?;
                Ok(Checked::Holder(user, scope))
            })
            .await?;
        match checked {
            Checked::Holder(user, scope) => Ok(TokenHolder { user, scope }),
            Checked::Refused(error) => Err(error),
        }
    }
}

/// The token in the `Authorization` header (never logged).
fn bearer(parts: &Parts) -> Result<String, ApiError> {
    let missing = || ApiError::unauthorized("give a token: Authorization: Bearer TOKEN");
    let value = parts.headers.get(header::AUTHORIZATION).ok_or_else(missing)?;
    let value = value.to_str().map_err(|_| missing())?;
    let (kind, token) = value.split_once(' ').ok_or_else(missing)?;
    if !kind.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim().to_string())
}

impl FromRequestParts<AppState> for ApiSurvey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let holder = TokenHolder::from_request_parts(parts, state).await?;
        survey(parts, state, holder).await
    }
}

impl FromRequestParts<AppState> for WritableSurvey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let holder = TokenHolder::from_request_parts(parts, state).await?;
        if !holder.scope.allows(Scope::Write) {
            return Err(ApiError::new(StatusCode::FORBIDDEN, "this token may only read; make a read-write token"));
        }
        survey(parts, state, holder).await.map(WritableSurvey)
    }
}

/// The survey at `{slug}`, if the holder may reach it.
async fn survey(parts: &mut Parts, state: &AppState, holder: TokenHolder) -> Result<ApiSurvey, ApiError> {
    let params =
        RawPathParams::from_request_parts(parts, state).await.map_err(|e| anyhow::anyhow!("route parameters: {e}"))?;
    let slug = params
        .iter()
        .find(|(key, _)| *key == "slug")
        .map(|(_, value)| value.to_string())
        .ok_or_else(|| anyhow::anyhow!("the route {} has no {{slug}}", parts.uri.path()))?;
    let user_id = holder.user.id;
    let not_found = || ApiError::not_found(format!("there is no survey at the address \"{slug}\" that you may reach"));
    let found = state.db.read({
        let slug = slug.clone();
        move |conn| members_store::survey_at(conn, &slug, user_id)
    });
    let (survey, member) = found.await?.ok_or_else(not_found)?;
    match members::decide(holder.user.role, member, Need::Manage, false) {
        Ok(_) => Ok(ApiSurvey { user: holder.user, scope: holder.scope, survey }),
        Err(Refusal::NotFound) => Err(not_found()),
        Err(Refusal::Forbidden) => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "you are a coder of this survey; the API serves its researchers and admins",
        )),
    }
}
