//! Storage trouble while respondents answer. A full disk, or database files that cannot be
//! written, give the respondent the page again with "could not save" and everything typed, keep
//! the server running with `/healthz` saying it cannot save, and heal by themselves once the
//! trouble is gone; nothing saved before is lost. A write held by another connection makes
//! requests wait, not fail.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use super::faults::{SmallDisk, Unwritable};
use crate::helpers::{TestApp, unescape};
use crate::respondent::*;

const SURVEY: &str = r#"
format = 1
slug = "storage"
default_language = "en"
languages = ["en"]
title = { en = "Storage" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "STORY"
type = "long_text"
required = true
text = { en = "Tell us" }
"#;

const COULD_NOT_SAVE: &str = "could not be saved";

/// What `/healthz` answers: its status and body.
async fn health(app: &TestApp) -> (StatusCode, String) {
    app.get_page("/healthz").await
}

/// `/healthz` while saving fails: 503, saying so, with SQLite's reason.
async fn assert_reports_cannot_save(app: &TestApp) {
    let (status, body) = health(app).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert!(body.contains("\"cannot save\""), "{body}");
}

/// A respondent on the survey's only page, ready to submit.
async fn on_the_page<'a>(app: &'a TestApp, slug: &str) -> Respondent<'a> {
    let mut respondent = Respondent::new(app, slug);
    respondent.start().await;
    respondent
}

/// Submits a story; the reply and the page's text.
async fn submit(respondent: &mut Respondent<'_>, story: &str) -> (StatusCode, String) {
    let reply = respondent.submit(0, &[("q.STORY", story)]).await;
    (reply.status, unescape(&reply.html))
}

/// Every stored story, oldest response first.
fn stories(app: &TestApp) -> Vec<String> {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let mut stmt = conn.prepare("SELECT value FROM answers ORDER BY response_id").unwrap();
    stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
}

/// What a respondent sees when saving failed: the page again, the message, the typed text.
fn assert_could_not_save(status: StatusCode, page: &str, typed: &str) {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert!(page.to_lowercase().contains(COULD_NOT_SAVE), "no could-not-save message in {page}");
    assert!(page.contains(typed), "the typed answer is gone: {page}");
}

#[tokio::test]
async fn a_full_disk_keeps_the_typed_answers_and_saving_resumes_when_space_returns() {
    let Some(disk) = SmallDisk::mount("4m") else {
        eprintln!("SKIPPED a_full_disk_…: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    let app = TestApp::spawn_on(tempfile::tempdir().unwrap(), disk.path().join("fieldwork.db"), &[]).await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    // The same without a welcome page: there the first page's save creates the response.
    let direct = SURVEY.replace("slug = \"storage\"", "slug = \"storage-direct\"\nwelcome_page = false");
    let (_, direct) = add_survey(&app, &direct, Status::Open);
    let (first, second, third, fourth) =
        (app.other_client(), app.other_client(), app.other_client(), app.other_client());
    let mut before = on_the_page(&first, &slug).await;
    assert_eq!(submit(&mut before, "Saved before the disk filled").await.0, StatusCode::SEE_OTHER);
    let mut respondent = on_the_page(&second, &slug).await;

    let filler = disk.fill();
    let typed = "Typed while the disk was full";
    let (status, page) = submit(&mut respondent, typed).await;
    assert_could_not_save(status, &page, typed);
    // A new respondent's Start cannot be saved either, and is told so.
    let mut newcomer = Respondent::new(&third, &slug);
    newcomer.welcome("").await;
    let refused = newcomer.post_start(&[("consent", "yes")]).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(refused.html.to_lowercase().contains(COULD_NOT_SAVE), "{}", refused.html);
    let mut direct_respondent = Respondent::new(&fourth, &direct);
    assert_eq!(direct_respondent.welcome("").await.status, StatusCode::OK, "a page to read needs no space");
    let typed_first = "A first page typed while the disk was full";
    let (status, page) = submit(&mut direct_respondent, typed_first).await;
    assert_could_not_save(status, &page, typed_first);
    assert_reports_cannot_save(&app).await;

    std::fs::remove_file(filler).unwrap();
    assert_eq!(health(&app).await, (StatusCode::OK, "ok".to_string()), "healthy again, before any other save");
    let (status, _) = submit(&mut respondent, typed).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "saving works again once there is space");
    let (status, _) = submit(&mut direct_respondent, typed_first).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "and so does beginning a response with its first page");
    assert_eq!(stories(&app), ["Saved before the disk filled", typed, typed_first]);
    assert!(responses(&app).iter().all(|r| r.status == "complete"));
    drop(app);
}

#[tokio::test]
async fn unwritable_database_files_keep_the_typed_answers_and_saving_resumes_when_writable() {
    let app = TestApp::spawn().await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    let (first, second) = (app.other_client(), app.other_client());
    let mut before = on_the_page(&first, &slug).await;
    assert_eq!(submit(&mut before, "Saved before").await.0, StatusCode::SEE_OTHER);
    let mut respondent = on_the_page(&second, &slug).await;

    let wal = PathBuf::from(format!("{}-wal", app.db_path.display()));
    let Some(locked) = Unwritable::make(&[app.db_path.clone(), wal]) else {
        eprintln!("SKIPPED unwritable_database_files_…: this file system has no immutable flag (chattr)");
        return;
    };
    let typed = "Typed while the files were read-only";
    let (status, page) = submit(&mut respondent, typed).await;
    assert_could_not_save(status, &page, typed);
    assert_reports_cannot_save(&app).await;

    drop(locked);
    assert_eq!(health(&app).await, (StatusCode::OK, "ok".to_string()), "healthy again, before any other save");
    let (status, _) = submit(&mut respondent, typed).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "saving works again once the files are writable");
    assert_eq!(stories(&app), ["Saved before", typed]);
}

/// Holds the write lock from a connection of its own for `held`; returns once it holds it.
fn hold_write_lock(app: &TestApp, held: Duration) -> std::thread::JoinHandle<()> {
    let (holding, path) = (std::sync::mpsc::channel(), app.db_path.clone());
    let holder = std::thread::spawn(move || {
        let conn = fieldwork::db::open(&path).unwrap();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        holding.0.send(()).unwrap();
        std::thread::sleep(held);
        conn.execute_batch("COMMIT").unwrap();
    });
    holding.1.recv().unwrap();
    holder
}

#[tokio::test]
async fn a_write_held_by_another_connection_makes_a_submission_wait_not_fail() {
    let app = TestApp::spawn().await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    let mut respondent = on_the_page(&app, &slug).await;

    // Another process's long write (a CLI import, say) holds the write lock for a second.
    let holder = hold_write_lock(&app, Duration::from_millis(1200));
    let started = Instant::now();
    let (status, page) = submit(&mut respondent, "Waited for the lock").await;
    let waited = started.elapsed();
    holder.join().unwrap();

    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert!(waited >= Duration::from_millis(900), "acknowledged after {waited:?}, before the lock was released");
    assert_eq!(only_response(&app).status, "complete");
    assert_eq!(answer(&app, "STORY", "").as_deref(), Some("Waited for the lock"));
}

#[tokio::test]
async fn a_save_waiting_past_the_request_timeout_comes_back_with_the_answers_and_is_not_made_later() {
    let app = TestApp::spawn_with(&["--request-timeout-secs", "2"]).await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    let direct = SURVEY.replace("slug = \"storage\"", "slug = \"storage-direct\"\nwelcome_page = false");
    let (_, direct_slug) = add_survey(&app, &direct, Status::Open);
    let mut respondent = on_the_page(&app, &slug).await;
    let other = app.other_client();
    let mut newcomer = Respondent::new(&other, &direct_slug);
    newcomer.welcome("").await;

    // Held longer than the request may take (and shorter than SQLite's busy timeout).
    let holder = hold_write_lock(&app, Duration::from_secs(4));
    let started = Instant::now();
    let (status, page) = submit(&mut respondent, "Waited too long").await;
    assert!(started.elapsed() < Duration::from_secs(2), "answered within the request's time");
    assert_could_not_save(status, &page, "Waited too long");
    // The first page of a survey without a welcome page, which would begin a response.
    let (status, page) = submit(&mut newcomer, "Never begun").await;
    assert_could_not_save(status, &page, "Never begun");
    holder.join().unwrap();

    // The writes given up on are not made once the lock is free: what the respondents were
    // told stands, and sending again saves.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(stories(&app).is_empty(), "{:?}", stories(&app));
    assert_eq!(responses(&app).len(), 1, "the newcomer's response was not begun");
    let (status, page) = submit(&mut respondent, "Sent again").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    let (status, page) = submit(&mut newcomer, "Begun now").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(stories(&app), ["Sent again", "Begun now"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_while_respondents_keep_saving_finishes_and_holds_nobody_up() {
    let app = TestApp::spawn_with(&["--new-responses-per-client", "0"]).await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    // A few megabytes, so that the copy is many pages long.
    fieldwork::db::open(&app.db_path)
        .unwrap()
        .execute_batch(
            "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5000)
             INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at)
             SELECT s.id, randomblob(32), 'partial', s.version, 'en', '2026-01-01', '2026-01-01' FROM k, surveys s;
             INSERT INTO answers (response_id, question, item, value)
             SELECT id, 'STORY', '', substr(hex(randomblob(400)), 1, 800) FROM responses;",
        )
        .unwrap();

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|n| {
            let (app, slug, stop) = (app.other_client(), slug.clone(), stop.clone());
            tokio::spawn(async move {
                let mut saved = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) && saved < 2000 {
                    let client = app.other_client();
                    let mut respondent = on_the_page(&client, &slug).await;
                    let (status, page) = submit(&mut respondent, &format!("Writer {n}, story {saved}")).await;
                    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
                    saved += 1;
                }
                saved
            })
        })
        .collect();

    tokio::time::sleep(Duration::from_millis(200)).await;
    let copy = app.dir.path().join("copy.db");
    let started = Instant::now();
    let backup = tokio::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .arg("backup")
        .arg(&copy)
        .output();
    let backup = tokio::time::timeout(Duration::from_secs(20), backup).await;
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut saved = 0;
    for writer in writers {
        saved += writer.await.unwrap();
    }
    let output = backup.expect("the backup finished while respondents kept saving").unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert!(saved > 0, "respondents saved during the backup");
    let copy = rusqlite::Connection::open(&copy).unwrap();
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let copied: i64 = copy.query_row("SELECT COUNT(*) FROM responses", [], |r| r.get(0)).unwrap();
    assert!(copied >= 5000, "{copied} responses in a copy taken after 5000 (in {took:?})");
}
