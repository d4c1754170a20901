//! `fieldwork export --out FILE` killed halfway: FILE is the earlier complete export (or absent),
//! never half-written; the next export replaces it whole and leaves no partial file behind.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::load_server::{SLUG, SURVEY, Server};

const FIELDWORK: &str = env!("CARGO_BIN_EXE_fieldwork");

/// Adds `n` complete responses with two long answers each, in one statement per table.
fn add_responses(db: &Path, n: i64) {
    let conn = fieldwork::db::open(db).unwrap();
    conn.execute_batch(&format!(
        "BEGIN;
         WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < {n})
         INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at, submitted_at)
         SELECT s.id, randomblob(32), 'complete', s.version, 'en', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z',
                '2026-01-01T00:00:00Z' FROM k, surveys s;
         INSERT INTO answers (response_id, question, item, value)
         SELECT r.id, q.code, '', substr(hex(randomblob(160)), 1, 300) FROM responses r,
                (SELECT 'LIKE' AS code UNION ALL SELECT 'IMPROVE') q
         WHERE NOT EXISTS (SELECT 1 FROM answers a WHERE a.response_id = r.id);
         COMMIT;"
    ))
    .unwrap();
}

fn export(db: &Path, out: &Path) -> Command {
    let mut command = Command::new(FIELDWORK);
    command.arg("--db").arg(db).args(["export", "--survey", SLUG, "--what", "responses", "--out"]).arg(out);
    command.stdout(Stdio::null()).stderr(Stdio::null());
    command
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[test]
fn an_export_killed_halfway_leaves_the_earlier_file_whole_and_no_partial_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = Server::prepare(Path::new(FIELDWORK), dir.path(), SURVEY).expect("a database with the load-test survey");
    add_responses(&db, 100);
    let out = dir.path().join("responses.csv");
    assert!(export(&db, &out).status().unwrap().success());
    let earlier = std::fs::read(&out).unwrap();
    assert_eq!(lines(&out), 101, "a header and 100 responses");

    // Enough data that the export takes a while; kill it once it has begun writing.
    add_responses(&db, 40_000);
    let partial = fieldwork::export::cli::partial_path(&out);
    let mut child = export(&db, &out).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&partial).map_or(true, |m| m.len() == 0) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(child.try_wait().unwrap().is_none(), "the export finished before it could be killed");
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), earlier, "the earlier export is untouched");

    // Run again: the whole file, and nothing partial beside it.
    assert!(export(&db, &out).status().unwrap().success());
    assert_eq!(lines(&out), 40_101);
    assert!(!partial.exists(), "{} was left behind", partial.display());
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!names.iter().any(|n| n.to_string_lossy().contains("partial")), "{names:?}");
}
