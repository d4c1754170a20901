//! The study kit, built into the binary: the shipped questionnaire (`questionnaires/`) and its
//! codebook (`codebooks/`), imported together in one step so that a new installation has a whole
//! study to try without anyone finding files in the repository.

use rusqlite::Connection;

use crate::accounts::User;
use crate::audit;
use crate::survey::validate::DefinitionError;
use crate::survey::{ImportError, file, import_toml};

/// The questionnaire: three languages, every question type, display logic, piping, constraints.
pub const QUESTIONNAIRE: &str = include_str!("../../questionnaires/open-llm-governance.toml");
/// The codebook for its open questions.
pub const CODEBOOK: &str = include_str!("../../codebooks/open-llm-governance.toml");

/// What the kit became: the survey's address and the codebook's id.
#[derive(Debug)]
pub struct Imported {
    pub slug: String,
    pub codebook_id: i64,
}

/// Imports the kit for `user`, in the caller's transaction: the questionnaire as a draft survey
/// they are the researcher of, under its own address or, when that is taken (the kit imported
/// before), the first free one of `…-2`, `…-3`, …; and the codebook, published as version 1 so
/// that coding can start once there are answers (its draft stays editable). Both are audited.
pub fn import(conn: &Connection, user: &User) -> Result<Imported, ImportError> {
    let mut definition = file::from_toml(QUESTIONNAIRE).map_err(ImportError::Invalid)?.definition;
    definition.slug = free_slug(conn, &definition.slug)?;
    let text = file::to_toml(&definition).map_err(|e| invalid(format!("the study kit's questionnaire: {e}")))?;
    let (survey_id, slug) = import_toml(conn, &text, Some(user.id))?;
    let codebook = crate::codebook::model::from_toml(CODEBOOK)
        .map_err(|errors| invalid(format!("the study kit's codebook has {} problem(s)", errors.len())))?;
    let misfits = crate::codebook::closed::check_against(&codebook, &definition);
    if let Some(first) = misfits.first() {
        return Err(invalid(format!("the study kit's codebook does not fit its questionnaire: {first}")));
    }
    let codebook_id = crate::codebook::import(conn, survey_id, &codebook, &user.email, Some(user.id))?;
    audit::record(conn, Some(user), "survey.import", &slug, "the study kit")?;
    audit::record(conn, Some(user), "codebook.import", &codebook.name, &audit::about_codebook(codebook_id, ""))?;
    Ok(Imported { slug, codebook_id })
}

/// `base`, or the first of `base-2`, `base-3`, … that no survey has.
fn free_slug(conn: &Connection, base: &str) -> Result<String, ImportError> {
    let candidates = std::iter::once(base.to_string()).chain((2..).map(|n| format!("{base}-{n}")));
    for slug in candidates.take(1000) {
        if !crate::survey::store::slug_exists(conn, &slug)? {
            return Ok(slug);
        }
    }
    Err(invalid(format!("the study kit has been imported 1000 times; rename some of the \"{base}\" surveys")))
}

fn invalid(message: String) -> ImportError {
    ImportError::Invalid(vec![DefinitionError { path: String::new(), message }])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{Role, store as accounts};

    fn researcher(conn: &Connection) -> User {
        let id = accounts::insert(conn, "ana@example.org", "Ana", Role::Researcher, None).unwrap();
        accounts::find(conn, id).unwrap().unwrap()
    }

    #[test]
    fn the_kit_imports_a_draft_survey_and_its_published_codebook_under_a_free_address() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kit.db");
        crate::db::migrate(&path).unwrap();
        let conn = crate::db::open(&path).unwrap();
        let ana = researcher(&conn);

        let first = import(&conn, &ana).unwrap();
        let second = import(&conn, &ana).unwrap();

        assert_eq!((first.slug.as_str(), second.slug.as_str()), ("open-llm-governance", "open-llm-governance-2"));
        let survey = crate::survey::store::find_by_slug(&conn, &second.slug).unwrap().unwrap();
        assert_eq!(survey.status, crate::survey::store::Status::Draft);
        let codebook = crate::codebook::store::find(&conn, second.codebook_id).unwrap().unwrap();
        assert_eq!((codebook.survey_id, codebook.published_version), (survey.id, 1));
        let member = crate::survey::members::store::list(&conn, survey.id).unwrap();
        assert_eq!(member.iter().map(|m| m.email.as_str()).collect::<Vec<_>>(), ["ana@example.org"]);
    }
}

#[cfg(test)]
mod follows_the_paper;
