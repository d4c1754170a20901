//! Tallies, cross-tabs, co-occurrence and closed-question tables on a hand-built data set with
//! known answers; layers and filters change the figures as they should; the CSVs parse back to
//! exactly the cells shown; the charts are well-formed SVG with one bar per value.

mod browser;
mod options;

use std::collections::BTreeMap;

use fieldwork::accounts::Role;
use fieldwork::analysis::data::{Filter, load};
use fieldwork::analysis::tables::{self, GroupBy};
use fieldwork::coding::layers::Layer;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp};

const SURVEY: &str = r#"
format = 1
slug = "tally"
default_language = "en"
languages = ["en", "es"]
title = { en = "Tally" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "ORGMODEL"
type = "single_choice"
other = true
text = { en = "Organisational model" }
choices = [{ code = "company", label = { en = "Company, \"led\"" } }, { code = "grassroots", label = { en = "Grassroots" } }]
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
[[pages.questions]]
code = "NEEDS"
type = "long_text"
text = { en = "Whose needs?" }
"#;

const CODEBOOK: &str = r#"
format = 1
name = "Tally codes"
[[codes]]
id = "MOT"
kind = "category"
name = "Motivations"
[[codes]]
id = "ACCESS"
parent = "MOT"
name = "Access, \"open\" 🙂"
[[codes]]
id = "SCIENCE"
parent = "MOT"
name = "=Open science"
[[codes]]
id = "CAREER"
name = "Career"
"#;

struct Arranged {
    codebook: i64,
    responses: Vec<i64>,
    coders: [i64; 2],
}

/// r1 company: WHY {ACCESS, SCIENCE}, NEEDS {ACCESS}; r2 grassroots: WHY — coder A {ACCESS},
/// coder B {CAREER}, reconciled to {ACCESS}; r3 grassroots: WHY {SCIENCE}, NEEDS uncoded;
/// r4 grassroots, in Spanish: WHY done with no code; r5 partial: WHY {ACCESS}.
fn arrange(app: &TestApp) -> Arranged {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, SURVEY, None).unwrap();
    let file = fieldwork::codebook::model::from_toml(CODEBOOK).unwrap();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let coders = [app.add_user("ann@example.org", Role::Coder), app.add_user("bob@example.org", Role::Coder)];
    // The survey's team: the two coders and rae, its researcher.
    app.add_user("rae@example.org", Role::Researcher);
    for (email, role) in [
        ("ann@example.org", MemberRole::Coder),
        ("bob@example.org", MemberRole::Coder),
        ("rae@example.org", MemberRole::Researcher),
    ] {
        app.add_member(survey, email, role);
    }
    // (status, language, organisational model, open answers)
    type Person<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);
    let people: [Person; 5] = [
        ("complete", "en", "company", &[("WHY", "To open access, to science"), ("NEEDS", "Everyone's")]),
        ("complete", "en", "grassroots", &[("WHY", "Access")]),
        ("complete", "en", "grassroots", &[("WHY", "Science"), ("NEEDS", "Researchers")]),
        ("complete", "es", "grassroots", &[("WHY", "No sé")]),
        ("partial", "en", "company", &[("WHY", "Access")]),
    ];
    let mut responses = Vec::new();
    for (i, (status, language, org, answers)) in people.iter().enumerate() {
        conn.execute(
            "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?5)",
            rusqlite::params![survey, vec![i as u8; 32], status, language, format!("2026-03-0{}", i + 1)],
        )
        .unwrap();
        let id = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO answers (response_id, question, item, value) VALUES (?1, 'ORGMODEL', '', ?2)",
            rusqlite::params![id, org],
        )
        .unwrap();
        for (q, text) in answers.iter() {
            conn.execute(
                "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, '', ?3)",
                rusqlite::params![id, q, text],
            )
            .unwrap();
        }
        responses.push(id);
    }
    let code = |coder: i64, r: usize, q: &str, codes: &[&str]| {
        let by = Coder { codebook_id: codebook, codebook_version: 1, coder_id: coder, layer: "coder" };
        let unit = UnitRef { response_id: responses[r], question: q };
        for c in codes {
            store::apply_whole(&conn, by, unit, c).unwrap();
        }
        store::set_done(&conn, codebook, unit, coder, true).unwrap();
    };
    code(coders[0], 0, "WHY", &["ACCESS", "SCIENCE"]);
    code(coders[0], 0, "NEEDS", &["ACCESS"]);
    code(coders[0], 1, "WHY", &["ACCESS"]);
    code(coders[1], 1, "WHY", &["CAREER"]);
    code(coders[0], 2, "WHY", &["SCIENCE"]);
    code(coders[0], 3, "WHY", &[]);
    code(coders[0], 4, "WHY", &["ACCESS"]);
    let reconciler = Coder { codebook_id: codebook, codebook_version: 1, coder_id: coders[0], layer: "consensus" };
    store::reconcile(
        &conn,
        reconciler,
        UnitRef { response_id: responses[1], question: "WHY" },
        &["ACCESS".into()],
        "agreed",
    )
    .unwrap();
    Arranged { codebook, responses, coders }
}

fn tallies_of(
    app: &TestApp,
    arranged: &Arranged,
    layer: Layer,
    filter: Filter,
    question: Option<&str>,
) -> BTreeMap<String, (usize, usize)> {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let survey = fieldwork::survey::store::find_by_slug(&conn, "tally").unwrap().unwrap();
    let file = fieldwork::codebook::store::find(&conn, arranged.codebook).unwrap().unwrap().draft;
    let data = load(&conn, survey.id, &survey.definition, Some((arranged.codebook, layer)), &filter).unwrap();
    tables::tallies(&data, &file, question).0.into_iter().map(|r| (r.key, (r.answers, r.respondents))).collect()
}

#[tokio::test]
async fn tallies_count_answers_and_respondents_once_each_with_category_roll_ups() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let t = tallies_of(&app, &a, Layer::Default, Filter::default(), None);
    // r1 has ACCESS on two answers: two answers, but one respondent.
    assert_eq!(t["ACCESS"], (3, 2));
    assert_eq!(t["SCIENCE"], (2, 2));
    assert_eq!(t["CAREER"], (0, 0), "r2 was reconciled to ACCESS");
    assert_eq!(t["MOT"], (4, 3), "the category counts an answer once even with two of its codes");
    let why = tallies_of(&app, &a, Layer::Default, Filter::default(), Some("WHY"));
    assert_eq!(why["ACCESS"], (2, 2));
}

#[tokio::test]
async fn the_layer_changes_the_figures_as_expected() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let union = tallies_of(&app, &a, Layer::Union, Filter::default(), None);
    assert_eq!(union["CAREER"], (1, 1));
    assert_eq!(union["ACCESS"], (3, 2));
    let intersection = tallies_of(&app, &a, Layer::Intersection, Filter::default(), None);
    assert_eq!(intersection["ACCESS"], (2, 1), "the two coders of r2 did not agree");
    assert_eq!(intersection["CAREER"], (0, 0));
    let bob = tallies_of(&app, &a, Layer::Coder(a.coders[1]), Filter::default(), None);
    assert_eq!(bob["CAREER"], (1, 1));
    assert_eq!(bob["ACCESS"], (0, 0));
    let consensus = tallies_of(&app, &a, Layer::Consensus, Filter::default(), None);
    assert_eq!(consensus["ACCESS"], (1, 1));
}

#[tokio::test]
async fn filters_change_who_is_counted() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let with_partial =
        tallies_of(&app, &a, Layer::Default, Filter { include_partial: true, ..Filter::default() }, None);
    assert_eq!(with_partial["ACCESS"], (4, 3));
    let grassroots = Filter { answer: Some(("ORGMODEL".into(), "grassroots".into())), ..Filter::default() };
    assert_eq!(tallies_of(&app, &a, Layer::Default, grassroots, None)["ACCESS"], (1, 1));
    let spanish = Filter { language: Some("es".into()), ..Filter::default() };
    assert_eq!(tallies_of(&app, &a, Layer::Default, spanish, None)["ACCESS"], (0, 0));
    let early = Filter { to: Some("2026-03-01".into()), ..Filter::default() };
    assert_eq!(tallies_of(&app, &a, Layer::Default, early, None)["ACCESS"], (2, 1));
}

#[tokio::test]
async fn the_crosstab_gives_column_percentages_of_each_groups_respondents() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let survey = fieldwork::survey::store::find_by_slug(&conn, "tally").unwrap().unwrap();
    let file = fieldwork::codebook::store::find(&conn, a.codebook).unwrap().unwrap().draft;
    let data =
        load(&conn, survey.id, &survey.definition, Some((a.codebook, Layer::Default)), &Filter::default()).unwrap();
    let x = tables::crosstab(&data, &survey.definition, &file, None, &GroupBy::Question("ORGMODEL".into()));
    let totals: Vec<usize> = x.groups.iter().map(|g| g.total).collect();
    assert_eq!(totals, [1, 3, 0], "company, grassroots, other");
    let access = x.rows.iter().find(|r| r.key == "ACCESS").unwrap();
    assert_eq!(access.counts, [1, 1, 0]);
    assert_eq!(access.percents[0], Some(100.0));
    assert!((access.percents[1].unwrap() - 100.0 / 3.0).abs() < 1e-9);
    assert_eq!(access.percents[2], None, "no respondent in the group: no percentage");
    let by_language = tables::crosstab(&data, &survey.definition, &file, None, &GroupBy::Language);
    assert_eq!(by_language.groups.iter().map(|g| g.total).collect::<Vec<_>>(), [3, 1]);

    let co = tables::cooccurrence(&data, &file, None);
    let (i, j) = (
        co.codes.iter().position(|c| c.0 == "ACCESS").unwrap(),
        co.codes.iter().position(|c| c.0 == "SCIENCE").unwrap(),
    );
    assert_eq!(co.answers[i][j], 1);
    assert_eq!(co.respondents[i][j], 1);
    assert_eq!(co.answers[i][i], 3);
    assert_eq!(co.c[i][j], Some(0.25), "1 / (3 + 2 − 1)");

    let closed = tables::frequencies(&data, &survey.definition);
    let org = closed.iter().find(|f| f.key == "ORGMODEL").unwrap();
    assert_eq!(org.answered, 4);
    assert_eq!(org.rows.iter().map(|r| r.count).collect::<Vec<_>>(), [1, 3, 0]);
    let _ = a.responses;
}

/// Signs in rae, the survey's researcher.
async fn researcher(app: &TestApp) {
    app.login("rae@example.org", PASSWORD).await;
}

fn parse_csv(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn each_csv_parses_back_to_the_cells_shown_with_python_too() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let response = app.get(&format!("/surveys/tally/export/tallies.csv?codebook={}", a.codebook)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body = response.text().await.unwrap();
    let rows = parse_csv(&body);
    assert_eq!(
        rows[0],
        [
            "code",
            "code_path",
            "category",
            "answers",
            "respondents",
            "percent_of_respondents",
            "respondents_who_answered",
            "answers_awaiting_reconciliation"
        ]
    );
    let access = rows.iter().find(|r| r[0] == "ACCESS").unwrap();
    assert_eq!(access[1..], ["Motivations / Access, \"open\" 🙂", "0", "3", "2", "50.0", "4", "0"]);
    let science = rows.iter().find(|r| r[0] == "SCIENCE").unwrap();
    assert_eq!(science[1], "Motivations / =Open science", "a formula-looking cell inside a path is not at the start");

    // Python's csv module reads the same cells.
    let path = app.dir.path().join("tallies.csv");
    std::fs::write(&path, &body).unwrap();
    let python = std::env::var("FIELDWORK_PYTHON").unwrap_or_else(|_| "python3".into());
    let output = std::process::Command::new(python)
        .args([
            "-c",
            "import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], encoding='utf-8', newline='')))))",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let from_python: Vec<Vec<String>> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(from_python, rows);

    let crosstab = parse_csv(
        &app.get(&format!("/surveys/tally/export/crosstab.csv?codebook={}&by=ORGMODEL", a.codebook))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(
        crosstab[0],
        [
            "code",
            "code_path",
            "Company, \"led\" n",
            "Company, \"led\" %",
            "Grassroots n",
            "Grassroots %",
            "Other n",
            "Other %"
        ]
    );
    let access = crosstab.iter().find(|r| r[0] == "ACCESS").unwrap();
    assert_eq!(access[2..], ["1", "100.0", "1", "33.3", "0", ""]);
    assert_eq!(crosstab.last().unwrap()[2..], ["1", "", "3", "", "0", ""]);

    let co = parse_csv(
        &app.get(&format!("/surveys/tally/export/cooccurrence.csv?codebook={}", a.codebook))
            .await
            .text()
            .await
            .unwrap(),
    );
    assert!(co.contains(&vec!["ACCESS".into(), "SCIENCE".into(), "1".into(), "1".into(), "0.2500".into()]));

    let closed = parse_csv(&app.get("/surveys/tally/export/closed.csv").await.text().await.unwrap());
    assert!(closed.contains(&vec![
        "ORGMODEL".into(),
        "grassroots".into(),
        "Grassroots".into(),
        "3".into(),
        "75.0".into(),
        "4".into()
    ]));
}

#[tokio::test]
async fn a_formula_looking_code_name_is_neutralised_in_the_csv() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let rows = parse_csv(&app.get("/surveys/tally/export/closed.csv").await.text().await.unwrap());
    assert!(rows.iter().all(|r| r.iter().all(|c| !c.starts_with('='))));
    let co = parse_csv(
        &app.get(&format!("/surveys/tally/export/tallies.csv?codebook={}", a.codebook)).await.text().await.unwrap(),
    );
    assert!(co.iter().flatten().all(|c| !c.starts_with('=')));
}

#[tokio::test]
async fn the_charts_are_well_formed_svg_with_one_bar_per_value() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let svg =
        app.get(&format!("/surveys/tally/analysis/tallies.svg?codebook={}", a.codebook)).await.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&svg);
    let mut bars = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == "g" => bars += 1,
            Ok(_) => {}
            Err(err) => panic!("not well-formed: {err}\n{svg}"),
        }
    }
    assert_eq!(bars, 3, "one bar per code (ACCESS, SCIENCE, CAREER)");
    assert!(svg.contains("<title") && svg.contains("<desc"), "a title and a text alternative");

    let closed = app.get("/surveys/tally/analysis/closed-ORGMODEL.svg").await.text().await.unwrap();
    assert_eq!(closed.matches("<g class=\"bar\">").count(), 3, "company, grassroots, other");
    let heat = app
        .get(&format!("/surveys/tally/analysis/cooccurrence.svg?codebook={}", a.codebook))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(heat.matches("class=\"cell\"").count(), 4, "2 × 2 codes: CAREER occurs in no answer of the layer");
}

#[tokio::test]
async fn the_analysis_is_for_researchers_only() {
    let app = TestApp::spawn().await;
    arrange(&app);
    app.login("ann@example.org", PASSWORD).await;
    assert_eq!(app.get("/surveys/tally/analysis").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.get("/surveys/tally/export/closed.csv").await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_researcher_opens_the_tallies_applies_a_filter_and_downloads_the_csv_in_a_browser() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let browser = Browser::start(1200, 900).await;
    browser.goto(&app.url("/login")).await;
    browser.fill("#email", "rae@example.org").await;
    browser.fill("#password", PASSWORD).await;
    browser.click("main button[type=submit]").await;
    browser.wait_for_path("/").await;

    browser.goto(&app.url(&format!("/surveys/tally/analysis?codebook={}", a.codebook))).await;
    assert!(browser.text("#tallies-table").await.contains("Motivations"));
    browser
        .client
        .find(fantoccini::Locator::Css("#answer option[value='ORGMODEL=grassroots']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser.click(".filters button[type=submit]").await;
    for _ in 0..50 {
        if browser.client.current_url().await.unwrap().as_str().contains("answer=ORGMODEL") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let access_row = browser.text("#tallies-table tbody tr:nth-child(2)").await;
    assert!(access_row.contains("Access") && access_row.contains("33.3%"), "{access_row}");
    browser.screenshot("analysis-filtered").await;
    let violations = browser.serious_accessibility_violations().await;
    assert!(violations.is_empty(), "{violations:#?}");

    // The download link carries the filter: fetch it as the browser would.
    let csv = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; fetch(document.getElementById('tallies-csv').href).then(r => r.text()).then(done);",
            vec![],
        )
        .await
        .unwrap();
    let rows = parse_csv(csv.as_str().unwrap());
    let access = rows.iter().find(|r| r[0] == "ACCESS").unwrap();
    assert_eq!(access[3..], ["1", "1", "33.3", "3", "0"]);
    browser.close().await;
}

#[tokio::test]
async fn the_crosstab_groups_by_a_participant_attribute_in_the_app_and_the_export() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let survey = fieldwork::survey::store::find_by_slug(&conn, "tally").unwrap().unwrap();
    // r1 and r3 came through personal links of participants in Africa, r2 through one in Europe;
    // r4 through the public link.
    for (r, email, region) in
        [(0, "a@example.org", "Africa"), (1, "e@example.org", "Europe"), (2, "b@example.org", "Africa")]
    {
        let attributes = [("region", region)];
        let (participant, _) = crate::distribution::add_participant(&app, survey.id, email, &attributes);
        conn.execute("UPDATE responses SET participant_id = ?1 WHERE id = ?2", [participant, a.responses[r]]).unwrap();
    }
    let file = fieldwork::codebook::store::find(&conn, a.codebook).unwrap().unwrap().draft;
    let filter = Filter { group_attribute: Some("region".into()), ..Filter::default() };
    let data = load(&conn, survey.id, &survey.definition, Some((a.codebook, Layer::Default)), &filter).unwrap();

    let x = tables::crosstab(&data, &survey.definition, &file, None, &GroupBy::Attribute("region".into()));

    let groups: Vec<(&str, usize)> = x.groups.iter().map(|g| (g.label.as_str(), g.total)).collect();
    assert_eq!(groups, [("Africa", 2), ("Europe", 1)]);
    let access = x.rows.iter().find(|r| r.key == "ACCESS").unwrap();
    assert_eq!(access.counts, [1, 1]);
    assert_eq!(access.percents, [Some(50.0), Some(100.0)], "the share of each region's respondents");

    researcher(&app).await;
    let page = app.get_page(&format!("/surveys/tally/analysis?codebook={}&by=attribute:region", a.codebook)).await.1;
    assert!(page.contains("Participant region") && page.contains("Africa"), "{page}");
    let csv = app
        .get(&format!("/surveys/tally/export/crosstab.csv?codebook={}&by=attribute:region", a.codebook))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.lines().next().unwrap().contains("Africa"), "{csv}");
    let unknown =
        app.get(&format!("/surveys/tally/export/crosstab.csv?codebook={}&by=attribute:planet", a.codebook)).await;
    assert_eq!(unknown.status(), reqwest::StatusCode::BAD_REQUEST);
    assert!(unknown.text().await.unwrap().contains("the participant list has no attribute"));
}
