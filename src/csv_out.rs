//! CSV for spreadsheets and statistics packages, one way everywhere: written by the `csv` crate
//! (RFC 4180), UTF-8 with an optional byte-order mark for Excel, and cells that a spreadsheet
//! would run as formulas neutralised unless asked otherwise.

use std::io::Write;

/// Neutralises a leading `=`, `+`, `-` or `@` (and tab or carriage return), which a spreadsheet
/// would run as a formula, by prefixing an apostrophe.
pub fn spreadsheet_safe(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// A cell as it was before `spreadsheet_safe`: the apostrophe it put before a formula-looking
/// start taken off again (for files fieldwork reads back, such as a codebook CSV).
pub fn formula_unguarded(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => text,
    }
}

/// How CSV is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Start with a UTF-8 byte-order mark, so that Excel reads the file as UTF-8.
    pub bom: bool,
    /// Neutralise formula-looking cells (on by default; turn off for R, pandas or SPSS when the
    /// data must stay byte-for-byte).
    pub protect_formulas: bool,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { bom: false, protect_formulas: true }
    }
}

/// A CSV writer with the options applied to every record.
pub struct CsvWriter<W: Write> {
    inner: csv::Writer<W>,
    options: CsvOptions,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W, options: CsvOptions) -> std::io::Result<Self> {
        if options.bom {
            out.write_all("\u{feff}".as_bytes())?;
        }
        Ok(CsvWriter { inner: csv::WriterBuilder::new().from_writer(out), options })
    }

    /// Writes one record; numbers should be passed already formatted.
    pub fn record<I, S>(&mut self, cells: I) -> csv::Result<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let protect = self.options.protect_formulas;
        self.inner.write_record(
            cells.into_iter().map(|c| if protect { spreadsheet_safe(c.as_ref()) } else { c.as_ref().to_owned() }),
        )
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }

    pub fn into_inner(self) -> Result<W, std::io::Error> {
        self.inner.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_looking_cells_are_neutralised_unless_turned_off() {
        let write = |options| {
            let mut w = CsvWriter::new(Vec::new(), options).unwrap();
            w.record(["=SUM(A1)", "-3", "plain, \"quoted\""]).unwrap();
            String::from_utf8(w.into_inner().unwrap()).unwrap()
        };
        assert_eq!(write(CsvOptions::default()), "'=SUM(A1),'-3,\"plain, \"\"quoted\"\"\"\n");
        assert_eq!(
            write(CsvOptions { bom: true, protect_formulas: false }),
            "\u{feff}=SUM(A1),-3,\"plain, \"\"quoted\"\"\"\n"
        );
    }
}
