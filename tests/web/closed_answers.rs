//! Closed answers against the coding: the comparison page, its CSV and `fieldwork agreement
//! --closed` on one study with agreed, reconciled and disputed answers, the same figures each
//! way; the statement on whether coders saw the closed answers; the mappings edited on the
//! codebook's page, bad ones refused with their place; a codebook without mappings explained.

use std::collections::BTreeMap;

use fieldwork::accounts::Role;
use fieldwork::agreement::closed::report::{INDEPENDENT, NOT_INDEPENDENT};
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};
use crate::surveys::add_response;

const SURVEY: &str = r#"
format = 1
slug = "closed"
default_language = "en"
languages = ["en"]
title = { en = "Closed against coded" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "ORGMODEL"
type = "single_choice"
text = { en = "Which model is your project?" }
choices = [
  { code = "company", label = { en = "A single company" } },
  { code = "grassroots", label = { en = "A grassroots project" } },
  { code = "dont_know", label = { en = "Don't know" } },
]
[[pages.questions]]
code = "ARTEFACTS"
type = "multiple_choice"
text = { en = "What does it release?" }
choices = [{ code = "data", label = { en = "Datasets" } }, { code = "bench", label = { en = "Benchmarks" } }]
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Tell us about the project." }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Models"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisational model"
[[codes]]
id = "ORG_COMPANY"
parent = "ORG"
name = "Single company"
[[codes]]
id = "ORG_GRASSROOTS"
parent = "ORG"
name = "Grassroots"
[[codes]]
id = "ART_DATA"
name = "Datasets"
[[codes]]
id = "ART_BENCH"
name = "Benchmarks"
"#;

const MAPPINGS: &str = r#"
[[closed]]
question = "ORGMODEL"
[closed.codes]
ORG_COMPANY = "company"
ORG_GRASSROOTS = "grassroots"

[[closed]]
question = "ARTEFACTS"
open_questions = ["WHY"]
[closed.codes]
ART_DATA = "data"
ART_BENCH = "bench"
"#;

struct Study {
    survey_id: i64,
    codebook: i64,
    responses: Vec<i64>,
}

/// Responses with each coder's codes and a consensus where given: first an incomplete one (7,
/// returned last), then 1 company/data, agreed ORG_COMPANY+ART_DATA; 2 company, disputed and reconciled to
/// ORG_GRASSROOTS; 3 grassroots/bench, agreed ORG_GRASSROOTS+ART_DATA; 4 grassroots, disputed;
/// 5 don't know, agreed ORG_COMPANY; 6 company, not coded.
fn arrange(app: &TestApp, mappings: &str) -> Study {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey_id, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(&format!("{CODEBOOK}{mappings}")).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey_id, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    app.add_user("rae@example.org", Role::Researcher);
    for (email, role) in [
        ("ann@example.org", MemberRole::Coder),
        ("bob@example.org", MemberRole::Coder),
        ("rae@example.org", MemberRole::Researcher),
    ] {
        app.add_member(survey_id, email, role);
    }
    type Coded<'a> = (&'a [&'a str], &'a [&'a str], Option<&'a [&'a str]>);
    let plan: [(&str, &str, Option<Coded>); 7] = [
        ("partial", "company", Some((&["ORG_COMPANY"], &["ORG_COMPANY"], None))),
        ("complete", "company data", Some((&["ORG_COMPANY", "ART_DATA"], &["ORG_COMPANY", "ART_DATA"], None))),
        ("complete", "company", Some((&["ORG_GRASSROOTS"], &["ORG_COMPANY"], Some(&["ORG_GRASSROOTS"])))),
        (
            "complete",
            "grassroots bench",
            Some((&["ORG_GRASSROOTS", "ART_DATA"], &["ORG_GRASSROOTS", "ART_DATA"], None)),
        ),
        ("complete", "grassroots", Some((&["ORG_COMPANY"], &["ORG_GRASSROOTS"], None))),
        ("complete", "dont_know", Some((&["ORG_COMPANY"], &["ORG_COMPANY"], None))),
        ("complete", "company", None),
    ];
    let mut responses = Vec::new();
    for (n, (status, answers, coded)) in plan.into_iter().enumerate() {
        let mut words = answers.split(' ');
        let text = format!("Answer {} =about the project", n + 1);
        let mut rows = vec![("ORGMODEL", "", words.next().unwrap()), ("WHY", "", text.as_str())];
        let ticked: Vec<&str> = words.collect();
        rows.extend(ticked.iter().map(|choice| ("ARTEFACTS", *choice, "1")));
        let response_id = add_response(app, survey_id, status, &rows);
        responses.push(response_id);
        let Some((ann, bob, consensus)) = coded else { continue };
        let at = UnitRef { response_id, question: "WHY" };
        for (coder, codes) in coders.iter().zip([ann, bob]) {
            let by = Coder { codebook_id: codebook, codebook_version: 1, coder_id: *coder, layer: "coder" };
            for code in codes {
                store::apply_whole(&conn, by, at, code).unwrap();
            }
            store::set_done(&conn, codebook, at, *coder, true).unwrap();
        }
        if let Some(consensus) = consensus {
            let by = Coder { codebook_id: codebook, codebook_version: 1, coder_id: coders[0], layer: "consensus" };
            let codes: Vec<String> = consensus.iter().map(|c| c.to_string()).collect();
            store::reconcile(&conn, by, at, &codes, "").unwrap();
        }
    }
    responses.rotate_left(1);
    Study { survey_id, codebook, responses }
}

fn fieldwork(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .arg("--db")
        .arg(&app.db_path)
        .args(args)
        .env("FIELDWORK_LOG", "warn")
        .output()
        .unwrap()
}

/// The CSV's records, each as column → cell.
fn records(csv: &str) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    reader.records().map(|r| header.iter().cloned().zip(r.unwrap().iter().map(str::to_owned)).collect()).collect()
}

fn find<'a>(rows: &'a [BTreeMap<String, String>], pairs: &[(&str, &str)]) -> &'a BTreeMap<String, String> {
    rows.iter()
        .find(|r| pairs.iter().all(|(k, v)| r.get(*k).map(String::as_str) == Some(*v)))
        .unwrap_or_else(|| panic!("no row with {pairs:?} in {rows:#?}"))
}

/// A six-decimal figure as the page rounds it (three decimals, trailing zeros dropped but one).
fn as_page_shows(cell: &str) -> String {
    let value: f64 = cell.parse().unwrap();
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0');
    if text.ends_with('.') { format!("{text}0") } else { text.to_string() }
}

#[tokio::test]
async fn the_page_csv_and_command_compare_closed_answers_with_the_default_layer_alike() {
    let app = TestApp::spawn().await;
    let study = arrange(&app, MAPPINGS);
    app.login("rae@example.org", PASSWORD).await;
    let [r1, r2, r3, r4, r5, r6, r7] = study.responses[..] else { panic!() };

    let response = app.get(&format!("/codebooks/{}/agreement/closed.csv", study.codebook)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let web_csv = response.text().await.unwrap();
    let rows = records(&web_csv);

    // ORGMODEL: responses 1, 2 (the consensus) and 3 compared: chose company, company,
    // grassroots; coded company, grassroots, grassroots. By hand: p_o = 2/3, p_e = 4/9, κ = .4;
    // n = 6 (3 and 3), D_o = 2/6, D_e = 2·3·3/(6·5) = .6, α = 1 - (1/3)/.6 = .444444.
    let org = find(&rows, &[("question", "ORGMODEL"), ("record", "agreement")]);
    assert_eq!(org["units"], "3");
    assert_eq!(org["percent_agreement"], "0.666667");
    assert_eq!(org["cohen_kappa"], "0.400000");
    assert_eq!(org["krippendorff_alpha"], "0.444444");
    assert!(!org["alpha_ci_low"].is_empty() && !org["alpha_ci_high"].is_empty(), "{org:?}");
    let outcome = |response: i64| {
        let id = response.to_string();
        find(&rows, &[("question", "ORGMODEL"), ("record", "response"), ("response_id", &id)])["outcome"].clone()
    };
    assert_eq!(outcome(r1), "agree");
    assert_eq!(outcome(r2), "differ");
    assert_eq!(outcome(r3), "agree");
    assert_eq!(outcome(r4), "left out: coding awaiting reconciliation");
    assert_eq!(outcome(r5), "left out: the choice has no code");
    assert_eq!(outcome(r6), "left out: open answers not coded");
    let r7 = r7.to_string();
    assert!(rows.iter().all(|r| r["response_id"] != r7), "an incomplete response is not compared");
    let differing = find(&rows, &[("question", "ORGMODEL"), ("response_id", &r2.to_string())]);
    assert_eq!((differing["closed_answer"].as_str(), differing["codes"].as_str()), ("company", "ORG_GRASSROOTS"));
    assert_eq!(differing["open_answers"], "WHY: Answer 3 =about the project");
    let count = |label: &str| find(&rows, &[("question", "ORGMODEL"), ("record", "count"), ("outcome", label)]);
    assert_eq!(count("agree")["units"], "2");
    assert_eq!(count("differ")["units"], "1");

    // ARTEFACTS, per code: response 1 ticked data, coded ART_DATA; 3 ticked bench, coded ART_DATA.
    let data = find(&rows, &[("question", "ARTEFACTS"), ("record", "agreement"), ("code", "ART_DATA")]);
    assert_eq!((data["units"].as_str(), data["percent_agreement"].as_str()), ("2", "0.500000"));
    let pooled = find(&rows, &[("question", "ARTEFACTS"), ("record", "agreement"), ("code", "ALL")]);
    assert_eq!(pooled["units"], "4");
    let id = r3.to_string();
    let bench = find(&rows, &[("question", "ARTEFACTS"), ("record", "response"), ("response_id", &id)]);
    assert_eq!((bench["outcome"].as_str(), bench["closed_answer"].as_str()), ("differ", "bench"));

    // The command line writes the same file.
    let output = fieldwork(&app, &["agreement", "--survey", "closed", "--closed", "--format", "csv"]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8(output.stdout).unwrap(), web_csv, "the command and the download agree");

    // The page shows the same figures, and the response that differs with its open answer.
    let (status, page) = app.get_page(&format!("/codebooks/{}/agreement/closed", study.codebook)).await;
    assert_eq!(status, StatusCode::OK);
    let (org_section, art_section) = page.split_once("id=\"closed-ARTEFACTS\"").expect("two sections");
    for cell in ["cohen_kappa", "krippendorff_alpha"] {
        let shown = format!("<td>{}</td>", as_page_shows(&org[cell]));
        assert!(org_section.contains(&shown), "{cell}: {shown} in {org_section}");
    }
    let interval =
        format!("<td>{} – {}</td>", as_page_shows(&org["alpha_ci_low"]), as_page_shows(&org["alpha_ci_high"]));
    assert!(org_section.contains(&interval), "{interval} in {org_section}");
    assert!(org_section.contains("66.7%"), "{org_section}");
    assert!(org_section.contains(&format!("/surveys/closed/responses/{r2}\">{r2}</a>")), "{org_section}");
    assert!(org_section.contains("A single company") && org_section.contains("Answer 3 =about the project"));
    assert!(!org_section.contains(&format!("responses/{r1}\"")), "only the responses that differ are listed");
    assert!(art_section.contains("Benchmarks") && art_section.contains("All mapped codes, pooled"), "{art_section}");
    let (_, agreement) = app.get_page(&format!("/codebooks/{}/agreement", study.codebook)).await;
    assert!(agreement.contains(&format!("/codebooks/{}/agreement/closed", study.codebook)), "linked");

    // Coders of the survey may not see it.
    app.logout().await;
    app.login("ann@example.org", PASSWORD).await;
    let csv_url = format!("/codebooks/{}/agreement/closed.csv", study.codebook);
    assert_eq!(app.get(&csv_url).await.status(), StatusCode::FORBIDDEN);
    let _ = study.survey_id;
}

#[tokio::test]
async fn the_report_says_whether_coders_were_blind_to_the_closed_answers() {
    let app = TestApp::spawn().await;
    let study = arrange(&app, MAPPINGS);
    app.login("rae@example.org", PASSWORD).await;
    let page_url = format!("/codebooks/{}/agreement/closed", study.codebook);
    let (_, page) = app.get_page(&page_url).await;
    let escaped = |text: &str| text.replace('\'', "&#x27;").replace('"', "&quot;");
    assert!(page.contains(&escaped(NOT_INDEPENDENT)), "coders see closed answers by default: {page}");
    let cli = fieldwork(&app, &["agreement", "--survey", "closed", "--closed"]);
    let text = String::from_utf8(cli.stdout).unwrap();
    assert!(text.contains(NOT_INDEPENDENT), "{text}");

    // Switched off on the codebook's page: the comparison is independent, and says so.
    app.post_form(&format!("/codebooks/{}/modes", study.codebook), &[("blind", "on")]).await;
    let (_, page) = app.get_page(&page_url).await;
    assert!(page.contains(&escaped(INDEPENDENT)) && !page.contains(&escaped(NOT_INDEPENDENT)), "{page}");
    let csv = app.get(&format!("{page_url}.csv")).await.text().await.unwrap();
    assert_eq!(find(&records(&csv), &[("record", "blinding")])["reading"], INDEPENDENT);
    let text = String::from_utf8(fieldwork(&app, &["agreement", "--survey", "closed", "--closed"]).stdout).unwrap();
    assert!(text.contains(INDEPENDENT) && text.contains("response "), "{text}");
}

#[tokio::test]
async fn mappings_are_edited_on_the_codebook_page_and_bad_ones_are_refused_with_their_place() {
    let app = TestApp::spawn().await;
    let study = arrange(&app, "");
    app.login("rae@example.org", PASSWORD).await;
    let url = format!("/codebooks/{}/closed", study.codebook);
    let draft = || {
        let conn = fieldwork::db::open(&app.db_path).unwrap();
        fieldwork::codebook::store::find(&conn, study.codebook).unwrap().unwrap()
    };

    let (status, page) = app.get_page(&format!("{url}?question=ORGMODEL")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("name=\"code.ORG_COMPANY\"") && page.contains("A grassroots project"), "{page}");
    assert!(page.contains("<option value=\"ARTEFACTS\">"), "the other closed question can be mapped: {page}");
    assert!(!page.contains("<option value=\"WHY\">"), "an open question is not offered: {page}");

    let revision = draft().draft_revision.to_string();
    let save = [
        ("revision", revision.as_str()),
        ("question", "ORGMODEL"),
        ("action", "save"),
        ("code.ORG_COMPANY", "company"),
        ("code.ORG_GRASSROOTS", "grassroots"),
        ("code.ART_DATA", ""),
        ("open", "WHY"),
    ];
    let response = app.post_form(&url, &save).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let saved = draft();
    assert_eq!(saved.draft.closed.len(), 1);
    let mapping = &saved.draft.closed[0];
    assert_eq!((mapping.question.as_str(), mapping.open_questions.as_slice()), ("ORGMODEL", &["WHY".to_string()][..]));
    assert_eq!(mapping.codes.len(), 2);
    assert!(saved.draft_differs, "a change of the draft, to publish");
    let (_, history) = app.get_page(&format!("/codebooks/{}/history", study.codebook)).await;
    assert!(history.contains("mapped") && history.contains("ORG_COMPANY → company"), "{history}");

    // A choice the question does not have, and a category: refused, the typed choice kept.
    let revision = saved.draft_revision.to_string();
    let bad = [
        ("revision", revision.as_str()),
        ("question", "ORGMODEL"),
        ("action", "save"),
        ("code.ORG_COMPANY", "volunteers"),
        ("code.ORG", "company"),
    ];
    let response = app.post_form(&url, &bad).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("closed[0].codes.ORG_COMPANY") && page.contains("has no choice &quot;volunteers&quot;"),
        "{page}"
    );
    assert!(page.contains("closed[0].codes.ORG") && page.contains("is a category"), "{page}");
    assert!(page.contains("<option value=\"volunteers\" selected>"), "the typed choice is kept: {page}");
    assert_eq!(draft().draft.closed, saved.draft.closed, "nothing saved");

    // Not a closed question; an outdated revision.
    let not_closed = [("revision", revision.as_str()), ("question", "WHY"), ("code.ART_DATA", "data")];
    assert_eq!(app.post_form(&url, &not_closed).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let stale = [("revision", "0"), ("question", "ORGMODEL"), ("action", "remove")];
    let page = app.post_form(&url, &stale).await.text().await.unwrap();
    assert!(page.contains("someone changed this codebook"), "{page}");

    // Without the CSRF token, or by a coder: refused.
    let remove = [("revision", revision.as_str()), ("question", "ORGMODEL"), ("action", "remove")];
    assert!(app.post_raw(&url, &remove).await.status().is_client_error());
    assert_eq!(draft().draft.closed.len(), 1);
    let response = app.post_form(&url, &remove).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(draft().draft.closed.is_empty(), "removed");
    app.logout().await;
    app.login("ann@example.org", PASSWORD).await;
    assert_eq!(app.get(&url).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_codebook_without_mappings_is_explained_and_a_mapping_that_does_not_fit_is_refused_on_import() {
    let app = TestApp::spawn().await;
    let study = arrange(&app, "");
    app.login("rae@example.org", PASSWORD).await;
    let (status, page) = app.get_page(&format!("/codebooks/{}/agreement/closed", study.codebook)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("maps no codes to closed answers"), "{page}");
    let csv = app.get(&format!("/codebooks/{}/agreement/closed.csv", study.codebook)).await.text().await.unwrap();
    assert!(find(&records(&csv), &[("record", "problem")])["reading"].contains("maps no codes"), "{csv}");

    let output = fieldwork(&app, &["agreement", "--survey", "closed", "--closed"]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(
        error.contains(&format!("codebook {} (Models) maps no codes to closed answers", study.codebook)),
        "{error}"
    );
    let output = fieldwork(&app, &["agreement", "--survey", "closed", "--closed", "--codebook", "Nope"]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("survey closed has no codebook Nope"));

    // A codebook file whose mapping names a choice the survey does not have is not imported.
    let path = app.dir.path().join("models.toml");
    std::fs::write(
        &path,
        format!("{CODEBOOK}\n[[closed]]\nquestion = \"ORGMODEL\"\n[closed.codes]\nORG_COMPANY = \"firm\"\n"),
    )
    .unwrap();
    let output = fieldwork(&app, &["codebook", "import", "--survey", "closed", path.to_str().unwrap()]);
    assert!(!output.status.success());
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("closed[0].codes.ORG_COMPANY: ORGMODEL has no choice \"firm\""), "{error}");
}
