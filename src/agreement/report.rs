//! Writes the agreement report for people: as CSV for spreadsheets and scripts, or as an aligned
//! plain-text table after its summary, with a guide to reading Krippendorff's alpha.

use std::io::{self, Write};

use serde::Serialize;

use super::codebook::{Report, ReportRow, RowKind};
use super::error::AgreementError;
use super::summary::{POOLED, RELIABLE, TENTATIVE, three};
use super::table::ALL;
use crate::codebook::tree::Tree;

/// A row as the agreement page and the methods pack show it: the figures with the code's name,
/// what the row stands for and its reading.
#[derive(Serialize)]
pub struct ShownRow {
    pub key: String,
    pub name: String,
    pub nominal: bool,
    pub pooled: bool,
    pub units: u64,
    pub coders: usize,
    pub percent_agreement: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub fleiss_kappa: Option<f64>,
    pub alpha: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub reading: &'static str,
}

impl ShownRow {
    pub fn of(row: &ReportRow, tree: &Tree) -> ShownRow {
        let r = &row.figures;
        ShownRow {
            name: if row.kind == RowKind::Pooled { "All codes, pooled".into() } else { tree.path(&r.code) },
            key: r.code.clone(),
            nominal: row.kind == RowKind::Category,
            pooled: row.kind == RowKind::Pooled,
            units: r.units,
            coders: r.coders,
            percent_agreement: r.percent_agreement,
            cohen_kappa: r.cohen_kappa,
            fleiss_kappa: r.fleiss_kappa,
            alpha: r.krippendorff_alpha,
            ci_low: r.alpha_interval.map(|i| i.low),
            ci_high: r.alpha_interval.map(|i| i.high),
            reading: row.reading(),
        }
    }
}

/// The header of the CSV output.
pub const CSV_HEADER: [&str; 10] = [
    "code",
    "units",
    "coders",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "reading",
];

/// What the `code` cell of a summary row starts with.
pub const SUMMARY_PREFIX: &str = "summary: ";

/// How to read alpha, after Krippendorff (2004, p. 241).
pub const INTERPRETATION: &str = "Krippendorff's α: ≥ .800 reliable; ≥ .667 tentative \
     conclusions only; below .667 unreliable. n/a: undefined (no variation or no unit seen by \
     two coders).";

/// Writes the report as CSV: a row per table row (numbers with six decimals, undefined values as
/// empty cells, and how to read it; codes nobody applied have none), then the summary, a row per figure, its code in `code`
/// after [`SUMMARY_PREFIX`], an α in `krippendorff_alpha`, anything else in `reading`.
pub fn write_csv(report: &Report, out: &mut dyn Write) -> Result<(), AgreementError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER).map_err(write_error)?;
    for row in &report.rows {
        let figures = &row.figures;
        let interval = figures.alpha_interval;
        writer
            .write_record([
                spreadsheet_safe(&figures.code),
                figures.units.to_string(),
                figures.coders.to_string(),
                decimal(figures.percent_agreement),
                decimal(figures.cohen_kappa),
                decimal(figures.fleiss_kappa),
                decimal(figures.krippendorff_alpha),
                decimal(interval.map(|interval| interval.low)),
                decimal(interval.map(|interval| interval.high)),
                row.reading().to_owned(),
            ])
            .map_err(write_error)?;
    }
    if let Some(summary) = &report.summary {
        let list = |codes: Vec<&str>| codes.join("; ");
        let lowest = summary.lowest();
        let rows: [(&str, Option<f64>, String); 7] = [
            ("codes used", None, summary.codes_used.to_string()),
            (
                "lowest alpha",
                lowest.map(|(_, alpha)| alpha),
                lowest.map(|(code, _)| code.to_owned()).unwrap_or_default(),
            ),
            ("median alpha", summary.median(), String::new()),
            ("below .667", None, list(summary.below(TENTATIVE))),
            ("below .800", None, list(summary.below(RELIABLE))),
            ("alpha undefined", None, list(summary.undefined.iter().map(String::as_str).collect())),
            ("verdict", None, summary.verdict()),
        ];
        for (name, alpha, reading) in rows {
            let mut record = vec![String::new(); CSV_HEADER.len()];
            record[0] = format!("{SUMMARY_PREFIX}{name}");
            record[6] = decimal(alpha);
            record[9] = spreadsheet_safe(&reading);
            writer.write_record(&record).map_err(write_error)?;
        }
    }
    writer.flush().map_err(AgreementError::Write)
}

/// Writes the report for reading: the summary, then the table (undefined values as `n/a`), the
/// codes nobody applied on one line, what the pooled row is, and the reading guide.
pub fn write_table(report: &Report, out: &mut dyn Write) -> Result<(), AgreementError> {
    let mut say = |line: &str| writeln!(out, "{line}").map_err(AgreementError::Write);
    if let Some(summary) = &report.summary {
        say("Summary (per-code Krippendorff's α of the codes used):")?;
        for line in summary.lines(printable) {
            say(&format!("  {line}"))?;
        }
        say("")?;
    }
    let header = ["code", "units", "coders", "agreement", "Cohen's κ", "Fleiss' κ", "Kripp. α", "α 95% CI", "reading"]
        .map(str::to_owned);
    let body: Vec<[String; 9]> = report.rows.iter().map(table_cells).collect();
    let mut widths = [0; 9];
    for cells in std::iter::once(&header).chain(&body) {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let rule = widths.map(|width| "-".repeat(width));
    for cells in [&header, &rule].into_iter().chain(&body) {
        say(&aligned(cells, &widths))?;
    }
    if !report.not_applied.is_empty() {
        let names: Vec<String> = report.not_applied.iter().map(|(code, _)| printable(code)).collect();
        say(&format!("\nApplied by no coder (not in the table): {}", names.join(", ")))?;
    }
    if report.rows.iter().any(|row| row.kind == RowKind::Pooled) {
        say(&format!("\n{ALL}: {POOLED}."))?;
    }
    say(&format!("\n{INTERPRETATION}"))
}

/// A code name as the terminal shows it: a control character in it would break the table's
/// lines or drive the terminal.
fn printable(code: &str) -> String {
    crate::terminal::for_terminal(code).into_owned()
}

fn table_cells(row: &ReportRow) -> [String; 9] {
    let figures = &row.figures;
    let coefficient = |value: Option<f64>| value.map_or_else(|| "n/a".to_owned(), three);
    [
        printable(&figures.code),
        figures.units.to_string(),
        figures.coders.to_string(),
        figures.percent_agreement.map_or_else(|| "n/a".to_owned(), |p| format!("{:.1}%", p * 100.0)),
        coefficient(figures.cohen_kappa),
        coefficient(figures.fleiss_kappa),
        coefficient(figures.krippendorff_alpha),
        figures.alpha_interval.map_or_else(
            || "n/a".to_owned(),
            |interval| format!("[{}, {}]", three(interval.low), three(interval.high)),
        ),
        if row.kind == RowKind::Pooled { "pooled (see below)".to_owned() } else { row.reading().to_owned() },
    ]
}

/// The code and reading columns left-aligned, the figures right-aligned.
fn aligned(cells: &[String; 9], widths: &[usize; 9]) -> String {
    let mut line = String::new();
    for (column, (cell, &width)) in cells.iter().zip(widths).enumerate() {
        let cell = match column {
            0 => format!("{cell:<width$}"),
            8 => format!("  {cell:<width$}"),
            _ => format!("  {cell:>width$}"),
        };
        line.push_str(&cell);
    }
    line.trim_end().to_owned()
}

/// A figure as the agreement CSV writes it (six decimals, empty when undefined).
pub(crate) fn decimal(value: Option<f64>) -> String {
    // A value that rounds to zero is printed as 0, not as a puzzling "-0.000000".
    let unsigned_zero = |value: f64| if value.abs() < 5e-7 { 0.0 } else { value };
    value.map_or_else(String::new, |value| format!("{:.6}", unsigned_zero(value)))
}

pub use crate::csv_out::spreadsheet_safe;

pub(crate) fn write_error(error: csv::Error) -> AgreementError {
    AgreementError::Write(io::Error::from(error))
}
