//! Erasing a participant (a data-protection request) leaves nothing of them in the database files.

use reqwest::StatusCode;

use super::{add_participant, open_small_survey};
use crate::respondent::Respondent;
use crate::surveys::{SMALL_SLUG, audit};

/// Whether `needle` occurs anywhere in the database, its write-ahead log or shared memory.
fn anywhere_on_disk(db_path: &std::path::Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", db_path.display()));
        if let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[tokio::test]
async fn erasing_a_participant_removes_them_their_link_and_response_and_leaves_no_trace_on_disk() {
    let (app, survey_id) = open_small_survey().await;
    let email = "zelda.erasable@example.org";
    let (participant, token) = add_participant(&app, survey_id, email, &[("organisation", "Quokka Labs Unique")]);
    add_participant(&app, survey_id, "stays@example.org", &[]);
    let browser = app.other_client();
    let mut r = Respondent::new(&browser, SMALL_SLUG);
    r.start_with(&format!("?t={token}")).await;
    r.next(0, &[("q.ROLE", "lead")]).await;
    let secret_answer = "My very identifiable answer about Xylophone Project";
    r.submit(1, &[("q.COMMENT", secret_answer)]).await;
    assert!(!anywhere_on_disk(&app.db_path, secret_answer).is_empty(), "the test can see stored data");

    let path = format!("/surveys/{SMALL_SLUG}/participants/{participant}/erase");
    let unconfirmed = app.post_form(&path, &[]).await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 2, "nothing erased without confirming");
    let erased = app.post_form(&path, &[("confirm", "erase")]).await;
    assert_eq!(erased.status(), StatusCode::SEE_OTHER);

    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 1);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 0);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM answers"), 0);
    for needle in [email, "Quokka Labs Unique", secret_answer, token.as_str()] {
        assert_eq!(anywhere_on_disk(&app.db_path, needle), Vec::<String>::new(), "{needle} left on disk");
    }
    let entry = &audit(&app, "participant.erase")[0];
    assert_eq!(entry.2, format!("participant {participant}"));
    assert!(!entry.2.contains(email));
    let link = Respondent::new(&app.other_client(), SMALL_SLUG).welcome(&format!("?t={token}")).await;
    assert_eq!(link.status, StatusCode::FORBIDDEN, "the link is gone too");
}
