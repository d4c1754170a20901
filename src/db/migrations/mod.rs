//! Schema migrations: numbered SQL files embedded from `migrations/`, applied in order, one
//! transaction each. `PRAGMA user_version` holds the version; `schema_migrations` says when.
//! A migration that SQL cannot express also has a step in Rust (`rust_step`), run after its SQL
//! in the same transaction and recorded with it; a step is as frozen as a landed SQL file.

mod coding_source;
mod line_breaks;
mod paradata_columns;

use std::path::Path;

use include_dir::{Dir, include_dir};
use rusqlite::{Connection, TransactionBehavior};

use super::DbError;

static MIGRATIONS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/migrations");

/// One embedded migration file, `NNNN_name.sql`.
struct Migration {
    version: i64,
    name: String,
    sql: &'static str,
}

/// A migration's step in Rust, given the migration's transaction.
type Step = fn(&Connection) -> rusqlite::Result<()>;

/// The Rust step of the migration with this version, if it has one. Each reads and writes the
/// schema as it was at its version, whatever later migrations change.
fn rust_step(version: i64) -> Option<Step> {
    match version {
        // Answers and notes with LF line breaks, passages moved to keep their text.
        6 => Some(line_breaks::migrate),
        // The `source` column of codings, where it is missing.
        13 => Some(coding_source::migrate),
        // The paradata columns of `responses`, added where missing.
        14 => Some(paradata_columns::migrate),
        _ => None,
    }
}

/// The columns a migration adds, as (table, column, definition): added before its SQL runs, and
/// only when missing, because `ALTER TABLE … ADD COLUMN` has no `IF NOT EXISTS` and a migration
/// must change nothing more when it is applied again. As frozen as a landed SQL file.
fn new_columns(version: i64) -> &'static [(&'static str, &'static str, &'static str)] {
    match version {
        11 => &[
            (
                "codebooks",
                "coders_see_closed_answers",
                "INTEGER NOT NULL DEFAULT 1 CHECK (coders_see_closed_answers IN (0, 1))",
            ),
            ("assignments", "done", "INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1))"),
            ("assignment_runs", "questions", "TEXT"),
            ("assignment_runs", "total", "INTEGER NOT NULL DEFAULT 0"),
            ("assignment_runs", "written", "INTEGER NOT NULL DEFAULT 0"),
            ("assignment_runs", "finished_at", "TEXT"),
        ],
        _ => &[],
    }
}

/// Adds each of `columns` its table does not have yet.
fn add_columns(conn: &Connection, columns: &[(&str, &str, &str)]) -> rusqlite::Result<()> {
    for (table, column, definition) in columns {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
            [table, column],
            |row| row.get(0),
        )?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {definition}"))?;
        }
    }
    Ok(())
}

fn embedded() -> Vec<Migration> {
    let mut all: Vec<Migration> = MIGRATIONS
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?;
            let stem = name.strip_suffix(".sql")?;
            let (number, _) = stem.split_once('_')?;
            Some(Migration { version: number.parse().ok()?, name: stem.to_string(), sql: file.contents_utf8()? })
        })
        .collect();
    all.sort_by_key(|m| m.version);
    all
}

/// The schema version this binary brings.
pub static LATEST_VERSION: std::sync::LazyLock<i64> =
    std::sync::LazyLock::new(|| embedded().last().map_or(0, |m| m.version));

/// What `migrate` did.
#[derive(Debug, PartialEq, Eq)]
pub struct MigrationReport {
    pub from: i64,
    pub to: i64,
    /// The copy taken before migrating an existing database, if one was needed.
    pub backup: Option<std::path::PathBuf>,
}

/// Brings the database at `path` up to date. A database from a newer fieldwork is refused
/// untouched (not even its journal mode is set); an existing database is copied aside before its
/// first pending migration. A file or folder that cannot be written is refused saying so.
pub fn migrate(path: &Path) -> Result<MigrationReport, DbError> {
    migrate_file(path).map_err(|err| match err {
        err if err.is_storage_unavailable() => {
            DbError::Unwritable { path: path.to_path_buf(), reason: err.to_string() }
        }
        err => err,
    })
}

fn migrate_file(path: &Path) -> Result<MigrationReport, DbError> {
    let mut conn = super::open_unchanged(path)?;
    let from: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    let latest = *LATEST_VERSION;
    if from > latest {
        return Err(DbError::NewerSchema { path: path.to_path_buf(), found: from, supported: latest });
    }
    super::use_wal(&conn)?;
    // Anything already in the file (even a schema we did not write) is copied aside first.
    let has_content: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master)", [], |row| row.get(0))?;
    let backup = if has_content && from < latest { Some(copy_aside(&conn, path, from)?) } else { None };
    for migration in embedded().into_iter().filter(|m| m.version > from) {
        apply(&mut conn, &migration)?;
        tracing::info!(version = migration.version, name = %migration.name, "applied migration");
    }
    Ok(MigrationReport { from, to: latest.max(from), backup })
}

fn apply(conn: &mut Connection, migration: &Migration) -> Result<(), DbError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    add_columns(&tx, new_columns(migration.version))?;
    tx.execute_batch(migration.sql)?;
    if let Some(step) = rust_step(migration.version) {
        step(&tx)?;
    }
    tx.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        (migration.version, &migration.name, super::now_rfc3339()),
    )?;
    tx.pragma_update(None, "user_version", migration.version)?;
    tx.commit()?;
    Ok(())
}

fn copy_aside(conn: &Connection, path: &Path, version: i64) -> Result<std::path::PathBuf, DbError> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("fieldwork.db");
    let target = path.with_file_name(format!("{file_name}.v{version}-{stamp}.bak"));
    super::backup::copy_connection(conn, &target).map_err(|e| DbError::PreMigrationBackup(e.to_string()))?;
    tracing::info!(backup = %target.display(), "copied the database aside before migrating");
    Ok(target)
}
