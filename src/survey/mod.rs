//! Surveys: the definition (pages, questions, choices, texts per language), its TOML file format,
//! checking and display logic, storage with versions, and the researcher's screens.

pub mod cache;
pub mod cli;
pub mod file;
pub mod logic;
pub mod messages;
pub mod model;
pub mod store;
pub mod validate;

use rusqlite::Connection;

use crate::db::DbError;
use validate::DefinitionError;

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the file has {} problem(s)", .0.len())]
    Invalid(Vec<DefinitionError>),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Creates a draft survey from a TOML questionnaire, all or nothing. Returns its id and slug.
pub fn import_toml(conn: &Connection, text: &str, created_by: Option<i64>) -> Result<(i64, String), ImportError> {
    let compiled = file::from_toml(text).map_err(ImportError::Invalid)?;
    let definition = compiled.definition;
    if store::slug_exists(conn, &definition.slug)? {
        let message = format!("a survey with the address \"{}\" already exists; change `slug`", definition.slug);
        return Err(ImportError::Invalid(vec![DefinitionError { path: "slug".into(), message }]));
    }
    let id = store::insert(conn, &definition, created_by)?;
    Ok((id, definition.slug))
}
