//! The delivery protocol on a real database: who a mailing goes to, skipping those who opted out,
//! and what a crash mid-send leaves (a failure to retry, never a second message).

use rusqlite::Connection;

use super::Kind;
use super::store::*;
use crate::distribute::links::LinkKey;
use crate::distribute::participants::{self, NewParticipant};

fn setup() -> (Connection, LinkKey, tempfile::TempDir) {
    crate::distribute::test_database()
}

fn add(conn: &Connection, key: &LinkKey, email: &str) -> i64 {
    participants::insert(conn, key, 1, &NewParticipant { email: email.into(), ..Default::default() }).unwrap()
}

fn set(conn: &Connection, id: i64, column: &str) {
    conn.execute(&format!("UPDATE participants SET {column} = '2026-01-01T00:00:00Z' WHERE id = ?1"), [id]).unwrap();
}

fn delivery_status(conn: &Connection, mailing: i64, participant: i64) -> Option<String> {
    conn.query_row(
        "SELECT status FROM deliveries WHERE mailing_id = ?1 AND participant_id = ?2",
        [mailing, participant],
        |r| r.get(0),
    )
    .ok()
}

/// Sends every pending delivery "successfully", as the worker would.
fn send_all(conn: &Connection) -> Vec<i64> {
    let mut sent = Vec::new();
    while let Some(next) = next_pending(conn).unwrap() {
        mark_sending(conn, &next).unwrap();
        mark_sent(conn, &next).unwrap();
        sent.push(next.participant_id);
    }
    sent
}

#[test]
fn invitations_go_once_to_those_not_invited_and_reminders_to_those_not_done() {
    let (conn, key, _dir) = setup();
    let fresh = add(&conn, &key, "fresh@example.org");
    let opted_out = add(&conn, &key, "out@example.org");
    set(&conn, opted_out, "opted_out_at");
    let started = add(&conn, &key, "started@example.org");
    set(&conn, started, "started_at");

    assert_eq!(recipient_count(&conn, 1, Kind::Invitation).unwrap(), 1);
    assert_eq!(recipient_count(&conn, 1, Kind::Reminder).unwrap(), 1, "only the one who began");
    let (mailing, count) = create_mailing(&conn, 1, Kind::Invitation, None).unwrap().unwrap();
    assert_eq!(count, 1);
    assert_eq!(create_mailing(&conn, 1, Kind::Invitation, None).unwrap(), None, "a second click queues nobody twice");
    assert_eq!(send_all(&conn), vec![fresh]);
    assert_eq!(delivery_status(&conn, mailing, fresh).as_deref(), Some("sent"));
    let p = participants::find(&conn, 1, fresh).unwrap().unwrap();
    assert_eq!(p.status, "invited");

    let completed = add(&conn, &key, "done@example.org");
    set(&conn, completed, "invited_at");
    set(&conn, completed, "completed_at");
    assert_eq!(recipient_count(&conn, 1, Kind::Reminder).unwrap(), 2, "the invited and the started");
    let (reminder, _) = create_mailing(&conn, 1, Kind::Reminder, None).unwrap().unwrap();
    assert_eq!(create_mailing(&conn, 1, Kind::Reminder, None).unwrap(), None, "none while one is waiting");
    assert_eq!(send_all(&conn), vec![fresh, started]);
    let p = participants::find(&conn, 1, fresh).unwrap().unwrap();
    assert_eq!((p.status.as_str(), p.reminders), ("reminded", 1));
    let finished: Option<String> =
        conn.query_row("SELECT finished_at FROM mailings WHERE id = ?1", [reminder], |r| r.get(0)).unwrap();
    assert!(finished.is_some());
    assert_eq!(recipient_count(&conn, 1, Kind::Reminder).unwrap(), 2, "reminders may be sent again");
}

#[test]
fn someone_who_opts_out_after_the_mailing_was_made_is_dropped_from_it() {
    let (conn, key, _dir) = setup();
    let a = add(&conn, &key, "a@example.org");
    let b = add(&conn, &key, "b@example.org");
    let (mailing, _) = create_mailing(&conn, 1, Kind::Invitation, None).unwrap().unwrap();
    set(&conn, a, "opted_out_at");

    assert_eq!(send_all(&conn), vec![b]);
    assert_eq!(delivery_status(&conn, mailing, a), None);
    let progress = &mailings(&conn, 1).unwrap()[0];
    assert_eq!((progress.sent, progress.failed, progress.remaining), (1, 0, 0));
    assert!(progress.finished_at.is_some());
}

#[test]
fn a_delivery_cut_off_mid_send_becomes_a_failure_to_retry_and_is_never_sent_again_on_its_own() {
    let (conn, key, _dir) = setup();
    let a = add(&conn, &key, "a@example.org");
    let b = add(&conn, &key, "b@example.org");
    let (mailing, _) = create_mailing(&conn, 1, Kind::Invitation, None).unwrap().unwrap();
    let next = next_pending(&conn).unwrap().unwrap();
    assert_eq!(next.participant_id, a);
    mark_sending(&conn, &next).unwrap();
    // The process dies here; at the next start:
    assert_eq!(fail_interrupted(&conn).unwrap(), vec![(mailing, 1, 1)]);

    assert_eq!(delivery_status(&conn, mailing, a).as_deref(), Some("failed"));
    let p = participants::find(&conn, 1, a).unwrap().unwrap();
    assert_eq!((p.status.as_str(), p.mail_error.as_deref()), ("failed", Some(INTERRUPTED)));
    assert_eq!(send_all(&conn), vec![b], "the interrupted one is not picked up again");
    let failures = failures(&conn, 1, 10).unwrap();
    assert_eq!((failures.len(), failures[0].error.as_str(), failures[0].attempts), (1, INTERRUPTED, 1));

    assert_eq!(retry_failed(&conn, 1, mailing).unwrap(), 1);
    assert_eq!(retry_failed(&conn, 2, mailing).unwrap(), 0, "only through its own survey");
    assert_eq!(send_all(&conn), vec![a]);
    let p = participants::find(&conn, 1, a).unwrap().unwrap();
    assert_eq!((p.status.as_str(), p.mail_error), ("invited", None));
    let attempts: i64 =
        conn.query_row("SELECT attempts FROM deliveries WHERE participant_id = ?1", [a], |r| r.get(0)).unwrap();
    assert_eq!(attempts, 2);
}

#[test]
fn a_failure_keeps_the_servers_message_on_the_delivery_and_the_participant() {
    let (conn, key, _dir) = setup();
    let a = add(&conn, &key, "a@example.org");
    create_mailing(&conn, 1, Kind::Invitation, None).unwrap();
    let next = next_pending(&conn).unwrap().unwrap();
    mark_sending(&conn, &next).unwrap();
    mark_failed(&conn, &next, "permanent error (550): no such user").unwrap();

    let p = participants::find(&conn, 1, a).unwrap().unwrap();
    assert_eq!(p.status, "failed");
    assert_eq!(failures(&conn, 1, 10).unwrap()[0].error, "permanent error (550): no such user");
    assert_eq!(recipient_count(&conn, 1, Kind::Invitation).unwrap(), 0, "retried from its mailing, not a new one");
}

#[test]
fn templates_are_saved_replaced_and_reset() {
    let (conn, _key, _dir) = setup();
    assert_eq!(template(&conn, 1, Kind::Reminder, "es").unwrap(), None);
    save_template(&conn, 1, Kind::Reminder, "es", "Hola", "{{ link }}").unwrap();
    save_template(&conn, 1, Kind::Reminder, "es", "Hola de nuevo", "{{ link }}").unwrap();
    assert_eq!(template(&conn, 1, Kind::Reminder, "es").unwrap().unwrap().subject, "Hola de nuevo");
    assert_eq!(customised(&conn, 1).unwrap(), vec![("reminder".to_string(), "es".to_string())]);
    assert!(delete_template(&conn, 1, Kind::Reminder, "es").unwrap());
    assert!(!delete_template(&conn, 1, Kind::Reminder, "es").unwrap());
}
