//! What can go wrong when computing agreement: bad input, said with the line or coding it is on.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Where a bad coding is: a line of the CSV input, or the position of a coding in the list the
/// caller passed (counted from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// A line of the input file, counted from 1 (the header is line 1).
    Line(u64),
    /// The n-th coding passed to the table builder, counted from 1.
    Coding(usize),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Line(line) => write!(f, "line {line}"),
            Place::Coding(n) => write!(f, "coding #{n}"),
        }
    }
}

impl Place {
    /// Turns a coding's position into the input line it was read from, given each coding's line.
    fn on_lines(self, lines: &[u64]) -> Place {
        match self {
            Place::Coding(n) => {
                n.checked_sub(1).and_then(|index| lines.get(index)).map_or(self, |&line| Place::Line(line))
            }
            Place::Line(_) => self,
        }
    }
}

/// Two codings of one unit by one coder that may not coexist: the same code twice, or in
/// exclusive mode two different codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictingCodings {
    /// Where the second coding is.
    pub at: Place,
    /// Where the first one is.
    pub first: Place,
    /// The unit both are about.
    pub unit: String,
    /// The coder of both.
    pub coder: String,
    /// The code of the second coding.
    pub code: String,
    /// The code of the first coding (the same as `code` for a duplicate).
    pub first_code: String,
}

impl ConflictingCodings {
    fn on_lines(self, lines: &[u64]) -> Self {
        ConflictingCodings { at: self.at.on_lines(lines), first: self.first.on_lines(lines), ..self }
    }
}

/// Why an agreement table could not be computed. Every message is meant for the researcher.
#[derive(Debug, thiserror::Error)]
pub enum AgreementError {
    /// The input file could not be opened.
    #[error("cannot read {}: {source}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    /// Reading the input failed midway.
    #[error("cannot read the input: {0}")]
    Read(#[source] io::Error),

    /// Not even a header.
    #[error("the input is empty: expected a header line `unit,coder,code` and one row per coding")]
    EmptyInput,

    /// A header and nothing else.
    #[error("line {line}: the input has a header but no codings")]
    NoCodings { line: u64 },

    /// `unit`, `coder` or `code` is not in the header.
    #[error(
        "line 1: the header has no `{column}` column (found: {found}); \
         expected the columns unit, coder, code"
    )]
    MissingColumn { column: &'static str, found: String },

    /// A required column appears twice in the header.
    #[error("line 1: the header names the `{column}` column twice")]
    DuplicateColumn { column: &'static str },

    /// The bytes on this line are not UTF-8.
    #[error("line {line}: the input is not valid UTF-8; save the file as UTF-8 and try again")]
    InvalidUtf8 { line: u64 },

    /// Not well-formed CSV, e.g. a row with fewer fields than the header.
    #[error("line {line}: {message}")]
    MalformedCsv { line: u64, message: String },

    /// A row without a unit or without a coder.
    #[error("line {line}: the {column} is empty")]
    EmptyField { line: u64, column: &'static str },

    /// A coder applied the same code to the same unit twice.
    #[error(
        "{}: coder {:?} applied code {:?} to unit {:?} a second time (first on {})",
        .0.at, .0.coder, .0.code, .0.unit, .0.first
    )]
    DuplicateCoding(Box<ConflictingCodings>),

    /// Exclusive mode: a coder gave one unit two different codes.
    #[error(
        "{}: coder {:?} gave unit {:?} a second code, {:?}, besides {:?} ({}); in exclusive mode \
         each coder gives a unit at most one code",
        .0.at, .0.coder, .0.unit, .0.code, .0.first_code, .0.first
    )]
    SecondCode(Box<ConflictingCodings>),

    /// `--survey`, `--codebook`, `--codebook-version` or `--question` names nothing that exists.
    #[error("{0}")]
    Selection(String),

    /// Reading the codings from the database failed.
    #[error("cannot read the database: {0}")]
    Database(#[from] crate::db::DbError),

    /// Writing the table failed.
    #[error("cannot write the output: {0}")]
    Write(#[source] io::Error),
}

impl AgreementError {
    /// Says where a bad coding is in lines of the input file, given the line of each coding.
    pub fn on_lines(self, lines: &[u64]) -> AgreementError {
        match self {
            AgreementError::DuplicateCoding(conflict) => {
                AgreementError::DuplicateCoding(Box::new(conflict.on_lines(lines)))
            }
            AgreementError::SecondCode(conflict) => AgreementError::SecondCode(Box::new(conflict.on_lines(lines))),
            other => other,
        }
    }
}

impl From<csv::Error> for AgreementError {
    /// Keeps the line number the `csv` crate knows, and names invalid UTF-8 plainly.
    fn from(error: csv::Error) -> Self {
        let line = error.position().map_or(1, csv::Position::line);
        let message = error.to_string();
        let line_of = |pos: Option<csv::Position>| pos.as_ref().map_or(line, csv::Position::line);
        match error.into_kind() {
            csv::ErrorKind::Utf8 { pos, .. } => AgreementError::InvalidUtf8 { line: line_of(pos) },
            csv::ErrorKind::Io(source) => AgreementError::Read(source),
            csv::ErrorKind::UnequalLengths { pos, expected_len, len } => AgreementError::MalformedCsv {
                line: line_of(pos),
                message: format!("expected {expected_len} fields like the header, found {len}"),
            },
            _ => AgreementError::MalformedCsv { line, message },
        }
    }
}
