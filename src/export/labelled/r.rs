//! R: the rows as CSV (numbers as codes, dates `YYYY-MM-DD`, written by the one CSV writer with
//! no formula protection, since no spreadsheet reads it) and an `.R` script in base R that reads
//! it, turns each variable with value labels into a factor with those levels and labels
//! (ordered for ordinal ones), dates into `Date`, and keeps each variable's label as its
//! `"label"` attribute. R has no user-missing values: the missing-data codes are read as `NA`
//! (the CSV keeps them, for whoever needs the reason).

use std::fmt::Write as _;
use std::io::Write;

use super::{Cell, Dataset, Kind, LabelledError, Measure, Reason, Rows, Written};
use crate::csv_out::{CsvOptions, CsvWriter};

/// Writes the rows as CSV, with the variables' names as its header: one pass.
pub fn write_csv<W: Write>(dataset: &Dataset, rows: &mut dyn Rows, out: W) -> Result<Written, LabelledError> {
    let mut csv = CsvWriter::new(out, CsvOptions { bom: false, protect_formulas: false })?;
    csv.record(dataset.variables.iter().map(|v| v.name.as_str()))?;
    let mut written = Written::default();
    let mut cells: Vec<String> = Vec::with_capacity(dataset.variables.len());
    rows.each(&mut |row| {
        dataset.check_row(written.cases, row)?;
        cells.clear();
        cells.extend(row.iter().map(|cell| match (cell, &dataset.missing) {
            (Cell::Number(n), _) => n.to_string(),
            (Cell::Text(text), _) => text.to_string(),
            (Cell::Date(date), _) => date.to_string(),
            (Cell::Missing(reason), Some(codes)) => codes.code(*reason).to_string(),
            _ => String::new(),
        }));
        csv.record(&cells)?;
        written.cases += 1;
        Ok(())
    })?;
    csv.flush()?;
    Ok(written)
}

/// The script that reads `csv_file` (a path relative to R's working directory) into the data
/// frame `responses`.
pub fn script(dataset: &Dataset, csv_file: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}", one_line(&dataset.label));
    let _ = writeln!(s, "# Written by fieldwork. Reads {} into the data frame `responses`, with", one_line(csv_file));
    s.push_str("# factor levels and labels, dates as Date and each variable's label in attr(x, \"label\").\n");
    s.push_str("# Base R only: run it with source() from the folder that holds the CSV.\n");
    s.push_str("# Texts outside ASCII are written as \\U{...} escapes so that any locale reads them.\n");
    let mut na = vec!["\"\"".to_string()];
    if let Some(codes) = dataset.missing {
        let meanings: Vec<String> = Reason::ALL.iter().map(|r| format!("{} {}", codes.code(*r), r.label())).collect();
        let _ = writeln!(s, "# Missing-data codes, read as NA: {}.", meanings.join(", "));
        na.extend(Reason::ALL.iter().map(|r| format!("\"{}\"", codes.code(*r))));
    }
    let classes: Vec<String> = dataset
        .variables
        .iter()
        .map(|v| {
            let class = if matches!(v.kind, Kind::Numeric { .. }) { "numeric" } else { "character" };
            format!("  {} = \"{class}\"", r_string(&v.name))
        })
        .collect();
    let _ = writeln!(s, "responses <- utils::read.csv(\n  {},", r_string(csv_file));
    s.push_str("  fileEncoding = \"UTF-8\",\n  check.names = FALSE,\n  stringsAsFactors = FALSE,\n");
    let _ = writeln!(s, "  na.strings = c({}),", na.join(", "));
    let _ = writeln!(s, "  colClasses = c(\n{}\n  )\n)", classes.join(",\n"));
    for variable in &dataset.variables {
        let column = format!("responses[[{}]]", r_string(&variable.name));
        if variable.kind == Kind::Date {
            let _ = writeln!(s, "{column} <- as.Date({column}, format = \"%Y-%m-%d\")");
        } else if !variable.value_labels.is_empty() && matches!(variable.kind, Kind::Numeric { .. }) {
            let levels: Vec<String> = variable.value_labels.iter().map(|l| l.value.to_string()).collect();
            let labels: Vec<String> = variable.value_labels.iter().map(|l| r_string(&l.label)).collect();
            let ordered = if variable.measure == Measure::Ordinal { ", ordered = TRUE" } else { "" };
            let _ = writeln!(
                s,
                "{column} <- factor({column}, levels = c({}), labels = c({}){ordered})",
                levels.join(", "),
                labels.join(", ")
            );
        }
        if !variable.label.is_empty() {
            let _ = writeln!(s, "attr({column}, \"label\") <- {}", r_string(&variable.label));
        }
    }
    s
}

/// `text` on one line, for a comment.
fn one_line(text: &str) -> String {
    r_string(text).trim_matches('"').to_string()
}

/// An R string literal: quotes, backslashes and line breaks escaped, anything outside printable
/// ASCII as `\U{…}` (R refuses mixing `\x` with `\U` escapes, so only the latter are used).
pub fn r_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // R strings cannot hold NUL; typed text never has it.
            '\0' => {}
            ' '..='~' => out.push(c),
            other => {
                let _ = write!(out, "\\U{{{:x}}}", u32::from(other));
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_strings_escape_quotes_breaks_and_non_ascii() {
        assert_eq!(r_string("plain"), "\"plain\"");
        assert_eq!(r_string("say \"hi\"\\\n"), "\"say \\\"hi\\\"\\\\\\n\"");
        assert_eq!(r_string("Zoë 日本 😀"), "\"Zo\\U{eb} \\U{65e5}\\U{672c} \\U{1f600}\"");
    }
}
