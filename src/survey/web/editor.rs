//! Editing a survey's definition: the whole questionnaire as TOML text, and translations side by
//! side. Every save is checked as a whole and refused with every problem listed; a survey with
//! responses keeps its answered questions and choices.

use axum::Form;
use axum::extract::{Path, Query, State};
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

/// Which translations the page shows: one language at a time, all its texts or those missing or
/// out of date.
#[derive(Deserialize, Default)]
pub struct TranslationsQuery {
    #[serde(default)]
    language: String,
    #[serde(default)]
    show: String,
}

impl TranslationsQuery {
    /// The language asked for if the survey has it (not its default), else its first other one.
    fn language<'d>(&self, d: &'d crate::survey::model::SurveyDefinition) -> Option<&'d String> {
        let mut others = d.languages.iter().filter(|l| **l != d.default_language);
        others.clone().find(|l| **l == self.language).or_else(|| others.next())
    }

    /// The state shown, or None for every text.
    fn state(&self) -> Option<translations::State> {
        match self.show.as_str() {
            "missing" => Some(translations::State::Missing),
            "out_of_date" => Some(translations::State::OutOfDate),
            _ => None,
        }
    }

    /// The page with this filter, for the redirect after a save.
    fn path(&self, slug: &str) -> String {
        let mut query = Vec::new();
        if !self.language.is_empty() {
            query.push(format!("language={}", crate::error::urlencode(&self.language)));
        }
        if self.state().is_some() {
            query.push(format!("show={}", crate::error::urlencode(&self.show)));
        }
        let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
        format!("/surveys/{slug}/translations{query}")
    }
}

/// `GET /surveys/{slug}/translations?language=L&show=missing|out_of_date`: the texts of one
/// language beside their source, all or those that need work.
pub async fn translations(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Query(query): Query<TranslationsQuery>,
) -> Result<Response> {
    let (id, definition) = (survey.id, survey.definition.clone());
    let texts = state.db.read(move |conn| translations::status(conn, id, &definition)).await?;
    let summary = translations::summarise(&texts, &survey.definition);
    let language = query.language(&survey.definition).cloned();
    let wanted = query.state();
    let total = texts.len();
    let shown_texts: Vec<_> = texts
        .into_iter()
        .filter_map(|text| {
            let translation = text.translations.into_iter().find(|t| Some(&t.language) == language.as_ref())?;
            wanted.is_none_or(|state| translation.state == state).then(|| {
                context! { path => text.path, label => text.label, source => text.source, translation }
            })
        })
        .collect();
    let own = context! {
        survey => &survey, summary, shown_texts, total, language, show => wanted.map(|_| query.show.as_str()),
        other_languages => survey.definition.languages.iter().filter(|l| **l != survey.definition.default_language).collect::<Vec<_>>(),
    };
    Ok(page.render("survey/translations.html", own)?.into_response())
}

/// `POST /surveys/{slug}/translations`: fields `t.{language}.{path}`, and the page's filter
/// (`language`, `show`) to come back to.
pub async fn save_translations(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let filter = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let back = TranslationsQuery { language: filter("language"), show: filter("show") }.path(&slug);
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
    Ok(Redirect::to(&back).into_response())
}
