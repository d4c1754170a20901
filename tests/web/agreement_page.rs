//! The agreement page of a codebook: figures that match the published worked example and the
//! command line on the same codings, undefined figures as "n/a", CSV download, researchers only.

use fieldwork::accounts::Role;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use crate::helpers::{PASSWORD, TestApp};
use crate::surveys::add_response;

const SURVEY: &str = r#"
format = 1
slug = "irr"
default_language = "en"
languages = ["en"]
title = { en = "Agreement" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Agreement test"
[[codes]]
id = "X"
name = "Code X"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisation"
mutually_exclusive = true
[[codes]]
id = "ORG_A"
parent = "ORG"
name = "Company"
[[codes]]
id = "ORG_B"
parent = "ORG"
name = "Grassroots"
"#;

/// Krippendorff (2011) example A: two coders, ten units, binary.
const CODER_A: [u8; 10] = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
const CODER_B: [u8; 10] = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];

/// A survey with ten answers, the codebook, two coders (its members) who coded them all as in
/// example A, and a researcher of the survey, rae. Returns the codebook.
pub fn arrange(app: &TestApp) -> i64 {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey_id, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook_id = fieldwork::codebook::import(&conn, survey_id, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    app.add_user("rae@example.org", Role::Researcher);
    for (email, role) in [
        ("ann@example.org", MemberRole::Coder),
        ("bob@example.org", MemberRole::Coder),
        ("rae@example.org", MemberRole::Researcher),
    ] {
        app.add_member(survey_id, email, role);
    }
    for unit in 0..10 {
        let response_id = add_response(app, survey_id, "complete", &[("WHY", "", "some reason")]);
        let at = UnitRef { response_id, question: "WHY" };
        for (coder, applied) in coders.iter().zip([CODER_A[unit], CODER_B[unit]]) {
            let by = Coder { codebook_id, codebook_version: 1, coder_id: *coder, layer: "coder" };
            if applied == 1 {
                store::apply_whole(&conn, by, at, "X").unwrap();
            }
            store::set_done(&conn, codebook_id, at, *coder, true).unwrap();
        }
    }
    codebook_id
}

fn row<'a>(csv: &'a str, code: &str) -> Vec<&'a str> {
    csv.lines()
        .find(|l| l.starts_with(&format!("{code},")))
        .unwrap_or_else(|| panic!("no row {code} in {csv}"))
        .split(',')
        .collect()
}

#[tokio::test]
async fn the_agreement_page_reproduces_krippendorffs_example_a_and_the_command_line() {
    let app = TestApp::spawn().await;
    let codebook = arrange(&app);
    app.login("rae@example.org", PASSWORD).await;

    let response = app.get(&format!("/codebooks/{codebook}/agreement.csv")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    assert!(csv.starts_with(
        "code,units,coders,percent_agreement,cohen_kappa,fleiss_kappa,krippendorff_alpha,alpha_ci_low,alpha_ci_high"
    ));
    let x = row(&csv, "X");
    assert_eq!(&x[1..3], ["10", "2"]);
    let number = |s: &str| s.parse::<f64>().unwrap();
    assert!((number(x[3]) - 0.6).abs() < 1e-6, "{x:?}");
    assert!((number(x[4]) - 0.0909091).abs() < 1e-6, "cohen {x:?}");
    assert!((number(x[6]) - 0.0952381).abs() < 1e-6, "alpha {x:?}");

    // The same codings through `fieldwork agreement` give the same row.
    let input = app.dir.path().join("codings.csv");
    let mut lines = vec!["unit,coder,code".to_string()];
    for unit in 0..10 {
        for (coder, applied) in [("ann@example.org", CODER_A[unit]), ("bob@example.org", CODER_B[unit])] {
            lines.push(
                format!("{},WHY,{coder},{}", unit + 1, if applied == 1 { "X" } else { "" }).replacen(",WHY", ":WHY", 1),
            );
        }
    }
    std::fs::write(&input, lines.join("\n")).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_fieldwork"))
        .args(["agreement", "--input", input.to_str().unwrap(), "--format", "csv"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let cli = String::from_utf8(output.stdout).unwrap();
    assert_eq!(row(&cli, "X")[1..7], x[1..7], "web and command line agree");

    let (status, page) = app.get_page(&format!("/codebooks/{codebook}/agreement")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("0.095") && page.contains("unreliable"), "{page}");
    // Nobody used the organisation codes: folded away, not rows of "n/a".
    let (table, folded) = page.split_once("<details id=\"agreement-unused\">").expect("codes nobody applied");
    assert!(folded.contains("Organisation (one variable)") && folded.contains("Company"), "{folded}");
    assert!(!table.contains("Organisation") && !table.contains("Company"), "{table}");
    assert!(page.contains(&format!("/codebooks/{codebook}/reconcile?code=X")), "a link to the disagreements");

    // The filter form shows what was chosen.
    let (_, filtered) = app.get_page(&format!("/codebooks/{codebook}/agreement?question=WHY&version=1")).await;
    assert!(filtered.contains(r#"<option value="WHY" selected>WHY</option>"#), "{filtered}");
    assert!(filtered.contains(r#"<option value="1" selected>1</option>"#), "{filtered}");
}

#[tokio::test]
async fn the_agreement_page_is_for_researchers_only() {
    let app = TestApp::spawn().await;
    let codebook = arrange(&app);
    app.login("ann@example.org", PASSWORD).await;
    assert_eq!(app.get(&format!("/codebooks/{codebook}/agreement")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/codebooks/{codebook}/agreement.csv")).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_disagreement_link_lists_only_answers_where_coders_differ_on_that_code() {
    let app = TestApp::spawn().await;
    let codebook = arrange(&app);
    app.login("rae@example.org", PASSWORD).await;
    app.post_form(&format!("/codebooks/{codebook}/modes"), &[("blind", "on"), ("reconciliation_open", "on")]).await;

    let (_, page) = app.get_page(&format!("/codebooks/{codebook}/reconcile?code=X")).await;
    // Example A: the coders differ on units 1, 3, 6 and 9.
    assert!(page.contains("disagree on"), "{page}");
    let listed = page.matches(&format!("/codebooks/{codebook}/reconcile/")).count();
    assert_eq!(listed, 4, "{page}");
}

/// The survey and codebook of `arrange`, with ann's and bob's codes for each answer as given
/// (both mark every answer done); returns the codebook's id.
fn arrange_codes(app: &TestApp, answers: &[(&[&str], &[&str])]) -> i64 {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey_id, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(&format!("{CODEBOOK}[[codes]]\nid = \"Y\"\nname = \"Code Y\"\n"))
        .unwrap();
    let codebook_id = fieldwork::codebook::import(&conn, survey_id, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    for (ann, bob) in answers {
        let response_id = add_response(app, survey_id, "complete", &[("WHY", "", "some reason")]);
        let at = UnitRef { response_id, question: "WHY" };
        for (coder, codes) in coders.iter().zip([ann, bob]) {
            let by = Coder { codebook_id, codebook_version: 1, coder_id: *coder, layer: "coder" };
            for code in codes.iter() {
                store::apply_whole(&conn, by, at, code).unwrap();
            }
            store::set_done(&conn, codebook_id, at, *coder, true).unwrap();
        }
    }
    codebook_id
}

/// Whether `text` calls something reliable (not "unreliable" or "not reliable").
fn says_reliable(text: &str) -> bool {
    text.match_indices("reliable").any(|(at, _)| !text[..at].ends_with("un") && !text[..at].ends_with("not "))
}

#[tokio::test]
async fn the_page_never_calls_the_codebook_reliable_while_a_code_in_use_is_below_667() {
    let app = TestApp::spawn().await;
    // X: both coders agree on every answer; Y: each applied it once, never to the same answer.
    let mut answers: Vec<(&[&str], &[&str])> = vec![(&["X"], &["X"]); 10];
    answers.extend([(&[][..], &[][..]); 8]);
    answers.push((&["Y"], &[]));
    answers.push((&[], &["Y"]));
    let codebook = arrange_codes(&app, &answers);
    app.add_user("rae@example.org", Role::Researcher);
    app.add_member(app.survey_of_codebook(codebook), "rae@example.org", MemberRole::Researcher);
    app.login("rae@example.org", PASSWORD).await;

    let csv = app.get(&format!("/codebooks/{codebook}/agreement.csv")).await.text().await.unwrap();
    let number = |row: Vec<&str>, column: usize| row[column].parse::<f64>().unwrap();
    assert!(number(row(&csv, "ALL"), 6) >= 0.8, "the pooled α looks reliable: {csv}");
    assert!(number(row(&csv, "Y"), 6) < 0.667, "{csv}");

    let (_, page) = app.get_page(&format!("/codebooks/{codebook}/agreement")).await;
    let summary = page.split("id=\"agreement-summary\"").nth(1).unwrap().split("</section>").next().unwrap();
    assert!(summary.contains("<dt>Codes used</dt><dd>2</dd>"), "{summary}");
    assert!(summary.contains("<dt>Below .667</dt><dd>Code Y</dd>"), "{summary}");
    assert!(summary.contains("1 code in use below .667"), "{summary}");
    assert!(!says_reliable(summary), "{summary}");
    let overall = page.split("<tr class=\"overall\">").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(overall.contains("All codes, pooled") && overall.contains("dominated by codes absent from most answers"));
    assert!(!says_reliable(overall), "{overall}");
    // The summary comes first, then the table.
    assert!(page.find("agreement-summary") < page.find("<table class=\"agreement\">"));
}
