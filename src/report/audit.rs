//! The survey's audit log as CSV: every recorded action on the survey, its codebooks and its
//! responses' coding, oldest first (`store::audit_entries` says which entries are the survey's).

use super::{PackFile, ReportError, Sources, store};

pub const CSV: &str = "audit-log.csv";

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let ids: Vec<i64> = sources.codebooks.iter().map(|c| c.id).collect();
    let entries = store::audit_entries(sources.conn, sources.survey.id, &sources.survey.slug, &ids)?;
    let mut csv = super::Csv::new(["at", "actor", "action", "target", "details"])?;
    for e in &entries {
        csv.row([&e.at, &e.actor, &e.action, &e.target, &e.details])?;
    }
    Ok(vec![PackFile::new(CSV.into(), "Audit log (CSV)".into(), csv.finish()?)])
}
