//! Labelled data for statistics packages: a plain description of a dataset (variables with their
//! labels, kinds, value labels and missing-data codes) and the writers that stream its rows into
//! an SPSS system file (`sav`), a Stata 118 dataset (`dta`) or a CSV with an R script (`r`).
//! `survey` maps a survey definition (and a codebook) onto variables; `names` makes their names
//! legal in each package. No writer holds more than one row: each reads the rows again for every
//! pass it needs (the first measures widths and counts).

pub mod dta;
mod measure;
pub mod names;
pub mod r;
pub mod sav;
pub mod survey;
mod text;

use std::borrow::Cow;

pub use crate::survey::model::{MissingCodes, Reason};

/// A dataset to write: its variables, in order, and how its missing-data codes are written.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    /// The file's label (SPSS and Stata show it; cut to the format's limit).
    pub label: String,
    pub variables: Vec<Variable>,
    /// The missing-data codes, when empty cells carry their reason (issue 17's `--missing
    /// codes`); `None` writes every missing cell as the package's plain missing value.
    pub missing: Option<MissingCodes>,
    /// When the file was made, as SPSS and Stata record it. Given, not read from the clock, so
    /// that the same export gives the same bytes.
    pub created: jiff::civil::DateTime,
}

/// One variable (column).
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    /// Its name, already legal in the package written (`names::legal`).
    pub name: String,
    /// Its label, in full (the writers cut it where the format requires; the data dictionary
    /// keeps the full text).
    pub label: String,
    pub kind: Kind,
    pub measure: Measure,
    /// Labels of numeric values (codes 1…n, 0/1), in the order to show them.
    pub value_labels: Vec<ValueLabel>,
}

/// What a variable holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A number shown with this many decimals (0 for codes and whole numbers).
    Numeric { decimals: u8 },
    /// Text of at least `width` bytes of UTF-8: the writers widen it to the longest value (their
    /// first pass), so a declared width only keeps an empty column from being narrower.
    String { width: usize },
    /// A calendar date (SPSS `DATE11`, Stata `%td`, R `Date`).
    Date,
}

/// The level of measurement SPSS records (Stata and R have none; R's ordered factors follow
/// `Ordinal`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Nominal,
    Ordinal,
    Scale,
}

/// A label for one numeric value.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueLabel {
    pub value: f64,
    pub label: String,
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell<'a> {
    /// No value and no reason given: system-missing, `.`, `NA`.
    Empty,
    Number(f64),
    Text(Cow<'a, str>),
    Date(jiff::civil::Date),
    /// No value, for this reason: its code (or `Empty` when the dataset has no codes).
    Missing(Reason),
}

/// The rows of a dataset, in order. A writer may ask for them more than once (a first pass
/// measures widths and counts them); every pass must give the same rows.
pub trait Rows {
    /// Calls `visit` with each row in turn, stopping at its first error.
    fn each(&mut self, visit: &mut dyn FnMut(&[Cell<'_>]) -> Result<(), LabelledError>) -> Result<(), LabelledError>;
}

/// Rows already in memory (tests and small datasets).
impl Rows for [Vec<Cell<'_>>] {
    fn each(&mut self, visit: &mut dyn FnMut(&[Cell<'_>]) -> Result<(), LabelledError>) -> Result<(), LabelledError> {
        self.iter().try_for_each(|row| visit(row))
    }
}

impl Rows for Vec<Vec<Cell<'_>>> {
    fn each(&mut self, visit: &mut dyn FnMut(&[Cell<'_>]) -> Result<(), LabelledError>) -> Result<(), LabelledError> {
        self.as_mut_slice().each(visit)
    }
}

/// What a writer reports once done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// Rows written.
    pub cases: u64,
    /// Texts cut because the format cannot hold them whole (SPSS: past 32,767 bytes).
    pub texts_cut: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LabelledError {
    #[error("could not write the file: {0}")]
    Io(#[from] std::io::Error),
    #[error("could not write the CSV: {0}")]
    Csv(#[from] csv::Error),
    /// A row that does not fit the dataset (a mistake of the caller), with its place.
    #[error("row {row}, variable {variable}: {problem}")]
    Row { row: u64, variable: String, problem: String },
    /// A stored answer that does not read as its question's type.
    #[error("response {response}, question {question}: {problem}")]
    Answer { response: i64, question: String, problem: String },
    /// The dataset itself cannot be written in this format.
    #[error("{0}")]
    Dataset(String),
    /// The rows' source failed (a database read, in the exports).
    #[error(transparent)]
    Source(Box<dyn std::error::Error + Send + Sync>),
}

/// Days from 1 January 1970 to `date` (negative before), the count every package's dates start
/// from (SPSS and Stata then move the epoch).
pub fn days_since_1970(date: jiff::civil::Date) -> i64 {
    // Dates span years -9999 to 9999, so the difference in days always exists.
    date.since(jiff::civil::date(1970, 1, 1)).map_or(0, |span| i64::from(span.get_days()))
}

/// The English abbreviation of a month (1–12), as SPSS and Stata write dates in their headers.
fn month_abbreviation(month: i8) -> &'static str {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    MONTHS[usize::try_from(month - 1).unwrap_or(0).min(11)]
}

impl Dataset {
    /// A string cell's text: the text, a missing-data code's digits (with codes), or nothing.
    fn text_of<'a>(&self, cell: &'a Cell<'_>) -> Cow<'a, str> {
        match (cell, &self.missing) {
            (Cell::Text(text), _) => Cow::Borrowed(text.as_ref()),
            (Cell::Missing(reason), Some(codes)) => Cow::Owned(codes.code(*reason).to_string()),
            _ => Cow::Borrowed(""),
        }
    }

    /// Checks that `row` has one cell per variable, each of a kind the variable can hold.
    fn check_row(&self, index: u64, row: &[Cell<'_>]) -> Result<(), LabelledError> {
        if row.len() != self.variables.len() {
            return Err(LabelledError::Row {
                row: index + 1,
                variable: "(all)".into(),
                problem: format!("{} cells for {} variables", row.len(), self.variables.len()),
            });
        }
        for (cell, variable) in row.iter().zip(&self.variables) {
            let fits = match (cell, variable.kind) {
                (Cell::Empty | Cell::Missing(_), _) => true,
                (Cell::Number(n), Kind::Numeric { .. }) => n.is_finite(),
                (Cell::Text(_), Kind::String { .. }) | (Cell::Date(_), Kind::Date) => true,
                _ => false,
            };
            if !fits {
                return Err(LabelledError::Row {
                    row: index + 1,
                    variable: variable.name.clone(),
                    problem: format!("{cell:?} does not fit a {:?} variable", variable.kind),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
