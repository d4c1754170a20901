//! `fieldwork backup`: a copy of the live database and, beside it, the link key, without which a
//! restored server could neither list nor mail the personal links already sent, nor accept them.
//! Both are written or neither is.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};

use crate::config::BackupArgs;
use crate::db;
use crate::distribute::links::LinkKey;

/// Writes the copy (and the key, unless `--without-link-key`); returns where the key went.
pub fn run(db_path: &Path, args: &BackupArgs) -> anyhow::Result<Option<PathBuf>> {
    let key = if args.without_link_key {
        None
    } else {
        let source = args.key.link_key.clone().unwrap_or_else(|| LinkKey::default_path(db_path));
        let bytes = std::fs::read(&source).with_context(|| {
            format!(
                "could not read the link key {}: it is backed up with the database, as personal links \
                 are derived from it (--link-key names another file; --without-link-key copies the \
                 database alone, and a server restored from it cannot use the links already sent)",
                source.display()
            )
        })?;
        // The name a server on the restored copy looks for by default.
        let target = LinkKey::default_path(&args.out);
        if target.exists() {
            bail!("{} already exists; choose a new file name", target.display());
        }
        Some((target, bytes))
    };
    db::backup_to(db_path, &args.out)?;
    let Some((target, bytes)) = key else { return Ok(None) };
    if let Err(err) = write_private(&target, &bytes) {
        let _ = std::fs::remove_file(&target);
        let _ = std::fs::remove_file(&args.out);
        return Err(err)
            .with_context(|| format!("could not write the link key to {}; nothing was kept", target.display()));
    }
    Ok(Some(target))
}

/// A new file readable and writable by its owner only, synced.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}
