//! Coding and reliability, per codebook: how answers were shared out (seed, share double-coded,
//! coders), per-code agreement with its intervals (the agreement page's `Report::per_code` over the
//! same codings, and its CSV byte for byte), each coder against the consensus, the reconciliation
//! log, and how many codings came from accepted machine-coder suggestions, by model.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::{PackFile, ReportError, Sources, store};
use crate::agreement::report::ShownRow;
use crate::agreement::{self, Bootstrap, Coding, Report, RowKind};
use crate::codebook::store::StoredCodebook;
use crate::codebook::tree::Tree;
use crate::coding::layers::UnitCodings;
use crate::coding::store::layers::{self, UnitStatements};

pub fn html_name(codebook: &StoredCodebook) -> String {
    format!("reliability-{}.html", codebook.id)
}

/// The agreement page's CSV (`/codebooks/{id}/agreement.csv`), the same bytes.
pub fn agreement_name(codebook: &StoredCodebook) -> String {
    format!("agreement-{}.csv", codebook.id)
}

fn consensus_name(codebook: &StoredCodebook) -> String {
    format!("coder-vs-consensus-{}.csv", codebook.id)
}

fn reconciliations_name(codebook: &StoredCodebook) -> String {
    format!("reconciliations-{}.csv", codebook.id)
}

/// The name of the consensus as a coder in the comparison.
const CONSENSUS: &str = "consensus";

/// A reconciled answer as the log shows it: each coder's codes beside the consensus.
#[derive(Serialize)]
struct Reconciled {
    #[serde(flatten)]
    stored: store::Reconciliation,
    coders: Vec<(String, Vec<String>)>,
    consensus: Vec<String>,
    added: Vec<String>,
    dropped: Vec<String>,
}

pub fn files(sources: &Sources) -> Result<Vec<PackFile>, ReportError> {
    let mut files = Vec::new();
    let emails = store::emails(sources.conn)?;
    for codebook in &sources.codebooks {
        files.extend(codebook_files(sources, codebook, &emails)?);
    }
    Ok(files)
}

fn codebook_files(
    sources: &Sources,
    codebook: &StoredCodebook,
    emails: &BTreeMap<i64, String>,
) -> Result<Vec<PackFile>, ReportError> {
    let conn = sources.conn;
    let runs = crate::coding::store::assignments::runs(conn, codebook.id)?;
    let coders = store::assigned_coders(conn, codebook.id)?;

    // The agreement page: the same codings, the same call, the same default bootstrap.
    let codings = layers::agreement_codings(conn, codebook.id, None, None)?;
    let report = Report::per_code(&codings, Some(&codebook.draft), Bootstrap::default())?;
    let mut agreement_csv = Vec::new();
    agreement::write_csv(&report, &mut agreement_csv)?;
    let tree = Tree::new(&codebook.draft);
    let rows: Vec<ShownRow> = report.rows.iter().map(|row| ShownRow::of(row, &tree)).collect();
    let verdict = report.summary.as_ref().map(|s| s.lines(|code| tree.path(code)));

    let units = units(conn, codebook.id)?;
    let versus = coder_versus_consensus(codebook, &units, emails)?;
    let mut versus_csv = super::Csv::new(["coder", "answers", "percent_agreement", "alpha", "ci_low", "ci_high"])?;
    for (coder, answers, row) in &versus {
        let cell = |v: Option<f64>| v.map(|v| format!("{v:.6}")).unwrap_or_default();
        versus_csv.row([
            coder.as_str(),
            &answers.to_string(),
            &cell(row.percent_agreement),
            &cell(row.alpha),
            &cell(row.ci_low),
            &cell(row.ci_high),
        ])?;
    }

    let reconciled = reconciliations(conn, codebook.id, &units, emails)?;
    let mut reconciled_csv = super::Csv::new([
        "response_id",
        "question",
        "reconciled_by",
        "reconciled_at",
        "coders_codes",
        "consensus",
        "added",
        "dropped",
        "note",
    ])?;
    for r in &reconciled {
        let said: Vec<String> = r.coders.iter().map(|(coder, codes)| format!("{coder}: {}", codes.join(" "))).collect();
        reconciled_csv.row([
            r.stored.response_id.to_string().as_str(),
            &r.stored.question,
            &r.stored.reconciler,
            &r.stored.resolved_at,
            &said.join("; "),
            &r.consensus.join(" "),
            &r.added.join(" "),
            &r.dropped.join(" "),
            &r.stored.note,
        ])?;
    }

    let sources_of_codings: Vec<(String, String, i64)> = store::codings_by_source(conn, codebook.id)?
        .into_iter()
        .map(|(source, layer, n)| (source.unwrap_or_else(|| "the coder's own".into()), layer, n))
        .collect();
    let from_suggestions: i64 =
        sources_of_codings.iter().filter(|(s, ..)| s != "the coder's own").map(|(.., n)| n).sum();

    let title = format!("Coding and reliability: {}", codebook.draft.name);
    let html = sources.html(
        "report/reliability.html",
        &title,
        minijinja::context! {
            codebook, runs, coders, rows, verdict, double_coded => report.double_coded,
            interpretation => agreement::report::INTERPRETATION, versus, reconciled,
            sources_of_codings, from_suggestions,
            agreement_csv => agreement_name(codebook), versus_csv => consensus_name(codebook),
            reconciled_csv => reconciliations_name(codebook),
            closed_vs_coded => super::closed_vs_coded::HTML,
        },
    )?;
    Ok(vec![
        PackFile::new(html_name(codebook), title.clone(), html),
        PackFile::new(agreement_name(codebook), format!("{title}: agreement per code (CSV)"), agreement_csv),
        PackFile::new(
            consensus_name(codebook),
            format!("{title}: each coder against the consensus (CSV)"),
            versus_csv.finish()?,
        ),
        PackFile::new(
            reconciliations_name(codebook),
            format!("{title}: reconciliation log (CSV)"),
            reconciled_csv.finish()?,
        ),
    ])
}

/// Every coded answer of the codebook, by (response, question), as the coding layers read it.
fn units(conn: &rusqlite::Connection, codebook_id: i64) -> Result<BTreeMap<(i64, String), UnitCodings>, ReportError> {
    let mut statements = UnitStatements::prepare(conn, codebook_id)?;
    let mut reader = statements.reader()?;
    let mut all = BTreeMap::new();
    for response in crate::survey::store::coded_responses(conn, codebook_id)? {
        for (question, unit) in reader.response(response)? {
            all.insert((response, question), unit);
        }
    }
    Ok(all)
}

/// Each coder's pooled agreement with the consensus over the reconciled answers they finished
/// (how many, and the pooled row of `Report::per_code` over their codings and the consensus's as
/// two coders).
fn coder_versus_consensus(
    codebook: &StoredCodebook,
    units: &BTreeMap<(i64, String), UnitCodings>,
    emails: &BTreeMap<i64, String>,
) -> Result<Vec<(String, usize, ShownRow)>, ReportError> {
    let mut by_coder: BTreeMap<String, (usize, Vec<Coding>)> = BTreeMap::new();
    for ((response, question), unit) in units {
        let Some(consensus) = &unit.consensus else { continue };
        let name = format!("{response}:{question}");
        for coder in &unit.done {
            let email = emails.get(coder).cloned().unwrap_or_else(|| format!("user {coder}"));
            let (answers, codings) = by_coder.entry(email.clone()).or_default();
            *answers += 1;
            push_codes(codings, &name, &email, unit.by_coder.get(coder));
            push_codes(codings, &name, CONSENSUS, Some(consensus));
        }
    }
    let tree = Tree::new(&codebook.draft);
    let mut rows = Vec::new();
    for (coder, (answers, codings)) in by_coder {
        let report = Report::per_code(&codings, Some(&codebook.draft), Bootstrap::default())?;
        if let Some(pooled) = report.rows.iter().find(|r| r.kind == RowKind::Pooled) {
            rows.push((coder, answers, ShownRow::of(pooled, &tree)));
        }
    }
    Ok(rows)
}

fn push_codes(codings: &mut Vec<Coding>, unit: &str, coder: &str, codes: Option<&BTreeSet<String>>) {
    match codes.filter(|c| !c.is_empty()) {
        Some(codes) => codings.extend(codes.iter().map(|code| Coding {
            unit: unit.into(),
            coder: coder.into(),
            code: Some(code.clone()),
        })),
        None => codings.push(Coding { unit: unit.into(), coder: coder.into(), code: None }),
    }
}

/// The reconciliation log: what each coder had, what the consensus kept, who settled it and when.
fn reconciliations(
    conn: &rusqlite::Connection,
    codebook_id: i64,
    units: &BTreeMap<(i64, String), UnitCodings>,
    emails: &BTreeMap<i64, String>,
) -> Result<Vec<Reconciled>, ReportError> {
    let mut log = Vec::new();
    for stored in store::reconciliations(conn, codebook_id)? {
        let unit = units.get(&(stored.response_id, stored.question.clone()));
        let consensus: BTreeSet<String> = unit.and_then(|u| u.consensus.clone()).unwrap_or_default();
        let mut coders = Vec::new();
        let mut applied = BTreeSet::new();
        let mut by_all: Option<BTreeSet<String>> = None;
        for (coder, codes) in unit.map(|u| &u.by_coder).into_iter().flatten() {
            let email = emails.get(coder).cloned().unwrap_or_else(|| format!("user {coder}"));
            coders.push((email, codes.iter().cloned().collect()));
            applied.extend(codes.iter().cloned());
            by_all = Some(match by_all {
                None => codes.clone(),
                Some(common) => common.intersection(codes).cloned().collect(),
            });
        }
        let by_all = by_all.unwrap_or_default();
        let added = consensus.difference(&by_all).cloned().collect();
        let dropped = applied.difference(&consensus).cloned().collect();
        log.push(Reconciled { stored, coders, consensus: consensus.into_iter().collect(), added, dropped });
    }
    Ok(log)
}
