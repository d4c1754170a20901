//! The `fieldwork` command: parses the command line, sets up logging and runs a subcommand.

use std::process::ExitCode;

use clap::Parser as _;
use fieldwork::config::{Cli, Command};
use fieldwork::{accounts, app, db, survey};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Written by a thread of its own; what is queued is flushed when `_flush` drops at the end.
    let (stderr, _flush) = fieldwork::logging::stderr();
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_env("FIELDWORK_LOG").unwrap_or_else(|_| EnvFilter::new("info")))
        .with_writer(stderr)
        // Colours for a terminal only: a log file gets plain lines (and the server less to format).
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Errors may quote what was typed or stored (a slug, a line of a file).
            eprintln!("error: {}", fieldwork::terminal::lines_for_terminal(&format!("{err:#}")));
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve(args) => serve(&cli.db, args),
        Command::User(command) => accounts::cli::run(&cli.db, command),
        Command::Survey(command) => survey::cli::run(&cli.db, command),
        Command::Participants(command) => fieldwork::distribute::cli::run(&cli.db, command),
        Command::Codebook(command) => fieldwork::codebook::cli::run(&cli.db, command),
        Command::Agreement(args) => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            fieldwork::agreement::run(&args, &cli.db, &mut out)?;
            std::io::Write::flush(&mut out)?;
            Ok(())
        }
        Command::Export(args) => fieldwork::export::cli::run(&cli.db, args),
        Command::Report(args) => {
            let written = fieldwork::report::cli::run(&cli.db, &args)?;
            println!("Wrote the methods pack ({written} files) to {}.", args.out.display());
            Ok(())
        }
        Command::Suggest(command) => fieldwork::suggest::cli::run(&cli.db, command),
        Command::Token(command) => fieldwork::api::cli::run(&cli.db, command),
        Command::Migrate => {
            let report = db::migrate(&cli.db)?;
            if report.from == report.to {
                println!("{} is up to date (schema version {}).", cli.db.display(), report.to);
            } else {
                println!("{} migrated from schema version {} to {}.", cli.db.display(), report.from, report.to);
            }
            if let Some(copy) = report.backup {
                println!("A copy from before the migration is at {}.", copy.display());
            }
            Ok(())
        }
        Command::Backup(args) => {
            let key = fieldwork::backup::run(&cli.db, &args)?;
            println!("Backed up {} to {}.", cli.db.display(), args.out.display());
            match key {
                Some(key) => println!("The link key is at {} (keep it as safe as the database).", key.display()),
                None => println!("Without the link key: the personal links already sent will not work from this copy."),
            }
            Ok(())
        }
    }
}

fn serve(db_path: &std::path::Path, mut args: fieldwork::config::ServeArgs) -> anyhow::Result<()> {
    let bind = args.bind;
    args.max_connections = fieldwork::web::server::fit_connections_to_file_limit(args.max_connections);
    db::report_sigbus_and_exit(db_path)?;
    // Migrations and the first hash run here, before any async worker exists.
    let state = app::build(db_path, args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(bind).await?;
        let shutdown = app::shutdown_signal()?;
        tracing::info!(address = %listener.local_addr()?, db = %db_path.display(), "fieldwork is listening");
        println!("fieldwork is serving {} on {}", db_path.display(), state.base_url());
        if let Some(link) = state.setup_link() {
            println!("No account exists yet. Create the first administrator at this one-time link:\n  {link}");
        }
        app::serve(listener, state, shutdown).await
    })
}
