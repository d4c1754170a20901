//! `fieldwork participants import|links` and `fieldwork survey access`.

use std::io::Write as _;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::access::{self, Access};
use super::import;
use super::links::LinkKey;
use super::participants::{LinkColumns, write_links};
use crate::config::{AccessArg, LinkKeyArgs, ParticipantsCommand};
use crate::terminal::lines_for_terminal;
use crate::{audit, db};

pub fn run(db_path: &Path, command: ParticipantsCommand) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    match command {
        ParticipantsCommand::Import { survey, file, key } => {
            import_file(&conn, &link_key(db_path, &key)?, &survey, &file)
        }
        ParticipantsCommand::Links { survey, links, key } => {
            let found = crate::survey::at_address(&conn, &survey)?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let key = link_key(db_path, &key)?;
            write_links(&conn, &key, &links.base_url, (found.id, &found.slug), LinkColumns::Plain, &mut out)?;
            out.flush()?;
            audit::record(&conn, None, "participants.links", &found.slug, "from the command line")?;
            Ok(())
        }
    }
}

fn link_key(db_path: &Path, args: &LinkKeyArgs) -> anyhow::Result<LinkKey> {
    let path = args.link_key.clone().unwrap_or_else(|| LinkKey::default_path(db_path));
    Ok(LinkKey::load_or_create(&path)?)
}

fn import_file(conn: &rusqlite::Connection, key: &LinkKey, slug: &str, path: &Path) -> anyhow::Result<()> {
    let survey = crate::survey::at_address(conn, slug)?;
    let bytes = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    let tx = conn.unchecked_transaction()?;
    match import::import_csv(&tx, key, survey.id, &survey.definition.languages, &bytes)? {
        Ok(count) => {
            audit::record(
                &tx,
                None,
                "participants.import",
                slug,
                &format!("{count} participants, from the command line"),
            )?;
            tx.commit()?;
            println!("Imported {count} participants into {slug}.");
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                eprintln!("{}: {}", path.display(), lines_for_terminal(&problem.to_string()));
            }
            bail!("nothing was imported: {} problem(s) in {}", problems.len(), path.display())
        }
    }
}

pub fn set_access(conn: &rusqlite::Connection, slug: &str, mode: AccessArg) -> anyhow::Result<()> {
    let survey = crate::survey::at_address(conn, slug)?;
    let access = match mode {
        AccessArg::Public => Access::Public,
        AccessArg::Invitation => Access::Invitation,
        AccessArg::Both => Access::Both,
    };
    let tx = conn.unchecked_transaction()?;
    access::set_access(&tx, survey.id, access)?;
    audit::record(&tx, None, "survey.access", slug, &format!("access {}, from the command line", access.as_str()))?;
    tx.commit()?;
    println!("{slug}: access is now {}.", access.as_str());
    Ok(())
}
