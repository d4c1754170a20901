//! SIGBUS, which the kernel sends when a page of a memory-mapped file can no longer be written:
//! SQLite maps the database's shared-memory file (`-shm`), and when that file becomes immutable
//! or its file system read-only, the next write to it would kill the server without a word. The
//! signal cannot be undone safely (the faulting write is retried until the process ends), so the
//! server says what happened and exits with a status of its own; a supervisor restarting it then
//! meets the start-up check (`check_writable`), which says what to fix.

use std::io::Read as _;
use std::os::unix::net::UnixStream;
use std::path::Path;

/// The exit status after SIGBUS (EX_IOERR from sysexits.h: an input/output error).
pub const EXIT_STATUS: i32 = 74;

/// From now on, SIGBUS is reported on standard error, naming the database, and the process
/// exits with `EXIT_STATUS`.
pub fn report_sigbus_and_exit(db_path: &Path) -> std::io::Result<()> {
    let (mut woken, wake) = UnixStream::pair()?;
    // Rust's runtime has a SIGBUS handler of its own (for stack overflows) which, on any other
    // SIGBUS, puts back the default action — ending the process before the thread below can say
    // why — and signal-hook would call it before ours. One SIGBUS raised now (not a fault: nothing
    // retries it) lets it put the default back once and for all, so that ours is the only one.
    // After an exec a signal's action is either the default, which the runtime replaced with its
    // handler, or "ignore", which the raise meets: either way the raise ends nothing.
    signal_hook::low_level::raise(signal_hook::consts::SIGBUS)?;
    signal_hook::low_level::pipe::register(signal_hook::consts::SIGBUS, wake)?;
    let shm = format!("{}-shm", db_path.display());
    std::thread::Builder::new().name("fieldwork-sigbus".into()).spawn(move || {
        let mut byte = [0u8];
        if woken.read_exact(&mut byte).is_ok() {
            // Straight to standard error: the log's own thread may not get to run again.
            eprintln!(
                "fatal: SIGBUS: a memory-mapped page could not be written, most likely the database's \
                 shared-memory file {shm} (made immutable, or its file system read-only). Stopping; nothing \
                 acknowledged is lost. Make the file and its folder writable again and restart fieldwork."
            );
            std::process::exit(EXIT_STATUS);
        }
    })?;
    Ok(())
}
