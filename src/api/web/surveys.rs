//! `GET /api/v1/surveys` (the surveys the token's holder may reach) and
//! `GET /api/v1/surveys/{slug}` (one, with its definition as JSON).

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::auth::{ApiSurvey, TokenHolder};
use crate::api::error::{ApiResult, ErrorBody};
use crate::app::AppState;
use crate::survey::members::{self, Need, store as members_store};
use crate::survey::store::StoredSurvey;

/// A survey as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveySummary {
    /// The survey's address (what every other endpoint takes as `{slug}`).
    pub slug: String,
    /// The title in the survey's default language.
    pub title: String,
    /// `draft`, `open` or `closed`.
    pub status: String,
    pub version: i64,
    pub default_language: String,
    pub languages: Vec<String>,
    pub anonymous: bool,
    pub created_at: String,
    pub updated_at: String,
    pub opened_at: Option<String>,
}

impl SurveySummary {
    fn of(survey: &StoredSurvey) -> SurveySummary {
        let d = &survey.definition;
        SurveySummary {
            slug: survey.slug.clone(),
            title: d.text(&d.title, &d.default_language).to_string(),
            status: survey.status.as_str().to_string(),
            version: survey.version,
            default_language: d.default_language.clone(),
            languages: d.languages.clone(),
            anonymous: d.anonymous,
            created_at: survey.created_at.clone(),
            updated_at: survey.updated_at.clone(),
            opened_at: survey.opened_at.clone(),
        }
    }
}

/// A survey with its definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyDetail {
    #[serde(flatten)]
    pub summary: SurveySummary,
    /// The definition, as the survey's TOML file has it (pages, questions, choices, texts).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
}

/// The surveys the token's holder may reach, most recently changed first.
#[utoipa::path(get, operation_id = "list_surveys", path = "/api/v1/surveys", tag = "surveys", security(("token" = [])),
    responses(
        (status = 200, description = "The surveys", body = [SurveySummary]),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 429, description = "Too many failed attempts from this address", body = ErrorBody),
    ))]
pub async fn list(State(state): State<AppState>, holder: TokenHolder) -> ApiResult<Json<Vec<SurveySummary>>> {
    let (user_id, role) = (holder.user.id, holder.user.role);
    let all = state.db.read(move |conn| members_store::surveys_with_membership(conn, user_id)).await?;
    let reachable = all
        .iter()
        .filter(|(_, member)| members::decide(role, *member, Need::Manage, false).is_ok())
        .map(|(survey, _)| SurveySummary::of(survey))
        .collect();
    Ok(Json(reachable))
}

/// One survey, with its definition.
#[utoipa::path(get, operation_id = "get_survey", path = "/api/v1/surveys/{slug}", tag = "surveys", security(("token" = [])),
    params(("slug" = String, Path, description = "The survey's address")),
    responses(
        (status = 200, description = "The survey", body = SurveyDetail),
        (status = 401, description = "No token, or not a valid one", body = ErrorBody),
        (status = 403, description = "A coder of the survey (the API serves its researchers)", body = ErrorBody),
        (status = 404, description = "No such survey, or not one the holder may reach", body = ErrorBody),
    ))]
pub async fn show(ApiSurvey { survey, .. }: ApiSurvey) -> ApiResult<Json<SurveyDetail>> {
    let definition = serde_json::to_value(&survey.definition).map_err(anyhow::Error::from)?;
    Ok(Json(SurveyDetail { summary: SurveySummary::of(&survey), definition }))
}
