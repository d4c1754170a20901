//! Closed answers against the coding, per codebook: the comparison its page shows
//! (`agreement::closed`, the same call and the same default bootstrap), whether coders were blind
//! to the closed answers, the counts and the responses that differ, and the comparison's CSV.
//! The pack leaves out the open answers' text (the page on the server shows it): a pack is meant
//! to be shared, and quoting respondents is what the disclosure check is for.

use serde::Serialize;

use super::{PackFile, ReportError, Sources};
use crate::agreement::AgreementError;
use crate::agreement::closed::shown::ShownComparison;
use crate::agreement::closed::{ClosedReport, closed_comparison, write_csv};
use crate::agreement::table::Bootstrap;
use crate::codebook::store::StoredCodebook;
use crate::codebook::tree::Tree;

pub const HTML: &str = "closed-vs-coded.html";

/// The comparison CSV of a codebook: the page's CSV with the open answers' column left empty.
pub fn csv_name(codebook: &StoredCodebook) -> String {
    format!("closed-vs-coded-{}.csv", codebook.id)
}

/// One codebook's comparison as the pack shows it; `missing` says why there is none.
#[derive(Serialize)]
struct Compared {
    name: String,
    csv: Option<String>,
    independence: Option<&'static str>,
    missing: Option<String>,
    comparisons: Vec<ShownComparison>,
}

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let (mut codebooks, mut files) = (Vec::new(), Vec::new());
    for codebook in &sources.codebooks {
        match closed_comparison(sources.conn, codebook.id, Bootstrap::default()) {
            Ok(report) => {
                let report = without_open_answers(report);
                let mut csv = Vec::new();
                write_csv(&report, &mut csv)?;
                let tree = Tree::new(&codebook.draft);
                let definition = &sources.survey.definition;
                codebooks.push(Compared {
                    name: codebook.draft.name.clone(),
                    csv: Some(csv_name(codebook)),
                    independence: Some(report.independence()),
                    missing: None,
                    comparisons: report.comparisons.iter().map(|c| ShownComparison::of(c, definition, &tree)).collect(),
                });
                let title = format!("Closed answers against the coding: {} (CSV)", codebook.draft.name);
                files.push(PackFile::new(csv_name(codebook), title, csv));
            }
            // No mapping: said on the page, as the comparison page says it.
            Err(AgreementError::Selection(message)) => codebooks.push(Compared {
                name: codebook.draft.name.clone(),
                csv: None,
                independence: None,
                missing: Some(message),
                comparisons: Vec::new(),
            }),
            Err(error) => return Err(error.into()),
        }
    }
    let title = "Closed answers against the coding";
    let html = sources.html(
        "report/closed_vs_coded.html",
        title,
        minijinja::context! { codebooks, interpretation => crate::agreement::report::INTERPRETATION },
    )?;
    files.insert(0, PackFile::new(HTML.into(), title.into(), html));
    Ok(files)
}

fn without_open_answers(mut report: ClosedReport) -> ClosedReport {
    for line in report.comparisons.iter_mut().flat_map(|c| c.lines.iter_mut()) {
        line.open_answers.clear();
    }
    report
}
