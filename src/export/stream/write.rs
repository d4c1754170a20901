//! Writing an export as it is read: a CSV file row by row or a REFI-QDA project, to any `Write`
//! (a file or standard output for the command line), or through a bounded channel to an HTTP
//! body for the web.

use std::io::{self, Write};
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use rusqlite::{Connection, OpenFlags};
use tokio::sync::mpsc;

use super::plan::{CsvExportError, Plan, What, bad};
use crate::analysis::data;
use crate::csv_out::CsvWriter;
use crate::db::DbError;
use crate::export::qdpx::{self, QdpxOptions};
use crate::export::{codings, dictionary, responses};

/// Bytes gathered before a chunk goes into the channel.
const CHUNK_BYTES: usize = 32 * 1024;
/// Chunks in flight between the reading thread and the HTTP body: with `CHUNK_BYTES`, at most
/// about 128 KiB of an export wait in memory however large it is and however slow the client.
const CHANNEL_CHUNKS: usize = 4;

/// Writes the export to `out`, row by row, and returns `out` flushed. Everything is read in one
/// read transaction, so the file is one consistent snapshot even while people keep answering.
pub fn write_csv<W: Write>(conn: &Connection, plan: &Plan, out: W) -> Result<W, CsvExportError> {
    let snapshot = conn.unchecked_transaction()?;
    let mut w = CsvWriter::new(out, plan.csv)?;
    let definition = &plan.survey.definition;
    let question = plan.question.as_deref();
    let analysis = |conn: &Connection| {
        let chosen = plan.codebook.as_ref().map(|c| (c.id, plan.layer));
        data::load(conn, plan.survey.id, definition, chosen, &plan.filter())
    };
    match (plan.what, &plan.codebook) {
        (What::Responses, _) => responses::write(&snapshot, plan, &mut w)?,
        (What::CodebookDictionary, _) => dictionary::write(&snapshot, plan, &mut w)?,
        (What::Codings, Some(book)) => codings::write_long(&snapshot, plan, book, &mut w)?,
        (What::CodeMatrix, Some(book)) => codings::write_matrix(&snapshot, plan, book, &mut w)?,
        (What::Tallies, Some(book)) => {
            crate::analysis::csv::tallies(&mut w, &analysis(&snapshot)?, &book.draft, question)?
        }
        (What::Crosstab, Some(book)) => {
            let by = plan.by.as_ref().ok_or_else(|| bad("crosstab needs by"))?;
            crate::analysis::csv::crosstab(&mut w, &analysis(&snapshot)?, definition, &book.draft, question, by)?
        }
        (What::Cooccurrence, Some(book)) => {
            crate::analysis::csv::cooccurrence(&mut w, &analysis(&snapshot)?, &book.draft, question)?
        }
        (What::Closed, _) => crate::analysis::csv::closed(&mut w, &analysis(&snapshot)?, definition)?,
        (What::Qdpx, _) => return Err(bad("qdpx is a zip file, not CSV")),
        (_, None) => return Err(bad(format!("{} needs a codebook", plan.what.name()))),
    }
    let mut out = w.into_inner()?;
    out.flush()?;
    Ok(out)
}

/// Writes the REFI-QDA project to `out` as it is read (see `qdpx::write_qdpx`), from one read
/// transaction, like the CSV files.
pub fn write_project<W: Write>(conn: &Connection, plan: &Plan, out: W) -> Result<(), CsvExportError> {
    let book = plan.codebook.as_ref().ok_or_else(|| bad("qdpx needs a codebook"))?;
    let snapshot = conn.unchecked_transaction()?;
    let options = QdpxOptions { source_per: plan.per, texts: plan.texts, layer: plan.layer };
    Ok(qdpx::write_qdpx(&snapshot, plan.survey.id, book.id, &options, out)?)
}

/// Writes the export to `out`, a CSV file or a project, as it is read.
fn write_any<W: Write>(conn: &Connection, plan: &Plan, out: W) -> Result<(), CsvExportError> {
    if plan.what.is_csv() { write_csv(conn, plan, out).map(drop) } else { write_project(conn, plan, out) }
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

/// Starts writing the export (`write_any`) on a blocking thread with its own read connection, and
/// returns the receiving end of the bounded channel the chunks arrive on.
pub fn spawn(db_path: &Path, plan: Plan) -> mpsc::Receiver<Chunk> {
    let (tx, rx) = mpsc::channel(CHANNEL_CHUNKS);
    let path = db_path.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let result = open_reader(&path)
            .map_err(CsvExportError::from)
            .and_then(|conn| write_any(&conn, &plan, ChannelWriter::new(tx.clone())));
        match result {
            Ok(()) => {}
            Err(err) if err.is_cancelled() => {
                tracing::info!(survey = %plan.survey.slug, what = plan.what.name(), "export download cancelled");
            }
            Err(err) => {
                tracing::error!(error = %err, survey = %plan.survey.slug, what = plan.what.name(), "export failed");
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
pub fn body(db_path: &Path, plan: Plan) -> Body {
    Body::from_stream(Chunks(spawn(db_path, plan)))
}
