//! `fieldwork user …`: accounts from the command line, for the first admin on a headless server
//! and for scripted set-ups.

use std::io::BufRead as _;
use std::path::Path;

use anyhow::{Context as _, bail};

use super::password::PasswordHasher;
use super::tokens::{self, Purpose};
use super::{check_new_password, parse_email, store};
use crate::audit;
use crate::config::{UserAddArgs, UserCommand, UserPasswdArgs};
use crate::db;
use crate::terminal::for_terminal;

pub fn run(db_path: &Path, command: UserCommand) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    match command {
        UserCommand::Add(args) => add(&conn, args),
        UserCommand::Passwd(args) => passwd(&conn, args),
        UserCommand::List => list(&conn),
    }
}

fn read_password_line() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("could not read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// The password from stdin, checked and hashed.
fn password_from_stdin(email: &str, cost: crate::config::PasswordHashingArgs) -> anyhow::Result<String> {
    let password = read_password_line()?;
    if let Err(reason) = check_new_password(&password, &password, email) {
        bail!(reason);
    }
    PasswordHasher::new(cost)?.hash(&password)
}

fn add(conn: &rusqlite::Connection, args: UserAddArgs) -> anyhow::Result<()> {
    let email = parse_email(&args.email).map_err(anyhow::Error::msg)?;
    let name = crate::text::field("the name", &args.name, crate::text::Lines::One).map_err(anyhow::Error::msg)?;
    if store::email_exists(conn, &email)? {
        bail!("an account with the email {email} already exists");
    }
    let hash = if args.password_stdin { Some(password_from_stdin(&email, args.password_hashing)?) } else { None };
    let tx = conn.unchecked_transaction()?;
    let id = store::insert(&tx, &email, &name, args.role.into(), hash.as_deref())?;
    audit::record(&tx, None, "user.create", &email, "from the command line")?;
    let token = if hash.is_none() { Some(tokens::issue(&tx, id, Purpose::Invite)?) } else { None };
    tx.commit()?;
    println!("Created {email} ({}).", super::Role::from(args.role).as_str());
    if let Some(token) = token {
        print_link(&args.links.base_url, &token);
    }
    Ok(())
}

fn passwd(conn: &rusqlite::Connection, args: UserPasswdArgs) -> anyhow::Result<()> {
    let Some(user) = store::find_by_email(conn, args.email.trim())? else {
        bail!("there is no account with the email {}", args.email.trim());
    };
    let tx = conn.unchecked_transaction()?;
    if args.password_stdin {
        let hash = password_from_stdin(&user.email, args.password_hashing)?;
        store::set_password(&tx, user.id, &hash)?;
        audit::record(&tx, None, "user.password_set", &user.email, "from the command line")?;
        tx.commit()?;
        println!("Password changed for {}; their sessions have ended.", for_terminal(&user.email));
    } else {
        store::end_sessions(&tx, user.id)?;
        let token = tokens::issue(&tx, user.id, Purpose::Reset)?;
        audit::record(&tx, None, "user.password_reset", &user.email, "from the command line")?;
        tx.commit()?;
        print_link(&args.links.base_url, &token);
    }
    Ok(())
}

fn print_link(base_url: &str, token: &str) {
    println!(
        "Set the password within {} days at:\n  {}/account/set-password?token={token}",
        tokens::LINK_VALID_DAYS,
        base_url.trim_end_matches('/')
    );
}

fn list(conn: &rusqlite::Connection) -> anyhow::Result<()> {
    let users = store::list(conn)?;
    let emails: Vec<_> = users.iter().map(|u| for_terminal(&u.email)).collect();
    let width = emails.iter().map(|e| e.chars().count()).max().unwrap_or(5).max(5);
    println!("{:<width$}  {:<10}  {:<8}  LAST LOGIN", "EMAIL", "ROLE", "STATUS");
    for (user, email) in users.iter().zip(&emails) {
        let status = if user.active { "active" } else { "inactive" };
        let last = user.last_login_at.as_deref().unwrap_or("never");
        println!("{email:<width$}  {:<10}  {:<8}  {last}", user.role.as_str(), status);
    }
    Ok(())
}
