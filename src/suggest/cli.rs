//! `fieldwork suggest train`: trains the machine coder of a survey's codebook on the command line,
//! as the codebook's machine-coder page does, and prints each code's figures and eligibility.

use std::io::Write;
use std::path::Path;

use super::evaluate::CodeFigures;
use super::model::Params;
use super::model::short_hash;
use super::run::{self, Computed};
use crate::agreement::summary::three;
use crate::codebook::store as codebooks;
use crate::db;
use crate::terminal::for_terminal;

/// The machine coder: a classifier per code, trained on the consensus and measured like a coder.
#[derive(Debug, clap::Subcommand)]
pub enum SuggestCommand {
    /// Train a model on the consensus layer of a codebook version, measure it against the
    /// consensus by 5-fold cross-validation, and store it with each code's eligibility.
    Train(TrainArgs),
}

#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// The survey (its address).
    #[arg(long, value_name = "SLUG")]
    pub survey: String,
    /// The codebook, by id or name; needed only when the survey has several.
    #[arg(long, value_name = "ID|NAME")]
    pub codebook: Option<String>,
    /// The published codebook version whose codes to learn (default: the latest).
    #[arg(long, value_name = "N")]
    pub codebook_version: Option<i64>,
    /// Seed of the folds (and of the bootstrap): the same data and seed give the same model.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
}

pub fn run(db_path: &Path, command: SuggestCommand) -> anyhow::Result<()> {
    match command {
        SuggestCommand::Train(args) => train(db_path, &args),
    }
}

fn train(db_path: &Path, args: &TrainArgs) -> anyhow::Result<()> {
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    let slug = &args.survey;
    let survey = crate::survey::store::find_by_slug(&conn, slug)?
        .ok_or_else(|| anyhow::anyhow!("there is no survey with the address \"{slug}\""))?;
    let book =
        codebooks::choose(&conn, survey.id, slug, args.codebook.as_deref())?.map_err(|why| anyhow::anyhow!(why))?;
    let prepared = run::prepare(&conn, book.id, survey.id, book.published_version, args.codebook_version)?;
    eprintln!(
        "Training on {} answers of the consensus layer, {} codes, seed {}.",
        prepared.set.answers.len(),
        prepared.set.codes.len(),
        args.seed
    );
    let progress = |done: usize, total: usize| eprint!("\r{done} of {total} classifiers fitted");
    let computed = run::compute(&prepared, &Params::default(), args.seed, &progress)?;
    eprintln!();
    let mut writer = db::open(db_path)?;
    let tx = writer.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    run::save(&tx, book.id, &computed, None)?;
    crate::audit::record(
        &tx,
        None,
        "suggest.train",
        &book.draft.name,
        &crate::audit::about_codebook(
            book.id,
            &format!("model {} (command line)", short_hash(&computed.trained.model.hash)),
        ),
    )?;
    tx.commit()?;
    let stdout = std::io::stdout();
    print(&mut stdout.lock(), &computed, prepared.settings.threshold)?;
    Ok(())
}

/// The model and a line per code.
fn print(out: &mut dyn Write, computed: &Computed, threshold: f64) -> std::io::Result<()> {
    let model = &computed.trained.model;
    writeln!(
        out,
        "Model {} (coder machine:{}), codebook version {}",
        model.hash,
        short_hash(&model.hash),
        model.version
    )?;
    writeln!(
        out,
        "Eligible: the lower bound of α's 95% interval reaches {} on enough positive examples.",
        three(threshold)
    )?;
    writeln!(
        out,
        "{:<24} {:>9} {:>7} {:>15} {:>7} {:>9} {:>6}  eligible",
        "code", "positives", "α", "α 95% interval", "κ", "precision", "recall"
    )?;
    for f in &computed.figures {
        writeln!(out, "{}", line(f))?;
    }
    Ok(())
}

fn line(f: &CodeFigures) -> String {
    let n = |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), three);
    let interval = match (f.alpha_low, f.alpha_high) {
        (Some(low), Some(high)) => format!("[{}, {}]", three(low), three(high)),
        _ => "n/a".to_owned(),
    };
    format!(
        "{:<24} {:>9} {:>7} {:>15} {:>7} {:>9} {:>6}  {}: {}",
        for_terminal(&f.code),
        f.positives,
        n(f.alpha),
        interval,
        n(f.cohen_kappa),
        n(f.precision),
        n(f.recall),
        if f.eligible { "yes" } else { "no" },
        f.reason
    )
}
