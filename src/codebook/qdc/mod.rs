//! REFI-QDA codebook exchange (`.qdc`, QDA-XML codebook 1.0): export that validates against
//! `Codebook.xsd`, and a lenient import that says, one sentence per note, what it could not take.
//!
//! REFI-QDA has no place for fieldwork's definition fields, flags or ids, so they travel in each
//! code's `<Description>` as labelled fields, one per line, only the non-empty ones, in this order:
//!
//! ```text
//! Short definition: Making capable models available to people who lack them.
//! Definition: The respondent contributes so that
//!   a lab anywhere can run it.
//!   Definition: this line is part of the definition, not a new field.
//! When to use: …
//! When not to use: …
//! Example: …
//! Near miss: …
//! Mutually exclusive: yes
//! Retired: yes
//! fieldwork id: MOT_ACCESS
//! ```
//!
//! A field starts with its label and `: ` at the start of a line; every further line of its value
//! is indented by two spaces (an empty line of the value is written as two spaces, and read back
//! from two spaces or from nothing), so values keep their line breaks and a line that looks like a
//! label stays inside its value. On import a `<Description>` is read this way only when its first
//! line is a label and every other line is a label or a continuation; otherwise it is plain text,
//! trimmed, and becomes the short definition if it is one line, else the definition.
//!
//! The codebook's own name and description, for which the schema has no place either, go in a
//! processing instruction before the root, `<?fieldwork name="…" description="…"?>`, escaped as
//! XML attribute values. Shortcuts are not exported.

mod build;
mod read;
#[cfg(test)]
mod tests;
mod write;

use super::model::{CodebookError, CodebookFile};

pub use write::{attribute, derived_guid, guid_for_id, to_qdc, write_codes, xml_safe};

/// The namespace of a REFI-QDA codebook.
pub const NAMESPACE: &str = "urn:QDA-XML:codebook:1.0";
/// Target of the processing instruction that carries the codebook's name and description.
const ABOUT: &str = "fieldwork";

/// The fields a `<Description>` carries, with their labels, in the order they are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    ShortDefinition,
    Definition,
    WhenToUse,
    WhenNotToUse,
    Example,
    NearMiss,
    MutuallyExclusive,
    Retired,
    Id,
}

const FIELDS: [(Field, &str); 9] = [
    (Field::ShortDefinition, "Short definition"),
    (Field::Definition, "Definition"),
    (Field::WhenToUse, "When to use"),
    (Field::WhenNotToUse, "When not to use"),
    (Field::Example, "Example"),
    (Field::NearMiss, "Near miss"),
    (Field::MutuallyExclusive, "Mutually exclusive"),
    (Field::Retired, "Retired"),
    (Field::Id, "fieldwork id"),
];

/// What an import made of a .qdc file, and what it could not take (one sentence each).
#[derive(Debug, Clone, PartialEq)]
pub struct QdcImport {
    pub file: CodebookFile,
    pub notes: Vec<String>,
}

/// Reads a .qdc leniently; a file that is not a REFI-QDA codebook at all (not XML, wrong root,
/// no Codes) is refused with every problem found.
///
/// The codebook's name comes from fieldwork's processing instruction, else `name_if_missing`.
pub fn from_qdc(bytes: &[u8], name_if_missing: &str) -> Result<QdcImport, Vec<CodebookError>> {
    let text = read::decode(bytes)?;
    let found = read::Parser::new(&text).run()?;
    let mut import = build::build(found, name_if_missing)?;
    // A note per code of a file with thousands of them would be a page nobody reads.
    if import.notes.len() > MAX_NOTES {
        let more = import.notes.len() - MAX_NOTES;
        import.notes.truncate(MAX_NOTES);
        import.notes.push(format!("And {more} more notes of the same kinds."));
    }
    Ok(import)
}

/// The most notes an import reports one by one.
const MAX_NOTES: usize = 20;
