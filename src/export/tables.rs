//! The analysis tables as export files: each reads the counts under the plan's filters, codebook
//! and layer (`analysis::data`) and writes the table as the analysis page shows it
//! (`analysis::csv`). The analysis page's download links lead here.

use rusqlite::Connection;

use super::stream::{Csv, CsvExportError, Opt, Plan, bad};
use crate::analysis::csv;
use crate::analysis::data::{self, Data};
use crate::codebook::store::StoredCodebook;

/// The counts the plan asks for.
pub fn load(conn: &Connection, plan: &Plan) -> Result<Data, CsvExportError> {
    let chosen = plan.codebook.as_ref().map(|c| (c.id, plan.layer));
    Ok(data::load(conn, plan.survey.id, &plan.survey.definition, chosen, &plan.filter)?)
}

fn codebook(plan: &Plan) -> Result<&StoredCodebook, CsvExportError> {
    plan.codebook.as_ref().ok_or_else(|| bad(Opt::Codebook, "this table needs a codebook"))
}

pub fn tallies(conn: &Connection, plan: &Plan, w: &mut Csv) -> Result<(), CsvExportError> {
    let book = codebook(plan)?;
    Ok(csv::tallies(w, &load(conn, plan)?, &book.draft, plan.question.as_deref())?)
}

pub fn crosstab(conn: &Connection, plan: &Plan, w: &mut Csv) -> Result<(), CsvExportError> {
    let book = codebook(plan)?;
    let by = plan.by.as_ref().ok_or_else(|| bad(Opt::By, "the cross-tab needs it"))?;
    let data = load(conn, plan)?;
    Ok(csv::crosstab(w, &data, &plan.survey.definition, &book.draft, plan.question.as_deref(), by)?)
}

pub fn cooccurrence(conn: &Connection, plan: &Plan, w: &mut Csv) -> Result<(), CsvExportError> {
    codebook(plan)?;
    Ok(csv::cooccurrence(w, &load(conn, plan)?, plan.question.as_deref())?)
}

pub fn closed(conn: &Connection, plan: &Plan, w: &mut Csv) -> Result<(), CsvExportError> {
    Ok(csv::closed(w, &load(conn, plan)?, &plan.survey.definition)?)
}
