//! The methods pack (`fieldwork report`, and the download on the survey's page): a folder of HTML
//! and CSV files, made from the database alone, that opens offline and holds what a methods
//! section and its appendix need — questionnaire, response flow, codebooks, coding and
//! reliability, the disclosure check, the audit log — with an index, one stylesheet and a
//! manifest of every file's SHA-256. docs/methods-pack.md says what each file is.

mod audit;
pub mod cli;
mod closed_vs_coded;
mod codebook;
pub mod disclosure;
mod flow;
mod questionnaire;
mod reliability;
pub mod store;
pub mod web;

use std::io::Write;
use std::path::Path;

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::codebook::store::StoredCodebook;
use crate::survey::store::StoredSurvey;
use crate::web::templates::Templates;

/// The disclosure check's threshold when the researcher has set none.
pub const DEFAULT_K: i64 = 5;
/// The pack's stylesheet, screen and print, a file of the pack (no page loads anything else).
pub const STYLESHEET: &str = "pack.css";
/// The manifest: `sha256sum -c manifest.sha256` checks every other file.
pub const MANIFEST: &str = "manifest.sha256";
pub const INDEX: &str = "index.html";

/// The fieldwork version that made a pack.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One file of the pack.
#[derive(Debug, Clone)]
pub struct PackFile {
    pub name: String,
    pub title: String,
    pub bytes: Vec<u8>,
}

impl PackFile {
    pub fn new(name: String, title: String, bytes: Vec<u8>) -> PackFile {
        PackFile { name, title, bytes }
    }
}

/// The parts of the pack, in the order of the index. A part added here is written, listed in the
/// index and checksummed with the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Questionnaire,
    ResponseFlow,
    Codebooks,
    Reliability,
    /// The respondents' closed answers against the coding (`closed_vs_coded.rs`).
    ClosedVsCoded,
    Disclosure,
    AuditLog,
}

impl Part {
    pub const ALL: [Part; 7] = [
        Part::Questionnaire,
        Part::ResponseFlow,
        Part::Codebooks,
        Part::Reliability,
        Part::ClosedVsCoded,
        Part::Disclosure,
        Part::AuditLog,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Part::Questionnaire => "Questionnaire",
            Part::ResponseFlow => "Response flow",
            Part::Codebooks => "Codebooks",
            Part::Reliability => "Coding and reliability",
            Part::ClosedVsCoded => "Closed answers against the coding",
            Part::Disclosure => "Disclosure check before quoting",
            Part::AuditLog => "Audit log",
        }
    }

    fn files(self, sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
        match self {
            Part::Questionnaire => questionnaire::files(sources),
            Part::ResponseFlow => flow::files(sources),
            Part::Codebooks => codebook::files(sources),
            Part::Reliability => reliability::files(sources),
            Part::ClosedVsCoded => closed_vs_coded::files(sources),
            Part::Disclosure => disclosure::files(sources),
            Part::AuditLog => audit::files(sources),
        }
    }
}

/// What the pack is asked for: the survey, and the disclosure check's settings when they are
/// not the survey's stored ones.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub slug: String,
    pub quasi_identifiers: Option<Vec<String>>,
    pub k: Option<i64>,
}

/// What every part reads from.
pub struct Sources<'a> {
    pub conn: &'a Connection,
    pub templates: &'a Templates,
    pub survey: &'a StoredSurvey,
    pub codebooks: Vec<StoredCodebook>,
    pub quasi_identifiers: Vec<String>,
    pub k: usize,
}

impl Sources<'_> {
    /// A page of the pack: the template inside the pack's layout, with its title and version.
    fn html(&self, template: &str, title: &str, own: minijinja::Value) -> Result<Vec<u8>, ReportError> {
        let shared = minijinja::context! {
            title, survey_slug => &self.survey.slug, survey_title => self.survey.definition.text(
                &self.survey.definition.title, &self.survey.definition.default_language),
            survey_version => self.survey.version, fieldwork_version => VERSION, stylesheet => STYLESHEET,
            index => INDEX,
        };
        let context = minijinja::context! { ..own, ..shared };
        Ok(self.templates.render(template, context)?.into_bytes())
    }
}

/// A CSV file of the pack (the one CSV writer, UTF-8). Text cells a spreadsheet would run as
/// formulas are neutralised; numbers are left as they are, so that a negative α stays a number.
struct Csv(crate::csv_out::CsvWriter<Vec<u8>>);

impl Csv {
    fn new<I: IntoIterator<Item = S>, S: AsRef<str>>(header: I) -> Result<Csv, ReportError> {
        let options = crate::csv_out::CsvOptions { bom: false, protect_formulas: false };
        let mut csv = Csv(crate::csv_out::CsvWriter::new(Vec::new(), options)?);
        csv.row(header)?;
        Ok(csv)
    }

    fn row<I: IntoIterator<Item = S>, S: AsRef<str>>(&mut self, cells: I) -> Result<(), ReportError> {
        let safe = cells.into_iter().map(|cell| {
            let cell = cell.as_ref();
            if cell.parse::<f64>().is_ok_and(f64::is_finite) {
                cell.to_owned()
            } else {
                crate::csv_out::spreadsheet_safe(cell)
            }
        });
        Ok(self.0.record(safe)?)
    }

    fn finish(self) -> Result<Vec<u8>, ReportError> {
        Ok(self.0.into_inner()?)
    }
}

/// What can go wrong making or writing a pack.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("there is no survey with the address \"{0}\"")]
    UnknownSurvey(String),
    #[error("quasi-identifiers: {0}")]
    QuasiIdentifier(#[from] disclosure::NotQuasiIdentifier),
    #[error("k: the smallest group size must be at least 2 (got {0})")]
    BadK(i64),
    #[error("--out {}: the folder is not empty; give a new or empty folder", .0.display())]
    NotEmpty(std::path::PathBuf),
    #[error("--out {}: {source}", path.display())]
    Write { path: std::path::PathBuf, source: std::io::Error },
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
    #[error(transparent)]
    Agreement(#[from] crate::agreement::AgreementError),
    #[error("loading the templates: {0}")]
    Templates(String),
    #[error("rendering the pack: {0}")]
    Template(#[from] minijinja::Error),
    #[error("writing a CSV file of the pack: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the pack: {0}")]
    Io(#[from] std::io::Error),
    #[error("writing the pack's zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}

impl From<rusqlite::Error> for ReportError {
    fn from(error: rusqlite::Error) -> Self {
        ReportError::Db(error.into())
    }
}

/// Reads what the request names and hands it to `then`: the survey, its codebooks, and the
/// disclosure check's settings (the request's, else the survey's), checked.
fn with_sources<T>(
    conn: &Connection,
    templates: &Templates,
    request: &Request,
    then: impl FnOnce(&Sources) -> Result<T, ReportError>,
) -> Result<T, ReportError> {
    let survey = crate::survey::store::find_by_slug(conn, &request.slug)?
        .ok_or_else(|| ReportError::UnknownSurvey(request.slug.clone()))?;
    let stored = store::settings(conn, survey.id)?;
    let k = request.k.unwrap_or(stored.k);
    if k < 2 {
        return Err(ReportError::BadK(k));
    }
    let quasi_identifiers = request.quasi_identifiers.clone().unwrap_or(stored.quasi_identifiers);
    disclosure::checked(&survey.definition, &quasi_identifiers)?;
    let sources = Sources {
        conn,
        templates,
        survey: &survey,
        codebooks: crate::codebook::store::for_survey(conn, survey.id)?,
        quasi_identifiers,
        k: k as usize,
    };
    then(&sources)
}

/// The disclosure check alone, as the pack would make it (the methods pack page shows it).
pub fn check_only(
    conn: &Connection,
    templates: &Templates,
    request: &Request,
) -> Result<disclosure::Disclosure, ReportError> {
    with_sources(conn, templates, request, disclosure::check)
}

/// The whole pack, every file in memory, the index and manifest last.
pub fn build(conn: &Connection, templates: &Templates, request: &Request) -> Result<Vec<PackFile>, ReportError> {
    with_sources(conn, templates, request, assemble)
}

fn assemble(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let mut files = Vec::new();
    let mut sections = Vec::new();
    for part in Part::ALL {
        let made = part.files(sources)?;
        let listed: Vec<(String, String)> = made.iter().map(|f| (f.name.clone(), f.title.clone())).collect();
        sections.push(minijinja::context! { title => part.title(), files => listed });
        files.extend(made);
    }
    files.push(PackFile::new(STYLESHEET.into(), "Stylesheet (screen and print)".into(), STYLE.as_bytes().to_vec()));
    let index =
        sources.html("report/index.html", "Methods pack", minijinja::context! { sections, manifest => MANIFEST })?;
    files.push(PackFile::new(INDEX.into(), "Index".into(), index));
    let manifest = manifest(&files);
    files.push(PackFile::new(MANIFEST.into(), "Manifest (SHA-256 of every file)".into(), manifest));
    Ok(files)
}

const STYLE: &str = include_str!("pack.css");

/// `sha256sum` lines (`HASH  NAME`) for every file.
fn manifest(files: &[PackFile]) -> Vec<u8> {
    let mut out = String::new();
    for file in files {
        let hash = Sha256::digest(&file.bytes);
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        out.push_str(&format!("{hex}  {}\n", file.name));
    }
    out.into_bytes()
}

/// The command's work: the pack of the database at `db_path` written into `out`, which is checked
/// first; returns how many files were written. (Here rather than in `cli.rs`, which `config.rs`
/// reads, so that the command line's types do not reach the templates.)
pub fn write_from_file(db_path: &Path, request: &Request, out: &Path) -> Result<usize, ReportError> {
    check_out(out)?;
    crate::db::migrate(db_path)?;
    let conn = crate::db::open(db_path)?;
    let templates = Templates::load().map_err(|e| ReportError::Templates(format!("{e:#}")))?;
    let files = build(&conn, &templates, request)?;
    write_folder(&files, out)?;
    Ok(files.len())
}

/// Refuses a folder that is not new or empty, before anything is made.
pub fn check_out(dir: &Path) -> Result<(), ReportError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            Some(_) => Err(ReportError::NotEmpty(dir.to_owned())),
            None => Ok(()),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ReportError::Write { path: dir.to_owned(), source }),
    }
}

/// Writes the pack into `dir`, which must be new or empty.
pub fn write_folder(files: &[PackFile], dir: &Path) -> Result<(), ReportError> {
    check_out(dir)?;
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Write { path: dir.to_owned(), source })?;
    for file in files {
        let path = dir.join(&file.name);
        std::fs::write(&path, &file.bytes).map_err(|source| ReportError::Write { path, source })?;
    }
    Ok(())
}

/// The pack as a zip of the same files (the download).
pub fn write_zip(files: &[PackFile]) -> Result<Vec<u8>, ReportError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for file in files {
        zip.start_file(file.name.as_str(), options)?;
        zip.write_all(&file.bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// The file name of a survey's pack download.
pub fn zip_name(slug: &str) -> String {
    format!("{slug}-methods-pack.zip")
}
