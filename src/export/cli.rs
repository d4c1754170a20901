//! `fieldwork export`: the same files as the web downloads, written to a file or (CSV only) to
//! standard output by the same writers.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

use anyhow::Context as _;

use super::stream::{self, CsvExportError, Target};
use crate::config::ExportArgs;
use crate::db;

pub fn run(db_path: &Path, args: ExportArgs) -> anyhow::Result<()> {
    if let (stream::Format::File { extension, .. }, None) = (args.what.spec().format, &args.out) {
        anyhow::bail!(
            "{} is not a text file and needs a file to write to: give --out FILE.{extension}",
            args.what.name()
        );
    }
    db::migrate(db_path)?;
    let conn = db::open(db_path)?;
    let plan = stream::find_survey(&conn, &args.survey)
        .and_then(|survey| args.request.resolve(&conn, survey, Target::File(args.what)))
        .map_err(|err| match err {
            CsvExportError::BadOption(bad) => anyhow::anyhow!(bad.for_command_line()),
            other => other.into(),
        })?;
    crate::audit::record(
        &conn,
        None,
        "responses.export",
        &plan.survey.slug,
        &format!("{}, from the command line", plan.describe()),
    )?;
    let awaiting = match &plan.codebook {
        Some(book) if args.what.spec().follows_layer => super::codings::awaiting_reconciliation(&conn, &plan, book)?,
        _ => 0,
    };
    match &args.out {
        Some(path) => write_whole(path, |file| {
            stream::write(&conn, args.what, &plan, BufWriter::new(file))?;
            Ok(())
        })?,
        None => match stream::write(&conn, args.what, &plan, BufWriter::new(io::stdout().lock())) {
            // `| head` closed the pipe: the reader has what it wanted.
            Err(err) if err.is_cancelled() => {}
            other => {
                other?;
            }
        },
    }
    if awaiting > 0 {
        eprintln!("{}", awaiting_note(awaiting));
    }
    Ok(())
}

/// What the command says when the default layer leaves answers out.
pub fn awaiting_note(awaiting: usize) -> String {
    let (answers, their) = if awaiting == 1 { ("answer", "its") } else { ("answers", "their") };
    format!(
        "note: {awaiting} {answers} awaiting reconciliation ({their} coders disagree) left out of the default layer; \
         reconcile them, or use --layer union or intersection to count them"
    )
}

/// Writes `path` whole or not at all: into `.NAME.partial` beside it, synced, then renamed over
/// it. An export cut off (an error, a kill, a power cut) leaves any earlier file at `path` as it
/// was and no half-written one there; the next export of the same file replaces the partial one.
fn write_whole(path: &Path, write: impl FnOnce(&File) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let partial = partial_path(path);
    let file = File::create(&partial).with_context(|| format!("could not create {}", partial.display()))?;
    let written = write(&file).with_context(|| format!("could not write {}", path.display()));
    let synced = written.and_then(|()| file.sync_all().with_context(|| format!("could not write {}", path.display())));
    drop(file);
    if let Err(err) = synced {
        let _ = std::fs::remove_file(&partial);
        return Err(err);
    }
    std::fs::rename(&partial, path).with_context(|| format!("could not create {}", path.display()))?;
    // The rename itself survives a power cut once the directory is synced.
    if let Some(dir) = path.parent().map(|d| if d.as_os_str().is_empty() { Path::new(".") } else { d }) {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// `dir/.NAME.partial` for `dir/NAME`.
pub fn partial_path(path: &Path) -> std::path::PathBuf {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}
