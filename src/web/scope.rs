//! Where staff requests are scoped to a survey. Every route under a survey takes one of these
//! extractors: it resolves `{slug}` (or a codebook's `{id}`) to the survey, reads the signed-in
//! user's membership with it in one query, and lets `survey::members::decide` say whether the
//! route's need is met: non-members get 404 (as if there were nothing there), member coders on a
//! researcher's page 403, and someone not signed in the login page first. The handler gets the
//! user, the survey (and codebook) and how the user stands toward it, so it cannot forget to ask.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

use crate::accounts::User;
use crate::accounts::auth::SignedIn;
use crate::app::AppState;
use crate::codebook::store::StoredCodebook;
use crate::error::AppError;
use crate::survey::members::{self, Need, Refusal, Standing, store};
use crate::survey::store::StoredSurvey;

/// A survey's own pages (`/surveys/{slug}/…`): its researchers and admins.
pub struct ManagedSurvey {
    pub user: User,
    pub survey: StoredSurvey,
    pub standing: Standing,
}

/// A codebook reached by `{id}`, with its survey, and the user who reached it.
pub struct CodebookScope {
    pub user: User,
    pub survey: StoredSurvey,
    pub codebook: StoredCodebook,
    pub standing: Standing,
}

/// A codebook's researcher pages (`/codebooks/{id}/…`: editing, assignment, reconciliation,
/// agreement): the survey's researchers and admins.
pub struct ManagedCodebook(pub CodebookScope);

/// A codebook's coding pages: the survey's researchers, admins, and coders given answers in it.
pub struct CodingCodebook(pub CodebookScope);

impl FromRequestParts<AppState> for ManagedSurvey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
        let slug = path_param(parts, state, "slug").await?;
        let user_id = user.id;
        let (survey, member) = state
            .db
            .read_by_key(move |conn| store::survey_at(conn, &slug, user_id))
            .await?
            .ok_or(AppError::NotFound)?;
        let standing = let_in(members::decide(user.role, member, Need::Manage, false))?;
        Ok(ManagedSurvey { user, survey, standing })
    }
}

impl FromRequestParts<AppState> for ManagedCodebook {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        codebook(parts, state, Need::Manage).await.map(ManagedCodebook)
    }
}

impl FromRequestParts<AppState> for CodingCodebook {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        codebook(parts, state, Need::Code).await.map(CodingCodebook)
    }
}

/// The codebook named by `{id}`, if the signed-in user's membership meets `need`.
async fn codebook(parts: &mut Parts, state: &AppState, need: Need) -> Result<CodebookScope, AppError> {
    let SignedIn(user) = SignedIn::from_request_parts(parts, state).await?;
    // Not a number: no such codebook.
    let id: i64 = path_param(parts, state, "id").await?.parse().map_err(|_| AppError::NotFound)?;
    let user_id = user.id;
    let found =
        state.db.read_by_key(move |conn| store::codebook_at(conn, id, user_id)).await?.ok_or(AppError::NotFound)?;
    let standing = let_in(members::decide(user.role, found.member, need, found.assigned))?;
    Ok(CodebookScope { user, survey: found.survey, codebook: found.codebook, standing })
}

fn let_in(decision: Result<Standing, Refusal>) -> Result<Standing, AppError> {
    decision.map_err(|refusal| match refusal {
        Refusal::NotFound => AppError::NotFound,
        Refusal::Forbidden => AppError::Forbidden,
    })
}

/// The route parameter `name`; a route that takes a scope extractor without it is a programming
/// error, reported as such rather than answered as "not found".
async fn path_param(parts: &mut Parts, state: &AppState, name: &str) -> Result<String, AppError> {
    let params =
        RawPathParams::from_request_parts(parts, state).await.map_err(|e| anyhow::anyhow!("route parameters: {e}"))?;
    params.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string()).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("the route {} has no {{{name}}} to scope it by", parts.uri.path()))
    })
}
