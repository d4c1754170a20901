//! Writing an export as it is read: a CSV file row by row or any other file as its writer
//! produces it (a REFI-QDA project), to any `Write`
//! (a file or standard output for the command line), or through a bounded channel to an HTTP
//! body for the web.

use std::io::{self, Write};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;

use super::files::{Writer, writer};
use super::plan::{CsvExportError, Plan};
use super::what::What;
use crate::csv_out::CsvWriter;
use crate::db::DbError;

/// Bytes gathered before a chunk goes into the channel.
const CHUNK_BYTES: usize = 32 * 1024;
/// Chunks in flight between the reading thread and the HTTP body: with `CHUNK_BYTES`, at most
/// about 128 KiB of an export wait in memory however large it is and however slow the client.
const CHANNEL_CHUNKS: usize = 4;

/// Writes the export to `out` as it is read, and returns `out` flushed: a CSV file record by
/// record, any other file as its writer produces it. Everything is read in one read transaction,
/// so the file is one consistent snapshot even while people keep answering.
pub fn write<W: Write>(conn: &Connection, what: What, plan: &Plan, mut out: W) -> Result<W, CsvExportError> {
    let snapshot = conn.unchecked_transaction()?;
    match writer(what) {
        Writer::Csv(write) => {
            let mut w = CsvWriter::new(&mut out as &mut dyn Write, plan.csv)?;
            write(&snapshot, plan, &mut w)?;
            w.into_inner()?;
        }
        Writer::File(write) => write(&snapshot, plan, &mut out)?,
    }
    out.flush()?;
    Ok(out)
}

/// A read-only connection of its own for one export, so that a slow download does not hold one of
/// the pool's few readers for as long as it lasts.
pub fn open_reader(path: &Path) -> Result<Connection, DbError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    Ok(conn)
}

/// What travels from the reading thread to the HTTP body: chunks of the file, or the error that
/// ended the export early (which aborts the response, so a cut-off file is never taken as complete).
pub type Chunk = Result<Bytes, io::Error>;

/// A `Write` that sends what it is given in chunks through a bounded channel, waiting while the
/// channel is full: the reading thread runs only as fast as the client downloads.
pub struct ChannelWriter {
    buffer: Vec<u8>,
    tx: mpsc::Sender<Chunk>,
}

impl ChannelWriter {
    pub fn new(tx: mpsc::Sender<Chunk>) -> Self {
        ChannelWriter { buffer: Vec::with_capacity(CHUNK_BYTES), tx }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buffer, Vec::with_capacity(CHUNK_BYTES)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "download cancelled"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK_BYTES {
            self.send()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// Starts writing the export (`write`) on a blocking thread with its own read connection, and
/// returns the receiving end of the bounded channel the chunks arrive on.
pub fn spawn(db_path: &Path, what: What, plan: Plan) -> mpsc::Receiver<Chunk> {
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let path = db_path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let result = open_reader(&path)
            .map_err(CsvExportError::from)
            .and_then(|conn| write(&conn, what, &plan, ChannelWriter::new(tx.clone())).map(drop));
        match result {
            Ok(()) => {}
            Err(err) if err.is_cancelled() => {
                tracing::info!(survey = %plan.survey.slug, what = what.name(), "export download cancelled");
            }
            Err(err) => {
                tracing::error!(error = %err, survey = %plan.survey.slug, what = what.name(), "export failed");
                let _ = tx.blocking_send(Err(io::Error::other("the export failed")));
            }
        }
    });
    rx
}

/// The channel's receiving end as a stream of chunks.
struct Chunks(mpsc::Receiver<Chunk>);

impl futures_core::Stream for Chunks {
    type Item = Chunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        self.0.poll_recv(cx)
    }
}

/// The export as an HTTP body that is written while it is sent (chunked, no Content-Length).
pub fn body(db_path: &Path, what: What, plan: Plan) -> Body {
    Body::from_stream(Chunks(spawn(db_path, what, plan)))
}
