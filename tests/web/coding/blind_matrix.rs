//! Blind coding is blind on every page: two coders and a researcher, and every page and download
//! of the route table a coder can reach. While the codebook is blind, everything coder A is
//! served is the same before and after coder B codes, highlights a passage, writes memos on an
//! answer and on a code, a journal entry, and marks answers done — so none of B's codes, passages,
//! memos, done marks or counts reach A — and B's texts are nowhere in it. Once the researcher lifts
//! blinding they appear; on the reconciliation pages the researcher sees them.

use std::collections::BTreeMap;

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use super::{Study, WHY, visible_text};
use crate::helpers::TestApp;
use crate::surveys::page;

const B_MEMO: &str = "Ben's memo: the answer is about Swahili";
const B_CODE_MEMO: &str = "Ben's memo on a code: access means hardware";
const B_JOURNAL: &str = "Ben's journal: week one";
const B_PASSAGE: &str = "Swahili";
const RESEARCHERS_ENTRY: &str = "Rita's guidance: code the answer, not the person";

/// Every path of the route table that can be asked with GET, filled with the study's ids (an
/// answer's routes once for each response), except the respondents' pages and the static files.
fn paths(study: &Study) -> Vec<String> {
    let mut paths = Vec::new();
    for pattern in fieldwork::app::route_paths() {
        if pattern.starts_with("/s/") || pattern.starts_with("/static/") {
            continue;
        }
        let responses: Vec<Option<i64>> = if pattern.contains("{response_id}") {
            study.responses.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        for response in responses {
            let filled: Vec<String> = pattern
                .split('/')
                .map(|segment| match segment {
                    "{id}" => study.codebook.to_string(),
                    "{slug}" => crate::surveys::SHIPPED_SLUG.to_string(),
                    "{response_id}" => response.unwrap_or_default().to_string(),
                    "{question}" => WHY.to_string(),
                    "{version}" => "1".to_string(),
                    s if s.starts_with('{') => "1".to_string(),
                    s => s.to_string(),
                })
                .collect();
            paths.push(filled.join("/"));
        }
    }
    paths
}

/// What `who` is served on every page they may reach (status 200), by path.
async fn reachable(who: &TestApp, paths: &[String]) -> BTreeMap<String, String> {
    let mut served = BTreeMap::new();
    for path in paths {
        if path == "/logout" {
            continue;
        }
        let response = who.get(path).await;
        if response.status() == StatusCode::OK {
            served.insert(path.clone(), response.text().await.unwrap());
        }
    }
    served
}

#[tokio::test]
async fn while_blind_nothing_of_another_coders_work_reaches_a_coder_on_any_page_and_all_of_it_once_lifted() {
    let study = Study::with_answers(&["Runs in Swahili on a laptop.", "Open science.", "A company pays."]).await;
    let [first, second, _] = [study.responses[0], study.responses[1], study.responses[2]];
    let (ana, ana_id) = study.person("ana@example.org", Role::Coder).await;
    let (ben, ben_id) = study.person("ben@example.org", Role::Coder).await;
    study.assign(&[ana_id, ben_id], "100", "2", "8").await;
    study.set_modes(true, false).await;
    let journal = format!("/codebooks/{}/journal", study.codebook);
    assert_eq!(study.app.post_form(&journal, &[("body", RESEARCHERS_ENTRY)]).await.status(), StatusCode::SEE_OTHER);
    study.code_ok(&ana, first, &["MOT_ACCESS"], "save").await;
    let paths = paths(&study);
    let before = reachable(&ana, &paths).await;
    assert!(before.len() >= 8, "the coder's pages: {:?}", before.keys().collect::<Vec<_>>());
    assert!(before.keys().any(|p| p.ends_with("/journal")) && before.keys().any(|p| p.contains("/definitions/")));

    // Ben works on the same answers.
    study.code_ok(&ben, first, &["MOT_LANGUAGE"], "save").await;
    let start = "Runs in ".chars().count().to_string();
    let end = "Runs in Swahili".chars().count().to_string();
    assert_eq!(study.highlight(&ben, first, "MOT_LANGUAGE", &start, &end).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        ben.post_form(&format!("{}/memo", study.unit(first)), &[("body", B_MEMO)]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(ben.post_form(&journal, &[("body", B_JOURNAL)]).await.status(), StatusCode::SEE_OTHER);
    let code_memo = [("code", "MOT_ACCESS"), ("body", B_CODE_MEMO)];
    assert_eq!(ben.post_form(&journal, &code_memo).await.status(), StatusCode::SEE_OTHER);
    study.code_ok(&ben, first, &["MOT_LANGUAGE"], "done").await;
    study.code_ok(&ben, second, &[], "done").await;

    let after = reachable(&ana, &paths).await;

    assert_eq!(after.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "the same pages");
    for (path, html) in &after {
        for secret in [B_MEMO, B_CODE_MEMO, B_JOURNAL, "ben@example.org"] {
            assert!(!html.contains(secret), "{path} shows {secret:?} while blind");
        }
        assert!(!html.contains("<mark class=\"code-MOT_LANGUAGE\""), "{path} shows Ben's passage");
        assert_eq!(html, &before[path], "{path} changed when Ben worked: something of his reached Ana");
    }
    let ana_journal = visible_text(&after[&journal]);
    assert!(ana_journal.contains(RESEARCHERS_ENTRY), "the researcher's guidance stays in view: {ana_journal}");

    // The researcher lifts blinding: Ben's codes, memos and journal reach Ana.
    study.set_modes(false, false).await;
    let lifted = visible_text(&page(&ana, &study.unit(first)).await);
    assert!(lifted.contains("ben@example.org Language and cultural representation"), "{lifted}");
    assert!(lifted.contains(B_MEMO), "{lifted}");
    let lifted_journal = visible_text(&page(&ana, &journal).await);
    assert!(lifted_journal.contains(B_JOURNAL) && lifted_journal.contains(B_CODE_MEMO), "{lifted_journal}");

    // Blind again, with reconciliation open: the researcher sees Ben's work beside Ana's.
    study.set_modes(true, true).await;
    let reconcile =
        visible_text(&page(&study.app, &format!("/codebooks/{}/reconcile/{first}/{WHY}", study.codebook)).await);
    for shown in [B_MEMO, B_PASSAGE, "ben@example.org", "ana@example.org"] {
        assert!(reconcile.contains(shown), "reconciliation shows {shown:?}: {reconcile}");
    }
}
