//! REFI-QDA project export (`.qdpx`, QDA-XML project 1.0): a zip with `project.qde`, valid
//! against `Project.xsd`, and each text source's text as `sources/<guid>.txt` (or, on request,
//! inline in `project.qde`), so that a survey's open answers, their codings, memos and the
//! respondents' closed answers open in other QDA software; QualCoder reads only the files.
//!
//! In `project.qde`, in the order the schema requires: `<Users>` (coders of the exported codings,
//! memo authors, and the consensus), `<CodeBook>` (as in the `.qdc` export, same guids),
//! `<Variables>` (one per closed question, one per matrix row), `<Cases>` (one per complete
//! response, with its values and its sources), `<Sources>` (one `<TextSource>` per answer or per
//! respondent, with a `<PlainTextSelection>` and `<Coding>` per coding and a `<NoteRef>` per memo
//! on its answers), `<Notes>` (each memo on an answer with a selection of it, each memo on a code,
//! and the journal as one note with its own text file), the project's `<Description>` and a
//! `<NoteRef>` to the journal. An empty wrapper is left out, as the schema wants at least one
//! child in each. Guids derive from ids and everything comes in a fixed order, so exporting the
//! same data twice gives the same bytes.
//!
//! The project streams: it is read one response at a time, in several passes (see `write_qdpx`),
//! and written into the zip as it is produced.

mod project;
mod qde;
pub mod rows;
mod selections;
mod sources;
mod variables;
mod xml;

use std::cell::Cell;
use std::io::{self, BufWriter, Write};

use rusqlite::Connection;
use time::OffsetDateTime;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{CompressionMethod, ZipWriter};

use crate::coding::layers::Layer;
use crate::db::DbError;

/// The namespace of a REFI-QDA project.
pub const NAMESPACE: &str = "urn:QDA-XML:project:1.0";

/// What one text source holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourcePer {
    /// One source per open answer, its text exactly as stored.
    #[default]
    Answer,
    /// One source per respondent: their open answers in survey order, each under a heading line
    /// (`CODE: question text`), separated by an empty line; positions are offset to match.
    Respondent,
}

/// Where each text source's text (and the journal's) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Texts {
    /// Each in its own entry, `sources/<guid>.txt`, which the source names in `plainTextPath`:
    /// what every QDA program reads (QualCoder reads nothing else).
    #[default]
    Files,
    /// In `project.qde`, as the source's `<PlainTextContent>`: the zip has that one entry.
    Inline,
}

/// How to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QdpxOptions {
    pub source_per: SourcePer,
    pub texts: Texts,
    /// Which codings become coded selections. `Default` takes them all: every coder's codings
    /// and the consensus, each selection with its coder as `creatingUser`. `Union` is every
    /// coder's, `Coder(id)` one coder's, `Consensus` the consensus of reconciled answers, and
    /// `Intersection` the coders' codings of codes every coder who finished the answer applied.
    pub layer: Layer,
}

impl Default for QdpxOptions {
    fn default() -> Self {
        QdpxOptions { source_per: SourcePer::Answer, texts: Texts::Files, layer: Layer::Default }
    }
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("could not write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("could not write the zip file: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("could not write project.qde: {0}")]
    Xml(#[source] std::io::Error),
    #[error("there is no survey {0}")]
    SurveyNotFound(i64),
    #[error("survey {survey_id} has no codebook {codebook_id}")]
    CodebookNotFound { survey_id: i64, codebook_id: i64 },
}

impl From<rusqlite::Error> for ExportError {
    fn from(err: rusqlite::Error) -> Self {
        ExportError::Db(err.into())
    }
}

/// Writes the project (a zip with project.qde, and the text sources' files if asked for) for a
/// survey and one of its codebooks: the codebook's published version, or its draft if it was never
/// published. `out` needs no `Seek`: the entries' sizes follow their data.
///
/// Memory does not grow with the responses: a first pass over them learns what the start of
/// `project.qde` needs (who coded, the latest change), then `project.qde` is written into its
/// entry as the cases and then the sources are read, one response at a time; with `Texts::Files`
/// a last pass writes each source's text as its own entry. Run it inside one read transaction (as
/// `stream::write_project` does), so that every pass sees the same data.
pub fn write_qdpx<W: Write>(
    conn: &Connection,
    survey_id: i64,
    codebook_id: i64,
    options: &QdpxOptions,
    out: W,
) -> Result<(), ExportError> {
    let project = project::load(conn, survey_id, codebook_id, options)?;
    let mut statements = rows::Statements::prepare(conn, survey_id, codebook_id, &project.definition, options.layer)?;
    let summary = project.summarise(conn, &mut statements)?;
    let mut zip = ZipWriter::new_stream(Output::new(out));
    match write_entries(conn, &project, &summary, &mut statements, &mut zip) {
        Ok(()) => {
            zip.finish()?.into_inner().into_inner().flush()?;
            Ok(())
        }
        Err(err) => {
            // Not only after a failed write: a project cut short by the database must not end
            // as a complete-looking zip either.
            if let Some(out) = zip.get_ref() {
                out.get_ref().abandon();
            }
            Err(err)
        }
    }
}

type Zip<W> = ZipWriter<StreamWriter<Output<W>>>;

/// Writes project.qde, then the sources' files if asked for; `write_qdpx` finishes the zip.
fn write_entries<W: Write>(
    conn: &Connection,
    project: &project::Project,
    summary: &project::Summary,
    statements: &mut rows::Statements,
    zip: &mut Zip<W>,
) -> Result<(), ExportError> {
    // Entries carry the time of the latest change exported, not of the export: same data, same bytes.
    let entry = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(summary.modified.and_then(zip_time).unwrap_or_default());
    // Sizes past 4 GiB need ZIP64 fields, which a streamed entry must announce before its data.
    zip.start_file("project.qde", entry.large_file(summary.may_outgrow_zip32()))?;
    // quick-xml writes many small pieces: a buffer hands them to the compressor in large ones.
    let qde = qde::write(conn, project, summary, statements, BufWriter::with_capacity(64 * 1024, &mut *zip));
    let written = qde.and_then(|buffer| buffer.into_inner().map_err(|e| ExportError::Io(e.into_error())));
    // A write that failed inside project.qde says so.
    written.map_err(|err| match err {
        ExportError::Io(err) => ExportError::Xml(err),
        other => other,
    })?;
    if project.options.texts == Texts::Files {
        // The last pass: each source's text, as its own entry, then the journal's.
        let mut scan = statements.scan(false)?;
        while let Some(respondent) = scan.next_respondent()? {
            for source in sources::sources(&respondent, &project.definition, project.options.source_per) {
                zip.start_file(format!("sources/{}.txt", source.guid), entry)?;
                zip.write_all(source.text.as_bytes())?;
            }
        }
        if let Some(journal) = &summary.journal {
            zip.start_file(format!("sources/{}.txt", journal.guid), entry)?;
            qde::journal_text(conn, project, |piece| zip.write_all(piece.as_bytes()))?;
        }
    }
    Ok(())
}

/// A time as a zip entry's (MS-DOS: local time without a zone, to two seconds, 1980–2107), in UTC.
fn zip_time(t: OffsetDateTime) -> Option<zip::DateTime> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = u16::try_from(t.year()).ok()?;
    zip::DateTime::from_date_and_time(year, t.month().into(), t.day(), t.hour(), t.minute(), t.second()).ok()
}

/// Where the zip goes. Once a write has failed or the export was abandoned, it takes what it is
/// given and keeps none of it: the zip crate finishes the archive when its writer is dropped,
/// which must neither complete a cut-off project nor report a second failure on standard error.
pub(crate) struct Output<W> {
    inner: W,
    abandoned: Cell<bool>,
}

impl<W> Output<W> {
    pub(crate) fn new(inner: W) -> Self {
        Output { inner, abandoned: Cell::new(false) }
    }

    /// From now on, take what is written and keep none of it.
    pub(crate) fn abandon(&self) {
        self.abandoned.set(true);
    }

    pub(crate) fn into_inner(self) -> W {
        self.inner
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.abandoned.get() {
            return Ok(bytes.len());
        }
        let written = self.inner.write(bytes);
        if written.as_ref().is_err_and(|e| e.kind() != io::ErrorKind::Interrupted) {
            self.abandoned.set(true);
        }
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.abandoned.get() { Ok(()) } else { self.inner.flush() }
    }
}
