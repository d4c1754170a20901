//! When things go wrong: a mail server that is down or refuses an address (failures with its
//! message, retried by hand, delivered once), a restart mid-mailing, and a crash (SIGKILL) in the
//! middle of an SMTP transaction, after which nobody gets the same message twice.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use fieldwork::distribute::mail::{Kind, store};
use reqwest::StatusCode;

use super::{
    SLUG, SmtpServer, add_participant, delivery_statuses, free_port, mail_app, mail_page, participant, per_recipient,
    send, smtp_flags, wait_until,
};
use crate::helpers::unescape;
use crate::surveys::{RESEARCHER, SMALL, audit};

fn finished_mailings(db: &Path) -> i64 {
    let conn = fieldwork::db::open(db).expect("open db");
    conn.query_row("SELECT COUNT(*) FROM mailings WHERE finished_at IS NOT NULL", [], |r| r.get(0)).expect("count")
}

#[tokio::test]
async fn a_server_that_is_down_or_refuses_an_address_gives_failures_with_its_message_and_a_retry_sends_each_once() {
    let port = free_port();
    let (app, survey) = mail_app(&smtp_flags(port)).await;
    let ana = add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    add_participant(&app.db_path, survey, "bea@example.org", "Bea", "es");
    let nobody = add_participant(&app.db_path, survey, "nobody@example.org", "", "");
    send(&app, "invitation").await;
    wait_until("every message to fail", || (finished_mailings(&app.db_path) == 1).then_some(())).await;

    let page = unescape(&mail_page(&app).await);
    assert!(page.contains("<td class=\"failed\">3</td>"), "{page}");
    assert!(page.contains("Connection refused"), "the error is shown: {page}");
    assert!(page.contains("Retry 3 failed"), "{page}");
    let failed = participant(&app.db_path, survey, ana);
    assert_eq!(failed.status, "failed");
    assert!(failed.mail_error.as_deref().is_some_and(|e| e.contains("Connection refused")), "{failed:?}");

    let smtp = SmtpServer::start_on(port, 0.0, &["nobody@example.org"]);
    let retried = app.post_form(&format!("/surveys/{SLUG}/mail/1/retry"), &[]).await;
    assert_eq!(retried.status(), StatusCode::SEE_OTHER);
    assert_eq!(audit(&app, "mail.retry"), vec![(RESEARCHER.into(), SLUG.into(), "mailing 1: 3 messages".into())]);
    wait_until("the retry to finish", || (finished_mailings(&app.db_path) == 1).then_some(())).await;

    let counts = per_recipient(&smtp.messages());
    assert_eq!(
        counts.into_iter().collect::<Vec<_>>(),
        vec![("ana@example.org".into(), 1), ("bea@example.org".into(), 1)]
    );
    let page = unescape(&mail_page(&app).await);
    assert!(page.contains("<td class=\"sent\">2</td>") && page.contains("<td class=\"failed\">1</td>"), "{page}");
    assert!(page.contains("No such user here"), "the server's answer: {page}");
    assert_eq!(participant(&app.db_path, survey, ana).status, "invited", "a success clears the error");
    assert_eq!(participant(&app.db_path, survey, nobody).status, "failed");
    let attempts = app.query_i64(&format!("SELECT attempts FROM deliveries WHERE participant_id = {ana}"));
    assert_eq!(attempts, 2);
}

#[tokio::test]
async fn a_mailing_stopped_by_a_restart_resumes_and_sends_nobody_the_same_message_twice() {
    let smtp = SmtpServer::start();
    let mut flags = smtp.flags();
    let rate = flags.iter().position(|f| f == "--mail-per-minute").unwrap();
    flags[rate + 1] = "150".into();
    let (mut app, survey) = mail_app(&flags).await;
    for n in 0..5 {
        add_participant(&app.db_path, survey, &format!("p{n}@example.org"), "", "");
    }
    send(&app, "invitation").await;
    smtp.wait_for(2).await;

    app.restart().await;
    let stopped_at = smtp.messages().len();
    assert!(stopped_at < 5, "the restart came mid-mailing ({stopped_at} sent)");
    wait_until("the mailing to finish", || (finished_mailings(&app.db_path) == 1).then_some(())).await;

    let counts = per_recipient(&smtp.messages());
    assert_eq!(counts.len(), 5);
    assert!(counts.values().all(|n| *n == 1), "{counts:?}");
    assert_eq!(delivery_statuses(&app.db_path), vec![("sent".into(), 5)], "nothing left half-written");
}

/// The `fieldwork serve` binary on a database, killed when dropped.
struct Server(Child);

impl Server {
    fn start(db: &Path, port: u16, smtp: &SmtpServer) -> Server {
        let log = std::fs::File::create(db.with_extension("log")).expect("log");
        let child = Command::new(env!("CARGO_BIN_EXE_fieldwork"))
            .args(["--db", db.to_str().expect("utf-8"), "serve", "--bind", &format!("127.0.0.1:{port}")])
            .args(smtp.flags())
            .env_remove("FIELDWORK_LOG")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start fieldwork");
        Server(child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = fieldwork::db::open(db).expect("open db");
    conn.query_row(sql, [], |r| r.get(0)).expect("count")
}

#[tokio::test]
async fn a_crash_in_the_middle_of_a_send_leaves_a_failure_to_retry_and_never_a_second_message() {
    // The SMTP server stores each message, then takes a second to say so: a kill in that second
    // leaves a delivered message that fieldwork has not heard back about.
    let smtp = SmtpServer::start_on(free_port(), 1.0, &[]);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    fieldwork::db::migrate(&db).unwrap();
    let survey = {
        let conn = fieldwork::db::open(&db).unwrap();
        let (survey, _) = fieldwork::survey::import_toml(&conn, SMALL, None).unwrap();
        survey
    };
    for n in 0..4 {
        add_participant(&db, survey, &format!("p{n}@example.org"), "", "");
    }
    let conn = fieldwork::db::open(&db).unwrap();
    store::create_mailing(&conn, survey, Kind::Invitation, None).unwrap();
    let port = free_port();

    let mut server = Server::start(&db, port, &smtp);
    // Killed once the server holds a message (after at least one recorded as sent) but has not
    // answered for it yet.
    wait_until("a message stored by the server, not yet acknowledged", || {
        if let Ok(Some(status)) = server.0.try_wait() {
            let log = std::fs::read_to_string(db.with_extension("log")).unwrap_or_default();
            panic!("fieldwork exited with {status}: {log}");
        }
        let sent = count(&db, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'");
        let sending = count(&db, "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'");
        (sent >= 1 && sending == 1 && smtp.messages().len() as i64 == sent + 1).then_some(())
    })
    .await;
    server.0.kill().expect("SIGKILL");
    server.0.wait().expect("killed");
    let cut_off = count(&db, "SELECT participant_id FROM deliveries WHERE status = 'sending'");

    let _server = Server::start(&db, port, &smtp);
    wait_until("the mailing to finish", || (finished_mailings(&db) == 1).then_some(())).await;

    // The server had stored the cut-off message before the kill: everyone has exactly one.
    let counts = per_recipient(&smtp.messages());
    let everyone: Vec<_> = (0..4).map(|n| (format!("p{n}@example.org"), 1)).collect();
    assert_eq!(counts.into_iter().collect::<Vec<_>>(), everyone, "nobody twice, nobody forgotten");
    assert_eq!(delivery_statuses(&db), vec![("failed".into(), 1), ("sent".into(), 3)]);
    let cut = participant(&db, survey, cut_off);
    assert!(cut.mail_error.as_deref().is_some_and(|e| e.starts_with("interrupted")), "{cut:?}");
    let audited = count(&db, "SELECT COUNT(*) FROM audit_log WHERE action = 'mail.interrupted' AND actor = 'system'");
    assert_eq!(audited, 1);
}

#[tokio::test]
async fn a_name_with_a_line_break_fails_its_own_message_and_the_sender_goes_on_with_the_rest() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    // Stored before names were checked (or by hand): the sender must not trust them.
    let eve = add_participant(&app.db_path, survey, "eve@example.org", "Eve\r\nBcc: spy@example.net", "en");
    let nul = add_participant(&app.db_path, survey, "nul@example.org", "Nul\u{0}", "en");
    let ana = add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    send(&app, "invitation").await;
    let delivered = smtp.wait_for(1).await;
    wait_until("the mailing to finish", || (finished_mailings(&app.db_path) == 1).then_some(())).await;

    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].rcpt_tos, ["ana@example.org"]);
    assert_eq!(delivery_statuses(&app.db_path), vec![("failed".into(), 2), ("sent".into(), 1)], "none left sending");
    for (id, problem) in [(eve, "line break at character 4"), (nul, "control character (U+0000) at character 4")] {
        let failed = participant(&app.db_path, survey, id);
        assert_eq!(failed.status, "failed");
        let error = failed.mail_error.unwrap_or_default();
        assert!(error.contains("name") && error.contains(problem), "{error}");
    }
    assert_eq!(participant(&app.db_path, survey, ana).status, "invited");

    // The sender is still there for the next mailing.
    send(&app, "reminder").await;
    let all = smtp.wait_for(2).await;
    assert_eq!(all[1].rcpt_tos, ["ana@example.org"]);
}
