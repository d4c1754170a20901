//! Reconciliation in a browser: the list narrowed to the disagreements still to reconcile, each
//! coder's memos beside their codes, and "Save and next disagreement" walking through them to the
//! end. axe-core finds nothing serious or critical on the list or an answer's page.

use fieldwork::accounts::Role;

use crate::browser::Browser;
use crate::browser_coding::log_in;
use crate::coding::{RESEARCHER, Study, WHY};

fn assert_accessible(violations: Vec<String>, page: &str) {
    assert!(violations.is_empty(), "{page}:\n{}", violations.join("\n"));
}

#[tokio::test]
async fn a_researcher_reconciles_the_disagreements_one_after_another_with_each_coders_memos_beside_their_codes() {
    let study = Study::with_answers(&["Free weights for all.", "Built in the open.", "A company pays for it."]).await;
    let [first, agreed, third] = [study.responses[0], study.responses[1], study.responses[2]];
    let (ana, ana_id) = study.person("ana@example.org", Role::Coder).await;
    let (ben, ben_id) = study.person("ben@example.org", Role::Coder).await;
    study.assign(&[ana_id, ben_id], "100", "2", "3").await;
    for (response, ana_codes, ben_codes) in [
        (first, &["MOT_ACCESS"][..], &["MOT_LANGUAGE"][..]),
        (agreed, &["MOT_OPEN_SCIENCE"][..], &["MOT_OPEN_SCIENCE"][..]),
        (third, &["MOT_ACCESS"][..], &[][..]),
    ] {
        study.code_ok(&ana, response, ana_codes, "done").await;
        study.code_ok(&ben, response, ben_codes, "done").await;
    }
    let memo = |response: i64| format!("{}/memo", study.unit(response));
    ana.post_form(&memo(first), &[("body", "Ana: it is about access.")]).await;
    ben.post_form(&memo(first), &[("body", "Ben: Swahili is the point.")]).await;
    study.set_modes(true, true).await;
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &study.app, RESEARCHER).await;
    let list = format!("/codebooks/{}/reconcile", study.codebook);

    browser.goto(&study.app.url(&list)).await;
    browser.click("label[for=disagreements]").await;
    browser.and_wait(browser.click("#reconcile-filter button[type=submit]")).await;
    let listed = browser.text("main table").await;
    assert!(listed.contains(&format!("#{first} {WHY}")) && listed.contains(&format!("#{third} {WHY}")), "{listed}");
    assert!(!listed.contains(&format!("#{agreed} {WHY}")), "the answer they agree on is not listed: {listed}");
    browser.screenshot("reconcile-list").await;
    assert_accessible(browser.serious_accessibility_violations().await, "reconciliation list");

    let link = format!("a[href^='/codebooks/{}/reconcile/{first}/{WHY}']", study.codebook);
    browser.and_wait(browser.click(&link)).await;
    let ana_side = browser.text("section[aria-label='ana@example.org']").await;
    let ben_side = browser.text("section[aria-label='ben@example.org']").await;
    assert!(ana_side.contains("Democratising access") && ana_side.contains("Ana: it is about access."), "{ana_side}");
    assert!(ben_side.contains("Language") && ben_side.contains("Ben: Swahili is the point."), "{ben_side}");
    assert!(!ana_side.contains("Ben:") && !ben_side.contains("Ana:"), "each memo beside its coder's codes");
    browser.screenshot("reconcile-answer").await;
    assert_accessible(browser.serious_accessibility_violations().await, "reconciliation of an answer");

    browser.click("label[for=consensus-MOT_LANGUAGE]").await;
    let next = browser.and_wait(browser.click("#save-and-next")).await;
    assert_eq!(next, format!("{list}/{third}/{WHY}"), "on to the next disagreement");
    let after = browser.and_wait(browser.click("#save-and-next")).await;
    assert_eq!(after, list, "none left: back to the list");
    assert!(browser.text("main").await.contains("No disagreement is left to reconcile"));
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM reconciliations"), 2);
    let consensus = study.app.query_i64(&format!(
        "SELECT COUNT(*) FROM codings WHERE layer = 'consensus' AND response_id = {first} AND code_key = 'MOT_LANGUAGE'"
    ));
    assert_eq!(consensus, 1);
    browser.close().await;
}
