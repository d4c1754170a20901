//! Inter-coder agreement: percent agreement, Cohen's and Fleiss' kappa and Krippendorff's alpha
//! (nominal, with bootstrap intervals) per code and overall, from (unit, coder, code) codings;
//! and the `fieldwork agreement` command, which computes them from a CSV file.

pub mod cli;
pub mod csv_input;
pub mod error;
pub mod report;
pub mod stats;
pub mod table;
pub mod web;

#[cfg(test)]
mod edge_case_tests;
#[cfg(test)]
mod reference_tests;

pub use cli::{AgreementArgs, OutputFormat, run};
pub use csv_input::{CsvCodings, read_codings};
pub use error::{AgreementError, ConflictingCodings, Place};
pub use report::{write_csv, write_table};
pub use stats::ConfidenceInterval;
pub use table::{ALL, AgreementRow, Bootstrap, Coding, exclusive_table, per_code_table};
