//! `fieldwork export`: the same files as the web downloads, written to a file or (CSV only) to
//! standard output by the same writers.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

use anyhow::Context as _;

use super::stream::{self, ExportOptions, What};
use crate::config::ExportArgs;
use crate::csv_out::CsvOptions;
use crate::db;

/// The options the flags give.
pub fn options(args: &ExportArgs) -> ExportOptions {
    ExportOptions {
        codebook: args.codebook,
        layer: Some(args.layer.clone()),
        labels: args.labels.clone(),
        question: args.question.clone(),
        by: args.by.clone(),
        per: args.per.clone(),
        texts: args.texts.clone(),
        include_partial: args.include_partial,
        csv: CsvOptions { bom: args.bom, protect_formulas: !args.no_formula_protection },
    }
}

pub fn run(db_path: &Path, args: ExportArgs) -> anyhow::Result<()> {
    if args.what == What::Qdpx && args.out.is_none() {
        anyhow::bail!("qdpx is a zip file and needs a file to write to: give --out FILE.qdpx");
    }
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    let plan = stream::resolve(&conn, &args.survey, args.what, &options(&args))?;
    crate::audit::record(
        &conn,
        None,
        "responses.export",
        &plan.survey.slug,
        &format!("{}, from the command line", plan.describe()),
    )?;
    match &args.out {
        Some(path) => {
            let file = File::create(path).with_context(|| format!("could not create {}", path.display()))?;
            let out = BufWriter::new(file);
            let written = if plan.what.is_csv() {
                stream::write_csv(&conn, &plan, out).map(drop)
            } else {
                stream::write_project(&conn, &plan, out)
            };
            if let Err(err) = written {
                // A half-written file must not pass for an export.
                let _ = std::fs::remove_file(path);
                return Err(err).with_context(|| format!("could not write {}", path.display()));
            }
        }
        None => match stream::write_csv(&conn, &plan, BufWriter::new(io::stdout().lock())) {
            // `| head` closed the pipe: the reader has what it wanted.
            Err(err) if err.is_cancelled() => {}
            other => {
                other?;
            }
        },
    }
    Ok(())
}
