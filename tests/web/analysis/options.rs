//! The analysis page and the exports speak one vocabulary: every download of the page is the
//! export file the command line writes for the same options (the same bytes), the page's
//! filters work in every export that lists responses, a wrong option is a message at its field,
//! and a codebook of thousands of codes costs only the codes that occur.

use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use super::{Arranged, arrange, parse_csv, researcher};
use crate::exports::cli;
use crate::helpers::{TestApp, unescape};

/// The `href` of the element with `id` on a page.
fn link(page: &str, id: &str) -> String {
    let at = page.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}"));
    let start = page[..at].rfind("href=\"").expect("a link") + "href=\"".len();
    unescape(page[start..].split('"').next().unwrap())
}

/// The command line's flags for a query string, as a person would type them.
fn flags(query: &str) -> Vec<String> {
    let mut args = Vec::new();
    for (key, value) in serde_urlencoded::from_str::<Vec<(String, String)>>(query).unwrap() {
        args.push(format!("--{}", key.replace('_', "-")));
        if !["include_partial", "bom", "no_formula_protection"].contains(&key.as_str()) {
            args.push(value);
        }
    }
    args
}

async fn download(app: &TestApp, path: &str) -> Vec<u8> {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.unwrap().to_vec()
}

#[tokio::test]
async fn every_download_of_the_analysis_page_is_the_file_the_command_line_writes_for_the_same_options() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let book = a.codebook;
    let pages = [
        format!("/surveys/tally/analysis?codebook={book}&by=ORGMODEL"),
        // Every option the page takes; the filters keep r2 and r3.
        format!(
            "/surveys/tally/analysis?codebook={book}&layer=union&question=WHY&by=language&include_partial=on\
             &language=en&from=2026-03-02&to=2026-03-05&answer=ORGMODEL%3Dgrassroots"
        ),
        // No codebook named: the page shows the survey's only one, and its links name it.
        "/surveys/tally/analysis".to_string(),
    ];
    let before = app.query_i64("SELECT count(*) FROM audit_log WHERE action = 'responses.export'");
    let mut downloads = 0;
    for page in &pages {
        let (status, html) = app.get_page(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        for (table, what) in [
            ("tallies-csv", "tallies"),
            ("crosstab-csv", "crosstab"),
            ("cooccurrence-csv", "cooccurrence"),
            ("closed-csv", "closed"),
        ] {
            if what == "crosstab" && page.ends_with("/analysis") {
                assert!(!html.contains("id=\"crosstab-csv\""), "no cross-tab without by");
                continue;
            }
            let href = link(&html, table);
            let (path, query) = href.split_once('?').unwrap_or((&href, ""));
            assert_eq!(path, format!("/surveys/tally/export/{what}.csv"), "{page}: the export writer");
            let web = download(&app, &href).await;
            downloads += 1;
            let mut args: Vec<String> = ["--survey", "tally", "--what", what].map(str::to_string).to_vec();
            args.extend(flags(query));
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let output = cli(&app, &args);
            assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
            assert_eq!(web, output.stdout, "{href} and fieldwork export {args:?} give the same bytes");
            assert!(parse_csv(&String::from_utf8(web).unwrap()).len() > 1, "{href} has rows");
        }
    }
    // The filtered page's tallies: r2 and r3 answered WHY, r2 with ACCESS.
    let (_, html) = app.get_page(&pages[1]).await;
    let tallies = parse_csv(&String::from_utf8(download(&app, &link(&html, "tallies-csv")).await).unwrap());
    let access = tallies.iter().find(|r| r[0] == "ACCESS").unwrap();
    assert_eq!(access[3..7], ["1", "1", "50.0", "2"], "{tallies:?}");

    // Every download from the web and from the command line is in the audit log.
    let after = app.query_i64("SELECT count(*) FROM audit_log WHERE action = 'responses.export'");
    assert_eq!(after - before, 2 * downloads + 1, "each download twice (web, command line), and one more");
}

#[tokio::test]
async fn a_wrong_option_on_the_analysis_page_is_a_message_at_its_field_and_the_rest_is_kept() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let book = a.codebook;
    let cases = [
        (format!("codebook={book}&by=NOPE&language=es"), "by", "by: the survey has no question NOPE"),
        (format!("codebook={book}&by=WHY"), "by", "by: WHY is not a single or multiple choice question"),
        (format!("codebook={book}&layer=bogus"), "layer", "layer: \"bogus\" is not one of default"),
        ("codebook=9999".to_string(), "codebook", "codebook: survey tally has no codebook 9999"),
        ("question=ORGMODEL".to_string(), "question", "question: ORGMODEL is not an open (text) question"),
        ("answer=ORGMODEL%3Dnobody".to_string(), "answer", "answer: ORGMODEL has no choice nobody"),
        ("from=yesterday".to_string(), "from", "from: \"yesterday\" is not a day written YYYY-MM-DD"),
        ("bom=1".to_string(), "options", "bom: does not apply to the analysis page"),
        ("partial=on".to_string(), "options", "there is no option \"partial\""),
    ];
    for (query, field, message) in cases {
        let (status, page) = app.get_page(&format!("/surveys/tally/analysis?{query}")).await;
        let page = unescape(&page);
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        let summary = page.split("id=\"error-summary\"").nth(1).unwrap_or_else(|| panic!("{query}: a summary"));
        assert!(summary.contains(&format!("href=\"#{field}\">{message}")), "{query}: {summary}");
        if field != "options" {
            assert!(page.contains(&format!("id=\"{field}-error\">{message}")), "{query}: the message at the field");
            assert!(page.contains("aria-invalid=\"true\""), "{query}");
        }
        assert!(!page.contains("id=\"tallies\""), "{query}: no tables under a wrong option");
    }
    // What was typed stays chosen.
    let (_, page) = app.get_page(&format!("/surveys/tally/analysis?codebook={book}&by=NOPE&language=es")).await;
    assert!(page.contains("<option value=\"es\" selected>es</option>"), "{page}");
}

#[tokio::test]
async fn the_filters_work_in_every_export_that_lists_responses_and_the_command_line_alike() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let book = a.codebook;
    let ids: Vec<String> = a.responses.iter().map(i64::to_string).collect();
    // (file, query, the response ids in its first column, or for closed the ORGMODEL rows)
    let grassroots = "answer=ORGMODEL%3Dgrassroots";
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        ("responses", grassroots.into(), vec![&ids[1], &ids[2], &ids[3]]),
        ("responses", "language=es".into(), vec![&ids[3]]),
        ("responses", "from=2026-03-02&to=2026-03-03".into(), vec![&ids[1], &ids[2]]),
        ("responses", "include_partial=1&answer=ORGMODEL%3Dcompany".into(), vec![&ids[0], &ids[4]]),
        ("codings", format!("codebook={book}&language=es"), vec![&ids[3]]),
        (
            "codings",
            format!("codebook={book}&{grassroots}&question=WHY"),
            vec![&ids[1], &ids[1], &ids[1], &ids[2], &ids[3]],
        ),
        ("code-matrix", format!("codebook={book}&layer=union&from=2026-03-02&to=2026-03-03"), vec![&ids[1], &ids[2]]),
    ];
    for (what, query, expected) in &cases {
        let rows = parse_csv(
            &String::from_utf8(download(&app, &format!("/surveys/tally/export/{what}.csv?{query}")).await).unwrap(),
        );
        let first: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(&first, expected, "{what}?{query}");
        let mut args: Vec<String> = ["--survey", "tally", "--what", what].map(str::to_string).to_vec();
        args.extend(flags(query));
        let output = cli(&app, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(parse_csv(&String::from_utf8(output.stdout).unwrap()), rows, "{args:?}");
    }
    let closed = |rows: Vec<Vec<String>>| -> Vec<(String, String, String)> {
        rows.into_iter().filter(|r| r[0] == "ORGMODEL").map(|r| (r[1].clone(), r[3].clone(), r[5].clone())).collect()
    };
    let company = closed(parse_csv(
        &String::from_utf8(download(&app, "/surveys/tally/export/closed.csv?answer=ORGMODEL%3Dcompany").await).unwrap(),
    ));
    let expected = |c: &str, n: &str| (c.to_string(), n.to_string(), "1".to_string());
    assert_eq!(company, [expected("company", "1"), expected("grassroots", "0"), expected("other", "0")]);
}

#[tokio::test]
async fn the_answer_filter_keeps_exactly_the_respondents_of_the_crosstab_group_of_that_answer() {
    // The filter says "gave this answer" in SQL, the cross-tab's groups in Rust: they must agree.
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let book = a.codebook;
    let crosstab = parse_csv(
        &String::from_utf8(
            download(
                &app,
                &format!("/surveys/tally/export/crosstab.csv?codebook={book}&by=ORGMODEL&include_partial=1"),
            )
            .await,
        )
        .unwrap(),
    );
    let totals = crosstab.last().unwrap();
    for (column, choice) in [(2, "company"), (4, "grassroots"), (6, "other")] {
        let path =
            format!("/surveys/tally/export/tallies.csv?codebook={book}&include_partial=1&answer=ORGMODEL%3D{choice}");
        let tallies = parse_csv(&String::from_utf8(download(&app, &path).await).unwrap());
        assert_eq!(tallies[1][6], totals[column], "{choice}: respondents who answered an open question");
    }
}

#[tokio::test]
async fn a_survey_without_participant_attributes_says_why_it_has_no_crosstab_by_them() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let (_, page) = app.get_page(&format!("/surveys/tally/analysis?codebook={}", a.codebook)).await;
    assert!(page.contains("No participant attributes yet: import participants"), "{page}");
    assert!(page.contains("id=\"crosstab-note\">No cross-tab chosen"), "{page}");

    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let anonymous = super::SURVEY.replace("slug = \"tally\"", "slug = \"hidden\"\nanonymous = true");
    let (survey, _) = fieldwork::survey::import_toml(&conn, &anonymous, None).unwrap();
    app.add_member(survey, "rae@example.org", MemberRole::Researcher);
    let file = fieldwork::codebook::model::from_toml(super::CODEBOOK).unwrap();
    fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let (status, page) = app.get_page("/surveys/hidden/analysis").await;
    assert_eq!(status, StatusCode::OK);
    let why = "the survey is anonymous, so no response is linked to a participant and there are no participant \
               attributes to group by";
    assert!(page.contains(&format!("There is none by participant attribute: {why}.")), "{page}");
    let (status, page) = app.get_page("/surveys/hidden/analysis?by=attribute:region").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(&format!("by: {why}")), "{page}");
    let (status, _) = app.get_page("/surveys/hidden/export/crosstab.csv?by=attribute:region").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_chart_is_downloaded_with_the_page_options_and_audited() {
    let app = TestApp::spawn().await;
    let a = arrange(&app);
    researcher(&app).await;
    let (_, page) = app.get_page(&format!("/surveys/tally/analysis?codebook={}&language=es", a.codebook)).await;
    let page = unescape(&page);
    let href = page.split("href=\"").find(|h| h.starts_with("/surveys/tally/analysis/tallies.svg")).unwrap();
    let href = href.split('"').next().unwrap();
    assert!(href.contains("language=es"), "{href}");
    let response = app.get(href).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/svg+xml; charset=utf-8");
    let svg = response.text().await.unwrap();
    assert!(svg.contains("🙂: 0 (0.0%)</title>"), "nobody in Spanish has ACCESS: {svg}");
    let audited = app.query_i64(
        "SELECT count(*) FROM audit_log WHERE action = 'responses.export' AND details LIKE 'chart tallies.svg%responses in es%'",
    );
    assert_eq!(audited, 1);
    assert_eq!(app.get("/surveys/tally/analysis/nothing.svg").await.status(), StatusCode::NOT_FOUND);
    let (status, page) = app.get_page("/surveys/tally/analysis/tallies.svg?layer=bogus").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(unescape(&page).contains("layer: \"bogus\" is not one of"), "{page}");
}

#[tokio::test]
async fn a_codebook_of_thousands_of_codes_costs_only_the_codes_that_occur() {
    let app = TestApp::spawn().await;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let a: Arranged = arrange(&app);
    // 3,000 codes, of which 45 occur: twelve on each of four answers.
    let mut toml = String::from("format = 1\nname = \"Huge\"\n");
    for i in 0..3000 {
        toml.push_str(&format!("[[codes]]\nid = \"C{i}\"\nname = \"Code {i}\"\n"));
    }
    let survey = fieldwork::survey::store::find_by_slug(&conn, "tally").unwrap().unwrap().id;
    let huge =
        fieldwork::codebook::import(&conn, survey, &fieldwork::codebook::model::from_toml(&toml).unwrap(), "t", None)
            .unwrap();
    let by = fieldwork::coding::store::Coder {
        codebook_id: huge,
        codebook_version: 1,
        coder_id: a.coders[0],
        layer: "coder",
    };
    for (n, response) in a.responses.iter().take(4).enumerate() {
        let unit = fieldwork::coding::store::UnitRef { response_id: *response, question: "WHY" };
        for k in 0..12 {
            fieldwork::coding::store::apply_whole(&conn, by, unit, &format!("C{}", (n * 12 + k) % 45)).unwrap();
        }
    }
    researcher(&app).await;
    let started = std::time::Instant::now();
    let (status, page) = app.get_page(&format!("/surveys/tally/analysis?codebook={huge}&layer=union")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(started.elapsed() < std::time::Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(page.contains("Showing the 30 most frequent of the 45 codes that occur"), "a cap, and why");
    let heat = page.split("id=\"chart-cooccurrence\"").nth(1).unwrap().split("</svg>").next().unwrap();
    assert_eq!(heat.matches("class=\"cell\"").count(), 30 * 30);
    let bars = page.split("id=\"chart-tallies\"").nth(1).unwrap().split("</svg>").next().unwrap();
    assert_eq!(bars.matches("class=\"bar\"").count(), 40, "the most frequent codes; the table has all 3,000");
}
