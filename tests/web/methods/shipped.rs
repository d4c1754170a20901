//! The shipped questionnaire's methods: the motivations and the collaboration artefacts in an
//! order drawn per respondent ("None of these", "Don't know" and Other last), the project's name
//! in the governance questions, and the paradata and missing-data columns of its export and
//! dictionary (anonymous as shipped; with times and devices when it is not).

use fieldwork::survey::order;
use fieldwork::survey::store::Status;

use super::*;
use crate::respond::{SHIPPED_ANSWERS, answer_every_page};

#[tokio::test]
async fn the_shipped_questionnaire_randomises_its_lists_pipes_the_project_and_exports_both() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let definition = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition;
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    r.start().await;
    let seed = seed_of_only_response(&app);
    let drawn = |code: &str| -> Vec<String> {
        order::choices(definition.question(code).unwrap(), seed).into_iter().map(|c| c.code.clone()).collect()
    };

    let mut given = SHIPPED_ANSWERS.to_vec();
    given.push(("q.PROJECT", "BLOOM"));
    let fields = answer_everything(&r.html, &given);
    r.next(0, &borrowed(&fields)).await;
    let collab = shown_choices(&r.html, "COLLAB");
    assert_eq!(collab, drawn("COLLAB"));
    assert_eq!(&collab[6..], ["none", "dont_know"], "anchored at the end");
    let seen = answer_every_page(&mut r, &given).await;
    assert_eq!(seen.len(), 10);

    let rows = export(&app, SHIPPED_SLUG, "responses", &["--missing", "codes"]);
    let motiv = cell(&rows, 1, "order_MOTIV").split(' ').map(str::to_string).collect::<Vec<_>>();
    assert_eq!(motiv, drawn("MOTIV"));
    assert_eq!(cell(&rows, 1, "order_COLLAB"), collab.join(" "));
    assert_eq!(cell(&rows, 1, "last_page"), "ahead");
    assert_eq!(cell(&rows, 1, "PROJECT"), "BLOOM");
    assert_eq!(cell(&rows, 1, "PARTNERS"), "-66", "hidden by display logic");
    assert_eq!(cell(&rows, 1, "CONTROL/architecture"), "-99", "a matrix row left out");
    assert!(!rows[0].iter().any(|c| c == "device" || c.starts_with("time_")), "anonymous: no device, no durations");
    assert_eq!(cell(&rows, 1, "consent_at").len(), 10, "the date only");

    let dictionary = export(&app, SHIPPED_SLUG, "codebook-dictionary", &["--missing", "codes"]);
    let order_row = dictionary.iter().find(|r| r[0] == "order_MOTIV").expect("a row for order_MOTIV");
    assert_eq!(order_row[1], "MOTIV");
    assert_eq!(order_row[5], "order (codes, space-separated)");
    let last_page = dictionary.iter().find(|r| r[0] == "last_page").unwrap();
    assert!(last_page[6].starts_with("about=About you and your project; lifecycle="), "{last_page:?}");
}

/// Answers pages with `given` (and defaults, but never `PROJECT` unless given) until the page
/// `target` is shown.
async fn reach_page(r: &mut Respondent<'_>, given: &[(&str, &str)], target: usize) {
    for _ in 0..10 {
        let index = form_index(&r.html).expect("a page");
        if index == target {
            return;
        }
        let mut fields = answer_everything(&r.html, given);
        if !given.iter().any(|(k, _)| *k == "q.PROJECT") {
            fields.retain(|(k, _)| k != "q.PROJECT");
        }
        let reply = r.submit(index, &borrowed(&fields)).await;
        assert_eq!(reply.status, reqwest::StatusCode::SEE_OTHER, "{}", errors_in(&reply.html));
        r.get(&reply.location).await;
    }
    panic!("page {target} never came");
}

#[tokio::test]
async fn the_governance_questions_name_the_project_and_fall_back_when_it_was_not_given() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut named = Respondent::new(&app, SHIPPED_SLUG);
    named.start_with("?lang=es").await;
    let mut given = SHIPPED_ANSWERS.to_vec();
    given.push(("q.PROJECT", "BLOOM <3"));
    reach_page(&mut named, &given, 4).await;
    let html = unescape(&named.html);
    assert!(html.contains("¿Cuál de estos modelos organizativos describe mejor BLOOM <3?"), "{html}");
    assert!(html.contains("¿Con cuáles de los siguientes documentos formales cuenta BLOOM <3?"));
    assert!(named.html.contains("BLOOM &lt;3"), "escaped");

    let other = app.other_client();
    let mut unnamed = Respondent::new(&other, SHIPPED_SLUG);
    unnamed.start().await;
    reach_page(&mut unnamed, SHIPPED_ANSWERS, 4).await;
    let html = unescape(&unnamed.html);
    assert!(html.contains("Which of these organisational models best describes the project?"), "{html}");
    assert!(html.contains("how are decisions in the project made?"));
}

#[tokio::test]
async fn a_non_anonymous_shipped_questionnaire_exports_times_and_devices_with_their_dictionary_rows() {
    let app = TestApp::spawn().await;
    add_survey(&app, &SHIPPED.replace("anonymous = true", "anonymous = false"), Status::Open);
    let definition = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition;
    let mut r =
        Respondent::new(&app, SHIPPED_SLUG).with_header("user-agent", "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0");
    r.start().await;
    answer_every_page(&mut r, SHIPPED_ANSWERS).await;

    let rows = export(&app, SHIPPED_SLUG, "responses", &[]);
    let times: Vec<String> = definition.pages.iter().map(|p| format!("time_{}", p.code)).collect();
    let paradata: Vec<&str> = rows[0][7..7 + 4 + times.len() + 2].iter().map(String::as_str).collect();
    let mut expected = vec!["consent_version", "consent_at", "device", "last_page"];
    expected.extend(times.iter().map(String::as_str));
    expected.extend(["order_COLLAB", "order_MOTIV"]);
    assert_eq!(paradata, expected);
    assert_eq!(cell(&rows, 1, "device"), "desktop");
    for time in &times {
        assert!(cell(&rows, 1, time).parse::<i64>().is_ok(), "{time}: {}", cell(&rows, 1, time));
    }
    let dictionary = export(&app, SHIPPED_SLUG, "codebook-dictionary", &[]);
    assert_eq!(dictionary[1..].iter().map(|r| r[0].clone()).collect::<Vec<_>>(), rows[0]);
    let motivations = dictionary.iter().find(|r| r[0] == "time_motivations").unwrap();
    assert_eq!((motivations[3].as_str(), motivations[4].as_str()), ("motivations", "Motivations"));
    let device = dictionary.iter().find(|r| r[0] == "device").unwrap();
    assert_eq!(device[6], "phone=phone; tablet=tablet; desktop=desktop");
}

#[tokio::test]
async fn the_barrier_ranking_asks_only_about_the_barriers_rated_above_not_at_all() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let definition = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition;
    let page_of = |code: &str| definition.pages.iter().position(|p| p.code == code).unwrap();
    let (ranking, after) = (page_of("barrier_ranking"), page_of("ahead"));

    let mut rated = Respondent::new(&app, SHIPPED_SLUG);
    rated.start().await;
    reach_page(&mut rated, &[("q.BARRIER_PACE", "h4"), ("q.BARRIER_CURATION", "h2")], ranking).await;
    let html = unescape(&rated.html);
    assert!(html.contains("The pace of the field (you rated: A lot)"), "each label pipes its rating: {html}");
    let offered: Vec<&str> =
        html.split("name=\"q.BARRIER_RANK.").skip(1).filter_map(|rest| rest.split('"').next()).collect();
    assert_eq!(offered, ["pace", "curation"], "only the barriers rated above Not at all are offered");
    assert!(!html.contains("Organisational secrecy"), "a barrier rated Not at all is not asked about");

    // A barrier not offered (a tampered form) is refused, the typed ranks kept.
    let refused = rated.submit(ranking, &[("q.BARRIER_RANK.pace", "1"), ("q.BARRIER_RANK.secrecy", "2")]).await;
    assert_eq!(refused.status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&refused.html).contains("Choose one of the options shown."), "{}", errors_in(&refused.html));
    let taken = rated.submit(ranking, &[("q.BARRIER_RANK.pace", "1"), ("q.BARRIER_RANK.curation", "2")]).await;
    assert_eq!(taken.location, format!("/s/{SHIPPED_SLUG}/p/{after}"), "{}", errors_in(&taken.html));
    assert_eq!(
        answer_items(&app, "BARRIER_RANK"),
        [("curation".into(), "2".into()), ("pace".into(), "1".into())].into()
    );

    // Every barrier "Not at all" (the first choice, as `answer_everything` gives): no ranking page.
    let other = app.other_client();
    let mut unrated = Respondent::new(&other, SHIPPED_SLUG);
    unrated.start().await;
    reach_page(&mut unrated, &[], page_of("barriers")).await;
    let fields = answer_everything(&unrated.html, &[]);
    let reply = unrated.submit(page_of("barriers"), &borrowed(&fields)).await;
    assert_eq!(reply.location, format!("/s/{SHIPPED_SLUG}/p/{after}"), "the ranking page is skipped");
}
