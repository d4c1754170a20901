//! The writers' first pass: every row checked against the dataset and measured — how many there
//! are, the longest text of each string variable, the range of each numeric one — keeping only
//! counters per variable, so memory does not grow with the rows.

use super::{Cell, Dataset, LabelledError, Rows};

/// What the first pass found.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub cases: u64,
    pub columns: Vec<Column>,
}

/// One variable's measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The longest text, in bytes (a missing-data code counts as its digits).
    pub longest: usize,
    /// Texts that are not empty, and their bytes (what Stata's long strings need).
    pub texts: u64,
    pub text_bytes: u64,
    /// Whether every number is whole, and their range (`None` without numbers).
    pub whole: bool,
    pub range: Option<(f64, f64)>,
}

impl Default for Column {
    fn default() -> Self {
        Column { longest: 0, texts: 0, text_bytes: 0, whole: true, range: None }
    }
}

impl Column {
    fn text(&mut self, len: usize) {
        self.longest = self.longest.max(len);
        if len > 0 {
            self.texts += 1;
            self.text_bytes += len as u64;
        }
    }

    fn number(&mut self, value: f64) {
        self.whole &= value.fract() == 0.0;
        self.range = Some(self.range.map_or((value, value), |(lo, hi)| (lo.min(value), hi.max(value))));
    }
}

/// Reads every row once, checking and measuring it.
pub fn measure(dataset: &Dataset, rows: &mut dyn Rows) -> Result<Measured, LabelledError> {
    let mut measured = Measured { cases: 0, columns: vec![Column::default(); dataset.variables.len()] };
    rows.each(&mut |row| {
        dataset.check_row(measured.cases, row)?;
        for (column, cell) in measured.columns.iter_mut().zip(row) {
            match cell {
                // A missing-data code counts as the digits a string holds in its place.
                Cell::Text(_) | Cell::Missing(_) => column.text(dataset.text_of(cell).len()),
                Cell::Number(n) => column.number(*n),
                Cell::Date(date) => column.number(super::dta::stata_days(*date) as f64),
                Cell::Empty => {}
            }
        }
        measured.cases += 1;
        Ok(())
    })?;
    Ok(measured)
}
