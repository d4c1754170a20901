//! `fieldwork survey members --survey SLUG [add --email E --role R | remove --email E]`.

use anyhow::bail;
use rusqlite::Connection;

use super::store;
use crate::config::MembersCommand;

pub fn run(conn: &Connection, slug: &str, change: Option<MembersCommand>) -> anyhow::Result<()> {
    let survey = crate::survey::at_address(conn, slug)?;
    match change {
        None => list(conn, survey.id),
        Some(MembersCommand::Add { email, role }) => {
            let tx = conn.unchecked_transaction()?;
            let added = super::add(&tx, &survey, &email, role.into(), None)?;
            match added {
                Ok(account) => {
                    tx.commit()?;
                    let role = super::MemberRole::from(role);
                    println!("{} is now a {} of {slug}.", account.email, role.as_str());
                    Ok(())
                }
                Err(reason) => bail!("not added: {reason}"),
            }
        }
        Some(MembersCommand::Remove { email }) => {
            let tx = conn.unchecked_transaction()?;
            let account = crate::accounts::store::find_by_email(&tx, email.trim())?;
            let removed = match &account {
                Some(account) => super::remove(&tx, &survey, account.id, None)?,
                None => false,
            };
            if !removed {
                bail!("{} is not a member of {slug}", email.trim());
            }
            tx.commit()?;
            println!("{} is no longer a member of {slug}.", email.trim());
            Ok(())
        }
    }
}

fn list(conn: &Connection, survey_id: i64) -> anyhow::Result<()> {
    let members = store::list(conn, survey_id)?;
    if members.is_empty() {
        println!("No members: only admins reach this survey.");
        return Ok(());
    }
    println!("{:<40}  {:<10}  {:<20}  ADDED BY", "EMAIL", "ROLE", "ADDED");
    for member in members {
        let by = member.added_by.as_deref().unwrap_or("-");
        println!("{:<40}  {:<10}  {:<20}  {by}", member.email, member.role.as_str(), member.added_at);
    }
    Ok(())
}
