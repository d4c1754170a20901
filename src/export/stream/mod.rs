//! How every export runs: what was asked for (`ExportRequest`, request.rs), which file (`What`
//! and its `Spec`, what.rs), checked against the survey (`ExportRequest::resolve` gives a `Plan`,
//! plan.rs), and written (write.rs, by the file's writer in files.rs) — a CSV file row by row as
//! it is read from SQLite, any other file as its writer produces it — to a file or standard
//! output for the command line, a bounded channel for the web.

mod files;
mod plan;
mod request;
mod what;
mod write;

pub use files::{Csv, WriteCsv, WriteFile, Writer, writer};
pub(crate) use plan::bad;
pub use plan::{ANONYMOUS, CsvExportError, Plan, Target, find_survey};
pub use request::{BadOption, ExportRequest, Opt};
pub use what::{Format, Spec, What};
pub use write::{Chunk, body, open_reader, spawn, write};
