//! Inter-coder agreement: percent agreement, Cohen's and Fleiss' kappa and Krippendorff's alpha
//! (nominal, with bootstrap intervals) per code, per exclusive category and pooled, from (unit,
//! coder, code) codings, with the summary a methods section needs; the `fieldwork agreement`
//! command, which computes them from a CSV file or the database; and the agreement page.
//! `closed/` compares respondents' closed answers with the coding of their open answers.

pub mod cli;
pub mod closed;
pub mod codebook;
pub mod csv_input;
pub mod database;
pub mod error;
pub mod report;
pub mod stats;
pub mod summary;
pub mod table;
pub mod web;

#[cfg(test)]
mod edge_case_tests;
#[cfg(test)]
mod reference_tests;

pub use cli::{AgreementArgs, OutputFormat, run};
pub use codebook::{Report, ReportRow, RowKind};
pub use csv_input::{CsvCodings, read_codings};
pub use error::{AgreementError, ConflictingCodings, Place};
pub use report::{SUMMARY_PREFIX, write_csv, write_table};
pub use stats::ConfidenceInterval;
pub use summary::Summary;
pub use table::{ALL, AgreementRow, Bootstrap, Coding, exclusive_table, per_code_table};
