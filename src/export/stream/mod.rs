//! How every export runs: what was asked for (`What` and `ExportOptions`), checked against the
//! survey (`resolve` gives a `Plan`), and written — a CSV row by row as it is read from SQLite to
//! any `Write`, a REFI-QDA project likewise as a zip (`qdpx`) — to a file or standard output for
//! the command line, a bounded channel for the web.

mod plan;
mod write;

pub use plan::{CsvExportError, ExportOptions, Plan, What, resolve};
pub use write::{Chunk, body, open_reader, spawn, write_csv, write_project};
