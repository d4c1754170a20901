//! A coder's queue by key: the counts the triggers of migration 0011 keep equal what counting
//! would find after any sequence of changes (assignments, done marks, trash, restore, erasure),
//! and migration 0011 applied again recomputes them and changes nothing more; the queue page is
//! paged, each answer on exactly one page; moving from answer to answer crosses responses and
//! "next not done" wraps round to the start.

use std::collections::BTreeSet;

use fieldwork::accounts::Role;
use rand::{Rng, SeedableRng};
use rusqlite::{Connection, params};

use super::{Study, WHY, visible_text};
use crate::helpers::location;
use crate::surveys::page;

/// (codebook, coder, question) → (assigned, done), as counting finds them, and as kept.
type Counts = BTreeSet<(i64, i64, String, i64, i64)>;

fn counted(conn: &Connection) -> Counts {
    let sql = "SELECT a.codebook_id, a.coder_id, a.question, COUNT(*), SUM(EXISTS (SELECT 1 FROM coding_done d \
               WHERE d.codebook_id = a.codebook_id AND d.response_id = a.response_id AND d.question = a.question \
               AND d.coder_id = a.coder_id)) FROM assignments a JOIN live_responses r ON r.id = a.response_id GROUP BY 1, 2, 3";
    rows(conn, sql)
}

fn kept(conn: &Connection) -> Counts {
    rows(
        conn,
        "SELECT codebook_id, coder_id, question, assigned, done FROM coding_counts WHERE assigned != 0 OR done != 0",
    )
}

fn rows(conn: &Connection, sql: &str) -> Counts {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Assignments whose done flag differs from the coder's done mark.
fn wrong_flags(conn: &Connection) -> i64 {
    conn.query_row(
        "SELECT COUNT(*) FROM assignments a WHERE done != EXISTS (SELECT 1 FROM coding_done d WHERE d.codebook_id = \
         a.codebook_id AND d.response_id = a.response_id AND d.question = a.question AND d.coder_id = a.coder_id)",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test]
async fn the_counts_kept_by_key_equal_what_counting_finds_after_any_changes_and_migration_11_again_changes_nothing() {
    let study = Study::with_answers(&["one", "two", "three", "four", "five", "six"]).await;
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    let (_, ben) = study.person("ben@example.org", Role::Coder).await;
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    conn.execute(
        "INSERT INTO assignment_runs (codebook_id, coders, double_share, coders_per_double, seed, created_at) \
         VALUES (?1, '[]', 0, 2, 1, 't')",
        [study.codebook],
    )
    .unwrap();
    let run = conn.last_insert_rowid();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let unit = |rng: &mut rand::rngs::StdRng| {
        let response = study.responses[rng.random_range(0..study.responses.len())];
        let question = if rng.random_bool(0.5) { WHY } else { "OPEN_NEEDS" };
        let coder = if rng.random_bool(0.5) { ana } else { ben };
        (response, question, coder)
    };

    for step in 0..1500 {
        let (response, question, coder) = unit(&mut rng);
        let key = params![study.codebook, response, question, coder];
        let change = match rng.random_range(0..7) {
            0 => {
                "INSERT OR IGNORE INTO assignments (codebook_id, response_id, question, coder_id, run_id) VALUES (?1, ?2, ?3, ?4, ?5)"
            }
            1 => {
                "INSERT INTO assignments (codebook_id, response_id, question, coder_id, run_id) VALUES (?1, ?2, ?3, ?4, ?5) \
                  ON CONFLICT (codebook_id, response_id, question, coder_id) DO UPDATE SET run_id = excluded.run_id"
            }
            2 => {
                "DELETE FROM assignments WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4"
            }
            3 => {
                "INSERT OR IGNORE INTO coding_done (codebook_id, response_id, question, coder_id, done_at) VALUES (?1, ?2, ?3, ?4, 't')"
            }
            4 => {
                "DELETE FROM coding_done WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4"
            }
            5 => "UPDATE responses SET deleted_at = CASE WHEN deleted_at IS NULL THEN 't' END WHERE id = ?2",
            _ => "",
        };
        match change {
            "" if rng.random_bool(0.2) => {
                // Erased (and made again, as a respondent would answer anew).
                conn.execute("DELETE FROM responses WHERE id = ?1", [response]).unwrap();
                conn.execute(
                    "INSERT INTO responses (id, survey_id, resume_hash, status, survey_version, language, started_at, \
                     updated_at) VALUES (?1, ?2, randomblob(32), 'complete', 1, 'en', 't', 't')",
                    params![response, study.survey],
                )
                .unwrap();
            }
            "" => {}
            sql if sql.contains("?5") => {
                conn.execute(sql, params![study.codebook, response, question, coder, run]).unwrap();
            }
            sql if sql.contains("?4") => {
                conn.execute(sql, key).unwrap();
            }
            sql => {
                conn.execute(sql, params![study.codebook, response]).unwrap();
            }
        }
        assert_eq!(kept(&conn), counted(&conn), "after step {step}: {change}");
        assert_eq!(wrong_flags(&conn), 0, "after step {step}: {change}");
    }
    assert!(counted(&conn).len() >= 4, "the steps made assignments: {:?}", counted(&conn));

    // Migration 11 applied again, over counts gone wrong: it counts afresh, and again changes nothing.
    conn.execute("UPDATE coding_counts SET assigned = assigned + 5", []).unwrap();
    for _ in 0..2 {
        conn.execute("DELETE FROM schema_migrations WHERE version >= 11", []).unwrap();
        conn.pragma_update(None, "user_version", 10).unwrap();
        fieldwork::db::migrate(&study.app.db_path).unwrap();
        assert_eq!(kept(&conn), counted(&conn));
        assert_eq!(wrong_flags(&conn), 0);
    }
}

/// A study of `n` responses answering OPEN_WHY (every third OPEN_NEEDS too), all given to Ana.
async fn many(n: usize) -> (Study, crate::helpers::TestApp) {
    let study = Study::with_answers(&[]).await;
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let mut responses = Vec::new();
    for i in 0..n {
        conn.execute(
            "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
             VALUES (?1, randomblob(32), 'complete', 1, 'en', 't', 't')",
            [study.survey],
        )
        .unwrap();
        let response = conn.last_insert_rowid();
        conn.execute("INSERT INTO answers VALUES (?1, ?2, '', ?3)", params![response, WHY, format!("Why {i}")])
            .unwrap();
        if i % 3 == 0 {
            conn.execute(
                "INSERT INTO answers VALUES (?1, 'OPEN_NEEDS', '', ?2)",
                params![response, format!("Needs {i}")],
            )
            .unwrap();
        }
        responses.push(response);
    }
    let study = Study { responses, ..study };
    let (ana, ana_id) = study.person("ana@example.org", Role::Coder).await;
    study.assign(&[ana_id], "0", "2", "1").await;
    (study, ana)
}

/// The answers listed on a queue page, and its links to the pages before and after.
fn listed(html: &str) -> (Vec<(i64, String)>, Option<String>, Option<String>) {
    let rows = html
        .split("<tr><td><a href=\"")
        .skip(1)
        .map(|row| {
            let path = row.split('"').next().unwrap();
            let parts: Vec<&str> = path.split('/').collect();
            (parts[4].parse().unwrap(), parts[5].to_string())
        })
        .collect();
    let link = |rel: &str| {
        let marker = format!("\" rel=\"{rel}\"");
        html.split(&marker)
            .next()
            .filter(|before| before.len() < html.len())
            .map(|before| crate::surveys::unescape(before.rsplit("href=\"").next().unwrap()))
    };
    (rows, link("prev"), link("next"))
}

#[tokio::test]
async fn the_queue_is_paged_with_every_answer_on_exactly_one_page() {
    let (study, ana) = many(230).await;
    let total = 230 + 77;
    let queue = format!("/codebooks/{}/code", study.codebook);

    let first = page(&ana, &queue).await;
    assert!(visible_text(&first).contains(&format!("0 of {total} answers done.")), "{}", visible_text(&first));
    let (mut seen, previous, mut next) = listed(&first);
    assert!(previous.is_none(), "nothing before the first page");
    assert!((95..=101).contains(&seen.len()), "about a hundred answers a page: {}", seen.len());
    let mut pages = vec![queue.clone()];
    while let Some(path) = next {
        let html = page(&ana, &path).await;
        let (rows, previous, following) = listed(&html);
        assert_eq!(previous.as_deref().map(|p| p.contains("before=")), Some(true), "{path}: a link back");
        seen.extend(rows);
        pages.push(path);
        next = following;
    }
    assert_eq!(pages.len(), 4, "{pages:?}");
    let unique: BTreeSet<_> = seen.iter().cloned().collect();
    assert_eq!((seen.len(), unique.len()), (total, total), "each answer once");
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0), "in response order");
    let in_survey_order = seen.windows(2).all(|w| w[0].0 != w[1].0 || (w[0].1 == WHY && w[1].1 == "OPEN_NEEDS"));
    assert!(in_survey_order, "within a response, in the survey's order");

    // The last page's link back leads to the page before it.
    let last = page(&ana, pages.last().unwrap()).await;
    let back = listed(&last).1.unwrap();
    assert_eq!(listed(&page(&ana, &back).await).0, listed(&page(&ana, &pages[2]).await).0);
}

#[tokio::test]
async fn moving_from_answer_to_answer_crosses_responses_and_next_not_done_wraps_round() {
    let (study, ana) = many(7).await;
    let [r0, r1, r2] = [study.responses[0], study.responses[1], study.responses[2]];
    let needs = |response: i64| study.unit_of(response, "OPEN_NEEDS");

    // The first response has two answers: OPEN_WHY, then OPEN_NEEDS; then the next response.
    let html = page(&ana, &study.unit(r0)).await;
    assert!(html.contains("id=\"next-link\""), "a next answer");
    let next = |html: &str, id: &str| {
        let at = html.find(&format!("id=\"{id}\""))?;
        let href = html[..at].rsplit("href=\"").next()?.split('"').next()?;
        Some(crate::surveys::unescape(href))
    };
    assert_eq!(next(&html, "next-link"), Some(needs(r0)));
    assert_eq!(next(&page(&ana, &needs(r0)).await, "next-link"), Some(study.unit(r1)));
    assert_eq!(next(&page(&ana, &study.unit(r1)).await, "prev-link"), Some(needs(r0)), "back across responses");

    // Done with everything but the first answer: from the last, "next not done" wraps to it.
    for response in &study.responses {
        for question in [WHY, "OPEN_NEEDS"] {
            let unit = study.unit_of(*response, question);
            if (*response, question) != (r0, WHY) && ana.get(&unit).await.status() == 200 {
                assert_eq!(ana.post_form(&unit, &[("action", "done")]).await.status(), 303);
            }
        }
    }
    let last = study.unit(*study.responses.last().unwrap());
    assert_eq!(next(&page(&ana, &last).await, "uncoded-link"), Some(study.unit(r0)), "wraps round");
    let done = ana.post_form(&study.unit(r0), &[("action", "done")]).await;
    assert_eq!(location(&done), format!("/codebooks/{}/code", study.codebook), "all done: the queue");
    let queue = visible_text(&page(&ana, &location(&done)).await);
    assert!(queue.contains("10 of 10 answers done.") && queue.contains("All done."), "{queue}");
    assert!(ana.get(&study.unit_of(r2, "OPEN_NEEDS")).await.status() == 404, "r2 has no OPEN_NEEDS answer");
}
