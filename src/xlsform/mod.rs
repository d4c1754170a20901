//! XLSForm (xlsform.org), the spreadsheet form of ODK, KoboToolbox and SurveyCTO: a survey written
//! as its three sheets — `survey` (one row per question, pages as `field-list` groups), `choices`
//! and `settings` — with a `label::Language (code)` column per language. `rows.rs` turns a
//! definition into rows; this file lays them into a workbook (rust_xlsxwriter); `read.rs` reads
//! one back (calamine); `constraint.rs` is the `constraint` column both ways; `web.rs` is the
//! download.

mod constraint;
pub mod read;
mod rows;
pub mod web;

use rust_xlsxwriter::{Workbook, XlsxError};

use crate::survey::model::SurveyDefinition;
pub use rows::{Row, Sheets};

/// The survey as an `.xlsx` XLSForm.
pub fn write(definition: &SurveyDefinition) -> Result<Vec<u8>, XlsxError> {
    let sheets = Sheets::of(definition);
    let mut workbook = Workbook::new();
    for (name, header, rows) in [
        ("survey", sheets.survey_header(), &sheets.survey),
        ("choices", sheets.choices_header(), &sheets.choices),
        ("settings", rows::SETTINGS_HEADER.iter().map(|h| h.to_string()).collect(), &sheets.settings),
    ] {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        for (col, title) in header.iter().enumerate() {
            sheet.write_string(0, column(col), title)?;
        }
        for (r, row) in rows.iter().enumerate() {
            let at = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (col, title) in header.iter().enumerate() {
                if let Some(value) = row.get(title).filter(|v| !v.is_empty()) {
                    sheet.write_string(at, column(col), value)?;
                }
            }
        }
    }
    workbook.save_to_buffer()
}

/// A column's number (a sheet of XLSForm has a few dozen columns at most).
fn column(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}
