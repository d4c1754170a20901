//! What a project holds besides its responses, read once and small whatever their number: the
//! survey's name and description, the codebook with the notes on its codes, the variables; and
//! the `Summary` that a first pass over the responses gathers, because the start of
//! `project.qde` needs it: who coded (and whether the consensus did), who wrote the journal and
//! when, when anything exported last changed, and whether its zip entry needs ZIP64 sizes.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::rows::{self, MemoOn, Statements};
use super::selections::{self, Choice};
use super::sources;
use super::variables::{self, Variable};
use super::{ExportError, QdpxOptions, Texts};
use crate::codebook::model::CodebookFile;
use crate::codebook::qdc::derived_guid;
use crate::coding::layers::Layer;
use crate::survey::model::SurveyDefinition;

/// The project's parts that do not grow with the responses.
#[derive(Debug)]
pub struct Project {
    pub codebook_id: i64,
    pub options: QdpxOptions,
    pub name: String,
    pub created: Option<String>,
    pub description: String,
    pub definition: SurveyDefinition,
    /// When the survey last changed (RFC 3339).
    survey_updated_at: String,
    pub codebook: CodebookFile,
    /// Notes on codes, by code id.
    pub code_notes: BTreeMap<String, Vec<String>>,
    pub variables: Vec<Variable>,
}

/// What the first pass over the responses learns.
#[derive(Debug)]
pub struct Summary {
    /// Everyone who made an exported selection or wrote a note, by id; then the consensus, if
    /// any consensus coding is exported.
    pub users: Vec<User>,
    /// The journal's note, if it has entries.
    pub journal: Option<Journal>,
    /// The latest change to anything exported.
    pub modified: Option<OffsetDateTime>,
    /// A generous guess at the size of `project.qde`, in bytes (see `may_outgrow_zip32`).
    pub size_guess: u64,
}

/// What the guess counts for a selection with its coding (or a note with its references), and for
/// each other element that comes with the data (a case, a value, a source, a reference to one),
/// besides its text: a little more than they take (about 470 and 80 to 200 bytes, indented).
const SELECTION_BYTES: u64 = 640;
const ELEMENT_BYTES: u64 = 256;

impl Summary {
    /// Whether `project.qde` could outgrow the 4 GiB a zip entry holds without ZIP64 fields, which
    /// an entry written as it is produced must announce before its data. It gets them from half of
    /// that guessed, since the guess counts texts before escaping, which lengthens them; not
    /// always, since some readers (Java's `ZipInputStream`) misread a smaller entry with them.
    pub fn may_outgrow_zip32(&self) -> bool {
        self.size_guess >= 2 << 30
    }
}

#[derive(Debug)]
pub struct User {
    pub guid: String,
    pub name: String,
    /// The account's email, the user's `id` in the project.
    pub email: String,
}

/// The journal, one note with every entry (and any memo that lost what it was about), in the
/// order written: its text is written as it is read (`qde::journal_text`).
#[derive(Debug)]
pub struct Journal {
    pub guid: String,
    /// Who wrote the first entry.
    pub user: String,
    /// When the first and the last entry were written.
    pub created: String,
    pub modified: String,
}

pub fn user_guid(id: i64) -> String {
    derived_guid("fieldwork-user", &id.to_string())
}

/// The user the consensus codings of reconciled answers are made by.
pub fn consensus_guid() -> String {
    derived_guid("fieldwork-user", "consensus")
}

/// The consensus user's name and id in the project.
const CONSENSUS: (&str, &str) = ("Consensus", "consensus");

pub fn journal_guid(codebook_id: i64) -> String {
    derived_guid("fieldwork-journal", &codebook_id.to_string())
}

pub fn memo_guid(id: i64) -> String {
    derived_guid("fieldwork-memo", &id.to_string())
}

/// The note about a machine-coder model that the codings accepted from its suggestions refer to.
pub fn model_note_guid(hash: &str) -> String {
    derived_guid("fieldwork-model", hash)
}

/// A stored RFC 3339 time; `None` for anything else, such as an anonymous response's date alone.
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// Moves `latest` on to the stored time `text` if that is later.
fn later(latest: &mut Option<OffsetDateTime>, text: &str) {
    *latest = (*latest).max(parse_time(text));
}

/// A stored RFC 3339 time as an `xsd:dateTime` in UTC, to the second.
pub fn date_time(text: &str) -> Option<String> {
    parse_time(text).map(crate::db::rfc3339)
}

impl Summary {
    /// A stored time as `date_time`, else the latest change exported: for a note, which
    /// QualCoder cannot read without one.
    pub fn date_time_or_latest(&self, text: &str) -> String {
        date_time(text).or(self.modified.map(crate::db::rfc3339)).unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
    }
}

/// Reads the survey, the codebook (published version, else draft), its notes on codes and the
/// variables.
pub fn load(
    conn: &Connection,
    survey_id: i64,
    codebook_id: i64,
    options: &QdpxOptions,
) -> Result<Project, ExportError> {
    let survey = rows::find_survey(conn, survey_id)?.ok_or(ExportError::SurveyNotFound(survey_id))?;
    let codebook = crate::codebook::store::find(conn, codebook_id)?
        .filter(|c| c.survey_id == survey_id)
        .ok_or(ExportError::CodebookNotFound { survey_id, codebook_id })?;
    let published = match codebook.published_version {
        0 => None,
        version => crate::codebook::store::version(conn, codebook_id, version)?.map(|file| (file, version)),
    };
    let (file, version) = match published {
        Some((file, version)) => (file, Some(version)),
        None => (codebook.draft, None),
    };
    let mut code_notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    rows::for_each_memo(conn, codebook_id, |memo| {
        if let MemoOn::Code(key) = memo.on()
            && file.entry(key).is_some()
        {
            code_notes.entry(key.to_string()).or_default().push(memo_guid(memo.id));
        }
        Ok(())
    })?;
    let definition = survey.definition;
    let title = definition.text(&definition.title, &definition.default_language).trim();
    Ok(Project {
        codebook_id,
        options: *options,
        name: if title.is_empty() { survey.slug.clone() } else { title.to_string() },
        created: date_time(&survey.created_at),
        description: description(&definition, &file, version, options.layer),
        variables: variables::variables(survey_id, &definition),
        definition,
        survey_updated_at: survey.updated_at,
        codebook: file,
        code_notes,
    })
}

impl Project {
    /// The first pass: every complete response with its codings and memos, as the sources and
    /// notes will be written (so the same ones count), then the other memos; keeping only the
    /// people, the journal's first and last entry, the latest time and the size guessed.
    pub fn summarise(&self, conn: &Connection, statements: &mut Statements) -> Result<Summary, ExportError> {
        let mut user_ids = BTreeSet::new();
        let mut consensus = false;
        let mut modified = parse_time(&self.survey_updated_at);
        // The codebook and the variables' definitions, written once, are left out: far below a
        // gigabyte.
        let mut size_guess = 0;
        let choice = Choice { codebook: &self.codebook, options: &self.options, warn: true };
        let mut scan = statements.scan(true)?;
        while let Some(respondent) = scan.next_respondent()? {
            later(&mut modified, &respondent.updated_at);
            size_guess += ELEMENT_BYTES;
            for v in &self.variables {
                let value = variables::value(v, &self.definition, &respondent.answers);
                size_guess += ELEMENT_BYTES + value.map_or(0, |value| value.len() as u64);
            }
            let sources = sources::sources(&respondent, &self.definition, self.options.source_per);
            for source in &sources {
                let text = if self.options.texts == Texts::Inline { source.text.len() } else { 0 };
                let description = source.description.as_ref().map_or(0, String::len);
                // The source in the case, the source in the sources.
                size_guess += 2 * ELEMENT_BYTES + (source.name.len() + description + text) as u64;
            }
            for (_, _, coding) in selections::exported(&sources, &respondent, &choice) {
                if coding.consensus {
                    consensus = true;
                } else {
                    user_ids.insert(coding.coder_id);
                }
                later(&mut modified, &coding.created_at);
                size_guess += SELECTION_BYTES;
            }
            for memo in &respondent.memos {
                user_ids.insert(memo.author_id);
                later(&mut modified, &memo.created_at);
                size_guess += SELECTION_BYTES + memo.body.len() as u64;
            }
        }
        let mut journal: Option<(i64, String, String)> = None;
        rows::for_each_memo(conn, self.codebook_id, |memo| {
            match memo.on() {
                MemoOn::Answer => return Ok(()),
                MemoOn::Code(_) => {}
                MemoOn::Project => {
                    // (first author, first time, last time)
                    let entry = journal.get_or_insert_with(|| (memo.author_id, memo.created_at.clone(), String::new()));
                    entry.2.clone_from(&memo.created_at);
                }
            }
            user_ids.insert(memo.author_id);
            later(&mut modified, &memo.created_at);
            size_guess += SELECTION_BYTES + memo.body.len() as u64;
            Ok(())
        })?;
        let users = rows::users(conn, &user_ids)?.into_iter();
        let mut users: Vec<User> = users.map(|(id, email, name)| User { guid: user_guid(id), name, email }).collect();
        if consensus {
            let (name, id) = CONSENSUS;
            users.push(User { guid: consensus_guid(), name: name.into(), email: id.into() });
        }
        let mut summary = Summary { users, journal: None, modified, size_guess };
        summary.journal = journal.map(|(author, first, last)| Journal {
            guid: journal_guid(self.codebook_id),
            user: user_guid(author),
            created: summary.date_time_or_latest(&first),
            modified: summary.date_time_or_latest(&last),
        });
        Ok(summary)
    }
}

/// The project's description: the survey's, then which codebook and codings it holds.
fn description(definition: &SurveyDefinition, file: &CodebookFile, version: Option<i64>, layer: Layer) -> String {
    let survey = definition.text(&definition.description, &definition.default_language).trim();
    let version = version.map_or("its draft (never published)".to_string(), |v| format!("version {v}"));
    let codings = match layer {
        Layer::Default => "every coder's codings and the consensus".to_string(),
        Layer::Consensus => "the consensus codings".to_string(),
        Layer::Coder(id) => format!("the codings of coder {id}"),
        Layer::Union => "every coder's codings".to_string(),
        Layer::Intersection => "the codings of codes every coder applied".to_string(),
    };
    let about = format!("Codebook \"{}\", {version}; coded selections: {codings}.", file.name);
    if survey.is_empty() { about } else { format!("{survey}\n\n{about}") }
}
