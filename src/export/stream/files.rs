//! The function that writes each export file from a checked `Plan`: the one place that knows
//! both what a file is (`what.rs`) and how a plan is written, so that neither needs the other.

use std::io::Write;

use rusqlite::Connection;

use super::plan::{CsvExportError, Plan, bad};
use super::request::Opt;
use super::what::What;
use crate::csv_out::CsvWriter;
use crate::export::{codings, dictionary, qdpx, responses, tables};

/// A CSV writer as every CSV export gets it: set up with the request's BOM and formula protection.
pub type Csv<'a> = CsvWriter<&'a mut dyn Write>;

/// A function that writes a CSV file's records.
pub type WriteCsv = fn(&Connection, &Plan, &mut Csv<'_>) -> Result<(), CsvExportError>;

/// A function that writes any other file to `out` as it is produced.
pub type WriteFile = fn(&Connection, &Plan, &mut dyn Write) -> Result<(), CsvExportError>;

/// How a file is written from a checked `Plan`, inside one read transaction (a snapshot).
#[derive(Clone, Copy)]
pub enum Writer {
    /// A CSV file, record by record.
    Csv(WriteCsv),
    /// Any other file (its format in `What::spec`).
    File(WriteFile),
}

/// The writer of `what`.
#[expect(
    clippy::redundant_closure,
    reason = "a generic writer becomes a `WriteCsv` only through a closure: a function pointer cannot fix its \
              writer type for every lifetime"
)]
pub fn writer(what: What) -> Writer {
    match what {
        What::Responses => Writer::Csv(|conn, plan, w| responses::write(conn, plan, w)),
        What::CodebookDictionary => Writer::Csv(|conn, plan, w| dictionary::write(conn, plan, w)),
        What::Codings => Writer::Csv(|conn, plan, w| codings::write_long(conn, plan, w)),
        What::CodeMatrix => Writer::Csv(|conn, plan, w| codings::write_matrix(conn, plan, w)),
        What::Tallies => Writer::Csv(tables::tallies),
        What::Crosstab => Writer::Csv(tables::crosstab),
        What::Cooccurrence => Writer::Csv(tables::cooccurrence),
        What::Closed => Writer::Csv(tables::closed),
        What::Qdpx => Writer::File(qdpx_file),
    }
}

/// The REFI-QDA project (see `qdpx::write_qdpx`).
fn qdpx_file(conn: &Connection, plan: &Plan, out: &mut dyn Write) -> Result<(), CsvExportError> {
    let book = plan.codebook.as_ref().ok_or_else(|| bad(Opt::Codebook, "qdpx needs a codebook"))?;
    let options = qdpx::QdpxOptions { source_per: plan.per, texts: plan.texts, layer: plan.layer };
    Ok(qdpx::write_qdpx(conn, plan.survey.id, book.id, &options, out)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::stream::Format;

    #[test]
    fn every_file_is_written_as_its_format_says() {
        for what in What::all() {
            let format = what.spec().format;
            match writer(what) {
                Writer::Csv(_) => assert_eq!(format, Format::Csv, "{}", what.name()),
                Writer::File(_) => assert_ne!(format, Format::Csv, "{}", what.name()),
            }
        }
    }
}
