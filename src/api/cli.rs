//! `fieldwork token …`: personal access tokens from the command line — made for an account
//! (printed once, on standard output alone so that a script can capture it), listed and revoked.

use std::path::Path;

use anyhow::bail;

use super::tokens::{self, NewToken, Scope, store};
use crate::audit;
use crate::db;
use crate::terminal::for_terminal;

/// Personal access tokens for the API (docs/api.md).
#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Make a token for an account and print it (only once: only its hash is kept).
    Create(CreateArgs),
    /// List an account's tokens (never the tokens themselves).
    List(ListArgs),
    /// Revoke a token by its id (from `fieldwork token list`).
    Revoke(RevokeArgs),
}

#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// The account's email.
    #[arg(long)]
    pub email: String,
    /// What the token is for.
    #[arg(long, default_value = "API token")]
    pub name: String,
    /// Days until it expires (default: never).
    #[arg(long, value_name = "DAYS")]
    pub expires: Option<i64>,
    /// What it may do: read, or write (read and write: also import participants).
    #[arg(long, default_value = "read", value_parser = ["read", "write", "read-write"])]
    pub scope: String,
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    pub email: String,
}

#[derive(Debug, clap::Args)]
pub struct RevokeArgs {
    #[arg(long)]
    pub email: String,
    /// The token's id.
    #[arg(long)]
    pub id: i64,
}

pub fn run(db_path: &Path, command: TokenCommand) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    let email = match &command {
        TokenCommand::Create(a) => &a.email,
        TokenCommand::List(a) => &a.email,
        TokenCommand::Revoke(a) => &a.email,
    };
    let Some(user) = crate::accounts::store::find_by_email(&conn, email.trim())? else {
        bail!("there is no account with the email {}", for_terminal(email.trim()));
    };
    match command {
        TokenCommand::Create(args) => {
            let scope = Scope::parse(&args.scope).unwrap_or(Scope::Read);
            let new = NewToken::checked(&args.name, scope, args.expires).map_err(anyhow::Error::msg)?;
            let tx = conn.unchecked_transaction()?;
            let (token, id) = tokens::create(&tx, user.id, &new)?;
            let details = format!("{} ({}), from the command line", new.name, scope.as_str());
            audit::record(&tx, None, "api.token_create", &user.email, &details)?;
            tx.commit()?;
            eprintln!("Token {id} for {} ({}); it is shown only this once:", for_terminal(&user.email), scope.as_str());
            println!("{token}");
        }
        TokenCommand::List(_) => {
            for t in store::tokens_of(&conn, user.id)? {
                let state = match (&t.revoked_at, t.expires()) {
                    (Some(at), _) => format!("revoked {at}"),
                    (None, Some(at)) => format!("expires {at}"),
                    (None, None) => "never expires".into(),
                };
                println!("{}\tfw_{}…\t{}\t{}\t{state}", t.id, t.prefix, t.scope.as_str(), for_terminal(&t.name));
            }
        }
        TokenCommand::Revoke(args) => {
            if !store::revoke_token(&conn, user.id, args.id)? {
                bail!("{} has no token {} in force", for_terminal(&user.email), args.id);
            }
            audit::record(
                &conn,
                None,
                "api.token_revoke",
                &user.email,
                &format!("token {}, from the command line", args.id),
            )?;
            println!("Revoked token {}.", args.id);
        }
    }
    Ok(())
}
