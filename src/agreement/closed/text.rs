//! The comparison for reading in a terminal: whether coders were blind to closed answers, then
//! per mapping its agreement table (as `fieldwork agreement` prints one), the counts and the
//! responses where the respondent and the coding differ.

use std::io::Write;

use super::report::ClosedReport;
use crate::agreement::codebook::Report;
use crate::agreement::error::AgreementError;
use crate::agreement::report::write_table as write_agreement_table;
use crate::terminal::for_terminal;

/// Writes the report as text; every text a person typed is escaped for the terminal.
pub fn write_table(report: &ClosedReport, out: &mut dyn Write) -> Result<(), AgreementError> {
    let say = |out: &mut dyn Write, line: &str| writeln!(out, "{line}").map_err(AgreementError::Write);
    let name = for_terminal(&report.codebook_name);
    say(out, &format!("Closed answers against the coding: codebook {} ({name})", report.codebook_id))?;
    say(out, report.independence())?;
    for comparison in &report.comparisons {
        let mapping = &comparison.mapping;
        let kind = if comparison.multiple { "multiple choice, per code" } else { "single choice" };
        say(out, &format!("\n== {} ({kind}) ==", for_terminal(&mapping.question)))?;
        if !comparison.problems.is_empty() {
            for problem in &comparison.problems {
                say(out, &format!("Not compared: {}", for_terminal(problem)))?;
            }
            continue;
        }
        let table = Report { rows: comparison.rows.clone(), ..Report::default() };
        write_agreement_table(&table, out)?;
        let counts: Vec<String> = comparison
            .counts()
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(outcome, n)| format!("{}: {n}", outcome.label()))
            .collect();
        say(out, &format!("\nResponses: {}", if counts.is_empty() { "none".into() } else { counts.join(", ") }))?;
        for line in comparison.differences() {
            let codes = line.codes.join(", ");
            say(
                out,
                &format!(
                    "  response {}: chose {}; coded {} ({})",
                    line.response_id,
                    for_terminal(&line.closed.join(", ")),
                    for_terminal(&line.coded_choices.join(", ")),
                    for_terminal(&codes)
                ),
            )?;
            for (question, text) in &line.open_answers {
                say(out, &format!("    {}: {}", for_terminal(question), for_terminal(text)))?;
            }
        }
    }
    Ok(())
}
