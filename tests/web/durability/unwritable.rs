//! A database that cannot be written, as the server meets it: at start-up it refuses to serve and
//! says what to check (SQLite would open it read-only without a word); a shared-memory file
//! (`-shm`) made immutable under load ends the server with a message and status 74 instead of a
//! silent SIGBUS, losing nothing acknowledged; a checkpoint that keeps failing is logged once a
//! minute with the WAL's size.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::faults::Unwritable;
use super::load_respondent::{Respondent, answers};
use super::load_server::{SLUG, SURVEY, Server};

const FIELDWORK: &str = env!("CARGO_BIN_EXE_fieldwork");

fn binary() -> &'static Path {
    Path::new(FIELDWORK)
}

fn beside(db: &Path, suffix: &str) -> PathBuf {
    PathBuf::from(format!("{}{suffix}", db.display()))
}

/// Runs `fieldwork serve` and waits for it to end by itself (within ten seconds): its exit
/// status and standard error, or None when it kept running.
fn start_expecting_refusal(db: &Path) -> Option<(std::process::ExitStatus, String)> {
    let mut child = std::process::Command::new(FIELDWORK)
        .arg("--db")
        .arg(db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            let output = child.wait_with_output().unwrap();
            return Some((output.status, String::from_utf8_lossy(&output.stderr).into_owned()));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn the_server_refuses_to_start_on_a_database_it_cannot_write_and_starts_once_it_can() {
    let dir = tempfile::tempdir().unwrap();
    let db = Server::prepare(binary(), dir.path(), SURVEY).unwrap();
    // As after a clean shutdown: no -wal or -shm (the last connection to close removes them), and
    // the link key made, so that only the database is in question.
    drop(rusqlite::Connection::open(&db).unwrap());
    assert!(!beside(&db, "-wal").exists() && !beside(&db, "-shm").exists());
    let key = fieldwork::distribute::links::LinkKey::default_path(&db);
    fieldwork::distribute::links::LinkKey::load_or_create(&key).unwrap();
    // The folder first: a refused start on the immutable file leaves a -wal and -shm behind.
    let cases = [("its folder is immutable", dir.path().to_path_buf()), ("the database file is immutable", db.clone())];
    for (case, file) in cases {
        let Some(locked) = Unwritable::make(std::slice::from_ref(&file)) else {
            eprintln!("SKIPPED the_server_refuses_to_start_…: this file system has no immutable flag (chattr)");
            return;
        };
        let refused = start_expecting_refusal(&db);
        drop(locked);
        let (status, stderr) = refused.unwrap_or_else(|| panic!("{case}: the server started"));
        assert!(!status.success(), "{case}");
        assert!(stderr.contains("cannot write to the database"), "{case}: {stderr}");
        assert!(stderr.contains(&db.display().to_string()) && stderr.contains("lsattr"), "{case}: {stderr}");
    }
    let mut server = Server::start(binary(), &db, &[], "warn").expect("the server starts once the files are writable");
    server.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_immutable_shared_memory_file_under_load_stops_the_server_with_a_message_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = Server::prepare(binary(), dir.path(), SURVEY).unwrap();
    let mut server = Server::start(binary(), &db, &[], "warn").unwrap();

    let (stop, acknowledged) = (Arc::new(AtomicBool::new(false)), Arc::new(AtomicUsize::new(0)));
    let respondents: Vec<_> = (0..4u64)
        .map(|slot| {
            let (stop, acknowledged, address) = (stop.clone(), acknowledged.clone(), server.address);
            tokio::spawn(async move {
                let mut client = Respondent::new(address);
                for n in (slot * 1_000_000..).take(100_000) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    match client.respond(SLUG, &answers(n), true).await {
                        flow if flow.acknowledged.is_some() => _ = acknowledged.fetch_add(1, Ordering::Relaxed),
                        flow if flow.error.is_some() => tokio::time::sleep(Duration::from_millis(5)).await,
                        _ => {}
                    }
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.load(Ordering::Relaxed) < 20 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let Some(locked) = Unwritable::make(&[beside(&db, "-shm")]) else {
        stop.store(true, Ordering::Relaxed);
        eprintln!("SKIPPED an_immutable_shared_memory_file_…: this file system has no immutable flag (chattr)");
        return;
    };
    let ended = tokio::task::block_in_place(|| server.wait_for_exit(Duration::from_secs(20)));
    stop.store(true, Ordering::Relaxed);
    for respondent in respondents {
        respondent.await.unwrap();
    }
    let acknowledged = acknowledged.load(Ordering::Relaxed);
    let log = std::fs::read_to_string(&server.log).unwrap();
    let status = ended.expect("the server went on writing into an immutable -shm");
    assert_eq!(status.code(), Some(74), "ended by {status:?}, not by its own exit; log: {log}");
    assert!(log.contains("SIGBUS") && log.contains("-shm"), "{log}");

    // While the file stays immutable, a restart is refused with what to check.
    let refused = Server::start(binary(), &db, &[], "warn").err().expect("a start on an immutable -shm");
    let log = std::fs::read_to_string(&server.log).unwrap();
    assert!(log.contains("cannot write to the database"), "{refused}: {log}");
    drop(locked);
    let mut restarted = Server::start(binary(), &db, &[], "warn").expect("the server starts again");
    restarted.stop();
    let complete: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM responses WHERE status = 'complete'", [], |r| r.get(0))
        .unwrap();
    assert!(complete >= acknowledged as i64, "{complete} complete responses, {acknowledged} acknowledged");
}

#[test]
fn a_checkpoint_that_keeps_failing_is_logged_once_a_minute_with_the_wal_size() {
    let dir = tempfile::tempdir().unwrap();
    let db = Server::prepare(binary(), dir.path(), SURVEY).unwrap();
    let server = Server::start(binary(), &db, &[], "warn").unwrap();
    // Opened before the file is made immutable, so that it can still write (into the WAL).
    let writer = fieldwork::db::open(&db).unwrap();
    let Some(locked) = Unwritable::make(std::slice::from_ref(&db)) else {
        eprintln!("SKIPPED a_checkpoint_that_keeps_failing_…: this file system has no immutable flag (chattr)");
        return;
    };
    // Some 2,000 pages in the WAL, which can no longer be copied into the database file.
    writer
        .execute_batch(
            "CREATE TABLE filler (body BLOB);
             WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 2000)
             INSERT INTO filler SELECT randomblob(4000) FROM k;",
        )
        .unwrap();
    // Then the server commits, again and again (each new visitor's session is a write).
    for _ in 0..30 {
        let reply = reqwest::blocking_get(&format!("http://{}/login", server.address));
        assert!(reply, "the server answers while its checkpoints fail");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(locked);
    let log = std::fs::read_to_string(&server.log).unwrap();
    let warnings: Vec<_> = log.lines().filter(|line| line.contains("could not checkpoint")).collect();
    assert_eq!(warnings.len(), 1, "{log}");
    assert!(warnings[0].contains("wal_bytes="), "{}", warnings[0]);
}

mod reqwest {
    /// A blocking GET with a fresh connection and no cookies; true on 200.
    pub fn blocking_get(url: &str) -> bool {
        use std::io::{Read as _, Write as _};
        let address = url.trim_start_matches("http://").split('/').next().unwrap_or_default();
        let path = &url[url.find(address).map_or(0, |i| i + address.len())..];
        let Ok(mut stream) = std::net::TcpStream::connect(address) else { return false };
        let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
        let mut reply = String::new();
        stream.write_all(request.as_bytes()).is_ok()
            && stream.read_to_string(&mut reply).is_ok()
            && reply.starts_with("HTTP/1.1 200")
    }
}
