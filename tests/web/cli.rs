//! The command line: help texts, `user` subcommands, and graceful shutdown of `serve`.

use std::io::Write as _;
use std::process::{Command, Stdio};

use crate::helpers::{PASSWORD, TestApp};

fn fieldwork(db: &std::path::Path, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env("FIELDWORK_ARGON2_MEMORY_KIB", "64")
        .env("FIELDWORK_ARGON2_ITERATIONS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        // A command that refuses before reading its input (a taken email) has closed the pipe:
        // what it printed is what the test looks at.
        if let Err(err) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
            assert_eq!(err.kind(), std::io::ErrorKind::BrokenPipe, "writing the command's input: {err}");
        }
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

#[test]
fn every_subcommand_explains_itself() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("help.db");
    let cases: [&[&str]; 8] = [
        &["--help"],
        &["serve", "--help"],
        &["user", "--help"],
        &["user", "add", "--help"],
        &["user", "passwd", "--help"],
        &["user", "list", "--help"],
        &["migrate", "--help"],
        &["backup", "--help"],
    ];
    for args in cases {
        let output = fieldwork(&db, args, None);
        assert!(output.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(text.contains("Usage:") && text.contains("--db"), "{args:?}: {text}");
    }
    let serve = String::from_utf8_lossy(&fieldwork(&db, &["serve", "--help"], None).stdout).to_string();
    assert!(serve.contains("--bind") && serve.contains("FIELDWORK_DB"));
}

#[tokio::test]
async fn a_user_added_on_the_command_line_can_log_in() {
    let app = TestApp::spawn().await;
    let output = fieldwork(
        &app.db_path,
        &["user", "add", "--email", "rae@example.org", "--role", "researcher", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(app.login("rae@example.org", PASSWORD).await.status(), reqwest::StatusCode::SEE_OTHER);

    let list = String::from_utf8_lossy(&fieldwork(&app.db_path, &["user", "list"], None).stdout).to_string();
    assert!(list.contains("rae@example.org") && list.contains("researcher") && list.contains("active"), "{list}");
}

#[test]
fn user_add_refuses_a_short_password_and_a_taken_email() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let short = fieldwork(
        &db,
        &["user", "add", "--email", "a@example.org", "--role", "admin", "--password-stdin"],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10 characters"));

    let ok = fieldwork(
        &db,
        &["user", "add", "--email", "a@example.org", "--role", "admin", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(ok.status.success());
    let taken = fieldwork(
        &db,
        &["user", "add", "--email", "A@example.org", "--role", "coder", "--password-stdin"],
        Some(&format!("{PASSWORD}\n")),
    );
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already exists"));
}

#[tokio::test]
async fn user_add_without_a_password_prints_a_working_link() {
    let app = TestApp::spawn().await;
    let base = app.address.clone();
    let output = fieldwork(
        &app.db_path,
        &["user", "add", "--email", "cody@example.org", "--role", "coder", "--base-url", &base],
        None,
    );
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let link = text.lines().find(|l| l.contains("/account/set-password?token=")).expect("a link").trim().to_string();
    let (status, _) = app.get_page(link.trim_start_matches(&base)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
}

#[tokio::test]
async fn user_passwd_changes_the_password() {
    let app = TestApp::spawn().await;
    app.add_user("cody@example.org", fieldwork::accounts::Role::Coder);
    let output = fieldwork(
        &app.db_path,
        &["user", "passwd", "--email", "cody@example.org", "--password-stdin"],
        Some("another long password\n"),
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(app.login("cody@example.org", PASSWORD).await.status(), reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.login("cody@example.org", "another long password").await.status(), reqwest::StatusCode::SEE_OTHER);
}

#[test]
fn serve_prints_the_setup_link_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .args(["--db", db.to_str().unwrap(), "serve", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut printed = String::new();
    while !printed.contains("/setup?token=") {
        let mut line = String::new();
        if std::io::BufRead::read_line(&mut stdout, &mut line).unwrap() == 0 {
            break;
        }
        printed.push_str(&line);
    }
    assert!(printed.contains(&format!("http://127.0.0.1:{port}/setup?token=")), "{printed}");

    let health = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(health.is_ok(), "the server listens");
    drop(health);

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "exited with {status:?}");
    // The WAL was checkpointed into the main file at shutdown.
    let wal = dir.path().join("serve.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
}

#[test]
fn control_characters_in_stored_text_are_printed_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldwork.db");
    let survey = dir.path().join("survey.toml");
    std::fs::write(
        &survey,
        "format = 1\nslug = \"esc\"\ndefault_language = \"en\"\nlanguages = [\"en\"]\ntitle = { en = \"Plain title\" }\n\
         [[pages]]\ncode = \"p1\"\n[[pages.questions]]\ncode = \"Q\"\ntype = \"short_text\"\ntext = { en = \"Q\" }\n",
    )
    .unwrap();
    assert!(fieldwork(&db, &["survey", "import", &survey.to_string_lossy()], None).status.success());
    // Text stored before names were checked (or by another tool) may hold anything: here a
    // sequence that would set the terminal's title (escaped in the stored JSON), and one that
    // would clear the screen.
    let conn = fieldwork::db::open(&db).unwrap();
    conn.execute_batch(
        "UPDATE surveys SET definition = replace(definition, 'Plain title', 'Evil\\u001b]0;owned\\u0007 title');
         UPDATE surveys SET slug = 'esc' || char(27) || '[2J';
         INSERT INTO users (email, role, created_at, updated_at) VALUES ('x' || char(27) || '[31m@example.org', 'coder', '2026-01-01', '2026-01-01');",
    )
    .unwrap();

    let surveys = fieldwork(&db, &["survey", "list"], None);
    let users = fieldwork(&db, &["user", "list"], None);
    let missing = fieldwork(&db, &["survey", "open", "nope\u{1b}[2J"], None);

    for output in [&surveys.stdout, &users.stdout, &missing.stderr] {
        let text = String::from_utf8_lossy(output);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "a control character reached the terminal: {text:?}"
        );
    }
    let surveys = String::from_utf8_lossy(&surveys.stdout);
    assert!(surveys.contains("Evil\\u{1b}]0;owned\\u{7} title"), "{surveys}");
    assert!(surveys.contains("esc\\u{1b}[2J"), "{surveys}");
    assert!(String::from_utf8_lossy(&users.stdout).contains("x\\u{1b}[31m@example.org"));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope\\u{1b}[2J"));
}

#[test]
fn import_and_open_warn_of_placeholders_left_unfilled() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fieldwork.db");
    let survey = |slug: &str, consent: &str| {
        let path = dir.path().join(format!("{slug}.toml"));
        std::fs::write(
            &path,
            format!(
                "format = 1\nslug = \"{slug}\"\ndefault_language = \"en\"\nlanguages = [\"en\"]\ntitle = {{ en = \"T\" }}\n\
                 consent = {{ en = \"{consent}\" }}\n\
                 [[pages]]\ncode = \"p1\"\n[[pages.questions]]\ncode = \"Q\"\ntype = \"short_text\"\ntext = {{ en = \"Q\" }}\n"
            ),
        )
        .unwrap();
        path.to_string_lossy().into_owned()
    };
    let unfilled = survey("unfilled", "Data controller: [[FILL: data controller]].");
    let filled = survey("filled", "Data controller: Example University.");

    for (args, slug) in [(["survey", "import", &unfilled], "unfilled"), (["survey", "open", "unfilled"], "unfilled")] {
        let output = fieldwork(&db, &args, None);
        assert!(output.status.success(), "a placeholder is a warning, not an error: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr
                .contains(&format!("warning: {slug}: consent.en: [[FILL: data controller]] is still to be filled in")),
            "{args:?}: {stderr}"
        );
    }
    for args in [["survey", "import", &filled], ["survey", "open", "filled"]] {
        let output = fieldwork(&db, &args, None);
        assert!(output.status.success() && output.stderr.is_empty(), "{args:?}: {output:?}");
    }
}
