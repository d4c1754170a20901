//! Surveys: the definition (pages, questions, choices, texts per language), its TOML file format,
//! checking and display logic, storage with versions, and the researcher's screens.

pub mod cache;
pub mod changes;
pub mod cli;
pub mod file;
pub mod logic;
pub mod members;
pub mod messages;
pub mod model;
pub mod order;
pub mod overview;
pub mod pipe;
pub mod placeholders;
pub mod store;
pub mod translations;
pub mod validate;
pub mod web;

use rusqlite::Connection;

use crate::db::DbError;
use validate::DefinitionError;

/// The survey at `slug`, or an error naming the address: what every command that takes a survey's
/// address looks up first.
pub fn at_address(conn: &Connection, slug: &str) -> anyhow::Result<store::StoredSurvey> {
    use anyhow::Context as _;
    store::find_by_slug(conn, slug)?.with_context(|| format!("there is no survey with the address \"{slug}\""))
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {} problem(s)", .0.len())]
    Invalid(Vec<DefinitionError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Creates a draft survey from a TOML questionnaire, all or nothing. Returns its id and slug. Its
/// creator (`created_by`, None from the command line) becomes its first researcher.
pub fn import_toml(conn: &Connection, text: &str, created_by: Option<i64>) -> Result<(i64, String), ImportError> {
    let compiled = file::from_toml(text).map_err(ImportError::Invalid)?;
    let mut definition = compiled.definition;
    let errors = validate::typed_texts(&mut definition);
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    if store::slug_exists(conn, &definition.slug)? {
        let message = format!("a survey with the address \"{}\" already exists; change `slug`", definition.slug);
        return Err(ImportError::Invalid(vec![DefinitionError { path: "slug".into(), message }]));
    }
    let id = store::insert(conn, &definition, created_by)?;
    translations::record_sources(conn, id, None, &definition)?;
    if let Some(creator) = created_by {
        members::store::upsert(conn, id, creator, members::MemberRole::Researcher, Some(creator))?;
    }
    Ok((id, definition.slug))
}

/// Replaces a survey's definition with `new`, all or nothing: it must be valid, keep its address
/// once opened, and not orphan stored answers. Returns the survey's version afterwards.
pub fn update(conn: &Connection, survey: &store::StoredSurvey, new: SurveyDefinitionInput) -> Result<i64, ImportError> {
    let compiled = match new {
        SurveyDefinitionInput::Toml(text) => file::from_toml(&text).map_err(ImportError::Invalid)?,
        SurveyDefinitionInput::Definition(definition) => {
            validate::CompiledSurvey::compile(*definition).map_err(ImportError::Invalid)?
        }
    };
    let mut definition = compiled.definition;
    let mut errors = validate::typed_texts(&mut definition);
    // `survey` was read before this transaction: if someone saved in between, this edit was made
    // on an outdated copy and would silently undo theirs.
    if store::updated_at(conn, survey.id)?.as_deref() != Some(survey.updated_at.as_str()) {
        let message = "someone saved this survey after you opened it; reload and make your change again".to_string();
        return Err(ImportError::Invalid(vec![DefinitionError { path: String::new(), message }]));
    }
    if definition.slug != survey.slug {
        if survey.opened_at.is_some() {
            let message = "the address cannot change once the survey has been opened: links to it are out".to_string();
            errors.push(DefinitionError { path: "slug".into(), message });
        } else if store::slug_exists(conn, &definition.slug)? {
            let message = format!("a survey with the address \"{}\" already exists", definition.slug);
            errors.push(DefinitionError { path: "slug".into(), message });
        }
    }
    let answered = changes::Answered::load(conn, survey.id)?;
    errors.extend(changes::check(&survey.definition, &definition, &answered));
    if !errors.is_empty() {
        return Err(ImportError::Invalid(errors));
    }
    translations::record_sources(conn, survey.id, Some(&survey.definition), &definition)?;
    Ok(store::update_definition(conn, survey, &definition)?)
}

/// A new definition, as TOML text or as data.
pub enum SurveyDefinitionInput {
    Toml(String),
    Definition(Box<model::SurveyDefinition>),
}
