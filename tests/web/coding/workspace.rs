//! The coding workspace: "done with no code" is stored as such, blind mode hides other coders'
//! codes and memos until reconciliation opens, two coders at once lose nothing, and memos on an
//! answer, on a code and in the journal keep their author and time.

use std::collections::{BTreeMap, BTreeSet};

use fieldwork::accounts::Role;
use fieldwork::coding::layers::Layer;
use fieldwork::coding::store::layers::codes_by_unit;
use fieldwork::coding::units::Unit;
use reqwest::StatusCode;

use super::{Study, WHY, checkbox, visible_text, whole_codes};
use crate::helpers::{csrf_in, location};
use crate::surveys::page;

/// The status column of the queue: response id → "done", "started" or "not coded".
fn queue_status(html: &str) -> BTreeMap<i64, String> {
    html.split("<tr><td>")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row.split("</td>").map(visible_text).collect();
            (cells[0].trim_start_matches('#').parse().unwrap(), cells[2].clone())
        })
        .collect()
}

#[tokio::test]
async fn done_with_no_code_is_stored_as_such_and_differs_from_not_coded() {
    let study = Study::with_answers(&["Nothing to say.", "Still thinking.", "Runs on a laptop."]).await;
    let [none_apply, untouched, coded] = [study.responses[0], study.responses[1], study.responses[2]];

    let done = study.code(&study.app, none_apply, &[], "done").await;

    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let next_saying_what_was_saved = format!("{}?saved={none_apply}%2F{WHY}", study.unit(untouched));
    assert_eq!(location(&done), next_saying_what_was_saved, "on to the next answer not done");
    let marked = study.app.query_i64(&format!(
        "SELECT COUNT(*) FROM coding_done WHERE response_id = {none_apply} AND coder_id = {} AND question = '{WHY}'",
        study.researcher
    ));
    assert_eq!(marked, 1);
    assert_eq!(study.codings(), vec![], "no coding");
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM coding_done"), 1, "the others are not done");
    study.code_ok(&study.app, coded, &["MOT_ACCESS"], "save").await;
    let queue = queue_status(&page(&study.app, &format!("/codebooks/{}/code", study.codebook)).await);
    let expected = [(none_apply, "done"), (untouched, "not coded"), (coded, "started")];
    assert_eq!(queue, expected.iter().map(|(r, s)| (*r, s.to_string())).collect::<BTreeMap<_, _>>());
    assert!(page(&study.app, &study.unit(none_apply)).await.contains("You marked this answer done."));
    assert!(!page(&study.app, &study.unit(untouched)).await.contains("You marked this answer done."));

    // The coder's layer has the answer, with no code; the answer not looked at is not in it.
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let mine = codes_by_unit(&conn, study.codebook, Layer::Coder(study.researcher)).unwrap();
    let unit = |response: i64| Unit { response_id: response, question: WHY.into() };
    assert_eq!(mine.get(&unit(none_apply)), Some(&BTreeSet::new()));
    assert_eq!(mine.get(&unit(untouched)), None);

    // "Not done after all" takes the mark back.
    study.code_ok(&study.app, none_apply, &[], "undone").await;
    assert_eq!(study.app.query_i64(&format!("SELECT COUNT(*) FROM coding_done WHERE response_id = {none_apply}")), 0);
}

#[tokio::test]
async fn blind_mode_hides_other_coders_codes_and_memos_until_reconciliation_opens() {
    let study = Study::with_answers(&["Runs on a laptop, in Swahili."]).await;
    let response = study.responses[0];
    let (alice, alice_id) = study.person("alice@example.org", Role::Coder).await;
    let (bob, bob_id) = study.person("bob@example.org", Role::Coder).await;
    study.assign(&[alice_id, bob_id], "100", "2", "1").await;
    study.code_ok(&alice, response, &["MOT_ACCESS"], "done").await;
    assert_eq!(study.highlight(&alice, response, "MOT_ACCESS", "0", "16").await.status(), StatusCode::SEE_OTHER);
    let memo = alice.post_form(&format!("{}/memo", study.unit(response)), &[("body", "Alice thinks: access")]).await;
    assert_eq!(memo.status(), StatusCode::SEE_OTHER);

    let blind = page(&bob, &study.unit(response)).await;

    assert!(!blind.contains("alice@example.org"), "the other coder is not named");
    assert!(!blind.contains("Alice thinks"), "nor is her memo shown");
    assert!(!blind.contains("<mark"), "nor her passage");
    assert!(!blind.contains("Other coders"));
    assert_eq!(checkbox(&blind, "MOT_ACCESS"), Some(false), "her code is not ticked for him");
    assert!(visible_text(&blind).contains("Blind coding: other coders' codes and memos stay hidden"));

    study.set_modes(true, true).await;
    let open = page(&bob, &study.unit(response)).await;

    let text = visible_text(&open);
    assert!(text.contains("Other coders alice@example.org Democratising access"), "{text}");
    assert!(text.contains("Alice thinks: access") && text.contains("alice@example.org,"), "{text}");
    assert_eq!(checkbox(&open, "MOT_ACCESS"), Some(false), "still only his own codes are his");

    // Blind coding switched off shows them too, reconciliation closed or not.
    study.set_modes(false, false).await;
    assert!(page(&bob, &study.unit(response)).await.contains("Alice thinks: access"));
}

#[tokio::test]
async fn two_coders_coding_the_same_answers_at_once_lose_nothing() {
    let answers = ["One.", "Two.", "Three.", "Four.", "Five.", "Six."];
    let study = Study::with_answers(&answers).await;
    let (alice, alice_id) = study.person("alice@example.org", Role::Coder).await;
    let (bob, bob_id) = study.person("bob@example.org", Role::Coder).await;
    study.assign(&[alice_id, bob_id], "100", "2", "9").await;
    let alice_token = csrf_in(&page(&alice, "/").await).unwrap();
    let bob_token = csrf_in(&page(&bob, "/").await).unwrap();

    for (i, response) in study.responses.iter().enumerate() {
        let action = if i % 2 == 0 { "save" } else { "done" };
        let path = study.unit(*response);
        let alice_form =
            [("csrf_token", alice_token.as_str()), ("code", "MOT_ACCESS"), ("code", "BAR_PACE"), ("action", action)];
        let bob_form = [("csrf_token", bob_token.as_str()), ("code", "MOT_LANGUAGE"), ("action", action)];

        let (a, b) = tokio::join!(alice.post_raw(&path, &alice_form), bob.post_raw(&path, &bob_form));

        assert_eq!((a.status(), b.status()), (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER), "answer {i}");
    }

    let codings = study.codings();
    assert_eq!(codings.len(), 3 * answers.len());
    for response in &study.responses {
        assert_eq!(whole_codes(&codings, *response, alice_id), ["BAR_PACE", "MOT_ACCESS"]);
        assert_eq!(whole_codes(&codings, *response, bob_id), ["MOT_LANGUAGE"]);
    }
    let done = study.app.query_i64("SELECT COUNT(*) FROM coding_done");
    assert_eq!(done, 2 * 3, "both coders' done marks on the three answers sent with Done");
}

#[tokio::test]
async fn memos_on_an_answer_a_code_and_the_journal_keep_their_author_and_time_and_are_shown() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    let response = study.responses[0];
    let (alice, alice_id) = study.person("alice@example.org", Role::Coder).await;
    study.assign(&[alice_id], "0", "2", "3").await;
    let journal = format!("/codebooks/{}/journal", study.codebook);
    let started = time::OffsetDateTime::now_utc() - time::Duration::seconds(2);

    let posts = [
        alice.post_form(&format!("{}/memo", study.unit(response)), &[("body", "Laptop = <access>?")]).await,
        alice.post_form(&journal, &[("code", "MOT_ACCESS"), ("body", "Access includes cheap hardware.")]).await,
        study.app.post_form(&journal, &[("body", "Week 1: codebook piloted.")]).await,
        alice.post_form(&journal, &[("body", "   ")]).await,
    ];

    assert!(posts.iter().all(|p| p.status() == StatusCode::SEE_OTHER));
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let mut stmt = conn
        .prepare("SELECT kind, response_id, question, code_key, author_id, body, created_at FROM memos ORDER BY id")
        .unwrap();
    type Row = (String, Option<i64>, Option<String>, Option<String>, i64, String, String);
    let rows: Vec<Row> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let without_time: Vec<_> =
        rows.iter().map(|r| (r.0.as_str(), r.1, r.2.as_deref(), r.3.as_deref(), r.4, r.5.as_str())).collect();
    assert_eq!(
        without_time,
        vec![
            ("answer", Some(response), Some(WHY), None, alice_id, "Laptop = <access>?"),
            ("code", None, None, Some("MOT_ACCESS"), alice_id, "Access includes cheap hardware."),
            ("journal", None, None, None, study.researcher, "Week 1: codebook piloted."),
        ],
        "the empty memo is not stored"
    );
    for row in &rows {
        let at = time::OffsetDateTime::parse(&row.6, &time::format_description::well_known::Rfc3339).expect("RFC 3339");
        assert!(at >= started && at <= time::OffsetDateTime::now_utc(), "{}", row.6);
    }

    // Shown in the reader's zone (UTC unless they chose one), as every page shows a time.
    let shown = |at: &str| fieldwork::web::time_zone::display(at, "UTC");
    assert!(shown(&rows[0].6).ends_with(" UTC"), "{}", shown(&rows[0].6));
    let answer_page = page(&alice, &study.unit(response)).await;
    assert!(answer_page.contains("Laptop = &lt;access&gt;?"), "shown, escaped");
    assert!(visible_text(&answer_page).contains(&format!("alice@example.org, {}", shown(&rows[0].6))));
    let journal_page = visible_text(&page(&alice, &journal).await);
    assert!(
        journal_page
            .contains(&format!("MOT_ACCESS Access includes cheap hardware. alice@example.org, {}", shown(&rows[1].6)))
    );
    assert!(journal_page.contains(&format!("Week 1: codebook piloted. {}, {}", super::RESEARCHER, shown(&rows[2].6))));
}

#[tokio::test]
async fn the_closed_answers_are_folded_beside_the_answer_and_a_codebook_setting_hides_them() {
    let study = Study::with_answers(&[]).await;
    let response = study.add_response(&[(WHY, "Runs on a laptop."), ("ROLE", "lead"), ("YEARS", "4")]);
    let modes = format!("/codebooks/{}/modes", study.codebook);

    let shown = page(&study.app, &study.unit(response)).await;
    let folded = shown.split("<details class=\"respondent-context\"").nth(1).expect("the closed answers, in a fold");
    assert!(folded.starts_with(" id=\"respondent-context\">"), "closed by default: {}", &folded[..60]);
    assert!(visible_text(folded).contains("Project lead or principal investigator"));

    let off = study.app.post_form(&modes, &[("blind", "on")]).await;
    assert_eq!(off.status(), StatusCode::SEE_OTHER);
    let hidden = page(&study.app, &study.unit(response)).await;
    assert!(!hidden.contains("respondent-context") && !hidden.contains("Project lead"), "hidden for the codebook");
    let stored =
        study.app.query_i64(&format!("SELECT coders_see_closed_answers FROM codebooks WHERE id = {}", study.codebook));
    assert_eq!(stored, 0, "stored plainly on the codebook");
    let on = study.app.post_form(&modes, &[("blind", "on"), ("coders_see_closed_answers", "on")]).await;
    assert_eq!(on.status(), StatusCode::SEE_OTHER);
    assert!(page(&study.app, &study.unit(response)).await.contains("respondent-context"));
}

#[tokio::test]
async fn an_answer_page_names_the_codes_and_the_definitions_are_one_page_per_version_kept_by_the_browser() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    let file = fieldwork::codebook::model::from_toml(super::CODEBOOK).unwrap();
    let long: String = file.entry("MOT_ACCESS").unwrap().definition.chars().take(40).collect();
    let definitions = format!("/codebooks/{}/definitions/1", study.codebook);

    let answer = page(&study.app, &study.unit(study.responses[0])).await;
    let served = study.app.get(&definitions).await;

    assert!(!crate::surveys::unescape(&answer).contains(&long), "no definition inlined in the answer's page");
    assert!(answer.contains(&format!("{}#def-MOT_ACCESS", definitions.replace('/', "&#x2f;"))), "a link to it");
    assert_eq!(served.status(), StatusCode::OK);
    let cache = served.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    assert_eq!(cache, "private, max-age=31536000, immutable");
    let html = served.text().await.unwrap();
    assert!(html.contains("id=\"def-MOT_ACCESS\"") && crate::surveys::unescape(&html).contains(&long));
    let near_miss = &file.entry("MOT_ACCESS").unwrap().near_miss;
    assert!(
        crate::surveys::unescape(&html).contains(&format!("<em>Near miss:</em> {near_miss}")),
        "the near miss is shown too"
    );
    // And on the code's own page in the codebook, where it is edited.
    let code_page = page(&study.app, &format!("/codebooks/{}/codes/MOT_ACCESS", study.codebook)).await;
    assert!(crate::surveys::unescape(&code_page).contains(near_miss.as_str()), "{code_page}");
    assert!(!html.contains("csrf_token"), "nothing of the session in a page kept for good");
    for unpublished in [0, 2] {
        let path = format!("/codebooks/{}/definitions/{unpublished}", study.codebook);
        assert_eq!(study.app.get(&path).await.status(), StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_queues_back_link_leads_a_coder_to_a_page_they_may_see() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    let (ana, ana_id) = study.person("ana@example.org", Role::Coder).await;
    study.assign(&[ana_id], "0", "2", "1").await;
    let queue = format!("/codebooks/{}/code", study.codebook);
    let back = |html: &str| {
        let link = html.split("<p><a href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
        crate::surveys::unescape(&link)
    };

    let theirs = back(&page(&ana, &queue).await);
    let researchers = back(&page(&study.app, &queue).await);

    assert_eq!(theirs, "/");
    assert_eq!(ana.get(&theirs).await.status(), StatusCode::OK, "their dashboard, with this codebook on it");
    assert_eq!(researchers, format!("/codebooks/{}", study.codebook));
    assert_eq!(ana.get(&researchers).await.status(), StatusCode::FORBIDDEN, "where the coder's link no longer goes");
}
