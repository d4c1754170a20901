//! Where `fieldwork agreement --survey` finds its codings: the survey, its codebook (by id or
//! name, needed only when it has several), a codebook version and a question, checked, then the
//! same codings the agreement page reads (`coding::store::layers::agreement_codings`).

use rusqlite::Connection;

use super::error::AgreementError;
use super::table::Coding;
use crate::codebook::store::{self as codebooks, StoredCodebook};
use crate::coding::store::layers;
use crate::survey::store::StoredSurvey;

/// Which codings, as the command line gives them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Selection<'a> {
    /// The survey's address.
    pub survey: &'a str,
    /// The codebook's id or name.
    pub codebook: Option<&'a str>,
    /// Only codings made under this published version.
    pub version: Option<i64>,
    /// Only this open question.
    pub question: Option<&'a str>,
}

/// The codebook chosen and the codings agreement is computed from, or what is wrong with the
/// selection.
pub fn codings(conn: &Connection, selection: Selection) -> Result<(StoredCodebook, Vec<Coding>), AgreementError> {
    let wrong = |message: String| AgreementError::Selection(message);
    let (survey, book) = codebook(conn, selection.survey, selection.codebook)?;
    if let Some(version) = selection.version
        && !(1..=book.published_version).contains(&version)
    {
        let published = book.published_version;
        return Err(wrong(format!(
            "codebook-version: codebook {} has no version {version} (versions 1 to {published} are published)",
            book.id
        )));
    }
    if let Some(code) = selection.question {
        survey.definition.open_question(code).map_err(|why| wrong(format!("question: {why}")))?;
    }
    let codings = layers::agreement_codings(conn, book.id, selection.question, selection.version)?;
    Ok((book, codings))
}

/// The survey at `slug` and its codebook `given` (by id or name; needed only when it has several).
pub fn codebook(
    conn: &Connection,
    slug: &str,
    given: Option<&str>,
) -> Result<(StoredSurvey, StoredCodebook), AgreementError> {
    let wrong = |message: String| AgreementError::Selection(message);
    let survey = crate::survey::store::find_by_slug(conn, slug)?
        .ok_or_else(|| wrong(format!("there is no survey with the address \"{slug}\"")))?;
    let book = codebooks::choose(conn, survey.id, slug, given)?.map_err(|why| wrong(why.to_string()))?;
    Ok((survey, book))
}
