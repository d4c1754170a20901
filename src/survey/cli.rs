//! `fieldwork survey …`: import, export, list, open and close surveys from the command line (and
//! hands `members` to `members::cli`).

use std::path::Path;

use anyhow::{Context as _, bail};

use super::store::{self, Status};
use super::{ImportError, file, import_toml};
use crate::audit;
use crate::config::SurveyCommand;
use crate::db;
use crate::terminal::{for_terminal, lines_for_terminal};

pub fn run(db_path: &Path, command: SurveyCommand) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    match command {
        SurveyCommand::Import { file } => import(&conn, &file),
        SurveyCommand::Export { slug } => {
            let survey = super::at_address(&conn, &slug)?;
            print!("{}", file::to_toml(&survey.definition)?);
            Ok(())
        }
        SurveyCommand::List => list(&conn),
        SurveyCommand::Open { slug } => set_status(&conn, &slug, Status::Open),
        SurveyCommand::Close { slug } => set_status(&conn, &slug, Status::Closed),
        SurveyCommand::Access { survey, mode } => crate::distribute::cli::set_access(&conn, &survey, mode),
        SurveyCommand::Members { survey, change } => super::members::cli::run(&conn, &survey, change),
    }
}

fn import(conn: &rusqlite::Connection, path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let text = String::from_utf8(text).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
    let tx = conn.unchecked_transaction()?;
    match import_toml(&tx, &text, None) {
        Ok((_, slug)) => {
            audit::record(&tx, None, "survey.import", &slug, "from the command line")?;
            tx.commit()?;
            println!("{slug}");
            Ok(())
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
    Ok(())
}
