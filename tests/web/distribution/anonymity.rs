//! Anonymous surveys with personal links: the link prevents a second response, and nothing pairs a
//! participant with their response — not the database, the pages, the list of links or an export.

use std::collections::BTreeSet;
use std::io::Read as _;

use reqwest::StatusCode;

use super::{add_participant, open_anonymous_survey};
use crate::helpers::{TestApp, unescape};
use crate::respondent::Respondent;
use crate::surveys::{SMALL_SLUG, page};

/// Pretends that everything written today (while one respondent answered) was written `days`
/// ago, as if the server's clock had said so: every stored time a response or a participant got
/// while answering, in whatever form it was stored.
fn written_days_ago(app: &TestApp, days: i64) {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let stamped = [
        ("responses", &["started_at", "updated_at", "submitted_at", "consent_at"][..]),
        ("participants", &["started_at", "completed_at", "updated_at"][..]),
    ];
    for (table, columns) in stamped {
        for column in columns {
            conn.execute(
                &format!(
                    "UPDATE {table} SET {column} = date({column}, '-{days} days') || substr({column}, 11) \
                     WHERE {column} LIKE date('now') || '%'"
                ),
                [],
            )
            .unwrap();
        }
    }
}

/// Every value of every participant row, as text.
fn participant_values(app: &TestApp) -> Vec<Vec<String>> {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let mut stmt = conn.prepare("SELECT * FROM participants ORDER BY id").unwrap();
    let width = stmt.column_count();
    let rows = stmt.query_map([], |r| {
        (0..width)
            .map(|i| {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    rusqlite::types::ValueRef::Real(x) => x.to_string(),
                    rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    rusqlite::types::ValueRef::Blob(b) => format!("{b:?}"),
                })
            })
            .collect::<rusqlite::Result<Vec<String>>>()
    });
    rows.unwrap().collect::<Result<_, _>>().unwrap()
}

/// What a participant's row says about their progress: status, invited, started, completed and
/// last changed (everything but who they are).
type Progress = (String, Option<String>, Option<String>, Option<String>, String);

fn progress(app: &TestApp) -> Vec<Progress> {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let mut stmt = conn
        .prepare("SELECT status, invited_at, started_at, completed_at, updated_at FROM participants ORDER BY id")
        .unwrap();
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[tokio::test]
async fn three_responses_on_three_days_cannot_be_paired_with_their_participants() {
    let (app, survey_id) = open_anonymous_survey().await;
    let people = [("ana@example.org", "Hub"), ("bo@example.org", "Lab"), ("cy@example.org", "Coop")]
        .map(|(email, organisation)| add_participant(&app, survey_id, email, &[("organisation", organisation)]));
    // They were listed weeks before anyone answered.
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute(
        "UPDATE participants SET created_at = '2020-01-01T00:00:00Z', updated_at = '2020-01-01T00:00:00Z'",
        [],
    )
    .unwrap();

    // One responds the day before yesterday, one yesterday, one today.
    for (n, (_, token)) in people.iter().enumerate() {
        let browser = app.other_client();
        let mut respondent = Respondent::new(&browser, SMALL_SLUG);
        respondent.start_with(&format!("?t={token}")).await;
        respondent.next(0, &[("q.ROLE", "lead")]).await;
        let done = respondent.submit(1, &[("q.COMMENT", "Fine")]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
        written_days_ago(&app, 2 - n as i64);
    }
    let days: BTreeSet<String> = {
        let mut stmt =
            conn.prepare("SELECT substr(submitted_at, 1, 10) FROM responses WHERE status = 'complete'").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(days.len(), 3, "three responses on three days: {days:?}");
    let shows_a_day = |text: &str| days.iter().find(|day| text.contains(day.as_str())).cloned();

    // The database: the three participants' progress is the same, undated, and no response's day
    // is anywhere in their rows; no response names a participant.
    let progress = progress(&app);
    let completed =
        ("completed".to_string(), None, Some("undated".into()), Some("undated".into()), "2020-01-01T00:00:00Z".into());
    assert_eq!(progress, vec![completed.clone(), completed.clone(), completed], "only who they are differs");
    for row in participant_values(&app) {
        assert_eq!(row.iter().find_map(|value| shows_a_day(value)), None, "a participant row: {row:?}");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE participant_id IS NOT NULL"), 0);

    // The participants page, each participant's page and the list of links.
    let list = unescape(&page(&app, &format!("/surveys/{SMALL_SLUG}/participants")).await);
    assert_eq!(shows_a_day(&list), None, "{list}");
    for (id, _) in &people {
        let one = unescape(&page(&app, &format!("/surveys/{SMALL_SLUG}/participants/{id}")).await);
        assert_eq!(shows_a_day(&one), None, "{one}");
        assert!(one.contains("completed"), "{one}");
    }
    let links = app.get(&format!("/surveys/{SMALL_SLUG}/participants/links.csv")).await.text().await.unwrap();
    assert_eq!(shows_a_day(&links), None, "{links}");
    assert_eq!(links.lines().filter(|l| l.contains(",completed,")).count(), 3, "{links}");

    // The exports: the responses with their days, and nothing of the participants beside them.
    let codebook =
        fieldwork::codebook::model::from_toml("format = 1\nname = \"B\"\n[[codes]]\nid = \"GOOD\"\nname = \"Good\"\n")
            .unwrap();
    let book = fieldwork::codebook::import(&conn, survey_id, &codebook, "test", None).unwrap();
    let mut exports = Vec::new();
    for file in ["responses.csv".to_string(), format!("codings.csv?codebook={book}")] {
        let response = app.get(&format!("/surveys/{SMALL_SLUG}/export/{file}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{file}");
        exports.push((file, response.text().await.unwrap()));
    }
    let qdpx = app.get(&format!("/surveys/{SMALL_SLUG}/export/project.qdpx?codebook={book}")).await;
    assert_eq!(qdpx.status(), StatusCode::OK);
    let bytes = qdpx.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        exports.push((entry.name().unwrap().into_owned(), text));
    }
    assert!(exports.iter().any(|(_, text)| shows_a_day(text).is_some()), "the responses keep their days");
    for (file, text) in &exports {
        for (email, organisation) in [("ana@example.org", "Hub"), ("bo@example.org", "Lab"), ("cy@example.org", "Coop")]
        {
            assert!(!text.contains(email) && !text.contains(organisation), "{file} names a participant: {text}");
        }
        for (_, token) in &people {
            assert!(!text.contains(token.as_str()), "{file} holds a personal link");
        }
    }
}
