//! The response flow: participants invited, responses started and completed, and breakoff by
//! page — overall, by language and by how respondents came in. The figures are those of the
//! survey's pages, read through the same functions: the overview's progress
//! (`survey::overview::progress`), the participants page's counts and the responses page's
//! count and breakoff view (`distribute::responses`), with its language filter.

use serde::Serialize;

use super::{PackFile, ReportError, Sources, store};
use crate::distribute::participants;
use crate::distribute::responses::{self, ResponseFilter};
use crate::paradata::trail::Breakoff;

pub const HTML: &str = "response-flow.html";
pub const CSV: &str = "response-flow.csv";

/// The figures of one group of responses (all, or one language).
#[derive(Serialize)]
struct Group {
    label: String,
    started: i64,
    complete: i64,
    breakoff: Breakoff,
}

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let (conn, survey) = (sources.conn, sources.survey);
    let progress = crate::survey::overview::progress(conn, survey.id)?;
    let statuses = participants::counts(conn, survey.id)?;
    let mut groups = vec![group(sources, "All responses".into(), ResponseFilter::default())?];
    for language in &survey.definition.languages {
        let filter = ResponseFilter { language: language.clone(), ..ResponseFilter::default() };
        groups.push(group(sources, format!("Language {language}"), filter)?);
    }
    let access = store::responses_by_access(conn, survey.id)?;

    let mut csv = super::Csv::new(["section", "group", "page", "measure", "value"])?;
    csv.row(["overall", "all", "", "started", &(progress.complete + progress.partial).to_string()])?;
    csv.row(["overall", "all", "", "complete", &progress.complete.to_string()])?;
    csv.row(["overall", "all", "", "partial", &progress.partial.to_string()])?;
    csv.row(["participants", "all", "", "total", &statuses.total.to_string()])?;
    for (status, n) in &statuses.by_status {
        csv.row(["participants", status, "", "participants", &n.to_string()])?;
    }
    for g in &groups {
        csv.row(["group", &g.label, "", "started", &g.started.to_string()])?;
        csv.row(["group", &g.label, "", "complete", &g.complete.to_string()])?;
        for page in &g.breakoff.pages {
            csv.row(["breakoff", &g.label, &page.code, "reached", &page.reached.to_string()])?;
            csv.row(["breakoff", &g.label, &page.code, "stopped", &page.stopped.to_string()])?;
        }
    }
    for (mode, complete, partial) in &access {
        csv.row(["access", mode, "", "complete", &complete.to_string()])?;
        csv.row(["access", mode, "", "partial", &partial.to_string()])?;
    }

    let title = "Response flow";
    let html = sources.html(
        "report/flow.html",
        title,
        minijinja::context! {
            progress, statuses, groups, access, anonymous => survey.definition.anonymous, csv => CSV,
        },
    )?;
    Ok(vec![
        PackFile::new(HTML.into(), title.into(), html),
        PackFile::new(CSV.into(), "Response flow (CSV)".into(), csv.finish()?),
    ])
}

fn group(sources: &Sources, label: String, filter: ResponseFilter) -> Result<Group, ReportError> {
    let (conn, survey) = (sources.conn, sources.survey);
    let started = responses::count(conn, survey.id, &filter)?;
    let complete = responses::count(conn, survey.id, &ResponseFilter { status: "complete".into(), ..filter.clone() })?;
    let breakoff = responses::breakoff(conn, &survey.definition, survey.id, &filter)?;
    Ok(Group { label, started, complete, breakoff })
}
