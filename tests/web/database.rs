//! Migrations, connection settings and the online backup.

use fieldwork::accounts::Role;
use fieldwork::db;

use crate::helpers::{PASSWORD, TestApp};

#[test]
fn migrations_apply_on_an_empty_file_and_then_are_a_no_op() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let first = db::migrate(&path).unwrap();
    assert_eq!((first.from, first.to), (0, *db::LATEST_VERSION));
    assert!(first.backup.is_none(), "nothing to copy in a new file");

    let conn = db::open(&path).unwrap();
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, *db::LATEST_VERSION);
    let recorded: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    // One row per file (numbers may have gaps while branches that each add one are merged).
    let files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations")).unwrap().count();
    assert_eq!(recorded, files as i64);

    let again = db::migrate(&path).unwrap();
    assert_eq!((again.from, again.to), (*db::LATEST_VERSION, *db::LATEST_VERSION));
    assert!(again.backup.is_none());
    let recorded_again: i64 = conn.query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0)).unwrap();
    assert_eq!(recorded_again, recorded);
}

/// Two one-question surveys, `anon-survey` (anonymous) and `named-survey`: their slugs and ids.
fn anonymous_and_named_surveys(conn: &rusqlite::Connection) -> [(&'static str, i64); 2] {
    [("anon-survey", true), ("named-survey", false)].map(|(slug, anonymous)| {
        let toml = format!(
            "format = 1\nslug = \"{slug}\"\ndefault_language = \"en\"\nlanguages = [\"en\"]\nanonymous = {anonymous}\n\
             title = {{ en = \"T\" }}\n[[pages]]\ncode = \"p\"\n[[pages.questions]]\ncode = \"Q\"\n\
             type = \"short_text\"\ntext = {{ en = \"Q?\" }}\n"
        );
        (slug, fieldwork::survey::import_toml(conn, &toml, None).unwrap().0)
    })
}

#[test]
fn migration_5_cuts_anonymous_surveys_participant_times_to_dates_and_leaves_others() {
    use fieldwork::distribute::links::LinkKey;
    use fieldwork::distribute::participants::{self, NewParticipant};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    db::migrate(&path).unwrap();
    let conn = db::open(&path).unwrap();
    let key = LinkKey::load_or_create(&LinkKey::default_path(&path)).unwrap();
    let mut people = Vec::new();
    for (slug, survey_id) in anonymous_and_named_surveys(&conn) {
        let new = NewParticipant {
            email: format!("{slug}@example.org"),
            name: String::new(),
            language: String::new(),
            attributes: Default::default(),
        };
        people.push(participants::insert(&conn, &key, survey_id, &new).unwrap());
    }
    let stamp = "2026-11-29T10:11:12Z";
    conn.execute("UPDATE participants SET started_at = ?1, completed_at = ?1, updated_at = ?1", [stamp]).unwrap();
    // As a database of version 4 was: migration 5 and those after it not applied yet.
    conn.execute("DELETE FROM schema_migrations WHERE version >= 5", []).unwrap();
    conn.pragma_update(None, "user_version", 4).unwrap();
    drop(conn);

    let migrated = db::migrate(&path).unwrap();
    assert_eq!((migrated.from, migrated.to), (4, *db::LATEST_VERSION));
    let conn = db::open(&path).unwrap();
    let times = |id: i64| -> (String, String, String) {
        conn.query_row("SELECT started_at, completed_at, updated_at FROM participants WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap()
    };
    // Migration 9 then takes even the date off (and the last change is no longer the start).
    let undated = participants::UNDATED.to_string();
    let created: String =
        conn.query_row("SELECT created_at FROM participants WHERE id = ?1", [people[0]], |r| r.get(0)).unwrap();
    assert_eq!(times(people[0]), (undated.clone(), undated, created), "the anonymous survey's: no dates");
    let full = stamp.to_string();
    assert_eq!(times(people[1]), (full.clone(), full.clone(), full), "the named survey's: untouched");
}

/// An answer stored as a browser sent it (CR LF line breaks), and the passages coders selected
/// in it on the coding page before migration 6, as `coding.js` sent them: offsets into the page's
/// text (LF) from the start of a segment, plus the segment's start in the stored text (the
/// segments cut at the coder's own earlier passages). Worked out in the test of the migration's
/// step (src/db/migrations/line_breaks.rs), which simulates the page.
const CRLF_ANSWER: &str = "Line one\r\n\r\nLine three: access\r\nfor all 👩🏽‍🔬 e\u{300}";
/// (coder, code, stored start, stored end, the text selected)
const SELECTED: [(&str, &str, i64, i64, &str); 5] = [
    // Ann's first passage: her page was one segment, so LF offsets.
    ("ann", "ACCESS", 22, 28, "access"),
    // Then her page was cut at 22 and 28 (stored offsets, two CR LF pairs before them) ...
    ("ann", "ALL", 31, 38, "for all"),
    // ... while Bob's page was still one segment.
    ("bob", "ACCESS", 15, 32, "three: access\nfor"),
    // Ann's page cut at 22, 28, 31 and 38; this selection ended where a segment began.
    ("ann", "ALL", 10, 22, "Line three"),
    // Ann selected "access" again, as it looked shifted: the same passage as her first.
    ("ann", "ACCESS", 24, 30, "access"),
];

#[test]
fn migration_6_stores_line_breaks_as_lf_and_moves_each_passage_to_the_text_its_coder_selected() {
    use fieldwork::coding::store::{self, Coder, UnitRef};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    db::migrate(&path).unwrap();
    let conn = db::open(&path).unwrap();
    let toml = "format = 1\nslug = \"crlf\"\ndefault_language = \"en\"\nlanguages = [\"en\"]\ntitle = { en = \"T\" }\n\
                [[pages]]\ncode = \"p\"\n[[pages.questions]]\ncode = \"WHY\"\ntype = \"long_text\"\ntext = { en = \"Why?\" }\n\
                [[pages.questions]]\ncode = \"ROLE\"\ntype = \"single_choice\"\nother = true\ntext = { en = \"Role\" }\n\
                choices = [{ code = \"a\", label = { en = \"A\" } }]\n";
    let (survey, _) = fieldwork::survey::import_toml(&conn, toml, None).unwrap();
    let book = "format = 1\nname = \"B\"\n[[codes]]\nid = \"ACCESS\"\nname = \"Access\"\n[[codes]]\nid = \"ALL\"\nname = \"All\"\n";
    let file = fieldwork::codebook::model::from_toml(book).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let ann = fieldwork::accounts::store::insert(&conn, "ann@example.org", "", Role::Coder, None).unwrap();
    let bob = fieldwork::accounts::store::insert(&conn, "bob@example.org", "", Role::Coder, None).unwrap();
    conn.execute(
        "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
         VALUES (?1, randomblob(32), 'complete', 1, 'en', '2025-05-01', '2025-05-01')",
        [survey],
    )
    .unwrap();
    let response = conn.last_insert_rowid();
    for (question, item, value) in
        [("WHY", "", CRLF_ANSWER), ("ROLE", "", "other"), ("ROLE", "other", "Lead\r\ndev\rops")]
    {
        conn.execute(
            "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)",
            (response, question, item, value),
        )
        .unwrap();
    }
    let unit = UnitRef { response_id: response, question: "WHY" };
    let by = |coder_id, layer| Coder { codebook_id: codebook, codebook_version: 1, coder_id, layer };
    for (coder, code, start, end, _) in SELECTED {
        let coder = if coder == "ann" { ann } else { bob };
        store::apply_span(&conn, by(coder, "coder"), unit, code, start, end).unwrap();
    }
    store::add_memo(&conn, codebook, "answer", Some(unit), None, ann, "First\r\nsecond\rthird").unwrap();
    store::reconcile(&conn, by(ann, "coder"), unit, &["ACCESS".to_string()], "Agreed\r\nafter talk").unwrap();
    // As a database of version 5 was: this migration not applied yet.
    conn.execute("DELETE FROM schema_migrations WHERE version >= 6", []).unwrap();
    conn.pragma_update(None, "user_version", 5).unwrap();
    drop(conn);

    let migrated = db::migrate(&path).unwrap();

    assert_eq!((migrated.from, migrated.to), (5, *db::LATEST_VERSION));
    let conn = db::open(&path).unwrap();
    let answer = |item: &str| -> String {
        conn.query_row(
            "SELECT value FROM answers WHERE question IN ('WHY', 'ROLE') AND item = ?1 AND value != 'other'",
            [item],
            |r| r.get(0),
        )
        .unwrap()
    };
    let why = answer("");
    assert_eq!(why, CRLF_ANSWER.replace("\r\n", "\n"));
    assert_eq!(answer("other"), "Lead\ndev\nops");
    let text: (String, String) = conn
        .query_row("SELECT (SELECT body FROM memos), (SELECT note FROM reconciliations)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(text, ("First\nsecond\nthird".to_string(), "Agreed\nafter talk".to_string()));
    let mut stmt = conn
        .prepare(
            "SELECT u.email, c.code_key, c.span_start, c.span_end FROM codings c JOIN users u ON u.id = c.coder_id \
                  WHERE c.span_start IS NOT NULL ORDER BY c.id",
        )
        .unwrap();
    let passages: Vec<(String, String, String)> = stmt
        .query_map([], |r| {
            let (start, end): (i64, i64) = (r.get(2)?, r.get(3)?);
            let covered = why.chars().skip(start as usize).take((end - start) as usize).collect();
            Ok((r.get::<_, String>(0)?.replace("@example.org", ""), r.get(1)?, covered))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let selected: Vec<(String, String, String)> = SELECTED[..4]
        .iter()
        .map(|(coder, code, _, _, text)| (coder.to_string(), code.to_string(), text.to_string()))
        .collect();
    assert_eq!(passages, selected, "each passage covers what was selected; the one selected twice is kept once");
}

#[test]
fn migration_9_keeps_opt_out_links_already_mailed_working_and_takes_the_dates_off_anonymous_participants() {
    use fieldwork::distribute::links::LinkKey;
    use fieldwork::distribute::participants::{self, NewParticipant};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    db::migrate(&path).unwrap();
    let conn = db::open(&path).unwrap();
    let key = LinkKey::load_or_create(&LinkKey::default_path(&path)).unwrap();
    let mut people = Vec::new();
    for (slug, survey_id) in anonymous_and_named_surveys(&conn) {
        for who in ["mailed", "listed"] {
            let new = NewParticipant { email: format!("{who}@{slug}.org"), ..Default::default() };
            let id = participants::insert(&conn, &key, survey_id, &new).unwrap();
            let token = key.token(&participants::find(&conn, survey_id, id).unwrap().unwrap().token_salt);
            people.push((survey_id, id, token));
        }
    }
    // The first of each survey was mailed (the message was handed to the mail server), with their
    // personal token in the opt-out link; the second's link was only listed.
    conn.execute(
        "INSERT INTO mailings (survey_id, kind, created_at) VALUES (1, 'invitation', 'x'), (2, 'invitation', 'x')",
        [],
    )
    .unwrap();
    for (mailing, (_, id, _)) in [(1, &people[0]), (2, &people[2])] {
        conn.execute(
            "INSERT INTO deliveries (mailing_id, participant_id, status, attempts, updated_at) VALUES (?1, ?2, 'sent', 1, 'x')",
            [mailing, *id],
        )
        .unwrap();
    }
    conn.execute(
        "UPDATE participants SET created_at = '2026-11-01T08:00:00Z', invited_at = '2026-11-02T09:00:00Z', \
         started_at = '2026-11-29', completed_at = '2026-11-29', updated_at = '2026-11-29'",
        [],
    )
    .unwrap();
    conn.execute("UPDATE participants SET started_at = '2026-11-29T10:11:12Z' WHERE survey_id = 2", []).unwrap();
    // As a database before migration 9: no opt-out tokens of their own.
    conn.execute("DELETE FROM opt_out_tokens", []).unwrap();
    conn.execute("DELETE FROM schema_migrations WHERE version >= 9", []).unwrap();
    conn.pragma_update(None, "user_version", 8).unwrap();
    drop(conn);

    let migrated = db::migrate(&path).unwrap();
    assert_eq!(migrated.from, 8);
    let conn = db::open(&path).unwrap();
    let opts_out = |(survey, _, token): &(i64, i64, String)| {
        participants::find_by_opt_out_token(&conn, *survey, token).unwrap().map(|p| p.id)
    };
    assert_eq!(opts_out(&people[0]), Some(people[0].1), "a mailed opt-out link still opts out");
    assert_eq!(opts_out(&people[2]), Some(people[2].1));
    assert_eq!(opts_out(&people[1]), None, "a personal link never mailed does not");
    assert_eq!(opts_out(&people[3]), None);
    // From now on mail carries an opt-out token of its own; the old link keeps working beside it.
    let own = participants::opt_out_token(&conn, &key, people[0].1).unwrap();
    assert_ne!(own, people[0].2);
    assert_eq!(participants::find_by_opt_out_token(&conn, people[0].0, &own).unwrap().map(|p| p.id), Some(people[0].1));
    assert_eq!(opts_out(&people[0]), Some(people[0].1));

    let dates = |id: i64| -> (String, String, String) {
        conn.query_row("SELECT started_at, completed_at, updated_at FROM participants WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap()
    };
    let undated = participants::UNDATED.to_string();
    let last_mail = "2026-11-02T09:00:00Z".to_string();
    assert_eq!(dates(people[0].1), (undated.clone(), undated, last_mail), "anonymous: status without a date");
    let named = ("2026-11-29T10:11:12Z".to_string(), "2026-11-29".to_string(), "2026-11-29".to_string());
    assert_eq!(dates(people[2].1), named, "a named survey's: untouched");

    // Applied again (as an older database passing through it would be), it changes nothing more.
    conn.execute("DELETE FROM schema_migrations WHERE version >= 9", []).unwrap();
    conn.pragma_update(None, "user_version", 8).unwrap();
    let tokens = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT COUNT(*) FROM opt_out_tokens", [], |r| r.get(0)).unwrap()
    };
    let before = tokens(&conn);
    drop(conn);
    db::migrate(&path).unwrap();
    let conn = db::open(&path).unwrap();
    assert_eq!(tokens(&conn), before);
}

#[test]
fn a_database_from_a_newer_fieldwork_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("newer.db");
    db::migrate(&path).unwrap();
    let future = *db::LATEST_VERSION + 5;
    db::open(&path).unwrap().pragma_update(None, "user_version", future).unwrap();

    let err = db::migrate(&path).unwrap_err().to_string();
    assert!(err.contains("newer than this fieldwork understands"), "{err}");
    let version: i64 = db::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, future);

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .args(["--db", path.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("newer than this fieldwork understands"));
}

#[test]
fn an_existing_database_is_copied_aside_before_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept');").unwrap();
    }
    let report = db::migrate(&path).unwrap();
    let copy = report.backup.expect("a copy before migrating");
    let conn = rusqlite::Connection::open(&copy).unwrap();
    let body: String = conn.query_row("SELECT body FROM notes", [], |r| r.get(0)).unwrap();
    assert_eq!(body, "kept");
    let has_users: bool =
        conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'users')", [], |r| r.get(0)).unwrap();
    assert!(!has_users, "the copy is from before the migration");
}

#[test]
fn every_connection_is_durable_and_checks_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.db");
    db::migrate(&path).unwrap();
    let conn = db::open(&path).unwrap();
    let pragma = |name: &str| -> String {
        conn.pragma_query_value(None, name, |r| r.get::<_, rusqlite::types::Value>(0))
            .map(|v| format!("{v:?}"))
            .unwrap()
    };
    assert_eq!(pragma("journal_mode"), "Text(\"wal\")");
    assert_eq!(pragma("synchronous"), "Integer(2)", "FULL");
    assert_eq!(pragma("foreign_keys"), "Integer(1)");
    assert!(conn.execute("INSERT INTO account_tokens (user_id, purpose, token_hash, created_at, expires_at) VALUES (999, 'invite', x'00', '', 0)", []).is_err());
}

#[tokio::test]
async fn backup_copies_the_live_database_while_the_server_runs() {
    let app = TestApp::spawn().await;
    app.add_user("ana@example.org", Role::Admin);
    app.add_user("cody@example.org", Role::Coder);
    app.login("ana@example.org", PASSWORD).await;
    let out = app.dir.path().join("copy.db");

    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .args(["--db", app.db_path.to_str().unwrap(), "backup", out.to_str().unwrap()])
        .output()
        .await
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // The server still answers.
    assert_eq!(app.get("/").await.status(), reqwest::StatusCode::OK);

    let copy = rusqlite::Connection::open(&out).unwrap();
    let check: String = copy.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    let mut stmt = copy.prepare("SELECT email, role FROM users ORDER BY email").unwrap();
    let users: Vec<(String, String)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect();
    assert_eq!(users, vec![("ana@example.org".into(), "admin".into()), ("cody@example.org".into(), "coder".into())]);
    // A session in the copy: logins would survive a restore too.
    let sessions: i64 = copy.query_row("SELECT COUNT(*) FROM sessions", [], |r| r.get(0)).unwrap();
    assert!(sessions >= 1);
}

#[test]
fn backup_refuses_to_overwrite_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    db::migrate(&path).unwrap();
    let out = dir.path().join("exists.db");
    std::fs::write(&out, b"precious").unwrap();
    let err = db::backup_to(&path, &out).unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writes_commit_together_and_a_failing_one_is_undone_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("group.db");
    db::migrate(&path).unwrap();
    let pool = db::Db::open(&path).unwrap();
    pool.write(|tx| Ok(tx.execute_batch("CREATE TABLE notes (n INTEGER PRIMARY KEY)")?)).await.unwrap();

    // Many writes at once, so that they share transactions; every third fails after writing,
    // one panics.
    let writes: Vec<_> = (0..300i64)
        .map(|n| {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.write(move |tx| {
                    tx.execute("INSERT INTO notes (n) VALUES (?1)", [n])?;
                    if n == 150 {
                        panic!("a write that panics");
                    }
                    if n % 3 == 0 {
                        // A constraint error after the insert: the whole write must go.
                        tx.execute("INSERT INTO notes (n) VALUES (?1)", [n])?;
                    }
                    Ok(n)
                })
                .await
            })
        })
        .collect();
    let mut acknowledged = Vec::new();
    for write in writes {
        if let Ok(n) = write.await.unwrap() {
            acknowledged.push(n);
        }
    }
    let expected: Vec<i64> = (0..300).filter(|n| n % 3 != 0 && *n != 150).collect();
    assert_eq!(acknowledged, expected);
    let stored: Vec<i64> = pool
        .read(|conn| {
            let mut stmt = conn.prepare("SELECT n FROM notes ORDER BY n")?;
            let rows = stmt.query_map([], |r| r.get(0))?.collect::<Result<_, _>>()?;
            Ok(rows)
        })
        .await
        .unwrap();
    assert_eq!(stored, expected, "exactly the acknowledged writes are stored");
    // The writer survived the panic and goes on.
    assert_eq!(pool.write(|tx| Ok(tx.execute("INSERT INTO notes (n) VALUES (1000)", [])?)).await.unwrap(), 1);
}

#[test]
fn migration_7_makes_each_survey_creator_its_researcher_and_each_assigned_coder_its_coder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    db::migrate(&path).unwrap();
    let conn = db::open(&path).unwrap();
    let user = |email: &str, role| fieldwork::accounts::store::insert(&conn, email, "", role, None).unwrap();
    let (rita, cody, demoted) = (
        user("rita@example.org", Role::Researcher),
        user("cody@example.org", Role::Coder),
        user("dee@example.org", Role::Coder),
    );
    let survey = |slug: &str, creator: Option<i64>| {
        let toml = format!(
            "format = 1\nslug = \"{slug}\"\ndefault_language = \"en\"\nlanguages = [\"en\"]\ntitle = {{ en = \"T\" }}\n\
             [[pages]]\ncode = \"p\"\n[[pages.questions]]\ncode = \"Q\"\ntype = \"long_text\"\ntext = {{ en = \"Q?\" }}\n"
        );
        fieldwork::survey::import_toml(&conn, &toml, creator).unwrap().0
    };
    let (ritas, dees, from_cli) = (survey("ritas", Some(rita)), survey("dees", Some(demoted)), survey("cli", None));
    let file = fieldwork::codebook::model::from_toml("format = 1\nname = \"C\"\n").unwrap();
    let codebook = fieldwork::codebook::import(&conn, ritas, &file, "rita", Some(rita)).unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
         VALUES ({ritas}, randomblob(32), 'complete', 1, 'en', '2026-01-01', '2026-01-01');
         INSERT INTO assignment_runs (codebook_id, coders, double_share, coders_per_double, seed, created_at) \
         VALUES ({codebook}, '[]', 0, 2, 1, '2026-01-01');
         INSERT INTO assignments (codebook_id, response_id, question, coder_id, run_id) \
         VALUES ({codebook}, last_insert_rowid(), 'Q', {cody}, 1);"
    ))
    .unwrap();
    // As a database of version 6 was: no members yet.
    conn.execute_batch("DROP TABLE survey_members; DELETE FROM schema_migrations WHERE version > 6;").unwrap();
    conn.pragma_update(None, "user_version", 6).unwrap();
    drop(conn);

    let migrated = db::migrate(&path).unwrap();
    assert_eq!((migrated.from, migrated.to), (6, *db::LATEST_VERSION));
    let conn = db::open(&path).unwrap();
    let members = |survey: i64| -> Vec<(i64, String)> {
        conn.prepare("SELECT user_id, role FROM survey_members WHERE survey_id = ?1 ORDER BY user_id")
            .unwrap()
            .query_map([survey], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(members(ritas), [(rita, "researcher".into()), (cody, "coder".into())]);
    assert_eq!(members(dees), [(demoted, "coder".into())], "a creator whose account is a coder's now codes only");
    assert!(members(from_cli).is_empty(), "imported from the command line: admins only");
}
