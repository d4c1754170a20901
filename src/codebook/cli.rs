//! `fieldwork codebook …`: import a codebook into a survey, export one as TOML, REFI-QDA or CSV.

use std::path::Path;

use anyhow::{Context as _, bail};

use super::model::to_toml;
use super::{qdc, store};
use crate::config::{CodebookCommand, CodebookFormat};
use crate::db;
use crate::terminal::lines_for_terminal;

pub fn run(db_path: &Path, command: CodebookCommand) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    match command {
        CodebookCommand::Import { survey, file } => import(&conn, &survey, &file),
        CodebookCommand::Export { survey, codebook, format, out } => {
            export(&conn, &survey, codebook, format, out.as_deref())
        }
    }
}

fn import(conn: &rusqlite::Connection, slug: &str, path: &Path) -> anyhow::Result<()> {
    let survey = crate::survey::at_address(conn, slug)?;
    let bytes = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let (file, notes) = match super::parse_file_for(&bytes, name, &survey.definition) {
        Ok(parsed) => parsed,
        Err(errors) => {
            for error in &errors {
                eprintln!("{}: {}", path.display(), lines_for_terminal(&error.to_string()));
            }
            bail!("nothing was imported: {} problem(s) in {}", errors.len(), path.display());
        }
    };
    for note in &notes {
        eprintln!("note: {}", lines_for_terminal(&note.to_string()));
    }
    let tx = conn.unchecked_transaction()?;
    let id = super::import(&tx, survey.id, &file, "command line", None)?;
    crate::audit::record(
        &tx,
        None,
        "codebook.import",
        &file.name,
        &crate::audit::about_codebook(id, "from the command line"),
    )?;
    tx.commit()?;
    println!("{id}");
    Ok(())
}

fn export(
    conn: &rusqlite::Connection,
    slug: &str,
    codebook: Option<i64>,
    format: CodebookFormat,
    out: Option<&Path>,
) -> anyhow::Result<()> {
    let survey = crate::survey::at_address(conn, slug)?.id;
    let given = codebook.map(|id| id.to_string());
    let book = store::choose(conn, survey, slug, given.as_deref())??;
    let text = match format {
        CodebookFormat::Toml => to_toml(&book.draft)?,
        CodebookFormat::Qdc => qdc::to_qdc(&book.draft),
        CodebookFormat::Csv => super::csv::to_csv(&book.draft)?,
    };
    match out {
        Some(path) => std::fs::write(path, text).with_context(|| format!("could not write {}", path.display()))?,
        None => print!("{text}"),
    }
    Ok(())
}
