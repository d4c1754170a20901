//! The disclosure check's settings on the methods pack page: saved with CSRF, refused with the
//! reason and the typed value kept, and used by the command when it is given none.

use reqwest::StatusCode;

use super::fixture::{RESEARCHER, SLUG, arrange, files, written};
use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn marked_quasi_identifiers_are_saved_checked_and_used_by_the_pack() {
    let app = TestApp::spawn().await;
    arrange(&app);
    app.login(RESEARCHER, PASSWORD).await;
    let address = format!("/surveys/{SLUG}/report");
    let (status, page) = app.get_page(&address).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"ROLE\"") && !page.contains("value=\"WHY\""), "closed questions only: {page}");

    // Without the CSRF token nothing is saved.
    let forged = app.post_raw(&address, &[("qi", "ROLE"), ("k", "3")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let bad_k = app.post_form(&address, &[("qi", "ROLE"), ("k", "1x")]).await;
    assert_eq!(bad_k.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown = bad_k.text().await.unwrap();
    assert!(shown.contains("at least 2") && shown.contains("value=\"1x\""), "{shown}");
    let open = app.post_form(&address, &[("qi", "WHY"), ("k", "3")]).await;
    assert_eq!(open.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(open.text().await.unwrap().contains("is a text question"));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM report_settings"), 0);

    let saved = app.post_form(&address, &[("qi", "ROLE"), ("qi", "SIZE"), ("k", "3")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_page(&address).await;
    assert!(page.contains("Combinations below k = 3: <strong>2</strong>"), "{page}");

    let dir = tempfile::tempdir().unwrap();
    let pack = files(&written(&app, dir.path(), &[]));
    let disclosure = String::from_utf8(pack["disclosure.csv"].clone()).unwrap();
    assert_eq!(disclosure.trim(), "ROLE,SIZE,responses\nlead,3,1\nlead,40,1", "{disclosure}");
    let audit = String::from_utf8(pack["audit-log.csv"].clone()).unwrap();
    assert!(audit.contains("report.settings"), "{audit}");
}

#[tokio::test]
async fn a_download_whose_marked_question_is_gone_brings_the_page_back_with_the_reason() {
    let app = TestApp::spawn().await;
    arrange(&app);
    // Marked when the survey had it; stored as the page would, then the question is no longer closed.
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute(
        "INSERT INTO report_settings (survey_id, quasi_identifiers, k) SELECT id, '[\"GONE\"]', 5 FROM surveys",
        [],
    )
    .unwrap();
    app.login(RESEARCHER, PASSWORD).await;
    let response = app.get(&format!("/surveys/{SLUG}/report/methods-pack.zip")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get_page(&format!("/surveys/{SLUG}/report")).await;
    assert!(page.contains("\u{201c}GONE\u{201d}") || page.contains("&quot;GONE&quot;"), "{page}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'report.download'"), 0);
}
