//! The comparison as CSV: the blinding statement, then per mapping its agreement rows, the count
//! of each outcome and a row per response (what the respondent chose, what the coding stands
//! for, the codes and the open answers), one header for all; written by the `csv` crate.

use std::io::Write;

use super::report::ClosedReport;
use crate::agreement::error::AgreementError;
use crate::agreement::report::{decimal, spreadsheet_safe, write_error};

/// The header of the comparison CSV.
pub const CSV_HEADER: [&str; 17] = [
    "question",
    "record",
    "code",
    "units",
    "percent_agreement",
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "reading",
    "response_id",
    "outcome",
    "closed_answer",
    "coded_choices",
    "codes",
    "open_answers",
];

/// What a row of the CSV is (its `record` cell).
pub mod record {
    pub const BLINDING: &str = "blinding";
    pub const PROBLEM: &str = "problem";
    pub const AGREEMENT: &str = "agreement";
    pub const COUNT: &str = "count";
    pub const RESPONSE: &str = "response";
}

/// Writes the report as CSV (numbers with six decimals, undefined ones empty; lists joined with
/// "; "; open answers as `QUESTION: text`, one per line).
pub fn write_csv(report: &ClosedReport, out: &mut dyn Write) -> Result<(), AgreementError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER).map_err(write_error)?;
    let empty = || vec![String::new(); CSV_HEADER.len()];
    let mut row = empty();
    row[1] = record::BLINDING.into();
    row[10] = report.independence().into();
    writer.write_record(&row).map_err(write_error)?;
    for comparison in &report.comparisons {
        let question = spreadsheet_safe(&comparison.mapping.question);
        for problem in &comparison.problems {
            let mut row = empty();
            (row[0], row[1], row[10]) = (question.clone(), record::PROBLEM.into(), spreadsheet_safe(problem));
            writer.write_record(&row).map_err(write_error)?;
        }
        for agreement in &comparison.rows {
            let figures = &agreement.figures;
            let mut row = empty();
            row[0] = question.clone();
            row[1] = record::AGREEMENT.into();
            row[2] = spreadsheet_safe(&figures.code);
            row[3] = figures.units.to_string();
            row[4] = decimal(figures.percent_agreement);
            row[5] = decimal(figures.cohen_kappa);
            row[6] = decimal(figures.fleiss_kappa);
            row[7] = decimal(figures.krippendorff_alpha);
            row[8] = decimal(figures.alpha_interval.map(|i| i.low));
            row[9] = decimal(figures.alpha_interval.map(|i| i.high));
            row[10] = agreement.reading().into();
            writer.write_record(&row).map_err(write_error)?;
        }
        for (outcome, count) in comparison.counts() {
            let mut row = empty();
            (row[0], row[1], row[3], row[12]) =
                (question.clone(), record::COUNT.into(), count.to_string(), outcome.label().into());
            writer.write_record(&row).map_err(write_error)?;
        }
        for line in &comparison.lines {
            let list = |items: &[String]| spreadsheet_safe(&items.join("; "));
            let texts: Vec<String> = line.open_answers.iter().map(|(q, text)| format!("{q}: {text}")).collect();
            let mut row = empty();
            row[0] = question.clone();
            row[1] = record::RESPONSE.into();
            row[11] = line.response_id.to_string();
            row[12] = line.outcome.label().into();
            row[13] = list(&line.closed);
            row[14] = list(&line.coded_choices);
            row[15] = list(&line.codes);
            row[16] = spreadsheet_safe(&texts.join("\n"));
            writer.write_record(&row).map_err(write_error)?;
        }
    }
    writer.flush().map_err(AgreementError::Write)
}

/// A comparison CSV holding only why there is no comparison (a `problem` row).
pub fn write_problem(message: &str, out: &mut dyn Write) -> Result<(), AgreementError> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER).map_err(write_error)?;
    let mut row = vec![String::new(); CSV_HEADER.len()];
    (row[1], row[10]) = (record::PROBLEM.into(), spreadsheet_safe(message));
    writer.write_record(&row).map_err(write_error)?;
    writer.flush().map_err(AgreementError::Write)
}
