//! In a real browser: a researcher imports participants and sends invitations, a participant
//! follows the link in the delivered email and answers, and the researcher sees them completed.

use fieldwork::survey::store::Status;

use crate::browser::Browser;
use crate::browser_coding::log_in;
use crate::mail::{SmtpServer, mail_app};
use crate::surveys::{RESEARCHER, SMALL_SLUG};

#[tokio::test]
async fn a_researcher_invites_participants_by_email_and_sees_one_complete_the_survey() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    crate::surveys::set_status(&app, survey, Status::Open);
    let browser = Browser::start(1280, 900).await;
    log_in(&browser, &app, RESEARCHER).await;

    // Import two participants by pasting a CSV.
    let participants = app.url(&format!("/surveys/{SMALL_SLUG}/participants"));
    browser.goto(&participants).await;
    browser
        .fill("#csv", "email,name,language,organisation\nada@example.org,Ada,es,Hub\nbo@example.org,Bo,,Lab\n")
        .await;
    browser.click("form[action*='/participants/import'] button[type=submit]").await;
    assert_eq!(
        browser.wait_for_path(&format!("/surveys/{SMALL_SLUG}/participants")).await,
        format!("/surveys/{SMALL_SLUG}/participants")
    );
    assert!(browser.wait_for_text("main", "Imported 2 participants.").await.contains("Imported 2 participants."));
    assert_eq!(browser.serious_accessibility_violations().await, Vec::<String>::new(), "participants page");

    // Send the invitations from the Email page.
    browser.click("a[href$='/mail']").await;
    browser.wait_for_path(&format!("/surveys/{SMALL_SLUG}/mail")).await;
    assert_eq!(browser.serious_accessibility_violations().await, Vec::<String>::new(), "email page");
    browser.click("form:has(input[value=invitation]) button[type=submit]").await;
    let messages = smtp.wait_for(2).await;
    let to_ada = messages.iter().find(|m| m.rcpt_tos == ["ada@example.org"]).expect("Ada's invitation");
    let link = to_ada.line_starting("http");
    assert!(link.contains(&format!("/s/{SMALL_SLUG}?t=")), "{link}");

    // Ada follows the link (in Spanish, her language) and answers both pages.
    browser.client.delete_all_cookies().await.expect("a fresh browser for Ada");
    browser.goto(&link).await;
    assert!(browser.text("h1").await.contains("Encuesta del equipo"), "Ada's language");
    browser.click("main form button[type=submit]").await;
    browser.wait_for_path(&format!("/s/{SMALL_SLUG}/p/0")).await;
    browser.click("input[name='q.ROLE'][value='lead']").await;
    browser.click("button[name=action][value=next]").await;
    browser.wait_for_path(&format!("/s/{SMALL_SLUG}/p/1")).await;
    browser.fill("textarea[name='q.COMMENT']", "Gracias").await;
    browser.click("button[name=action][value=next]").await;
    assert_eq!(browser.wait_for_path(&format!("/s/{SMALL_SLUG}/done")).await, format!("/s/{SMALL_SLUG}/done"));

    // The researcher sees Ada completed, Bo still invited.
    log_in(&browser, &app, RESEARCHER).await;
    browser.goto(&participants).await;
    let status = |email: &str| format!("tr[data-email='{email}'] .participant-status");
    assert_eq!(browser.text(&status("ada@example.org")).await, "completed");
    assert_eq!(browser.text(&status("bo@example.org")).await, "invited");
    browser.screenshot("participants-after-invitation").await;
    browser.close().await;
}
