//! Faults a test can cause in storage: a tiny file system to fill, and files made immutable.
//! Both need root (as CI has); where they cannot be made, the test says SKIPPED.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A tiny tmpfs mounted for one test, unmounted (lazily, even while files are open) when dropped.
pub struct SmallDisk {
    root: tempfile::TempDir,
}

impl SmallDisk {
    /// None when this machine does not let the test mount a file system (not root, no tmpfs).
    pub fn mount(size: &str) -> Option<SmallDisk> {
        let root = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "fieldwork-test", &root.path().to_string_lossy()])
            .output()
            .ok()?;
        if !mounted.status.success() {
            eprintln!("cannot mount a tmpfs: {}", String::from_utf8_lossy(&mounted.stderr));
            return None;
        }
        Some(SmallDisk { root })
    }

    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// Fills what is left with a file; returns it.
    pub fn fill(&self) -> PathBuf {
        let filler = self.path().join("filler");
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        // What remains is smaller than a block: fill it byte by byte.
        while file.write_all(&[0]).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.root.path()).status();
    }
}

/// Makes files immutable (`chattr +i`: every write fails, as on a file system remounted
/// read-only), and writable again when dropped.
pub struct Unwritable {
    files: Vec<PathBuf>,
}

impl Unwritable {
    pub fn make(files: &[PathBuf]) -> Option<Unwritable> {
        let done = Command::new("chattr").arg("+i").args(files).output().ok()?;
        if !done.status.success() {
            eprintln!("cannot make files immutable: {}", String::from_utf8_lossy(&done.stderr));
            let _ = Command::new("chattr").arg("-i").args(files).status();
            return None;
        }
        Some(Unwritable { files: files.to_vec() })
    }
}

impl Drop for Unwritable {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").args(&self.files).status();
    }
}
