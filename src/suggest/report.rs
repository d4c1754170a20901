//! The machine coder's figures as CSV: a row per code of a model, the same numbers in the same
//! form as the agreement CSV (six decimals, empty when undefined), with its eligibility.

use std::io::Write;

use super::evaluate::CodeFigures;
use super::model::Model;
use crate::agreement::report::decimal;
use crate::csv_out::spreadsheet_safe;

/// The header of the machine coder's CSV.
pub const CSV_HEADER: [&str; 15] = [
    "coder",
    "code",
    "positives",
    "predicted",
    "both",
    "percent_agreement",
    "cohen_kappa",
    "krippendorff_alpha",
    "alpha_ci_low",
    "alpha_ci_high",
    "precision",
    "recall",
    "eligible",
    "reason",
    "model",
];

/// Writes the figures of the model `hash` (no rows without a model: the header alone).
pub fn write_csv(hash: Option<&str>, figures: &[CodeFigures], out: &mut dyn Write) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(CSV_HEADER)?;
    let (coder, model) = hash.map(|h| (Model::coder_name(h), h.to_owned())).unwrap_or_default();
    for f in figures {
        writer.write_record([
            coder.clone(),
            spreadsheet_safe(&f.code),
            f.positives.to_string(),
            f.predicted.to_string(),
            f.both.to_string(),
            decimal(f.percent_agreement),
            decimal(f.cohen_kappa),
            decimal(f.alpha),
            decimal(f.alpha_low),
            decimal(f.alpha_high),
            decimal(f.precision),
            decimal(f.recall),
            if f.eligible { "yes" } else { "no" }.to_owned(),
            spreadsheet_safe(&f.reason),
            model.clone(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
