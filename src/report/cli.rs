//! `fieldwork report`: the methods pack of a survey written into a folder, as the survey's page
//! offers it for download.

use std::path::{Path, PathBuf};

use super::{ReportError, Request};

/// The methods pack: a folder of HTML and CSV files that opens offline (docs/methods-pack.md).
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// The survey, by its address.
    #[arg(long, value_name = "SLUG")]
    pub survey: String,

    /// The folder to write into: a new or empty one.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// The closed questions whose answers together could identify a respondent (the disclosure
    /// check's quasi-identifiers), by code; default: those marked on the survey's methods pack page.
    #[arg(long, value_name = "CODE,CODE", value_delimiter = ',')]
    pub quasi_identifiers: Option<Vec<String>>,

    /// The smallest group size accepted before quoting; default: the survey's setting (5 unless changed).
    #[arg(long, value_name = "N")]
    pub k: Option<i64>,
}

impl ReportArgs {
    fn request(&self) -> Request {
        Request {
            slug: self.survey.clone(),
            quasi_identifiers: self
                .quasi_identifiers
                .clone()
                .map(|codes| codes.into_iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()),
            k: self.k,
        }
    }
}

/// Writes the pack of `args.survey` from the database at `db_path` into `args.out`; returns how
/// many files it wrote.
pub fn run(db_path: &Path, args: &ReportArgs) -> Result<usize, ReportError> {
    super::write_from_file(db_path, &args.request(), &args.out)
}
