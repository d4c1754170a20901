//! The analysis and export pages in Chromium, at 1280×900 and on a phone (390×844), on the study
//! kit (the shipped questionnaire and codebook) with coded answers and a code whose name is
//! longer than any line: every chart's text lies inside its SVG, charts are legible, wide tables
//! scroll inside their box and not the page, the table of contents leads to each section, and
//! axe finds nothing serious or critical on either page.

use fieldwork::accounts::Role;
use fieldwork::coding::store::{self, Coder, UnitRef};
use fieldwork::survey::members::MemberRole;
use fieldwork::survey::model::QuestionType;
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp};

/// A code name that needs wrapping and shortening, with a word longer than a line.
const LONG_NAME: &str = "Democratising access to large language models for researchers, public institutions and \
                         small companies in every region, including Supercalifragilisticexpialidociousnessly long words";

pub(super) struct Study {
    pub codebook: i64,
}

/// The study kit with 24 complete responses: every closed question answered, both open questions
/// coded by one coder (three codes each, so that codes co-occur), one code renamed to `LONG_NAME`.
pub(super) fn study(app: &TestApp) -> Study {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/questionnaires/open-llm-governance.toml"))
            .unwrap();
    let (survey, _) = fieldwork::survey::import_toml(&conn, &source, None).unwrap();
    let stored = fieldwork::survey::store::find_by_slug(&conn, "open-llm-governance").unwrap().unwrap();
    let book_source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/codebooks/open-llm-governance.toml")).unwrap();
    let mut file = fieldwork::codebook::model::from_toml(&book_source).unwrap();
    let codes: Vec<String> = file
        .codes
        .iter()
        .filter(|c| c.kind == fieldwork::codebook::model::CodeKind::Code)
        .map(|c| c.id.clone())
        .collect();
    let first = file.codes.iter_mut().find(|c| c.id == codes[0]).unwrap();
    first.name = LONG_NAME.into();
    let codebook = fieldwork::codebook::import(&conn, survey, &file, "test", None).unwrap();
    let coder = app.add_user("ann@example.org", Role::Coder);
    app.add_member(survey, "ann@example.org", MemberRole::Coder);
    app.add_user("rae@example.org", Role::Researcher);
    app.add_member(survey, "rae@example.org", MemberRole::Researcher);
    let tx = conn.unchecked_transaction().unwrap();
    for i in 0..24usize {
        tx.execute(
            "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, updated_at) \
             VALUES (?1, ?2, 'complete', 1, ?3, ?4, ?4)",
            rusqlite::params![
                survey,
                vec![i as u8; 32],
                if i % 4 == 0 { "es" } else { "en" },
                format!("2026-03-{:02}", i + 1)
            ],
        )
        .unwrap();
        let id = tx.last_insert_rowid();
        let answer = |question: &str, item: &str, value: &str| {
            tx.execute(
                "INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![id, question, item, value],
            )
            .unwrap();
        };
        for (_, q) in stored.definition.questions() {
            let Some(choice) = q.choices.get(i % q.choices.len().max(1)) else { continue };
            match q.kind {
                QuestionType::SingleChoice => answer(&q.code, "", &choice.code),
                QuestionType::MultipleChoice => answer(&q.code, &choice.code, "1"),
                QuestionType::Matrix => q.rows.iter().for_each(|r| answer(&q.code, &r.code, &choice.code)),
                _ => {}
            }
        }
        for question in ["OPEN_WHY", "OPEN_NEEDS"] {
            answer(question, "", &format!("Answer {i} to {question}, long enough to be worth coding."));
            let by = Coder { codebook_id: codebook, codebook_version: 1, coder_id: coder, layer: "coder" };
            let unit = UnitRef { response_id: id, question };
            for k in [i % 7, (i + 1) % 7, (i * 3) % codes.len()] {
                store::apply_whole(&tx, by, unit, &codes[k]).unwrap();
            }
            store::set_done(&tx, codebook, unit, coder, true).unwrap();
        }
    }
    tx.commit().unwrap();
    Study { codebook }
}

pub(super) async fn sign_in(browser: &Browser, app: &TestApp) {
    browser.goto(&app.url("/login")).await;
    browser.fill("#email", "rae@example.org").await;
    browser.fill("#password", PASSWORD).await;
    browser.click_and_wait("main button[type=submit]").await;
}

/// Every `<text>` of every inline chart whose box is not inside its `<svg>`'s box.
const TEXT_OUTSIDE: &str = r#"
    const out = [];
    for (const svg of document.querySelectorAll('svg.chart')) {
        const box = svg.getBoundingClientRect();
        for (const t of svg.querySelectorAll('text')) {
            const r = t.getBoundingClientRect();
            if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
                out.push(svg.id + ': "' + t.textContent + '" ' + JSON.stringify([r.left, r.right, r.top, r.bottom]) + ' in ' + JSON.stringify([box.left, box.right, box.top, box.bottom]));
            }
        }
    }
    return out;
"#;

/// The page's measures: charts and their smallest text as drawn, and whether the page itself
/// scrolls sideways.
const MEASURES: &str = r#"
    const charts = [...document.querySelectorAll('svg.chart')];
    const fonts = charts.flatMap(svg => {
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return [...svg.querySelectorAll('text')].map(t => parseFloat(t.getAttribute('font-size')) * scale);
    });
    const main = document.querySelector('main').getBoundingClientRect();
    const bars = charts.filter(svg => !svg.closest('.table-scroll'));
    return {
        charts: charts.length,
        smallest_font: Math.min(...fonts),
        bars_wider_than_main: bars.filter(svg => svg.getBoundingClientRect().right > main.right + 0.5).map(svg => svg.id),
        page_scrolls_sideways: document.documentElement.scrollWidth > window.innerWidth,
        scroll_boxes: [...document.querySelectorAll('.table-scroll')].filter(b => b.scrollWidth > b.clientWidth).length,
    };
"#;

#[tokio::test]
async fn the_analysis_page_reads_well_at_1280_and_on_a_phone() {
    let app = TestApp::spawn().await;
    let study = study(&app);
    for (width, height) in [(1280, 900), (390, 844)] {
        let browser = Browser::start(width, height).await;
        sign_in(&browser, &app).await;
        let page = format!("/surveys/open-llm-governance/analysis?codebook={}&by=ROLE", study.codebook);
        browser.goto(&app.url(&page)).await;

        let outside = browser.client.execute(TEXT_OUTSIDE, vec![]).await.unwrap();
        assert_eq!(outside, Value::Array(vec![]), "at {width}px, chart text outside its chart");
        let measures = browser.client.execute(MEASURES, vec![]).await.unwrap();
        assert!(measures["charts"].as_u64().unwrap() > 10, "{measures}");
        assert!(measures["smallest_font"].as_f64().unwrap() >= 11.0, "at {width}px: {measures}");
        assert_eq!(measures["bars_wider_than_main"], Value::Array(vec![]), "at {width}px: {measures}");
        assert_eq!(measures["page_scrolls_sideways"], Value::Bool(false), "at {width}px: {measures}");
        if width < 500 {
            assert!(measures["scroll_boxes"].as_u64().unwrap() >= 1, "the wide tables scroll in their box: {measures}");
        }
        // The long code name is cut on the chart, whole in its title.
        let title = "return [...document.querySelectorAll('#chart-tallies g.bar > title')].map(t => t.textContent);";
        let titles = browser.client.execute(title, vec![]).await.unwrap();
        assert!(titles.as_array().unwrap().iter().any(|t| t.as_str().unwrap().starts_with(LONG_NAME)), "{titles}");

        // The anonymous study says why its cross-tab offers no participant attribute.
        assert!(browser.text("#by-help").await.starts_with("The survey is anonymous, so no response"));

        // Each entry of the table of contents leads to its section.
        let links: Vec<String> = serde_json::from_value(
            browser
                .client
                .execute(
                    "return [...document.querySelectorAll('.analysis-toc a')].map(a => a.getAttribute('href'));",
                    vec![],
                )
                .await
                .unwrap(),
        )
        .unwrap();
        assert_eq!(links, ["#options", "#tallies", "#crosstab", "#cooccurrence", "#closed"]);
        for link in &links {
            browser.goto(&app.url(&page)).await;
            browser.click(&format!(".analysis-toc a[href='{link}']")).await;
            let script = format!(
                "const s = document.querySelector('{link}').getBoundingClientRect(); \
                 return [location.hash, s.top >= -1 && s.top < window.innerHeight / 2];"
            );
            let mut at = Value::Null;
            for _ in 0..20 {
                at = browser.client.execute(&script, vec![]).await.unwrap();
                if at[1] == Value::Bool(true) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            assert_eq!(at, serde_json::json!([link, true]), "at {width}px, {link} is at the top of the window");
        }
        browser.goto(&app.url(&page)).await;
        browser.screenshot(&format!("analysis-{width}")).await;
        let violations = browser.serious_accessibility_violations().await;
        assert!(violations.is_empty(), "analysis at {width}px: {violations:#?}");

        browser.goto(&app.url("/surveys/open-llm-governance/export")).await;
        browser.screenshot(&format!("export-{width}")).await;
        let violations = browser.serious_accessibility_violations().await;
        assert!(violations.is_empty(), "export at {width}px: {violations:#?}");
        browser.close().await;
    }
}
