//! Translations (missing, out of date, current again) and the preview.

use fieldwork::survey::file::from_toml;
use reqwest::StatusCode;

use super::{
    SHIPPED, SHIPPED_SLUG, SMALL, SMALL_SLUG, add_survey, based_on, follow, form_fields, import, page, set,
    signed_in_researcher, stored, submit, unescape,
};
use crate::helpers::{TestApp, location};

/// The state the translations page shows for the Spanish text at `path` (`questions.Q.text`).
fn spanish_state(html: &str, path: &str) -> String {
    let at = html.find(&format!("name=\"t.es.{path}\"")).unwrap_or_else(|| panic!("no Spanish field for {path}"));
    let marker = "class=\"translation translation-";
    let start = html[..at].rfind(marker).expect("the translation cell") + marker.len();
    html[start..].split('"').next().unwrap_or("").to_string()
}

/// The summary line for Spanish: "N missing, M out of date".
fn spanish_summary(html: &str) -> String {
    let start = html.find("<strong>es</strong>: ").expect("a Spanish summary") + "<strong>es</strong>: ".len();
    html[start..start + html[start..].find("</li>").unwrap()].to_string()
}

/// Saves the question form of `code` with English text `text`.
async fn change_english_text(app: &TestApp, slug: &str, code: &str, text: &str) {
    let path = format!("/surveys/{slug}/build/questions/{code}");
    let mut fields = form_fields(&page(app, &path).await, &path);
    set(&mut fields, "text.en", text);
    let response = submit(app, &path, &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap_or_default());
}

#[tokio::test]
async fn after_import_every_spanish_text_is_current() {
    let app = signed_in_researcher().await;
    import(&app, Some(("open-llm-governance.toml", SHIPPED.as_bytes())), "").await;

    let html = page(&app, &format!("/surveys/{SHIPPED_SLUG}/translations")).await;

    assert_eq!(spanish_summary(&html), "0 missing, 0 out of date");
    let fields = html.matches("name=\"t.es.").count();
    assert!(fields > 100, "every text has a Spanish field: {fields}");
    assert_eq!(html.matches("translation translation-current").count(), fields);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM translation_sources WHERE language = 'es'"), fields as i64);
}

#[tokio::test]
async fn an_english_edit_puts_its_spanish_text_out_of_date_until_a_new_translation_is_saved() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    let translations = format!("/surveys/{SHIPPED_SLUG}/translations");

    change_english_text(&app, SHIPPED_SLUG, "ROLE", "What is your main role in the project today?").await;

    let html = page(&app, &translations).await;
    assert_eq!(spanish_state(&html, "questions.ROLE.text"), "out_of_date");
    assert!(html.contains("badge-outdated\">out of date</span>"));
    assert_eq!(spanish_state(&html, "questions.ROLE.help"), "current");
    assert_eq!(spanish_state(&html, "questions.ORGTYPE.text"), "current");
    assert_eq!(spanish_summary(&html), "0 missing, 1 out of date");
    let overview = page(&app, &format!("/surveys/{SHIPPED_SLUG}")).await;
    assert!(overview.contains("<tr><td>es</td><td>0</td><td>1</td></tr>"), "{overview}");

    let mut fields = form_fields(&html, &translations);
    set(&mut fields, "t.es.questions.ROLE.text", "¿Cuál es hoy su función principal en el proyecto?");
    let saved = submit(&app, &translations, &fields).await;

    assert_eq!(location(&saved), format!("{translations}?language=es"), "back to the language it was saving");
    let html = follow(&app, saved).await;
    assert!(html.contains("Translations saved."));
    assert_eq!(spanish_state(&html, "questions.ROLE.text"), "current");
    assert_eq!(spanish_summary(&html), "0 missing, 0 out of date");
    let role = stored(&app, SHIPPED_SLUG).definition.question("ROLE").unwrap().clone();
    assert_eq!(role.text["es"], "¿Cuál es hoy su función principal en el proyecto?");
    assert_eq!(role.text["en"], "What is your main role in the project today?");
}

#[tokio::test]
async fn a_text_with_no_spanish_is_listed_as_missing() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let build = page(&app, &format!("/surveys/{SMALL_SLUG}/build")).await;
    let added = app
        .post_form(
            &format!("/surveys/{SMALL_SLUG}/build/pages/p2/questions"),
            &[("based_on", &based_on(&build)), ("type", "short_text"), ("code", "TEAM")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);

    let html = page(&app, &format!("/surveys/{SMALL_SLUG}/translations")).await;

    assert_eq!(spanish_state(&html, "questions.TEAM.text"), "missing");
    assert!(html.contains("badge-missing\">missing</span>"));
    assert_eq!(spanish_state(&html, "questions.COMMENT.text"), "current");
    assert_eq!(spanish_summary(&html), "1 missing, 0 out of date");
}

#[tokio::test]
async fn the_preview_shows_a_page_in_spanish_with_every_question_including_conditional_ones_and_saves_nothing() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    let definition = from_toml(SHIPPED).expect("valid").definition;
    let index = definition.pages.iter().position(|p| p.code == "organisation").expect("the organisation page");
    let expected = &definition.pages[index];
    assert!(expected.questions.iter().filter(|q| q.relevant.is_some()).count() >= 2, "the page has conditions");

    let response = app.get(&format!("/surveys/{SHIPPED_SLUG}/preview?page={index}&lang=es")).await;

    assert_eq!(response.status(), StatusCode::OK);
    let cookies: Vec<_> = response.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).collect();
    assert!(!cookies.iter().any(|c| c.starts_with("fw_resume")), "{cookies:?}");
    let html = unescape(&response.text().await.unwrap());
    assert!(html.contains("<html lang=\"es\""));
    assert!(html.contains(&format!("<h1>{}</h1>", expected.title["es"])), "{html}");
    let mut last = 0;
    for question in &expected.questions {
        let at = html.find(&format!("id=\"question-{}\"", question.code));
        let at = at.unwrap_or_else(|| panic!("{} is not shown", question.code));
        assert!(at > last, "{} is in its place", question.code);
        last = at;
        // Nothing is answered in a preview: a text piping an answer in shows its fallback.
        let shown = |language: &str| fieldwork::survey::pipe::fill(&question.text[language], |_| None).into_owned();
        assert!(html[at..].contains(&shown("es")), "{} is in Spanish", question.code);
        assert!(!html.contains(&shown("en")), "{} is not in English", question.code);
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 0);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM answers"), 0);
}

#[tokio::test]
async fn the_preview_shows_the_latest_saved_edit_of_a_draft() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let preview = format!("/surveys/{SMALL_SLUG}/preview?page=0&lang=en");
    assert!(page(&app, &preview).await.contains("What is your role?"));

    change_english_text(&app, SMALL_SLUG, "ROLE", "What do you do on the team?").await;

    let html = page(&app, &preview).await;
    assert!(html.contains("What do you do on the team?"), "{html}");
    assert!(!html.contains("What is your role?"));
}

#[tokio::test]
async fn a_preview_of_a_page_that_does_not_exist_is_not_found() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);

    let (status, _) = app.get_page(&format!("/surveys/{SMALL_SLUG}/preview?page=2")).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_previews_own_next_back_and_language_buttons_move_through_the_preview() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let browser = crate::browser::Browser::start(1280, 900).await;
    crate::browser_coding::log_in(&browser, &app, crate::surveys::RESEARCHER).await;
    let preview = format!("/surveys/{SMALL_SLUG}/preview");
    browser.goto(&app.url(&format!("{preview}?page=0&lang=en"))).await;
    assert_eq!(browser.text("h1").await, "Your work");

    assert_eq!(browser.click_and_wait("button[name=action][value=next]").await, preview);
    assert_eq!(browser.text("h1").await, "Anything else", "Next moves to the second page");
    assert_eq!(browser.click_and_wait("button[name=action][value=back]").await, preview);
    assert_eq!(browser.text("h1").await, "Your work", "Back returns to the first page");
    assert_eq!(browser.click_and_wait("button[name=switch_lang][value=es]").await, preview);
    assert_eq!(browser.text("h1").await, "Su trabajo", "the language switch shows the page in Spanish");
    let lang = browser.client.execute("return document.documentElement.lang;", vec![]).await.unwrap();
    assert_eq!(lang, serde_json::json!("es"));
    browser.close().await;
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 0, "a preview saves nothing");
}
