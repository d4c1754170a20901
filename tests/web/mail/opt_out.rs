//! The opt-out link (confirmation in the participant's language, the form's double-submit token,
//! one-click from a mail program) and reminders, which skip the completed and the opted out.

use reqwest::StatusCode;

use super::{SLUG, SmtpServer, add_participant, mail_app, mail_page, participant, per_recipient, send, shown_count};
use crate::helpers::{hidden, location, unescape};
use crate::respondent::Respondent;
use crate::surveys::{RESEARCHER, audit};

/// The path (with token) of the opt-out link in the message to `email`.
fn opt_out_path(messages: &[super::Delivered], email: &str, address: &str) -> String {
    let message = messages.iter().find(|m| m.rcpt_tos == [email]).unwrap_or_else(|| panic!("nothing to {email}"));
    let link = message.line_starting(&format!("{address}/s/{SLUG}/opt-out?t="));
    link.trim_start_matches(address).to_string()
}

#[tokio::test]
async fn reminders_go_only_to_those_who_have_not_completed_or_opted_out_and_the_opt_out_link_stops_mail() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    let ana = add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    let bea = add_participant(&app.db_path, survey, "bea@example.org", "Bea", "es");
    let carl = add_participant(&app.db_path, survey, "carl@example.org", "Carl", "en");
    let dora = add_participant(&app.db_path, survey, "dora@example.org", "Dora", "en");
    send(&app, "invitation").await;
    let invitations = smtp.wait_for(4).await;
    super::wait_until("all invited", || (participant(&app.db_path, survey, dora).invited_at.is_some()).then_some(()))
        .await;

    // Bea opts out through the link: a confirmation page in Spanish, then the form.
    let path = opt_out_path(&invitations, "bea@example.org", &app.address);
    let (status, page) = app.get_page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<html lang=\"es\"") && page.contains("Dejar de recibir correos"), "{page}");
    assert_eq!(participant(&app.db_path, survey, bea).status, "invited", "a GET changes nothing");
    let token = hidden(&page, "t").expect("the token in the form");
    let form_token = hidden(&page, "form_token").expect("a form token");
    let posted = app.post_raw(&format!("/s/{SLUG}/opt-out"), &[("t", &token), ("form_token", &form_token)]).await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let (_, done) = app.get_page(&location(&posted)).await;
    assert!(done.contains("No recibirá más correos sobre esta encuesta."), "{done}");
    assert_eq!(participant(&app.db_path, survey, bea).status, "opted_out");
    let audited = audit(&app, "participant.opt_out");
    assert_eq!(audited, vec![("system".into(), bea.to_string(), format!("survey {SLUG}"))], "no email in the log");

    // Dora's mail program uses the one-click header (posting multipart, as RFC 8058 allows);
    // Carl completes.
    let dora_path = opt_out_path(&invitations, "dora@example.org", &app.address);
    let boundary = "one-click-boundary";
    let one_click = app
        .other_client()
        .client
        .post(app.url(&dora_path))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--{boundary}--\r\n"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(one_click.status(), StatusCode::OK);
    assert_eq!(participant(&app.db_path, survey, dora).status, "opted_out");
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE participants SET completed_at = '2026-05-01T00:00:00Z' WHERE id = ?1", [carl]).unwrap();

    let page = mail_page(&app).await;
    assert_eq!(shown_count(&page, "reminder-count"), 1, "only Ana: {page}");
    let flash = send(&app, "reminder").await;
    assert!(flash.contains("Sending 1 reminder."), "{flash}");
    let all = smtp.wait_for(5).await;
    super::wait_until("the reminder recorded", || {
        (participant(&app.db_path, survey, ana).reminders == 1).then_some(())
    })
    .await;
    let reminder = &all[4];
    assert_eq!(reminder.rcpt_tos, ["ana@example.org"]);
    assert_eq!(reminder.subject, "Reminder: Team survey");
    assert!(reminder.body.contains("A short reminder"), "{}", reminder.body);
    assert_eq!(participant(&app.db_path, survey, ana).status, "reminded");
    assert_eq!(
        audit(&app, "reminders.send"),
        vec![(RESEARCHER.into(), SLUG.into(), "mailing 2: 1 participants".into())]
    );
    assert_eq!(audit(&app, "participant.opt_out").len(), 2);

    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let counts = per_recipient(&smtp.messages());
    assert_eq!(counts.get("ana@example.org"), Some(&2));
    for other in ["bea@example.org", "carl@example.org", "dora@example.org"] {
        assert_eq!(counts.get(other), Some(&1), "{other} got only the invitation");
    }
}

#[tokio::test]
async fn someone_who_opts_out_while_a_mailing_waits_is_skipped_by_it() {
    let smtp = SmtpServer::start();
    // One message a minute: the second waits long enough to opt out first.
    let mut flags = smtp.flags();
    let rate = flags.iter().position(|f| f == "--mail-per-minute").unwrap();
    flags[rate + 1] = "1".into();
    let (app, survey) = mail_app(&flags).await;
    add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    let bea = add_participant(&app.db_path, survey, "bea@example.org", "Bea", "en");
    send(&app, "invitation").await;
    smtp.wait_for(1).await;
    super::wait_until("the first recorded", || {
        app.query_i64("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'").eq(&1).then_some(())
    })
    .await;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    fieldwork::distribute::participants::opt_out(&conn, bea).unwrap();

    let page = mail_page(&app).await;
    assert!(page.contains("http-equiv=\"refresh\""), "the page refreshes while sending: {page}");
    assert!(page.contains("<td class=\"remaining\">1</td>"), "{page}");
    // Restarting (which stops the sender between messages) makes it look at the queue at once.
    let mut app = app;
    app.restart().await;
    super::wait_until("the mailing to finish", || {
        (app.query_i64("SELECT COUNT(*) FROM mailings WHERE finished_at IS NOT NULL") == 1).then_some(())
    })
    .await;
    assert_eq!(smtp.messages().len(), 1, "nothing to Bea");
    let page = mail_page(&app).await;
    assert!(!page.contains("http-equiv=\"refresh\""), "{page}");
}

#[tokio::test]
async fn an_opt_out_link_with_a_wrong_token_or_a_stale_form_changes_nothing() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    let ana = add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");

    let (status, page) = app.get_page(&format!("/s/{SLUG}/opt-out?t=not-a-token")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(unescape(&page).contains("This link is not valid"), "{page}");
    let (status, _) = app.get_page("/s/no-such-survey/opt-out?t=x").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let key = crate::distribution::link_key(&app.db_path);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let token = fieldwork::distribute::participants::opt_out_token(&conn, &key, ana).unwrap();
    let stale = app.post_raw(&format!("/s/{SLUG}/opt-out"), &[("t", token.as_str()), ("form_token", "forged")]).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = stale.text().await.unwrap();
    assert!(hidden(&page, "form_token").is_some(), "the form comes back to send again");
    assert_eq!(participant(&app.db_path, survey, ana).status, "not_invited");
    assert!(audit(&app, "participant.opt_out").is_empty());
}

#[tokio::test]
async fn the_opt_out_link_has_a_token_of_its_own_that_only_opts_out_and_never_opens_the_survey() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    let ana = add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    let bea = add_participant(&app.db_path, survey, "bea@example.org", "Bea", "en");
    send(&app, "invitation").await;
    let invitations = smtp.wait_for(2).await;
    super::wait_until("both invited", || (participant(&app.db_path, survey, bea).invited_at.is_some()).then_some(()))
        .await;
    let to = |email: &str| invitations.iter().find(|m| m.rcpt_tos == [email]).expect("a message").clone();
    let token = |link: &str| link.split("t=").nth(1).expect("a token").to_string();
    let personal = token(&to("ana@example.org").line_starting(&format!("{}/s/{SLUG}?t=", app.address)));
    let opt_out_path = opt_out_path(&invitations, "ana@example.org", &app.address);
    let opt_out = token(&opt_out_path);
    assert_ne!(opt_out, personal, "the opt-out link does not carry the personal token");
    assert_eq!(to("ana@example.org").list_unsubscribe, format!("<{}{opt_out_path}>", app.address));

    // Ana begins answering through her personal link.
    let browser = app.other_client();
    let mut ana_answers = Respondent::new(&browser, SLUG);
    ana_answers.start_with(&format!("?t={personal}")).await;
    ana_answers.next(0, &[("q.ROLE", "lead")]).await;
    assert_eq!(participant(&app.db_path, survey, ana).status, "started");

    // What a mail provider sees that fetches the header's address (or tries it as a survey link):
    // the opt-out question, and nothing of the survey or of Ana's response.
    let provider = app.other_client();
    let (status, confirm) = provider.get_page(&opt_out_path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Stop emails"), "{confirm}");
    for path in [opt_out_path.clone(), format!("/s/{SLUG}?t={opt_out}"), format!("/s/{SLUG}/resume/{opt_out}")] {
        let response = provider.get(&path).await;
        let (status, html) = (response.status(), response.text().await.unwrap());
        assert_ne!(status, StatusCode::SEE_OTHER, "{path} leads nowhere else");
        for survey_text in ["What is your role?", "Anything else to tell us?", "Your work"] {
            assert!(!html.contains(survey_text), "{path} shows {survey_text}: {html}");
        }
    }
    // (The personal link does open it: the check above can fail.)
    let resumed = Respondent::new(&app.other_client(), SLUG).welcome(&format!("?t={personal}")).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER, "{}", resumed.html);

    // The personal token opts nobody out, from the form or as a mail program's one click.
    let (_, page) = provider.get_page(&opt_out_path).await;
    let form_token = hidden(&page, "form_token").expect("a form token");
    let by_form =
        provider.post_raw(&format!("/s/{SLUG}/opt-out"), &[("t", &personal), ("form_token", &form_token)]).await;
    assert_eq!(by_form.status(), StatusCode::NOT_FOUND);
    let one_click = [("List-Unsubscribe", "One-Click")];
    let by_click = provider.post_raw(&format!("/s/{SLUG}/opt-out?t={personal}"), &one_click).await;
    assert_eq!(by_click.status(), StatusCode::NOT_FOUND);
    assert_eq!(participant(&app.db_path, survey, ana).status, "started");
    // The header's address does, with one click.
    assert_eq!(provider.post_raw(&opt_out_path, &one_click).await.status(), StatusCode::OK);
    assert_eq!(participant(&app.db_path, survey, ana).status, "opted_out");

    // A reminder carries the same opt-out link as the invitation, so either one works.
    send(&app, "reminder").await;
    let all = smtp.wait_for(3).await;
    assert_eq!(all[2].rcpt_tos, ["bea@example.org"]);
    assert_eq!(
        opt_out_path_in(&all[2], &app.address),
        opt_out_path_in(&to("bea@example.org"), &app.address),
        "listed again, not made anew"
    );
}

fn opt_out_path_in(message: &super::Delivered, address: &str) -> String {
    message.line_starting(&format!("{address}/s/{SLUG}/opt-out?t=")).trim_start_matches(address).to_string()
}
