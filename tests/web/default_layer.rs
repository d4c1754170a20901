//! The default coding layer counts no disputed code: the consensus where an answer was
//! reconciled, the codes its coders agree on where every coder who finished it agrees, one
//! coder's codes where one coded it; an answer whose coders disagree and that nobody reconciled
//! is left out and counted as awaiting reconciliation — in the tallies, the code matrix, the
//! analysis page and the export command. The union and intersection layers still count it.

use std::collections::BTreeMap;

use fieldwork::accounts::Role;
use fieldwork::analysis::data::{Filter, load};
use fieldwork::analysis::tables;
use fieldwork::coding::layers::Layer;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;

use crate::helpers::{PASSWORD, TestApp};
use crate::surveys::add_response;

const SURVEY: &str = r#"
format = 1
slug = "layer"
default_language = "en"
languages = ["en"]
title = { en = "Layers" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Layer codes"
[[codes]]
id = "A"
name = "Code A"
[[codes]]
id = "B"
name = "Code B"
"#;

/// Each answer: ann's codes, bob's codes ("-": bob has not finished it) and the consensus.
const ANSWERS: [(&str, &str, Option<&str>); 7] = [
    ("A", "B", Some("B")), // r1: reconciled to B
    ("A B", "A B", None),  // r2: both agree on A and B
    ("A", "-", None),      // r3: one coder
    ("A", "", None),       // r4: disputed (bob found no code applies)
    ("B", "A", None),      // r5: disputed
    ("", "", None),        // r6: both agree no code applies
    ("B", "-A", None),     // r7: bob applied A but has not finished: ann's B counts
];

struct Arranged {
    codebook: i64,
    responses: Vec<i64>,
}

fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    let by = |coder: i64, layer| Coder { codebook_id: codebook, codebook_version: 1, coder_id: coder, layer };
    let mut responses = Vec::new();
    for (ann, bob, consensus) in ANSWERS {
        let id = add_response(app, survey, "complete", &[("WHY", "", "Because")]);
        responses.push(id);
        let at = UnitRef { response_id: id, question: "WHY" };
        for (coder, codes) in coders.iter().zip([ann, bob]) {
            let (codes, done) = match codes.strip_prefix('-') {
                Some(unfinished) => (unfinished, false),
                None => (codes, true),
            };
            for code in codes.split_whitespace() {
                store::apply_whole(&conn, by(*coder, "coder"), at, code).unwrap();
            }
            if done {
                store::set_done(&conn, codebook, at, *coder, true).unwrap();
            }
        }
        if let Some(agreed) = consensus {
            store::reconcile(&conn, by(coders[0], "consensus"), at, &[agreed.to_string()], "agreed").unwrap();
        }
    }
    Arranged { codebook, responses }
}

fn tallies(app: &TestApp, a: &Arranged, layer: Layer) -> (BTreeMap<String, usize>, usize) {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let survey = fieldwork::survey::store::find_by_slug(&conn, "layer").unwrap().unwrap();
    let file = fieldwork::codebook::store::find(&conn, a.codebook).unwrap().unwrap().draft;
    let data = load(&conn, survey.id, &survey.definition, Some((a.codebook, layer)), &Filter::default()).unwrap();
    let answers = tables::tallies(&data, &file, None).0.into_iter().map(|r| (r.key, r.answers)).collect();
    (answers, data.awaiting_reconciliation(None))
}

fn export(app: &TestApp, args: &[&str]) -> (String, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(["export", "--survey", "layer"])
        .args(args)
        .env("FIELDWORK_LOG", "warn")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
}

#[tokio::test]
async fn default_tallies_count_agreed_single_and_reconciled_codes_and_leave_disputes_out() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let (default, awaiting) = tallies(&app, &a, Layer::Default);
    // A: r2 (agreed), r3 (one coder). B: r1 (consensus), r2 (agreed), r7 (the one who finished).
    assert_eq!(default, BTreeMap::from([("A".into(), 2), ("B".into(), 3)]));
    assert_eq!(awaiting, 2, "r4 and r5 await reconciliation");

    // The union and intersection layers still count the disputed answers, and leave none out.
    let (union, awaiting) = tallies(&app, &a, Layer::Union);
    assert_eq!(union, BTreeMap::from([("A".into(), 6), ("B".into(), 4)]));
    assert_eq!(awaiting, 0);
    let (intersection, _) = tallies(&app, &a, Layer::Intersection);
    assert_eq!(intersection, BTreeMap::from([("A".into(), 2), ("B".into(), 2)]));
}

#[tokio::test]
async fn the_default_code_matrix_leaves_disputed_answers_out_and_the_command_says_how_many() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let r: Vec<String> = a.responses.iter().map(|id| id.to_string()).collect();
    let rows = |csv: &str| csv.lines().skip(1).map(str::to_string).collect::<Vec<_>>();

    let (matrix, note) = export(&app, &["--what", "code-matrix"]);
    let expected = [
        format!("{},WHY,0,1", r[0]),
        format!("{},WHY,1,1", r[1]),
        format!("{},WHY,1,0", r[2]),
        format!("{},WHY,0,0", r[5]),
        format!("{},WHY,0,1", r[6]),
    ];
    assert_eq!(rows(&matrix), expected);
    assert!(note.contains("2 answers awaiting reconciliation"), "{note}");

    let (union, note) = export(&app, &["--what", "code-matrix", "--layer", "union"]);
    assert_eq!(rows(&union).len(), 7, "{union}");
    assert!(note.is_empty(), "{note}");

    let (tallies, note) = export(&app, &["--what", "tallies"]);
    assert!(tallies.starts_with("code,code_path,category,answers,respondents,percent_of_respondents,respondents_who_answered,answers_awaiting_reconciliation\n"));
    assert!(tallies.lines().nth(1).unwrap().ends_with(",2"), "{tallies}");
    assert!(note.contains("2 answers awaiting reconciliation"), "{note}");
}

#[tokio::test]
async fn the_analysis_page_says_how_many_answers_await_reconciliation() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    app.add_user("rae@example.org", Role::Researcher);
    app.add_member(app.survey_of_codebook(a.codebook), "rae@example.org", MemberRole::Researcher);
    app.login("rae@example.org", PASSWORD).await;
    let (_, page) = app.get_page(&format!("/surveys/layer/analysis?codebook={}", a.codebook)).await;
    let notice = page.split("id=\"awaiting-reconciliation\">").nth(1).expect("a notice").split("</p>").next().unwrap();
    assert!(notice.starts_with("<strong>2</strong> answers awaiting reconciliation"), "{notice}");
    assert!(notice.contains(&format!("/codebooks/{}/reconcile", a.codebook)));
    let (_, union) = app.get_page(&format!("/surveys/layer/analysis?codebook={}&layer=union", a.codebook)).await;
    assert!(!union.contains("awaiting-reconciliation"));
}
