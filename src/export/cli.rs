//! `fieldwork export`: the same files as the web downloads, written to a file or (CSV only) to
//! standard output by the same writers.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::Context as _;
use rusqlite::Connection;

use super::stream::{self, ExportOptions, Plan, What};
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
        Some(path) => write_file(&conn, &plan, path).with_context(|| format!("could not write {}", path.display()))?,
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

/// Writes the export to a temporary file beside `path` and renames it to `path` once complete and
/// on disk, so that `path` never holds a half-written export, even after a crash. The temporary
/// file is removed if the export fails.
fn write_file(conn: &Connection, plan: &Plan, path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".part")
        .tempfile_in(dir)
        .context("could not create a temporary file beside it")?;
    let mut out = BufWriter::new(temp);
    if plan.what.is_csv() {
        stream::write_csv(conn, plan, &mut out)?;
    } else {
        stream::write_project(conn, plan, &mut out)?;
    }
    out.flush()?;
    let temp = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    temp.as_file().sync_all()?;
    temp.persist(path)?;
    Ok(())
}
