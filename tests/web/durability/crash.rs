//! SIGKILL in the middle of a load: every response the server acknowledged (Submit answered with
//! the redirect to the thank-you page) is in the database after a restart, complete and with all
//! its answers; the file passes `PRAGMA integrity_check`; no response is half-saved.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OptionalExtension};

use super::load_respondent::{Respondent, answers};
use super::load_server::{SLUG, SURVEY, Server};

const FIELDWORK: &str = env!("CARGO_BIN_EXE_fieldwork");

/// A response the server acknowledged: its resume token and the answers sent.
struct Acknowledged {
    token: String,
    fields: Vec<(String, String)>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_response_survives_a_kill_mid_load() {
    let dir = tempfile::tempdir().unwrap();
    let binary = Path::new(FIELDWORK);
    let db = Server::prepare(binary, dir.path(), SURVEY).expect("a database with the load-test survey");
    let mut server = Server::start(binary, &db, &[], "warn").expect("the server starts");

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let respondents: Vec<_> = (0..8u64)
        .map(|slot| {
            let (stop, acknowledged, address) = (stop.clone(), acknowledged.clone(), server.address);
            tokio::spawn(async move {
                let mut client = Respondent::new(address);
                let (mut acked, mut failed) = (Vec::new(), 0);
                for n in (slot * 1_000_000..).take(100_000) {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let fields = answers(n);
                    let flow = client.respond(SLUG, &fields, true).await;
                    if let Some(token) = flow.acknowledged {
                        acked.push(Acknowledged { token, fields });
                        acknowledged.fetch_add(1, Ordering::Relaxed);
                    }
                    if flow.error.is_some() {
                        failed += 1;
                        // A dead server refuses at once: don't spin.
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                }
                (acked, failed)
            })
        })
        .collect();

    // Let responses through, then kill the server while respondents are mid-flow.
    let deadline = Instant::now() + Duration::from_secs(30);
    while acknowledged.load(Ordering::Relaxed) < 60 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let (mut acked, mut failed) = (Vec::new(), 0);
    for respondent in respondents {
        let (a, f) = respondent.await.unwrap();
        acked.extend(a);
        failed += f;
    }
    assert!(acked.len() >= 60, "only {} responses were acknowledged before the kill", acked.len());
    assert!(failed > 0, "the kill should have interrupted respondents");

    // The server starts again on the same file, and takes responses.
    let mut restarted = Server::start(binary, &db, &[], "warn").expect("the server restarts after a kill");
    let again = Respondent::new(restarted.address).respond(SLUG, &answers(7), true).await;
    assert!(again.error.is_none(), "after the restart: {:?}", again.error);
    restarted.stop();

    let conn = Connection::open(&db).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    for response in &acked {
        let (status, stored) = stored(&conn, &response.token).expect("an acknowledged response is in the database");
        assert_eq!(status, "complete");
        assert_eq!(stored, expected(&response.fields), "the answers of {}", response.token);
    }
    // A transaction cut off by the kill left nothing: a response has all its answers or none.
    let half_saved: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM responses r WHERE \
             (r.status = 'partial' AND EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id)) \
             OR (r.status = 'complete' AND (SELECT COUNT(DISTINCT question) FROM answers a WHERE a.response_id = r.id) <> 6)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(half_saved, 0);
}

/// Answer rows: question, item, value.
type Rows = BTreeSet<(String, String, String)>;

/// The status and answer rows of the response with this resume token.
fn stored(conn: &Connection, token: &str) -> Option<(String, Rows)> {
    let digest = fieldwork::web::token_digest(token);
    let (id, status): (i64, String) = conn
        .query_row("SELECT id, status FROM responses WHERE resume_hash = ?1", [&digest[..]], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()
        .unwrap()?;
    let mut stmt = conn.prepare("SELECT question, item, value FROM answers WHERE response_id = ?1").unwrap();
    let rows = stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap();
    Some((status, rows.map(Result::unwrap).collect()))
}

/// The answer rows the form fields become: one per ticked box, one per other answer.
fn expected(fields: &[(String, String)]) -> Rows {
    fields
        .iter()
        .filter_map(|(name, value)| {
            let code = name.strip_prefix("q.")?.to_string();
            Some(if code == "TOOLS" { (code, value.clone(), "1".into()) } else { (code, String::new(), value.clone()) })
        })
        .collect()
}
