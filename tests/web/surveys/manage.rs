//! Import (upload or paste), the list and the overview, opening and closing, export, duplication.

use fieldwork::survey::file::from_toml;
use fieldwork::survey::store::Status;
use regex::Regex;
use reqwest::StatusCode;

use super::{
    RESEARCHER, SHIPPED, SHIPPED_SLUG, SMALL, SMALL_SLUG, Upload, add_response, add_survey, audit, follow, import,
    listed_errors, page, set_status, signed_in_researcher, stored, unescape,
};
use crate::helpers::location;

#[tokio::test]
async fn a_researcher_imports_the_shipped_questionnaire_file_and_it_is_listed_as_a_draft() {
    let app = signed_in_researcher().await;

    let response = import(&app, Some(("open-llm-governance.toml", SHIPPED.as_bytes())), "").await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/surveys/{SHIPPED_SLUG}"));
    let survey = stored(&app, SHIPPED_SLUG);
    assert_eq!((survey.status, survey.version, survey.opened_at.as_deref()), (Status::Draft, 1, None));
    assert_eq!(survey.definition, from_toml(SHIPPED).expect("valid").definition);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM survey_versions"), 1);
    assert_eq!(audit(&app, "survey.import"), vec![(RESEARCHER.into(), SHIPPED_SLUG.into(), String::new())]);
    let overview = follow(&app, response).await;
    assert!(overview.contains(&format!("Imported {SHIPPED_SLUG} as a draft.")), "{overview}");

    let list = unescape(&page(&app, "/surveys").await);
    let row = list.split("<tr>").find(|row| row.contains(&format!("href=\"/surveys/{SHIPPED_SLUG}\""))).expect("a row");
    assert!(row.contains("Open LLM development and governance"), "{row}");
    assert!(row.contains("status-draft\">draft<"), "{row}");
    assert!(row.contains("<td>en, es, zh</td>"), "{row}");
}

#[tokio::test]
async fn a_pasted_questionnaire_is_imported_as_a_draft() {
    let app = signed_in_researcher().await;

    let response = import(&app, None, SMALL).await;

    assert_eq!(location(&response), format!("/surveys/{SMALL_SLUG}"));
    let survey = stored(&app, SMALL_SLUG);
    assert_eq!(survey.status, Status::Draft);
    assert_eq!(survey.definition, from_toml(SMALL).expect("valid").definition);
}

#[tokio::test]
async fn the_overview_shows_pages_questions_response_counts_and_the_public_link() {
    let app = signed_in_researcher().await;
    let id = add_survey(&app, SHIPPED);
    set_status(&app, id, Status::Open);
    add_response(&app, id, "complete", &[("ROLE", "", "lead")]);
    add_response(&app, id, "complete", &[("ROLE", "", "data")]);
    add_response(&app, id, "partial", &[]);
    let pages = SHIPPED.matches("\n[[pages]]\n").count();
    let questions = SHIPPED.matches("\n[[pages.questions]]\n").count();

    let overview = unescape(&page(&app, &format!("/surveys/{SHIPPED_SLUG}")).await);

    assert!(overview.contains("<h1>Open LLM development and governance</h1>"));
    assert!(overview.contains("status-open\">open</strong> · version 1"), "{overview}");
    assert!(overview.contains(&format!("{pages} pages, {questions} questions")), "{overview}");
    assert!(overview.contains("2 complete, 1 partial</a>"), "{overview}");
    let link = format!("{}/s/{SHIPPED_SLUG}", app.address);
    assert!(overview.contains(&format!("<a href=\"{link}\" id=\"public-link\">{link}</a>")), "{overview}");
    assert!(overview.contains("<tr><td>es</td><td>0</td><td>0</td></tr>"), "Spanish is complete: {overview}");
}

#[tokio::test]
async fn an_import_with_several_errors_is_refused_listing_each_with_its_place_and_keeping_the_text() {
    let app = signed_in_researcher().await;
    let pasted = r#"format = 1
slug = "Bad Slug"
default_language = "en"
languages = ["en", "es"]
title = { en = "Tom & Jerry's <survey>", xx = "?" }

[[pages]]
code = "p1"

[[pages.questions]]
code = "Q1"
type = "number"
text = { en = "How many?" }
min = 10
max = 2

[[pages.questions]]
code = "Q1"
type = "short_text"
text = { en = "Why?" }
relevant = "${Q9} = 'x'"
"#;

    let response = import(&app, None, pasted).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let errors = listed_errors(&html);
    for (place, message) in [
        ("slug", "lowercase letters, digits and hyphens"),
        ("title.xx", "\"xx\" is not one of the survey's languages"),
        ("pages[0].questions[0].min", "must not be larger than max"),
        ("pages[0].questions[1].code", "another question already has the code Q1"),
        ("pages[0].questions[1].relevant", "${Q9} is not a question asked before this point"),
    ] {
        assert!(
            errors.iter().any(|e| e.starts_with(&format!("{place}: ")) && e.contains(message)),
            "{place}: {message} not in {errors:#?}"
        );
    }
    assert!(html.contains(&format!("Nothing was imported: {} problems", errors.len())));
    let kept = html.split("name=\"toml\"").nth(1).and_then(|t| t.split_once('>')).map(|(_, t)| t).unwrap();
    assert_eq!(unescape(&kept[..kept.find("</textarea>").unwrap()]), pasted);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys"), 0);
    assert!(audit(&app, "survey.import").is_empty());
}

#[tokio::test]
async fn an_import_that_is_not_utf8_empty_or_taken_is_refused_with_a_clear_message() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let latin1: &[u8] = b"format = 1\ntitle = { en = \"caf\xe9\" }\n";
    let cases: [(Option<Upload>, &str, &str); 3] = [
        (Some(("latin1.toml", latin1)), "", "the file is not UTF-8 text"),
        (None, "  \n", "choose a file or paste a questionnaire"),
        (None, SMALL, "a survey with the address \"team-survey\" already exists"),
    ];

    for (file, pasted, message) in cases {
        let response = import(&app, file, pasted).await;

        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{message}");
        let errors = listed_errors(&response.text().await.unwrap());
        assert!(errors.iter().any(|e| e.contains(message)), "{message} not in {errors:?}");
        assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys"), 1);
    }
}

#[tokio::test]
async fn opening_and_closing_from_the_overview_changes_the_status_and_is_audited() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let overview = format!("/surveys/{SMALL_SLUG}");
    let status_path = format!("{overview}/status");

    let opened = app.post_form(&status_path, &[("status", "open")]).await;

    assert_eq!(location(&opened), overview);
    let survey = stored(&app, SMALL_SLUG);
    assert_eq!(survey.status, Status::Open);
    let first_opened = survey.opened_at.clone().expect("opened_at is set");
    let shown = follow(&app, opened).await;
    assert!(shown.contains("The survey is open: respondents can answer."), "{shown}");
    assert!(shown.contains("name=\"status\" value=\"closed\""), "the overview offers closing");
    assert_eq!(audit(&app, "survey.publish"), vec![(RESEARCHER.into(), SMALL_SLUG.into(), String::new())]);

    let closed = app.post_form(&status_path, &[("status", "closed")]).await;

    assert_eq!(location(&closed), overview);
    assert_eq!(stored(&app, SMALL_SLUG).status, Status::Closed);
    assert!(follow(&app, closed).await.contains("The survey is closed: it takes no new answers."));
    assert_eq!(audit(&app, "survey.close"), vec![(RESEARCHER.into(), SMALL_SLUG.into(), String::new())]);

    app.post_form(&status_path, &[("status", "open")]).await;
    let reopened = stored(&app, SMALL_SLUG);
    assert_eq!(reopened.status, Status::Open);
    assert_eq!(reopened.opened_at, Some(first_opened), "opened_at records the first opening");
    assert_eq!(audit(&app, "survey.publish").len(), 2);
}

#[tokio::test]
async fn an_unknown_status_is_refused_and_changes_nothing() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);

    let response = app.post_form(&format!("/surveys/{SMALL_SLUG}/status"), &[("status", "archived")]).await;

    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(stored(&app, SMALL_SLUG).status, Status::Draft);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'survey.%'"), 0);
}

#[tokio::test]
async fn the_export_names_the_file_and_reimports_to_the_same_definition() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);

    let response = app.get(&format!("/surveys/{SHIPPED_SLUG}/export.toml")).await;

    assert_eq!(response.status(), StatusCode::OK);
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    assert_eq!(header("content-disposition"), format!("attachment; filename=\"{SHIPPED_SLUG}.toml\""));
    assert!(header("content-type").starts_with("application/toml"), "{}", header("content-type"));
    let exported = response.text().await.unwrap();
    let slug_line = format!("slug = \"{SHIPPED_SLUG}\"\n");
    assert_eq!(exported.matches(&slug_line).count(), 1, "one slug line in {exported}");
    let renamed = exported.replace(&slug_line, "slug = \"llm-governance-copy\"\n");
    let reimported = import(&app, Some(("llm-governance-copy.toml", renamed.as_bytes())), "").await;
    assert_eq!(reimported.status(), StatusCode::SEE_OTHER);
    let mut copy = stored(&app, "llm-governance-copy").definition;
    copy.slug = SHIPPED_SLUG.into();
    assert_eq!(copy, stored(&app, SHIPPED_SLUG).definition);
}

#[tokio::test]
async fn duplicating_an_open_survey_makes_a_draft_copy_under_the_new_address() {
    let app = signed_in_researcher().await;
    let id = add_survey(&app, SHIPPED);
    set_status(&app, id, Status::Open);

    let response =
        app.post_form(&format!("/surveys/{SHIPPED_SLUG}/duplicate"), &[("new_slug", " llm-survey-2026 ")]).await;

    assert_eq!(location(&response), "/surveys/llm-survey-2026");
    let copy = stored(&app, "llm-survey-2026");
    assert_eq!((copy.status, copy.version, copy.opened_at.as_deref()), (Status::Draft, 1, None));
    let original = stored(&app, SHIPPED_SLUG);
    let mut definition = copy.definition.clone();
    definition.slug = SHIPPED_SLUG.into();
    // Told apart from the original in every list by its title, in the default language.
    let title = |d: &fieldwork::survey::model::SurveyDefinition| d.title["en"].clone();
    assert_eq!(title(&definition), format!("{} (copy)", title(&original.definition)));
    assert_eq!(
        definition.title["es"], original.definition.title["es"],
        "the other languages are the researcher's to adapt"
    );
    definition.title = original.definition.title.clone();
    assert_eq!(definition, original.definition);
    assert_eq!(original.status, Status::Open, "the original is untouched");
    assert_eq!(
        audit(&app, "survey.duplicate"),
        vec![(RESEARCHER.into(), "llm-survey-2026".into(), format!("from {SHIPPED_SLUG}"))]
    );
    assert!(follow(&app, response).await.contains("Copied to llm-survey-2026, a draft."));
}

#[tokio::test]
async fn duplicating_to_a_taken_or_invalid_address_is_refused_with_a_message() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    add_survey(&app, SMALL);
    let overview = format!("/surveys/{SHIPPED_SLUG}");

    for (new_slug, message) in [
        (SMALL_SLUG, "a survey with the address \"team-survey\" already exists"),
        (SHIPPED_SLUG, "a survey with the address \"open-llm-governance\" already exists"),
        ("Not A Slug!", "slug: use 3–64 lowercase letters, digits and hyphens"),
        ("", "slug: use 3–64 lowercase letters, digits and hyphens"),
    ] {
        let response = app.post_form(&format!("{overview}/duplicate"), &[("new_slug", new_slug)]).await;

        assert_eq!(location(&response), overview, "{new_slug:?}");
        let shown = follow(&app, response).await;
        let (kind, text) = super::flash(&shown).expect("a message");
        assert_eq!(kind, "error", "{new_slug:?}");
        assert!(text.starts_with("Not copied: ") && text.contains(message), "{new_slug:?}: {text}");
        assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys"), 2, "{new_slug:?}");
    }
    assert!(audit(&app, "survey.duplicate").is_empty());
}

#[tokio::test]
async fn a_file_saved_with_a_byte_order_mark_and_windows_line_endings_is_imported() {
    let app = signed_in_researcher().await;
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(SMALL.replace('\n', "\r\n").as_bytes());

    let response = import(&app, Some(("team-survey.toml", &bytes)), "").await;

    assert_eq!(location(&response), format!("/surveys/{SMALL_SLUG}"));
    assert_eq!(stored(&app, SMALL_SLUG).definition, from_toml(SMALL).expect("valid").definition);
}

#[tokio::test]
async fn a_new_survey_starts_as_an_empty_draft_in_the_builder() {
    let app = signed_in_researcher().await;

    let response =
        app.post_form("/surveys/new", &[("title", "Pilot study"), ("slug", "pilot-study"), ("language", "fr")]).await;

    assert_eq!(location(&response), "/surveys/pilot-study/build");
    let survey = stored(&app, "pilot-study");
    assert_eq!(survey.status, Status::Draft);
    assert_eq!(survey.definition.default_language, "fr");
    assert_eq!(survey.definition.title.get("fr").map(String::as_str), Some("Pilot study"));
    assert_eq!(survey.definition.pages.len(), 1);
    let (status, builder) = app.get_page("/surveys/pilot-study/build").await;
    assert_eq!(status, StatusCode::OK);
    assert!(builder.contains("Add question"));
}

#[tokio::test]
async fn a_new_survey_with_a_bad_address_is_refused_and_the_form_kept() {
    let app = signed_in_researcher().await;

    let response =
        app.post_form("/surveys/new", &[("title", "Pilot study"), ("slug", "Bad Address!"), ("language", "en")]).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("Not created") && body.contains("slug"), "{body}");
    assert!(body.contains("value=\"Pilot study\""));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM surveys"), 0);
}

#[tokio::test]
async fn opening_the_study_kit_warns_of_the_placeholders_left_and_a_filled_one_does_not() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    let status_path = format!("/surveys/{SHIPPED_SLUG}/status");

    let shown = unescape(&follow(&app, app.post_form(&status_path, &[("status", "open")]).await).await);

    assert_eq!(stored(&app, SHIPPED_SLUG).status, Status::Open, "a warning, not a refusal");
    assert!(shown.contains("The survey is open: respondents can answer."), "{shown}");
    assert!(shown.contains("placeholder(s) to fill in before respondents read them"), "{shown}");
    assert!(shown.contains("consent.es: [[FILL: legal basis]] is still to be filled in"), "{shown}");

    let filled = Regex::new(r"\[\[FILL:[^\]]*\]\]").unwrap().replace_all(SHIPPED, "filled in");
    let filled = filled.replace("slug = \"open-llm-governance\"", "slug = \"filled-kit\"");
    add_survey(&app, &filled);
    let shown = follow(&app, app.post_form("/surveys/filled-kit/status", &[("status", "open")]).await).await;
    assert!(shown.contains("The survey is open: respondents can answer."), "{shown}");
    assert!(!shown.contains("placeholder"), "{shown}");
}
