//! PLACE FOR THE CLOSED-VERSUS-CODED COMPARISON (issue 18): the respondent's closed answers
//! against the consensus coding of their open answers. That report is written on another branch;
//! after merging, the lead makes this part write its page and CSV from it (through the same
//! computation as its own page), and drops the placeholder text. Until then the pack says plainly
//! that the comparison is not in this version, so no figure is invented.

use super::{PackFile, ReportError, Sources};

pub const HTML: &str = "closed-vs-coded.html";

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let title = "Closed answers against the coding";
    let html = sources.html("report/closed_vs_coded.html", title, minijinja::context! {})?;
    Ok(vec![PackFile::new(HTML.into(), title.into(), html)])
}
