//! Log output off the request path: each formatted line goes through a bounded channel to a
//! thread that writes the lines to standard error in batches, so a request never waits for a
//! `write` to the terminal or the log file (one system call per line cost a tenth of the CPU
//! time of a respondent's request).

use std::io::{self, Write as _};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::time::Duration;

use tracing_subscriber::fmt::MakeWriter;

/// Lines waiting to be written; past this, a line is written directly (slower, never lost).
const QUEUE: usize = 16 * 1024;

/// How long the writing thread lets lines gather after a write.
const GATHER: Duration = Duration::from_millis(5);

enum Message {
    Line(Vec<u8>),
    /// Write everything before this, then answer.
    Flush(SyncSender<()>),
}

/// A `MakeWriter` for tracing-subscriber whose writers hand lines to the writing thread.
#[derive(Clone)]
pub struct Stderr {
    queue: SyncSender<Message>,
}

/// Flushes the queued lines when dropped: hold it until the program ends.
pub struct FlushOnDrop {
    queue: SyncSender<Message>,
}

/// Starts the writing thread.
pub fn stderr() -> (Stderr, FlushOnDrop) {
    let (queue, lines) = mpsc::sync_channel(QUEUE);
    let spawned = std::thread::Builder::new().name("fieldwork-log".into()).spawn(move || write_lines(&lines));
    if spawned.is_err() {
        // No thread: every line is written directly (see `Line::write`).
        let (dead, _) = mpsc::sync_channel(0);
        return (Stderr { queue: dead.clone() }, FlushOnDrop { queue: dead });
    }
    (Stderr { queue: queue.clone() }, FlushOnDrop { queue })
}

fn write_lines(lines: &Receiver<Message>) {
    let mut out = io::BufWriter::with_capacity(64 * 1024, io::stderr());
    while let Ok(message) = lines.recv() {
        let mut next = Some(message);
        // Everything already queued goes out in one write.
        while let Some(message) = next.take() {
            match message {
                Message::Line(line) => {
                    let _ = out.write_all(&line);
                }
                Message::Flush(done) => {
                    let _ = out.flush();
                    let _ = done.send(());
                }
            }
            next = lines.try_recv().ok();
        }
        let _ = out.flush();
        // Under load, let lines gather for a moment: senders wake this thread (a system call)
        // only when it waits on an empty queue.
        std::thread::sleep(GATHER);
    }
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        let (done, flushed) = mpsc::sync_channel(1);
        if self.queue.send(Message::Flush(done)).is_ok() {
            let _ = flushed.recv_timeout(Duration::from_secs(2));
        }
    }
}

/// One event's writer: tracing-subscriber formats the whole line first, then writes it once.
pub struct Line {
    queue: SyncSender<Message>,
}

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line { queue: self.queue.clone() }
    }
}

impl io::Write for Line {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.queue.try_send(Message::Line(buf.to_vec())) {
            Ok(()) => Ok(buf.len()),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => io::stderr().write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Lets a repeated warning through at most once a minute (a flood or a failure that keeps
/// recurring would otherwise fill the log).
#[derive(Debug, Default)]
pub struct OncePerMinute {
    /// When a line last went through, in seconds since the Unix epoch (0: never).
    last: std::sync::atomic::AtomicU64,
}

impl OncePerMinute {
    pub const fn new() -> Self {
        OncePerMinute { last: std::sync::atomic::AtomicU64::new(0) }
    }

    /// True when nothing went through in the last minute; then counts this one.
    pub fn ready(&self) -> bool {
        use std::sync::atomic::Ordering;
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let last = self.last.load(Ordering::Relaxed);
        (last == 0 || now >= last + 60)
            && self.last.compare_exchange(last, now.max(1), Ordering::Relaxed, Ordering::Relaxed).is_ok()
    }
}
