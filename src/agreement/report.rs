//! Writes the agreement table for people: as CSV for spreadsheets and scripts, or as an aligned
//! plain-text table with a guide to reading Krippendorff's alpha.

use std::io::{self, Write};

use super::error::AgreementError;
use super::table::AgreementRow;

/// The header of the CSV output.
pub const CSV_HEADER: [&str; 9] = [
    "code",
    "units",
    "coders",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "alpha_ci_low",
    "alpha_ci_high",
];

/// How to read alpha, after Krippendorff (2004, p. 241).
pub const INTERPRETATION: &str = "Krippendorff's α: ≥ .800 reliable; ≥ .667 tentative \
     conclusions only; below .667 unreliable. n/a: undefined (no variation or no unit seen by \
     two coders).";

/// Writes the rows as CSV: numbers with six decimals, undefined values as empty cells.
pub fn write_csv(rows: &[AgreementRow], out: &mut dyn Write) -> Result<(), AgreementError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER).map_err(write_error)?;
    for row in rows {
        let interval = row.alpha_interval;
        writer
            .write_record([
                spreadsheet_safe(&row.code),
                row.units.to_string(),
                row.coders.to_string(),
                decimal(row.percent_agreement),
                decimal(row.cohen_kappa),
                decimal(row.fleiss_kappa),
                decimal(row.krippendorff_alpha),
                decimal(interval.map(|interval| interval.low)),
                decimal(interval.map(|interval| interval.high)),
            ])
            .map_err(write_error)?;
    }
    writer.flush().map_err(AgreementError::Write)
}

/// Writes the rows as an aligned table, undefined values as `n/a`, then the reading guide.
pub fn write_table(rows: &[AgreementRow], out: &mut dyn Write) -> Result<(), AgreementError> {
    let header =
        ["code", "units", "coders", "agreement", "Cohen's κ", "Fleiss' κ", "Kripp. α", "α 95% CI"].map(str::to_owned);
    let body: Vec<[String; 8]> = rows.iter().map(table_cells).collect();
    let mut widths = [0; 8];
    for cells in std::iter::once(&header).chain(&body) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let rule = widths.map(|width| "-".repeat(width));
    for cells in [&header, &rule].into_iter().chain(&body) {
        writeln!(out, "{}", aligned(cells, &widths)).map_err(AgreementError::Write)?;
    }
    writeln!(out, "\n{INTERPRETATION}").map_err(AgreementError::Write)
}

fn table_cells(row: &AgreementRow) -> [String; 8] {
    let coefficient = |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.3}"));
    [
        // A control character in a code name would break the table's lines or drive the terminal.
        crate::terminal::for_terminal(&row.code).into_owned(),
        row.units.to_string(),
        row.coders.to_string(),
        row.percent_agreement.map_or_else(|| "n/a".to_owned(), |p| format!("{:.1}%", p * 100.0)),
        coefficient(row.cohen_kappa),
        coefficient(row.fleiss_kappa),
        coefficient(row.krippendorff_alpha),
        row.alpha_interval
            .map_or_else(|| "n/a".to_owned(), |interval| format!("[{:.3}, {:.3}]", interval.low, interval.high)),
    ]
}

/// The code column left-aligned, the figures right-aligned.
fn aligned(cells: &[String; 8], widths: &[usize; 8]) -> String {
    let mut line = String::new();
    for (column, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        let cell = if column == 0 { format!("{cell:<width$}") } else { format!("  {cell:>width$}") };
        line.push_str(&cell);
    }
    line.trim_end().to_owned()
}

fn decimal(value: Option<f64>) -> String {
    // A value that rounds to zero is printed as 0, not as a puzzling "-0.000000".
    let unsigned_zero = |value: f64| if value.abs() < 5e-7 { 0.0 } else { value };
    value.map_or_else(String::new, |value| format!("{:.6}", unsigned_zero(value)))
}

pub use crate::csv_out::spreadsheet_safe;

fn write_error(error: csv::Error) -> AgreementError {
    AgreementError::Write(io::Error::from(error))
}
