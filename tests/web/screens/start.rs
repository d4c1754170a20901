//! Getting started: an empty dashboard says what to do first and imports the study kit in one
//! click; the survey's overview says where it stands and what to do next; opening a survey with
//! missing translations warns and lists them.

use fieldwork::accounts::Role;
use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use crate::coding::{Study, WHY};
use crate::helpers::{location, unescape};
use crate::surveys::{
    SMALL, SMALL_SLUG, add_survey, flash, follow, form_action, page, signed_in_as, signed_in_researcher,
};

#[tokio::test]
async fn an_empty_dashboard_says_what_to_do_first_and_the_study_kit_comes_in_one_click() {
    let app = signed_in_researcher().await;
    let empty = page(&app, "/").await;
    assert!(empty.contains("Start here") && empty.contains("You have no survey yet."), "{empty}");
    assert_eq!(form_action(&empty, "/study-kit").as_deref(), Some("/study-kit"));

    let imported = app.post_form("/study-kit", &[]).await;

    assert_eq!(location(&imported), "/surveys/open-llm-governance");
    let survey = crate::surveys::stored(&app, "open-llm-governance");
    assert_eq!(survey.status, Status::Draft, "a draft to review");
    let codebook = app.query_i64(&format!("SELECT published_version FROM codebooks WHERE survey_id = {}", survey.id));
    assert_eq!(codebook, 1, "its codebook, ready for coding");
    let overview = unescape(&follow(&app, imported).await);
    assert!(overview.contains("The study kit is in"), "{overview}");
    let dashboard = page(&app, "/").await;
    assert!(!dashboard.contains("Start here") && dashboard.contains("href=\"/surveys/open-llm-governance\""));
    // A second import takes the next free address.
    let again = app.post_form("/study-kit", &[]).await;
    assert_eq!(location(&again), "/surveys/open-llm-governance-2");

    // A coder's empty dashboard says what to expect, and the kit is not theirs to import.
    let coder = signed_in_as("cody@example.org", Role::Coder).await;
    let theirs = page(&coder, "/").await;
    assert!(theirs.contains("Nothing to code yet") && !theirs.contains("/study-kit"), "{theirs}");
    assert_eq!(coder.post_form("/study-kit", &[]).await.status(), StatusCode::FORBIDDEN);
}

/// The text of the overview's list of next steps.
fn next_steps(html: &str) -> String {
    let start = html.find("<ul class=\"next-steps\">").expect("next steps");
    html[start..start + html[start..].find("</ul>").unwrap()].to_string()
}

/// The value shown for `term` in the overview's facts.
fn fact(html: &str, term: &str) -> String {
    let start = html.find(&format!("<dt>{term}</dt>")).unwrap_or_else(|| panic!("{term}"));
    let dd = &html[start..];
    let (from, to) = (dd.find("<dd>").unwrap() + 4, dd.find("</dd>").unwrap());
    dd[from..to].trim().to_string()
}

#[tokio::test]
async fn the_overview_shows_the_state_counts_and_the_next_step_with_closing_last() {
    let study = Study::with_answers(&["Open weights for all.", "Safety first."]).await;
    let app = &study.app;
    let path = "/surveys/open-llm-governance";
    // Two coders finish the first answer with different codes: it awaits reconciliation.
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    for (coder, code) in [
        (app.add_user("a@example.org", Role::Coder), "MOT_ACCESS"),
        (app.add_user("b@example.org", Role::Coder), "MOT_ETHICS"),
    ] {
        let by = fieldwork::coding::store::Coder {
            codebook_id: study.codebook,
            codebook_version: 1,
            coder_id: coder,
            layer: "coder",
        };
        let unit = fieldwork::coding::store::UnitRef { response_id: study.responses[0], question: WHY };
        fieldwork::coding::store::apply_whole(&conn, by, unit, code).unwrap();
        fieldwork::coding::store::set_done(&conn, study.codebook, unit, coder, true).unwrap();
    }

    let html = unescape(&page(app, path).await);

    assert!(html.contains("status-open\">open</strong>"), "{html}");
    assert_eq!(fact(&html, "Responses"), format!("<a href=\"{path}/responses\">2 complete, 0 partial</a>"));
    assert_eq!(fact(&html, "Participants"), format!("<a href=\"{path}/participants\">0</a>"));
    assert_eq!(fact(&html, "Coded answers"), "1");
    assert!(fact(&html, "Awaiting reconciliation").starts_with("1 · <a href"), "{html}");
    assert_eq!(fact(&html, "Who may answer").split(" (").next(), Some("Anyone with the public link"));
    assert!(html.contains(&format!("id=\"public-link\">{}/s/open-llm-governance</a>", app.address)));
    let steps = next_steps(&html);
    assert!(
        steps.contains(&format!("href=\"/codebooks/{}/reconcile\">Reconcile 1 answer</a>", study.codebook)),
        "{steps}"
    );
    assert!(!steps.contains("Close"), "{steps}");
    assert!(html.find("Close (no new responses)").unwrap() > html.find("Everything about this survey").unwrap());

    // Invitation only: the public link, which would not work, is not shown.
    fieldwork::distribute::access::set_access(&conn, study.survey, fieldwork::distribute::access::Access::Invitation)
        .unwrap();
    let html = unescape(&page(app, path).await);
    assert!(!html.contains("id=\"public-link\""));
    assert!(fact(&html, "Who may answer").starts_with("Invitation only"), "{html}");
}

#[tokio::test]
async fn a_draft_offers_review_and_opening_and_opening_with_missing_translations_warns_and_lists_them() {
    let app = signed_in_researcher().await;
    add_survey(
        &app,
        &SMALL.replace("help = { en = \"Pick one.\", es = \"Elija una.\" }", "help = { en = \"Pick one.\" }"),
    );
    let path = format!("/surveys/{SMALL_SLUG}");

    let html = unescape(&page(&app, &path).await);

    let steps = next_steps(&html);
    assert!(steps.contains("Review the questions") && steps.contains(">Open for responses</button>"), "{steps}");
    assert!(!html.contains("Close (no new responses)"), "a draft has nothing to close");
    assert!(html.contains("(takes answers once the survey is open)"), "{html}");
    let warning = &html[html.find("id=\"missing-translations\"").expect("the warning")..];
    assert!(warning.contains("<strong>es</strong> (1): ROLE help"), "{warning}");

    let opened = app.post_form(&format!("{path}/status"), &[("status", "open")]).await;

    let (kind, message) = flash(&follow(&app, opened).await).expect("a message");
    assert_eq!(kind, "warning");
    assert!(message.starts_with("The survey is open: respondents can answer."), "{message}");
    assert!(message.contains("see the en text): es: ROLE help."), "{message}");
}
