//! Sharing answers out: the draw is reproducible from its seed, the chosen share is double-coded,
//! a coder sees only their queue, and progress counts what is done. Who may do what: coders get
//! 403 on the researcher's codebook screens and 404 on codebooks they were given nothing in.

use std::collections::{BTreeMap, BTreeSet};

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use super::{Study, visible_text};
use crate::surveys::page;

type Assignment = (i64, String, i64);
/// What is refused, the coders, question, share, coders per double, seed, and the message.
type Settings<'a> = (&'a str, &'a [i64], &'a str, &'a str, &'a str, &'a str, &'a str);

/// Every assignment of the codebook: (response, question, coder), sorted.
fn assignments(study: &Study) -> Vec<Assignment> {
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let mut stmt = conn
        .prepare("SELECT response_id, question, coder_id FROM assignments WHERE codebook_id = ?1 ORDER BY 1, 2, 3")
        .unwrap();
    stmt.query_map([study.codebook], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Ten responses answering two open questions: twenty answers to share out.
async fn twenty_answers() -> Study {
    let study = Study::with_answers(&[]).await;
    let mut responses = Vec::new();
    for i in 0..10 {
        let why = format!("Reason number {i}.");
        let needs = format!("Needs of group {i}.");
        responses.push(study.add_response(&[
            ("OPEN_WHY", why.as_str()),
            ("OPEN_NEEDS", needs.as_str()),
            ("ROLE", "lead"),
        ]));
    }
    Study { responses, ..study }
}

#[tokio::test]
async fn the_same_seed_draws_the_same_assignment_and_the_chosen_share_is_double_coded() {
    let study = twenty_answers().await;
    let mut coders = Vec::new();
    for name in ["ana", "ben", "cai"] {
        coders.push(study.person(&format!("{name}@example.org"), Role::Coder).await.1);
    }

    study.assign(&coders, "20", "2", "42").await;
    let first = assignments(&study);
    study.assign(&coders, "20", "2", "42").await;
    let again = assignments(&study);
    study.assign(&coders, "20", "2", "43").await;
    let other_seed = assignments(&study);

    assert_eq!(first, again, "reproducible from the seed");
    assert_ne!(first, other_seed, "another seed, another draw");
    let mut per_unit: BTreeMap<(i64, String), BTreeSet<i64>> = BTreeMap::new();
    for (response, question, coder) in &first {
        per_unit.entry((*response, question.clone())).or_default().insert(*coder);
    }
    assert_eq!(per_unit.len(), 20, "every answer is given out");
    assert_eq!(per_unit.values().filter(|c| c.len() == 2).count(), 4, "20% of 20 double-coded");
    assert!(per_unit.values().all(|c| c.len() <= 2));
    let loads: Vec<usize> = coders.iter().map(|id| first.iter().filter(|a| a.2 == *id).count()).collect();
    assert_eq!(loads.iter().sum::<usize>(), 24);
    assert!(loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1, "even loads: {loads:?}");
    let seeds = study.app.query_i64(
        "SELECT CAST(group_concat(seed, '') AS INTEGER) FROM (SELECT seed FROM assignment_runs ORDER BY id)",
    );
    assert_eq!(seeds, 424243, "each draw is recorded with its seed");
}

#[tokio::test]
async fn bad_assignment_settings_are_refused_and_change_nothing() {
    let study = twenty_answers().await;
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    let (_, ben) = study.person("ben@example.org", Role::Coder).await;
    study.assign(&[ana, ben], "20", "2", "1").await;
    let before = assignments(&study);
    let cases: [Settings; 6] = [
        ("no coder", &[], "", "20", "2", "5", "Choose at least one coder."),
        ("share over 100", &[ana, ben], "", "150", "2", "5", "percentage from 0 to 100"),
        ("one coder per double", &[ana, ben], "", "20", "1", "5", "at least two coders"),
        ("more coders than chosen", &[ana, ben], "", "20", "3", "5", "no more than you chose"),
        ("seed not a number", &[ana, ben], "", "20", "2", "soon", "The seed is a whole number"),
        ("not an open question", &[ana, ben], "ROLE", "20", "2", "5", "one of the survey's open questions"),
    ];

    for (what, coders, question, share, per, seed, message) in cases {
        let refused = study.try_assign(coders, question, share, per, seed).await;

        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        assert!(visible_text(&refused.text().await.unwrap()).contains(message), "{what}");
        assert_eq!(assignments(&study), before, "{what}");
    }
}

#[tokio::test]
async fn a_coder_sees_only_their_queue_and_progress_counts_done_of_assigned() {
    let study = twenty_answers().await;
    let (ana, ana_id) = study.person("ana@example.org", Role::Coder).await;
    let (_, ben_id) = study.person("ben@example.org", Role::Coder).await;
    study.assign(&[ana_id, ben_id], "0", "2", "11").await;
    let all = assignments(&study);
    let (mine, theirs): (Vec<_>, Vec<_>) = all.iter().partition(|a| a.2 == ana_id);
    let queue_path = format!("/codebooks/{}/code", study.codebook);

    let queue = page(&ana, &queue_path).await;

    for (response, question, _) in &mine {
        assert!(queue.contains(&format!("{}\"", study.unit_of(*response, question))), "{response} {question}");
    }
    for (response, question, _) in &theirs {
        assert!(!queue.contains(&format!("{}\"", study.unit_of(*response, question))), "{response} {question}");
        let path = study.unit_of(*response, question);
        assert_eq!(ana.get(&path).await.status(), StatusCode::NOT_FOUND, "not hers: {path}");
        let post = ana.post_form(&path, &[("code", "MOT_ACCESS"), ("action", "done")]).await;
        assert_eq!(post.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(study.codings(), vec![], "nothing stored through the refused posts");

    for (response, question, _) in mine.iter().take(3) {
        let path = study.unit_of(*response, question);
        assert_eq!(ana.post_form(&path, &[("action", "done")]).await.status(), StatusCode::SEE_OTHER);
    }
    let progress = visible_text(&page(&study.app, &format!("/codebooks/{}/assign", study.codebook)).await);
    assert!(progress.contains(&format!("ana@example.org 3 {}", mine.len())), "{progress}");
    assert!(progress.contains(&format!("ben@example.org 0 {}", theirs.len())), "{progress}");
    let shown = visible_text(&page(&ana, &queue_path).await);
    assert!(shown.contains(&format!("3 of {} answers done.", mine.len())), "{shown}");
}

#[tokio::test]
async fn coders_are_refused_the_researchers_codebook_screens() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    let (coder, coder_id) = study.person("cai@example.org", Role::Coder).await;
    study.assign(&[coder_id], "0", "2", "1").await;
    let id = study.codebook;
    let slug = crate::surveys::SHIPPED_SLUG;
    let gets = [
        format!("/surveys/{slug}/codebooks"),
        format!("/codebooks/{id}"),
        format!("/codebooks/{id}/history"),
        format!("/codebooks/{id}/draft"),
        format!("/codebooks/{id}/codes/MOT_ACCESS"),
        format!("/codebooks/{id}/review"),
        format!("/codebooks/{id}/export?format=toml"),
        format!("/codebooks/{id}/assign"),
        format!("/codebooks/{id}/reconcile"),
        format!("/codebooks/{id}/reconcile/{}/OPEN_WHY", study.responses[0]),
    ];
    let posts: [(String, &[(&str, &str)]); 9] = [
        (format!("/surveys/{slug}/codebooks"), &[("name", "Mine")]),
        (format!("/codebooks/{id}/publish"), &[]),
        (format!("/codebooks/{id}/modes"), &[("reconciliation_open", "on")]),
        (format!("/codebooks/{id}/codes/MOT_ACCESS"), &[("revision", "1"), ("name", "Taken over")]),
        (format!("/codebooks/{id}/codes"), &[("revision", "1"), ("id", "NEW"), ("name", "New")]),
        (format!("/codebooks/{id}/merge"), &[("revision", "1"), ("from", "MOT_ACCESS"), ("into", "MOT_LANGUAGE")]),
        (
            format!("/codebooks/{id}/assign"),
            &[("coder", "1"), ("double_percent", "0"), ("coders_per_double", "2"), ("seed", "1")],
        ),
        (format!("/codebooks/{id}/reconcile/{}/OPEN_WHY", study.responses[0]), &[("code", "MOT_ACCESS")]),
        (format!("/codebooks/{id}/review"), &[]),
    ];
    let state = || {
        let q = |sql: &str| study.app.query_i64(sql);
        (
            q("SELECT COUNT(*) FROM codebooks"),
            q("SELECT published_version + blind + reconciliation_open + draft_revision FROM codebooks"),
            q("SELECT COUNT(*) FROM assignments"),
            q("SELECT COUNT(*) FROM codings"),
        )
    };
    let before = state();

    for path in &gets {
        assert_eq!(coder.get(path).await.status(), StatusCode::FORBIDDEN, "GET {path}");
    }
    for (path, form) in &posts {
        assert_eq!(coder.post_form(path, form).await.status(), StatusCode::FORBIDDEN, "POST {path}");
    }

    assert_eq!(state(), before, "nothing changed");
    assert_eq!(coder.get(&format!("/codebooks/{id}/code")).await.status(), StatusCode::OK, "coding is theirs");
}

#[tokio::test]
async fn a_coder_gets_404_on_every_coding_page_of_a_codebook_they_were_not_given_answers_in() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    let (coder, coder_id) = study.person("cai@example.org", Role::Coder).await;
    study.assign(&[coder_id], "0", "2", "1").await;
    let other = study.another_codebook();
    let unit = format!("/codebooks/{other}/code/{}/OPEN_WHY", study.responses[0]);
    let gets = [format!("/codebooks/{other}/code"), unit.clone(), format!("/codebooks/{other}/journal")];
    let posts: [(String, &[(&str, &str)]); 4] = [
        (unit.clone(), &[("code", "MOT_ACCESS"), ("action", "done")]),
        (format!("{unit}/span"), &[("code", "MOT_ACCESS"), ("start", "0"), ("end", "4")]),
        (format!("{unit}/memo"), &[("body", "Sneaky")]),
        (format!("/codebooks/{other}/journal"), &[("body", "Sneaky")]),
    ];

    for path in &gets {
        assert_eq!(coder.get(path).await.status(), StatusCode::NOT_FOUND, "GET {path}");
    }
    for (path, form) in &posts {
        assert_eq!(coder.post_form(path, form).await.status(), StatusCode::NOT_FOUND, "POST {path}");
    }

    let stored = |table: &str| study.app.query_i64(&format!("SELECT COUNT(*) FROM {table}"));
    assert_eq!((stored("codings"), stored("coding_done"), stored("memos")), (0, 0, 0));
    assert_eq!(coder.get(&study.unit(study.responses[0])).await.status(), StatusCode::OK, "the assigned one opens");
}

#[tokio::test]
async fn the_form_ticks_the_questions_the_codebook_names_and_a_short_identifying_question_is_not_coded() {
    let study = Study::with_answers(&[]).await;
    for i in 0..4 {
        let (why, project) = (format!("Reason {i}."), format!("Project {i}"));
        study.add_response(&[("OPEN_WHY", why.as_str()), ("PROJECT", project.as_str())]);
    }
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    let form = page(&study.app, &format!("/codebooks/{}/assign", study.codebook)).await;
    let ticked = |code: &str| {
        let at = form.find(&format!("id=\"question-{code}\"")).unwrap_or_else(|| panic!("{code} offered"));
        form[at..at + form[at..].find('>').unwrap()].contains(" checked")
    };
    assert!(ticked("OPEN_WHY") && ticked("OPEN_FINAL"), "the open questions the codebook names");
    assert!(!ticked("PROJECT"), "the project's name is offered, not ticked");

    // Before anyone is assigned, the researcher's queue holds the codebook's questions only.
    let queue = page(&study.app, &format!("/codebooks/{}/code", study.codebook)).await;
    assert!(queue.contains("OPEN_WHY") && !queue.contains("<code>PROJECT</code>"), "{}", visible_text(&queue));

    study.assign(&[ana], "0", "2", "4").await;
    let questions: BTreeSet<String> = assignments(&study).into_iter().map(|a| a.1).collect();
    assert_eq!(questions, BTreeSet::from(["OPEN_WHY".to_string()]), "PROJECT is answered but not given out");

    // Ticked on purpose, it is coded.
    let with_project = study.try_assign(&[ana], "PROJECT", "0", "2", "4").await;
    assert_eq!(with_project.status(), StatusCode::SEE_OTHER);
    let questions: BTreeSet<String> = assignments(&study).into_iter().map(|a| a.1).collect();
    assert_eq!(questions, BTreeSet::from(["OPEN_WHY".to_string(), "PROJECT".to_string()]));
}

#[tokio::test]
async fn assigning_again_replaces_the_earlier_assignment_of_the_same_questions_only_and_runs_are_written_whole() {
    let study = twenty_answers().await;
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    let (_, ben) = study.person("ben@example.org", Role::Coder).await;
    let by_coder = |study: &Study| {
        let mut counts: BTreeMap<(String, i64), usize> = BTreeMap::new();
        for (_, question, coder) in assignments(study) {
            *counts.entry((question, coder)).or_default() += 1;
        }
        counts
    };

    assert_eq!(study.try_assign(&[ana], "OPEN_WHY", "0", "2", "1").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(study.try_assign(&[ben], "OPEN_NEEDS", "0", "2", "1").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(study.try_assign(&[ben], "OPEN_WHY", "0", "2", "1").await.status(), StatusCode::SEE_OTHER);

    let expected = BTreeMap::from([(("OPEN_NEEDS".to_string(), ben), 10), (("OPEN_WHY".to_string(), ben), 10)]);
    assert_eq!(by_coder(&study), expected, "Ana's OPEN_WHY went to Ben; Ben's OPEN_NEEDS stayed");
    let unfinished =
        study.app.query_i64("SELECT COUNT(*) FROM assignment_runs WHERE finished_at IS NULL OR written != total");
    assert_eq!(unfinished, 0, "every run written whole");
    let progress = visible_text(&page(&study.app, &format!("/codebooks/{}/assign", study.codebook)).await);
    assert!(progress.contains("ben@example.org 0 20") && !progress.contains("ana@example.org 0"), "{progress}");
}

#[tokio::test]
async fn a_run_a_stopped_server_left_unfinished_says_so_on_the_assignment_page() {
    let study = twenty_answers().await;
    let (_, ana) = study.person("ana@example.org", Role::Coder).await;
    study.assign(&[ana], "0", "2", "1").await;
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    conn.execute(
        "UPDATE assignment_runs SET finished_at = NULL, written = 7, total = 20, created_at = '2026-07-15T07:00:00Z'",
        [],
    )
    .unwrap();

    let shown = visible_text(&page(&study.app, &format!("/codebooks/{}/assign", study.codebook)).await);

    assert!(
        shown.contains(
            "The assignment begun 15 Jul 2026, 07:00 UTC was interrupted (7 of 20 answers written) when the server stopped: assign again"
        ),
        "in the reader's zone: {shown}"
    );
    assert!(shown.contains("15 Jul 2026, 07:00 UTC (not finished)"), "{shown}");
    study.assign(&[ana], "0", "2", "1").await;
    let shown = visible_text(&page(&study.app, &format!("/codebooks/{}/assign", study.codebook)).await);
    assert!(!shown.contains("interrupted"), "assigned again, the newest run is whole: {shown}");
}
