//! Editing a survey's definition: the whole questionnaire as TOML text, and translations side by
//! side. Every save is checked as a whole and refused with every problem listed; a survey with
//! responses keeps its answered questions and choices.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::app::AppState;
use crate::audit;
use crate::error::Result;
use crate::survey::store::StoredSurvey;
use crate::survey::validate::DefinitionError;
use crate::survey::{ImportError, SurveyDefinitionInput, file, translations, update};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

/// Saves a new definition for `survey`; Ok(version) or the problems found.
async fn save_definition(
    state: &AppState,
    user: &crate::accounts::User,
    survey: StoredSurvey,
    input: SurveyDefinitionInput,
) -> Result<Result<i64, Vec<DefinitionError>>> {
    let actor = user.clone();
    Ok(state
        .db
        .write(move |tx| match update(tx, &survey, input) {
            Ok(version) => {
                audit::record(tx, Some(&actor), "survey.edit", &survey.slug, &format!("version {version}"))?;
                Ok(Ok(version))
            }
            Err(ImportError::Invalid(errors)) => Ok(Err(errors)),
            Err(ImportError::Db(err)) => Err(err),
        })
        .await?)
}

/// `GET /surveys/{slug}/definition`
pub async fn form(ManagedSurvey { survey, .. }: ManagedSurvey, page: Page) -> Result<Response> {
    let text = file::to_toml(&survey.definition).map_err(|e| anyhow::anyhow!("serialising a definition: {e}"))?;
    Ok(page.render("survey/definition.html", context! { survey => &survey, text })?.into_response())
}

#[derive(Deserialize, Default)]
pub struct DefinitionForm {
    #[serde(default)]
    text: String,
}

/// `POST /surveys/{slug}/definition`
pub async fn save(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(form): Form<DefinitionForm>,
) -> Result<Response> {
    let shown = survey.clone();
    match save_definition(&state, &user, survey, SurveyDefinitionInput::Toml(form.text.clone())).await? {
        Ok(version) => {
            flash(&page.session, "success", format!("Saved. The survey is at version {version}.")).await;
            let new_slug = crate::survey::file::from_toml(&form.text).map(|c| c.definition.slug).unwrap_or(slug);
            Ok(Redirect::to(&format!("/surveys/{new_slug}")).into_response())
        }
        Err(errors) => {
            let own = context! { survey => &shown, text => form.text, errors };
            Ok(page
                .render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "survey/definition.html", own)?
                .into_response())
        }
    }
}

/// `GET /surveys/{slug}/translations`
pub async fn translations(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    let (id, definition) = (survey.id, survey.definition.clone());
    let texts = state.db.read(move |conn| translations::status(conn, id, &definition)).await?;
    let summary = translations::summarise(&texts, &survey.definition);
    Ok(page.render("survey/translations.html", context! { survey => &survey, texts, summary })?.into_response())
}

/// `POST /surveys/{slug}/translations`: fields `t.{language}.{path}`.
pub async fn save_translations(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let mut definition = survey.definition.clone();
    for (name, value) in &fields {
        let Some(rest) = name.strip_prefix("t.") else { continue };
        let Some((language, path)) = rest.split_once('.') else { continue };
        if language != definition.default_language && definition.languages.iter().any(|l| l == language) {
            translations::set(&mut definition, path, language, value);
        }
    }
    match save_definition(&state, &user, survey, SurveyDefinitionInput::Definition(Box::new(definition))).await? {
        Ok(_) => flash(&page.session, "success", "Translations saved.").await,
        Err(errors) => {
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            flash(&page.session, "error", format!("Not saved: {message}")).await;
        }
    }
    Ok(Redirect::to(&format!("/surveys/{slug}/translations")).into_response())
}
