//! The responses page: filters and counts, one response whole, deleting to the trash with
//! confirmation, restoring, and the purge after 30 days.

use reqwest::StatusCode;

use super::{add_participant, open_small_survey};
use crate::helpers::{TestApp, unescape};
use crate::respondent::Respondent;
use crate::surveys::{SMALL_SLUG, add_response, audit, page};

fn count_shown(html: &str) -> String {
    let start = html.find("<p id=\"response-count\"><strong>").expect("a count") + 31;
    html[start..start + html[start..].find('<').unwrap()].to_string()
}

async fn responses_page(app: &TestApp, query: &str) -> String {
    unescape(&page(app, &format!("/surveys/{SMALL_SLUG}/responses{query}")).await)
}

#[tokio::test]
async fn the_list_filters_by_status_language_dates_and_participant_and_counts() {
    let (app, survey_id) = open_small_survey().await;
    add_response(&app, survey_id, "complete", &[("ROLE", "", "lead")]);
    add_response(&app, survey_id, "partial", &[]);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE responses SET language = 'es', started_at = '2025-06-10T10:00:00Z' WHERE id = 2", []).unwrap();
    let (_, token) = add_participant(&app, survey_id, "pat@example.org", &[]);
    let browser = app.other_client();
    Respondent::new(&browser, SMALL_SLUG).start_with(&format!("?t={token}")).await;

    assert_eq!(count_shown(&responses_page(&app, "").await), "3");
    assert_eq!(count_shown(&responses_page(&app, "?status=complete").await), "1");
    assert_eq!(count_shown(&responses_page(&app, "?status=partial&language=es").await), "1");
    assert_eq!(count_shown(&responses_page(&app, "?from=2025-06-01&to=2025-06-30").await), "1");
    let by_participant = responses_page(&app, "?participant=started").await;
    assert_eq!(count_shown(&by_participant), "1");
    assert!(by_participant.contains("pat@example.org"));
    let bad = app.get(&format!("/surveys/{SMALL_SLUG}/responses?from=last+week")).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unescape(&bad.text().await.unwrap()).contains("\"last week\" is not a date such as 2026-03-01"));
}

#[tokio::test]
async fn one_response_is_shown_whole_with_its_metadata_and_participant() {
    let (app, survey_id) = open_small_survey().await;
    let (_, token) = add_participant(&app, survey_id, "ada@example.org", &[("organisation", "Hub")]);
    let browser = app.other_client();
    let mut r = Respondent::new(&browser, SMALL_SLUG);
    r.start_with(&format!("?t={token}")).await;
    r.next(0, &[("q.ROLE", "lead"), ("q.TOOLS", "git")]).await;
    r.submit(1, &[("q.COMMENT", "All good <b>really</b>")]).await;
    let id = app.query_i64("SELECT id FROM responses");

    let html = unescape(&page(&app, &format!("/surveys/{SMALL_SLUG}/responses/{id}")).await);
    for expected in [
        "What is your role?",
        "Lead",
        "Git",
        "All good <b>really</b>",
        "ada@example.org",
        "organisation: Hub",
        "Survey version",
        "seconds",
    ] {
        assert!(html.contains(expected), "{expected} in {html}");
    }
    assert_eq!(app.get(&format!("/surveys/{SMALL_SLUG}/responses/99999")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn deleted_responses_wait_in_the_trash_can_be_restored_and_are_purged_after_thirty_days() {
    let (app, survey_id) = open_small_survey().await;
    let kept = add_response(&app, survey_id, "complete", &[("ROLE", "", "lead")]);
    let doomed = add_response(&app, survey_id, "complete", &[("ROLE", "", "ops")]);
    let delete = format!("/surveys/{SMALL_SLUG}/responses/{doomed}/delete");

    let unconfirmed = app.post_form(&delete, &[]).await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.text().await.unwrap().contains("Tick the box to confirm the deletion."));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE deleted_at IS NOT NULL"), 0);

    assert_eq!(app.post_form(&delete, &[("confirm", "yes")]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(count_shown(&responses_page(&app, "").await), "1");
    let csv = app.get(&format!("/surveys/{SMALL_SLUG}/export/responses.csv")).await.text().await.unwrap();
    assert_eq!(csv.lines().count(), 2, "the trash is left out of exports: {csv}");
    let trash = unescape(&page(&app, &format!("/surveys/{SMALL_SLUG}/responses/trash")).await);
    assert!(trash.contains(&format!("Restore {doomed}")));

    let restored =
        app.post_form(&format!("/surveys/{SMALL_SLUG}/responses/trash"), &[("id", &doomed.to_string())]).await;
    assert_eq!(restored.status(), StatusCode::SEE_OTHER);
    assert_eq!(count_shown(&responses_page(&app, "").await), "2");

    app.post_form(&delete, &[("confirm", "yes")]).await;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE responses SET deleted_at = '2020-01-01T00:00:00Z' WHERE id = ?1", [doomed]).unwrap();
    drop(conn);
    // The purge runs at start, every ten minutes, and before the trash is shown.
    let trash = unescape(&page(&app, &format!("/surveys/{SMALL_SLUG}/responses/trash")).await);
    assert!(trash.contains("The trash is empty."), "{trash}");
    assert_eq!(app.query_i64(&format!("SELECT COUNT(*) FROM responses WHERE id = {doomed}")), 0);
    assert_eq!(app.query_i64(&format!("SELECT COUNT(*) FROM answers WHERE response_id = {doomed}")), 0);
    assert_eq!(app.query_i64(&format!("SELECT COUNT(*) FROM responses WHERE id = {kept}")), 1);
    let actions = ["response.delete", "response.restore", "responses.purge"].map(|a| audit(&app, a).len());
    assert_eq!(actions, [2, 1, 1]);
}

#[tokio::test]
async fn partial_responses_older_than_a_date_are_deleted_after_confirming_how_many() {
    let (app, survey_id) = open_small_survey().await;
    let old = add_response(&app, survey_id, "partial", &[]);
    add_response(&app, survey_id, "complete", &[]);
    let recent = add_response(&app, survey_id, "partial", &[]);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE responses SET started_at = '2026-02-01T00:00:00Z' WHERE id = ?1", [recent]).unwrap();
    let path = format!("/surveys/{SMALL_SLUG}/responses/delete-partial");

    let asked = app.post_form(&path, &[("before", "2026-01-01")]).await;
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(
        unescape(&asked.text().await.unwrap())
            .contains("<strong>1</strong> partial response started before 2026-01-01")
    );
    assert_eq!(
        app.query_i64("SELECT COUNT(*) FROM responses WHERE deleted_at IS NOT NULL"),
        0,
        "not before confirming"
    );

    app.post_form(&path, &[("before", "2026-01-01"), ("confirm", "yes")]).await;
    assert_eq!(app.query_i64("SELECT id FROM responses WHERE deleted_at IS NOT NULL"), old);
    assert_eq!(audit(&app, "responses.delete_partial")[0].2, "1 partial responses started before 2026-01-01");
}
