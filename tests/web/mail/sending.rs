//! Invitations as delivered: recipients, sender, language, personal and opt-out links; the
//! researcher's own templates and the check that refuses a broken one; mail switched off.

use reqwest::StatusCode;

use super::{
    SENDER, SLUG, SmtpServer, add_participant, mail_app, mail_page, owner_of_link, participant, send, shown_count,
};
use crate::helpers::{TestApp, hidden, location, unescape};
use crate::surveys::{RESEARCHER, audit};

#[tokio::test]
async fn invitations_reach_each_participant_in_their_language_with_their_own_link_and_an_opt_out_link() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    let ana = add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    let bea = add_participant(&app.db_path, survey, "bea@example.org", "Bea", "es");
    let carl = add_participant(&app.db_path, survey, "carl@example.org", "", "");
    assert_eq!(shown_count(&mail_page(&app).await, "invitation-count"), 3);

    let page = send(&app, "invitation").await;
    assert!(page.contains("Sending 3 invitations."), "{page}");

    let messages = smtp.wait_for(3).await;
    assert_eq!(messages.len(), 3);
    for (id, email, subject, greeting) in [
        (ana, "ana@example.org", "Invitation: Team survey", "Dear Ana,"),
        (bea, "bea@example.org", "Invitación: Encuesta del equipo", "Estimado/a Bea:"),
        (carl, "carl@example.org", "Invitation: Team survey", "Hello,"),
    ] {
        let message = messages.iter().find(|m| m.rcpt_tos == [email]).unwrap_or_else(|| panic!("nothing to {email}"));
        assert_eq!(message.subject, subject);
        assert_eq!(message.mail_from, "study@example.org");
        assert_eq!(message.from, SENDER);
        assert!(message.to.contains(email), "{}", message.to);
        assert_eq!(message.content_type, "text/plain");
        assert!(message.body.starts_with(greeting), "{}", message.body);
        let link = message.line_starting(&format!("{}/s/{SLUG}?t=", app.address));
        assert_eq!(owner_of_link(&app.db_path, survey, &link), Some(id), "the link is {email}'s own");
        let opt_out = message.line_starting(&format!("{}/s/{SLUG}/opt-out?t=", app.address));
        assert_eq!(owner_of_link(&app.db_path, survey, &opt_out), Some(id));
        assert_eq!(message.list_unsubscribe, format!("<{opt_out}>"));
        assert_eq!(message.list_unsubscribe_post, "List-Unsubscribe=One-Click");
    }
    assert!(messages.iter().any(|m| m.body.contains("Para no recibir más correos")), "Spanish opt-out text");

    super::wait_until("the mailing to finish", || {
        (participant(&app.db_path, survey, carl).status == "invited").then_some(())
    })
    .await;
    for id in [ana, bea, carl] {
        let p = participant(&app.db_path, survey, id);
        assert!(p.invited_at.is_some() && p.mail_error.is_none(), "{p:?}");
    }
    let page = mail_page(&app).await;
    assert!(page.contains("<td class=\"sent\">3</td>") && page.contains("<td class=\"remaining\">0</td>"), "{page}");
    assert_eq!(shown_count(&page, "invitation-count"), 0, "nobody is invited twice");
    assert_eq!(shown_count(&page, "reminder-count"), 3);
    assert_eq!(
        audit(&app, "invitations.send"),
        vec![(RESEARCHER.to_string(), SLUG.to_string(), "mailing 1: 3 participants".to_string())]
    );

    let again = send(&app, "invitation").await;
    assert!(again.contains("Nobody to invite"), "{again}");
    assert_eq!(audit(&app, "invitations.send").len(), 1);
}

#[tokio::test]
async fn a_template_the_researcher_writes_is_used_and_one_that_does_not_render_is_refused_with_its_problem() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    let path = format!("/surveys/{SLUG}/mail/templates/invitation/es");
    let (status, form) = app.get_page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unescape(&form).contains("Invitación: {{ survey_title }}"), "starts from the built-in text");

    let broken = app.post_form(&path, &[("subject", "Hola {{ name"), ("body", "{{ lnk }}")]).await;
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = unescape(&broken.text().await.unwrap());
    assert!(page.contains("syntax error"), "{page}");
    assert!(page.contains("undefined"), "a misspelt name is caught: {page}");
    assert!(page.contains("value=\"Hola {{ name\""), "the input is kept: {page}");

    let body = "{{ name }}, conteste aquí:\n{{ link }}\n\nBaja: {{ opt_out_link }}\n";
    let saved = app.post_form(&path, &[("subject", "Su opinión sobre {{ survey_title }}"), ("body", body)]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), format!("/surveys/{SLUG}/mail"));
    let page = mail_page(&app).await;
    assert!(page.contains("<td>edited</td>"), "{page}");
    assert_eq!(audit(&app, "mail.templates"), vec![(RESEARCHER.into(), SLUG.into(), "invitation es".into())]);

    add_participant(&app.db_path, survey, "bea@example.org", "Bea", "es");
    add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    let (_, form) = app.get_page(&path).await;
    assert!(unescape(&form).contains("Su opinión sobre {{ survey_title }}"), "the saved text is edited next");
    assert!(form.contains("Su opinión sobre Encuesta del equipo"), "with a preview: {form}");
    send(&app, "invitation").await;
    let messages = smtp.wait_for(2).await;
    let bea = messages.iter().find(|m| m.rcpt_tos == ["bea@example.org"]).expect("Bea's");
    assert_eq!(bea.subject, "Su opinión sobre Encuesta del equipo");
    assert!(bea.body.starts_with("Bea, conteste aquí:\nhttp://"), "{:?}", bea.body);
    let ana = messages.iter().find(|m| m.rcpt_tos == ["ana@example.org"]).expect("Ana's");
    assert_eq!(ana.subject, "Invitation: Team survey", "English keeps the built-in text");

    let reset = app.post_form(&format!("{path}/reset"), &[]).await;
    assert_eq!(reset.status(), StatusCode::SEE_OTHER);
    let (_, form) = app.get_page(&path).await;
    assert!(unescape(&form).contains("Invitación: {{ survey_title }}"), "the built-in text again");
    let audited = audit(&app, "mail.templates");
    assert_eq!(audited[1], (RESEARCHER.into(), SLUG.into(), "invitation es: back to the built-in text".into()));
}

#[tokio::test]
async fn templates_exist_only_for_the_surveys_languages_and_the_two_kinds() {
    let smtp = SmtpServer::start();
    let (app, _) = mail_app(&smtp.flags()).await;
    for path in ["invitation/fr", "newsletter/en", "reminder/EN"] {
        let (status, _) = app.get_page(&format!("/surveys/{SLUG}/mail/templates/{path}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    let (status, _) = app.get_page("/surveys/no-such-survey/mail").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_an_smtp_server_the_page_says_how_to_configure_one_and_nothing_is_queued() {
    let app = TestApp::spawn().await;
    app.add_user(RESEARCHER, fieldwork::accounts::Role::Researcher);
    app.login(RESEARCHER, crate::helpers::PASSWORD).await;
    let survey = crate::surveys::add_survey(&app, crate::surveys::SMALL);
    add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");

    let page = unescape(&mail_page(&app).await);
    assert!(page.contains("Mail is off on this server"), "{page}");
    assert!(page.contains("--smtp-host") && page.contains("--mail-from"), "{page}");
    assert!(!page.contains("Send 1 invitation</button>"), "no button while mail is off: {page}");

    let page = send(&app, "invitation").await;
    assert!(page.contains("mail is not configured"), "{page}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM mailings"), 0);
}

#[tokio::test]
async fn only_researchers_reach_the_mail_page_and_its_forms_need_the_csrf_token() {
    let smtp = SmtpServer::start();
    let (app, survey) = mail_app(&smtp.flags()).await;
    add_participant(&app.db_path, survey, "ana@example.org", "Ana", "en");
    let forged = app.post_raw(&format!("/surveys/{SLUG}/mail/send"), &[("kind", "invitation")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let coder = app.other_client();
    app.add_user("cody@example.org", fieldwork::accounts::Role::Coder);
    // A coder of this very survey: still no mail page for them.
    app.add_member(survey, "cody@example.org", fieldwork::survey::members::MemberRole::Coder);
    coder.login("cody@example.org", crate::helpers::PASSWORD).await;
    let (status, _) = coder.get_page(&format!("/surveys/{SLUG}/mail")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM mailings"), 0);
    assert!(hidden(&mail_page(&app).await, "csrf_token").is_some());
}

#[tokio::test]
async fn a_template_that_would_build_text_without_bound_or_loop_too_long_is_refused_before_it_is_saved() {
    let (app, _) = mail_app(&[]).await;
    let path = format!("/surveys/{SLUG}/mail/templates/invitation/en");
    let links = "{{ link }} {{ opt_out_link }}";
    let doubling = format!(
        "{links}\n{{% set a %}}{{{{ name }}}}{{{{ name }}}}{{% endset %}}{{% set b %}}{{{{ a }}}}{{{{ a }}}}{{% endset %}}"
    );
    let sixteen = "name ~ name ~ name ~ name";
    let looping = format!(
        "{links}\n{{% for a in {sixteen} %}}{{% for b in {sixteen} %}}{{% for c in {sixteen} %}}.{{% endfor %}}{{% endfor %}}{{% endfor %}}"
    );
    for (body, expected) in [
        (doubling.as_str(), "{% set %} cannot be used in a message (line 2)"),
        (&format!("{links}\n\n{{{{ name * 100000000 }}}}"), "the * operator cannot be used in a message (line 3)"),
        (&looping, "the template takes too much work to fill in"),
        (&format!("{links} {{% for i in range(100000) %}}{{% endfor %}}"), "unknown function"),
    ] {
        let refused = app.post_form(&path, &[("subject", "Hello"), ("body", body)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let page = unescape(&refused.text().await.unwrap());
        assert!(page.contains(expected), "{expected} in {page}");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM mail_templates"), 0, "nothing saved");
}
