//! Personal links: one response per link, resumable, thanks once submitted; invitation-only
//! surveys; anonymity; the response limit; the command line.

use std::process::Command;

use reqwest::StatusCode;

use super::{add_participant, open_anonymous_survey, open_small_survey, status_of};
use crate::respondent::{Respondent, heading};
use crate::surveys::{SMALL_SLUG, audit, page};

/// Answers both pages of the small survey from the page the respondent is on.
async fn finish(r: &mut Respondent<'_>, from: usize) {
    if from == 0 {
        r.next(0, &[("q.ROLE", "lead")]).await;
    }
    let done = r.submit(1, &[("q.COMMENT", "Fine")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.html);
    assert!(done.location.ends_with("/done"));
}

#[tokio::test]
async fn a_personal_link_gives_one_response_that_resumes_elsewhere_and_then_shows_thanks() {
    let (app, survey_id) = open_small_survey().await;
    let (participant, token) = add_participant(&app, survey_id, "ada@example.org", &[("organisation", "Hub")]);
    let link = format!("?t={token}");

    let laptop = app.other_client();
    let mut r = Respondent::new(&laptop, SMALL_SLUG);
    r.start_with(&link).await;
    r.next(0, &[("q.ROLE", "lead")]).await;
    assert_eq!(status_of(&app, participant), "started");

    // The same link on a phone takes up the same response where it was left.
    let phone = app.other_client();
    let mut p = Respondent::new(&phone, SMALL_SLUG);
    let resumed = p.welcome(&link).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER);
    assert!(resumed.location.ends_with("/p/1"), "{}", resumed.location);
    p.get(&resumed.location).await;
    finish(&mut p, 1).await;

    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 1, "one response per link");
    assert_eq!(
        app.query_i64(&format!(
            "SELECT COUNT(*) FROM responses WHERE participant_id = {participant} AND status = 'complete'"
        )),
        1
    );
    assert_eq!(status_of(&app, participant), "completed");

    // Afterwards the link shows the thank-you page, not a second form, on any device.
    for client in [&laptop, &app.other_client()] {
        let mut again = Respondent::new(client, SMALL_SLUG);
        let thanks = again.welcome(&link).await;
        assert_eq!(thanks.status, StatusCode::OK);
        assert!(thanks.html.contains("Thank you"), "{}", thanks.html);
        assert!(!thanks.html.contains("/start\""), "no form to start again");
    }
    // A forged Start with the used link makes no second response.
    let forger = app.other_client();
    let mut f = Respondent::new(&forger, SMALL_SLUG);
    f.welcome("").await;
    let form = [
        ("form_token".to_string(), crate::helpers::hidden(&f.html, "form_token").unwrap()),
        ("invite".to_string(), token.clone()),
    ];
    f.post(&format!("/s/{SMALL_SLUG}/start"), &form).await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 1);

    // The response carries the participant's attributes into the export.
    let csv = app.get(&format!("/surveys/{SMALL_SLUG}/export/responses.csv")).await.text().await.unwrap();
    let header = csv.lines().next().unwrap();
    assert!(
        header.contains("participant_email,participant_name,participant_language,participant_organisation"),
        "{header}"
    );
    assert!(csv.lines().nth(1).unwrap().contains("ada@example.org,Named Person,,Hub"), "{csv}");
}

#[tokio::test]
async fn an_anonymous_survey_keeps_one_response_per_link_but_links_nothing_to_the_participant() {
    let (app, survey_id) = open_anonymous_survey().await;
    let (participant, token) = add_participant(&app, survey_id, "bo@example.org", &[("organisation", "Lab")]);

    let browser = app.other_client();
    let mut r = Respondent::new(&browser, SMALL_SLUG);
    r.start_with(&format!("?t={token}")).await;
    // On another device the link cannot find the response (nothing links them): it says so.
    let elsewhere = app.other_client();
    let other = Respondent::new(&elsewhere, SMALL_SLUG).welcome(&format!("?t={token}")).await;
    assert_eq!(heading(&other.html), "You have already started this survey");
    finish(&mut r, 0).await;

    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE participant_id IS NULL AND status = 'complete'"), 1);
    assert_eq!(status_of(&app, participant), "completed", "the invitation cookie marks the participant");
    // No dates: a day with one completion would pair the participant with the response.
    let undated = format!(
        "SELECT COUNT(*) FROM participants WHERE id = {participant} AND started_at = 'undated' AND completed_at = 'undated'"
    );
    assert_eq!(app.query_i64(&undated), 1, "started and completed, not when");
    let csv = app.get(&format!("/surveys/{SMALL_SLUG}/export/responses.csv")).await.text().await.unwrap();
    assert!(!csv.contains("participant_") && !csv.contains("bo@example.org") && !csv.contains("Lab"), "{csv}");
    let settings = page(&app, &format!("/surveys/{SMALL_SLUG}/participants")).await;
    assert!(settings.contains("nothing links a response to its participant"));
}

#[tokio::test]
async fn an_invitation_only_survey_refuses_a_missing_or_wrong_link_with_a_clear_page() {
    let (app, survey_id) = open_small_survey().await;
    let (_, token) = add_participant(&app, survey_id, "cy@example.org", &[]);
    let set = app
        .post_form(&format!("/surveys/{SMALL_SLUG}/access"), &[("access", "invitation"), ("grace_hours", "24")])
        .await;
    assert_eq!(set.status(), StatusCode::SEE_OTHER);

    let stranger = app.other_client();
    let mut s = Respondent::new(&stranger, SMALL_SLUG);
    let missing = s.welcome("").await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert_eq!(heading(&missing.html), "This survey is by invitation");
    let wrong = s.welcome("?t=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(heading(&wrong.html), "This link is not valid");
    // Posting Start directly, with or without a made-up token, starts nothing.
    for invite in ["", "made-up"] {
        let form = [("form_token".to_string(), "A".repeat(43)), ("invite".to_string(), invite.to_string())];
        let refused = s.post(&format!("/s/{SMALL_SLUG}/start"), &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{invite:?}");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 0);

    let invited = app.other_client();
    Respondent::new(&invited, SMALL_SLUG).start_with(&format!("?t={token}")).await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 1);
}

#[tokio::test]
async fn a_response_limit_stops_new_responses_but_lets_those_mid_way_finish() {
    let (app, _) = open_small_survey().await;
    app.post_form(
        &format!("/surveys/{SMALL_SLUG}/access"),
        &[("access", "public"), ("response_limit", "1"), ("grace_hours", "24")],
    )
    .await;
    let (first_browser, second_browser, late_browser) = (app.other_client(), app.other_client(), app.other_client());
    let mut first = Respondent::new(&first_browser, SMALL_SLUG);
    let mut second = Respondent::new(&second_browser, SMALL_SLUG);
    first.start().await;
    second.start().await;
    finish(&mut first, 0).await;

    let late = Respondent::new(&late_browser, SMALL_SLUG).welcome("").await;
    assert_eq!(heading(&late.html), "This survey has all the responses it needs");
    finish(&mut second, 0).await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE status = 'complete'"), 2);
}

fn fieldwork(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fieldwork")).arg("--db").arg(db).args(args).output().expect("run fieldwork")
}

#[tokio::test]
async fn participants_and_access_work_from_the_command_line() {
    let (app, _) = open_small_survey().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "email,language\nok@example.org,en\nbroken,en\n").unwrap();
    let refused = fieldwork(&app.db_path, &["participants", "import", "--survey", SMALL_SLUG, bad.to_str().unwrap()]);
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("line 3: \"broken\" is not an email address"), "{stderr}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 0);

    let good = dir.path().join("good.csv");
    std::fs::write(&good, "email,name\nok@example.org,Ok\nalso@example.org,Also\n").unwrap();
    let imported = fieldwork(&app.db_path, &["participants", "import", "--survey", SMALL_SLUG, good.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", String::from_utf8_lossy(&imported.stderr));

    let links = fieldwork(
        &app.db_path,
        &["participants", "links", "--survey", SMALL_SLUG, "--base-url", "https://survey.example.org/"],
    );
    let csv = String::from_utf8(links.stdout).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "email,link");
    let token =
        lines[1].strip_prefix(&format!("ok@example.org,https://survey.example.org/s/{SMALL_SLUG}?t=")).expect(&csv);
    assert_eq!(token.len(), 43);
    // The printed link is the one the server accepts (the same key beside the database).
    let browser = app.other_client();
    Respondent::new(&browser, SMALL_SLUG).start_with(&format!("?t={token}")).await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses WHERE participant_id IS NOT NULL"), 1);

    let access = fieldwork(&app.db_path, &["survey", "access", "--survey", SMALL_SLUG, "invitation"]);
    assert!(access.status.success());
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys WHERE access = 'invitation'"), 1);
    assert_eq!(audit(&app, "survey.access").len(), 1);
    assert_eq!(audit(&app, "participants.import")[0].0, "system");
}
