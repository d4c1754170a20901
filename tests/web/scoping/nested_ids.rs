//! Ids in a URL belong to the survey they are reached under: a response of another survey, one in
//! the trash, one that does not exist, a passage of another answer, or another survey's mailing is
//! "not found" (404), never shown, written or answered with a server error.

use reqwest::StatusCode;

use crate::coding::{Study, WHY};
use crate::surveys::{SHIPPED, add_response};

/// A second study on the same server, with one complete answer to OPEN_WHY: its response id.
fn another_study(study: &Study) -> (i64, i64) {
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let other = SHIPPED.replace("slug = \"open-llm-governance\"", "slug = \"other-study\"");
    let (survey, _) = fieldwork::survey::import_toml(&conn, &other, None).unwrap();
    let response = add_response(&study.app, survey, "complete", &[(WHY, "", "A secret of the other study")]);
    (survey, response)
}

fn consensus_codings(study: &Study) -> i64 {
    study.app.query_i64("SELECT COUNT(*) FROM codings WHERE layer = 'consensus'")
}

#[tokio::test]
async fn reconciliation_finds_no_answer_of_another_survey_of_the_trash_or_of_no_response() {
    let study = Study::with_answers(&["Ours to reconcile", "Deleted later"]).await;
    study.set_modes(true, true).await;
    let (_, foreign) = another_study(&study);
    let trashed = study.responses[1];
    study.app.query_i64(&format!(
        "UPDATE responses SET deleted_at = '2026-01-01T00:00:00Z' WHERE id = {trashed} RETURNING id"
    ));
    let reconcile = |response: i64| format!("/codebooks/{}/reconcile/{response}/{WHY}", study.codebook);

    let (status, _) = study.app.get_page(&reconcile(study.responses[0])).await;
    assert_eq!(status, StatusCode::OK, "the survey's own answer");
    for (what, response) in [("another survey's", foreign), ("in the trash", trashed), ("no such response", 999_999)] {
        let (status, page) = study.app.get_page(&reconcile(response)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET: {what}");
        assert!(!page.contains("A secret of the other study") && !page.contains("Deleted later"), "{what}");
        let posted = study.app.post_form(&reconcile(response), &[("code", "MOT_ACCESS"), ("note", "x")]).await;
        assert_eq!(posted.status(), StatusCode::NOT_FOUND, "POST: {what}");
    }
    assert_eq!(consensus_codings(&study), 0, "nothing was written");
}

#[tokio::test]
async fn a_passage_is_deleted_only_under_its_own_answer() {
    let study = Study::with_answers(&["Open weights for everyone", "Another answer"]).await;
    let (_, foreign) = another_study(&study);
    let [first, second] = [study.responses[0], study.responses[1]];
    let highlighted = study.highlight(&study.app, first, "MOT_ACCESS", "0", "4").await;
    assert_eq!(highlighted.status(), StatusCode::SEE_OTHER);
    let passage = study.codings().into_iter().find(|c| c.span.is_some()).expect("the passage").id;
    let delete = |response: i64| format!("{}/span/{passage}/delete", study.unit(response));

    for (what, response) in [("another answer", second), ("another survey's answer", foreign)] {
        let response = study.app.post_form(&delete(response), &[]).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{what}");
        assert!(study.codings().iter().any(|c| c.id == passage), "{what}: the passage is still there");
    }
    assert_eq!(study.app.post_form(&delete(first), &[]).await.status(), StatusCode::SEE_OTHER);
    assert!(!study.codings().iter().any(|c| c.id == passage), "deleted under its own answer");
}

#[tokio::test]
async fn another_surveys_mailing_is_not_found() {
    let study = Study::with_answers(&["Anything"]).await;
    let (other, _) = another_study(&study);
    let mailing = study.app.query_i64(&format!(
        "INSERT INTO mailings (survey_id, kind, created_at) VALUES ({other}, 'invitation', '2026-01-01') RETURNING id"
    ));
    let path = format!("/surveys/open-llm-governance/mail/{mailing}/retry");
    assert_eq!(study.app.post_form(&path, &[]).await.status(), StatusCode::NOT_FOUND);
}
