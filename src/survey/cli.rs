//! `fieldwork survey …`: import, export, list, open and close surveys from the command line (and
//! hands `members` to `members::cli`).

use std::path::Path;

use anyhow::{Context as _, bail};

use super::store::{self, Status};
use super::{ImportError, file, import_toml};
use crate::audit;
use crate::config::{SurveyCommand, SurveyFormat};
use crate::db;
use crate::terminal::{for_terminal, lines_for_terminal};

pub fn run(db_path: &Path, command: SurveyCommand) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    match command {
        SurveyCommand::Import { file, skip_unsupported } => import(&conn, &file, skip_unsupported),
        SurveyCommand::Export { slug, format, out } => export(&conn, &slug, format, out.as_deref()),
        SurveyCommand::List => list(&conn),
        SurveyCommand::Open { slug } => set_status(&conn, &slug, Status::Open),
        SurveyCommand::Close { slug } => set_status(&conn, &slug, Status::Closed),
        SurveyCommand::Access { survey, mode } => crate::distribute::cli::set_access(&conn, &survey, mode),
        SurveyCommand::Members { survey, change } => super::members::cli::run(&conn, &survey, change),
    }
}

/// The definition as TOML (to standard output or `out`) or as an XLSForm (to `out`).
fn export(conn: &rusqlite::Connection, slug: &str, format: SurveyFormat, out: Option<&Path>) -> anyhow::Result<()> {
    let survey = super::at_address(conn, slug)?;
    let bytes = match format {
        SurveyFormat::Toml => file::to_toml(&survey.definition)?.into_bytes(),
        SurveyFormat::Xlsform => {
            if out.is_none() {
                bail!("an XLSForm is not a text file: give --out FILE.xlsx");
            }
            crate::xlsform::write(&survey.definition)?
        }
    };
    match out {
        Some(path) => std::fs::write(path, bytes).with_context(|| format!("could not write {}", path.display()))?,
        None => {
            use std::io::Write as _;
            std::io::stdout().lock().write_all(&bytes)?;
        }
    }
    Ok(())
}

fn import(conn: &rusqlite::Connection, path: &Path, skip_unsupported: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let extension = path.extension().map(|e| e.to_string_lossy().to_ascii_lowercase());
    let text = match extension.as_deref() {
        Some("xlsx") => from_xlsform(path, &bytes, skip_unsupported)?,
        Some("lss") => from_limesurvey(path, &bytes, skip_unsupported)?,
        _ => String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))?,
    };
    let tx = conn.unchecked_transaction()?;
    match import_toml(&tx, &text, None) {
        Ok((_, slug)) => {
            audit::record(&tx, None, "survey.import", &slug, "from the command line")?;
            tx.commit()?;
            println!("{slug}");
            warn_of_placeholders(conn, &slug)
        }
        Err(ImportError::Invalid(errors)) => {
            for error in &errors {
                eprintln!("{}: {}", path.display(), lines_for_terminal(&error.to_string()));
            }
            bail!("nothing was imported: {} problem(s) in {}", errors.len(), path.display())
        }
        Err(ImportError::Db(err)) => Err(err.into()),
    }
}

/// An XLSForm as the TOML it stands for; its unsupported rows refused, or left out and listed.
fn from_xlsform(path: &Path, bytes: &[u8], skip_unsupported: bool) -> anyhow::Result<String> {
    match crate::xlsform::read::read(bytes, skip_unsupported) {
        Ok(read) => {
            for skipped in &read.skipped {
                eprintln!("{}: left out: {}", path.display(), for_terminal(&skipped.to_string()));
            }
            Ok(file::to_toml(&read.definition)?)
        }
        Err(unsupported) => {
            for row in &unsupported {
                eprintln!("{}: {}", path.display(), for_terminal(&row.to_string()));
            }
            bail!(
                "nothing was imported: {} row(s) fieldwork cannot hold in {}; --skip-unsupported leaves them out",
                unsupported.len(),
                path.display()
            )
        }
    }
}

/// A LimeSurvey `.lss` as the TOML it stands for; its unsupported parts refused, or left out and
/// listed (each with its XML line).
fn from_limesurvey(path: &Path, bytes: &[u8], skip_unsupported: bool) -> anyhow::Result<String> {
    use crate::limesurvey::{Refused, read};
    match read(bytes, skip_unsupported) {
        Ok(read) => {
            for skipped in &read.skipped {
                eprintln!("{}: left out: {}", path.display(), for_terminal(&skipped.to_string()));
            }
            Ok(file::to_toml(&read.definition)?)
        }
        Err(Refused::Unreadable(problem)) => {
            bail!("nothing was imported: {}: {}", path.display(), for_terminal(&problem.to_string()))
        }
        Err(Refused::Unsupported(parts)) => {
            for part in &parts {
                eprintln!("{}: {}", path.display(), for_terminal(&part.to_string()));
            }
            bail!(
                "nothing was imported: {} part(s) fieldwork cannot hold in {}; --skip-unsupported leaves them out",
                parts.len(),
                path.display()
            )
        }
    }
}

fn list(conn: &rusqlite::Connection) -> anyhow::Result<()> {
    println!("{:<32}  {:<7}  {:>7}  {:>9}  {:>8}  TITLE", "SLUG", "STATUS", "VERSION", "COMPLETE", "PARTIAL");
    for survey in store::list(conn)? {
        let (complete, partial) = store::response_counts(conn, survey.id)?;
        let title = survey.definition.text(&survey.definition.title, &survey.definition.default_language);
        println!(
            "{:<32}  {:<7}  {:>7}  {:>9}  {:>8}  {}",
            for_terminal(&survey.slug),
            survey.status.as_str(),
            survey.version,
            complete,
            partial,
            for_terminal(title)
        );
    }
    Ok(())
}

fn set_status(conn: &rusqlite::Connection, slug: &str, status: Status) -> anyhow::Result<()> {
    let survey = super::at_address(conn, slug)?;
    let tx = conn.unchecked_transaction()?;
    store::set_status(&tx, survey.id, status)?;
    let action = if status == Status::Open { "survey.publish" } else { "survey.close" };
    audit::record(&tx, None, action, slug, "from the command line")?;
    tx.commit()?;
    println!("{slug} is now {}.", status.as_str());
    if status == Status::Open {
        warn_of_placeholders(conn, slug)?;
    }
    Ok(())
}

/// Says on standard error which `[[FILL: …]]` placeholders the survey still has (a warning: the
/// command has done its work).
fn warn_of_placeholders(conn: &rusqlite::Connection, slug: &str) -> anyhow::Result<()> {
    let survey = super::at_address(conn, slug)?;
    for found in super::placeholders::unfilled(&survey.definition) {
        eprintln!("warning: {slug}: {}", lines_for_terminal(&found.to_string()));
    }
    Ok(())
}
