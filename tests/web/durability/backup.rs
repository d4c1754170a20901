//! `fieldwork backup` and the restore the README describes: the copy comes with the link key, so
//! that a restored server accepts and lists the personal links already sent; a backup that fails
//! leaves nothing behind; `migrate` changes nothing in a file it refuses.

use std::path::Path;
use std::process::{Command, Output};

use fieldwork::survey::store::Status;

use super::faults::SmallDisk;
use crate::helpers::TestApp;
use crate::respondent::*;

const SURVEY: &str = r#"
format = 1
slug = "kept"
default_language = "en"
languages = ["en"]
title = { en = "Kept" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "Q"
type = "short_text"
text = { en = "Q" }
"#;

fn fieldwork(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().expect("run fieldwork")
}

fn succeeded(output: Output) -> String {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Every personal link of the survey, as `fieldwork participants links` prints them.
fn links(db: &Path) -> String {
    succeeded(fieldwork(db, &["participants", "links", "--survey", "kept", "--base-url", "https://s.example.org"]))
}

#[tokio::test]
async fn a_backup_restored_on_a_new_path_accepts_and_lists_the_same_personal_links() {
    let app = TestApp::spawn().await;
    add_survey(&app, SURVEY, Status::Open);
    let people = app.dir.path().join("people.csv");
    std::fs::write(&people, "email,name\nana@example.org,Ana\nbo@example.org,Bo\n").unwrap();
    succeeded(fieldwork(&app.db_path, &["participants", "import", "--survey", "kept", people.to_str().unwrap()]));
    succeeded(fieldwork(&app.db_path, &["survey", "access", "--survey", "kept", "invitation"]));
    let sent = links(&app.db_path);

    let out = app.dir.path().join("fieldwork-backup.db");
    let said = succeeded(fieldwork(&app.db_path, &["backup", out.to_str().unwrap()]));
    assert!(said.contains("fieldwork-backup.db.link-key"), "{said}");

    // The restore, as the README says: both files to the new place, the key named after the database.
    let elsewhere = tempfile::tempdir().unwrap();
    let restored = elsewhere.path().join("restored.db");
    std::fs::copy(&out, &restored).unwrap();
    std::fs::copy(format!("{}.link-key", out.display()), format!("{}.link-key", restored.display())).unwrap();
    assert_eq!(links(&restored), sent, "the same links are listed");

    let server = TestApp::spawn_on(elsewhere, restored, &[]).await;
    let token = sent.lines().nth(1).and_then(|line| line.split("?t=").nth(1)).expect(&sent).to_string();
    let browser = server.other_client();
    Respondent::new(&browser, "kept").start_with(&format!("?t={token}")).await;
    assert_eq!(server.query_i64("SELECT COUNT(*) FROM responses WHERE participant_id IS NOT NULL"), 1);
}

#[test]
fn a_backup_copies_the_link_key_privately_or_refuses_without_it() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    fieldwork::db::migrate(&db).unwrap();

    let out = dir.path().join("copy.db");
    let refused = fieldwork(&db, &["backup", out.to_str().unwrap()]);
    assert!(!refused.status.success());
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("link key") && said.contains("--without-link-key"), "{said}");
    assert!(!out.exists(), "nothing is written when the key cannot be");

    let key = fieldwork::distribute::links::LinkKey::default_path(&db);
    fieldwork::distribute::links::LinkKey::load_or_create(&key).unwrap();
    succeeded(fieldwork(&db, &["backup", out.to_str().unwrap()]));
    let copied = dir.path().join("copy.db.link-key");
    assert_eq!(std::fs::read(&copied).unwrap(), std::fs::read(&key).unwrap());
    assert_eq!(std::fs::metadata(&copied).unwrap().permissions().mode() & 0o777, 0o600);

    let alone = dir.path().join("alone.db");
    succeeded(fieldwork(&db, &["backup", "--without-link-key", alone.to_str().unwrap()]));
    assert!(alone.exists() && !dir.path().join("alone.db.link-key").exists());
}

#[test]
fn a_backup_that_fills_the_disk_leaves_neither_a_partial_copy_nor_a_journal() {
    let Some(disk) = SmallDisk::mount("1m") else {
        eprintln!("SKIPPED a_backup_that_fills_the_disk_…: mounting a tmpfs needs root (CI runs as root)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("big.db");
    fieldwork::db::migrate(&db).unwrap();
    fieldwork::db::open(&db)
        .unwrap()
        .execute_batch(
            "CREATE TABLE filler (body BLOB);
             WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 800)
             INSERT INTO filler SELECT randomblob(4000) FROM k;",
        )
        .unwrap();
    let out = disk.path().join("copy.db");

    let failed = fieldwork(&db, &["backup", "--without-link-key", out.to_str().unwrap()]);
    assert!(!failed.status.success());
    let said = String::from_utf8_lossy(&failed.stderr);
    assert!(said.contains("full"), "{said}");
    let left: Vec<_> = std::fs::read_dir(disk.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn migrate_changes_nothing_in_a_file_from_a_newer_fieldwork_not_even_its_journal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("newer.db");
    {
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 9999;").unwrap();
    }
    let before = std::fs::read(&db).unwrap();

    let refused = fieldwork(&db, &["migrate"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("newer than this fieldwork understands"));
    assert!(std::fs::read(&db).unwrap() == before, "the file changed");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, ["newer.db"], "no WAL, shared memory or copy beside it");
    let mode: String =
        rusqlite::Connection::open(&db).unwrap().query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(mode, "delete");
}
