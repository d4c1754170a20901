//! The TOML editor, versions, and the edits a survey with answers refuses (in the editor and in
//! the builder's forms).

use fieldwork::survey::model::QuestionType;
use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use super::{
    RESEARCHER, SHIPPED, SHIPPED_SLUG, SMALL, SMALL_SLUG, add_response, add_survey, audit, based_on, follow,
    form_fields, listed_errors, page, set, set_status, signed_in_researcher, stored, submit, value_of,
};
use crate::helpers::{TestApp, location, unescape};

/// The editor's form as shown: its fields (CSRF token and the whole questionnaire as `text`).
async fn editor_form(app: &TestApp) -> Vec<(String, String)> {
    let path = format!("/surveys/{SMALL_SLUG}/definition");
    form_fields(&page(app, &path).await, &path)
}

/// Sends the editor's form with `text` in place of the questionnaire.
async fn save_text(app: &TestApp, text: &str) -> reqwest::Response {
    let mut fields = editor_form(app).await;
    set(&mut fields, "text", text);
    submit(app, &format!("/surveys/{SMALL_SLUG}/definition"), &fields).await
}

/// The questionnaire the editor shows.
async fn shown_text(app: &TestApp) -> String {
    value_of(&editor_form(app).await, "text").expect("the questionnaire").to_string()
}

/// The shown questionnaire with `from` replaced by `to` (which must be there).
async fn edited_text(app: &TestApp, from: &str, to: &str) -> String {
    let text = shown_text(app).await;
    assert!(text.contains(from), "{from:?} not in {text}");
    text.replacen(from, to, 1)
}

fn question_text(app: &TestApp, code: &str) -> String {
    stored(app, SMALL_SLUG).definition.question(code).expect("question").text["en"].clone()
}

fn versions(app: &TestApp) -> Vec<i64> {
    let conn = fieldwork::db::open(&app.db_path).expect("open db");
    let mut stmt = conn.prepare("SELECT version FROM survey_versions ORDER BY version").expect("prepare");
    stmt.query_map([], |r| r.get(0)).expect("query").collect::<Result<_, _>>().expect("rows")
}

#[tokio::test]
async fn a_valid_edit_in_the_toml_editor_saves_and_a_draft_stays_at_version_1() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let text = edited_text(&app, "What is your role?", "What is your main role?").await;

    let response = save_text(&app, &text).await;

    assert_eq!(location(&response), format!("/surveys/{SMALL_SLUG}"));
    assert_eq!(question_text(&app, "ROLE"), "What is your main role?");
    let survey = stored(&app, SMALL_SLUG);
    assert_eq!(survey.version, 1);
    assert_eq!(versions(&app), vec![1]);
    let snapshot: String = fieldwork::db::open(&app.db_path)
        .unwrap()
        .query_row("SELECT definition FROM survey_versions WHERE version = 1", [], |r| r.get(0))
        .unwrap();
    assert!(snapshot.contains("What is your main role?"), "the draft's one version holds the edit");
    assert_eq!(audit(&app, "survey.edit"), vec![(RESEARCHER.into(), SMALL_SLUG.into(), "version 1".into())]);
    assert!(follow(&app, response).await.contains("Saved. The survey is at version 1."));
}

#[tokio::test]
async fn an_invalid_edit_in_the_toml_editor_is_refused_with_every_error_and_the_typed_text_kept() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let before = stored(&app, SMALL_SLUG);
    let text = edited_text(&app, "slug = \"team-survey\"", "slug = \"Team Survey\"").await;
    let text = text.replacen("code = \"TOOLS\"", "code = \"ROLE\"", 1).replacen("Team survey", "Team <survey> & co", 1);

    let response = save_text(&app, &text).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let errors = listed_errors(&html);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(errors[0].starts_with("slug: ") || errors[1].starts_with("slug: "), "{errors:#?}");
    assert!(errors.iter().any(|e| e == "pages[0].questions[1].code: another question already has the code ROLE"));
    assert!(html.contains("Not saved: 2 problems"));
    let path = format!("/surveys/{SMALL_SLUG}/definition");
    assert_eq!(value_of(&form_fields(&html, &path), "text"), Some(text.as_str()), "the typed text is kept");
    let after = stored(&app, SMALL_SLUG);
    assert_eq!((after.definition, after.updated_at), (before.definition, before.updated_at));
    assert!(audit(&app, "survey.edit").is_empty());
}

#[tokio::test]
async fn once_opened_each_saved_change_is_a_new_version_and_the_old_ones_are_kept() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    app.post_form(&format!("/surveys/{SMALL_SLUG}/status"), &[("status", "open")]).await;

    let first = save_text(&app, &edited_text(&app, "What is your role?", "Your role?").await).await;
    let second = save_text(&app, &edited_text(&app, "Your role?", "Your job?").await).await;

    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(follow(&app, second).await.contains("Saved. The survey is at version 3."));
    assert_eq!(stored(&app, SMALL_SLUG).version, 3);
    assert_eq!(versions(&app), vec![1, 2, 3]);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    for (version, text) in [(1, "What is your role?"), (2, "Your role?"), (3, "Your job?")] {
        let definition = fieldwork::survey::store::definition_at(&conn, 1, version).unwrap().expect("a snapshot");
        assert_eq!(definition.question("ROLE").unwrap().text["en"], text, "version {version}");
    }
}

/// A survey that has been opened and answered: ROLE = dev, TOOLS = git, a COMMENT.
async fn answered_survey() -> TestApp {
    let app = signed_in_researcher().await;
    let id = add_survey(&app, SMALL);
    set_status(&app, id, Status::Open);
    add_response(&app, id, "complete", &[("ROLE", "", "dev"), ("TOOLS", "git", "1"), ("COMMENT", "", "All good")]);
    app
}

#[tokio::test]
async fn deleting_an_answered_question_is_refused_in_the_editor_and_the_builder() {
    let app = answered_survey().await;
    let before = stored(&app, SMALL_SLUG);
    let text = shown_text(&app).await;
    let comment = text.find("[[pages.questions]]\ncode = \"COMMENT\"").expect("the COMMENT block");
    let without_comment = format!(
        "{}{}",
        &text[..comment],
        "[[pages.questions]]\ncode = \"NOTE\"\ntype = \"display\"\ntext = { en = \"Thanks\" }\n"
    );
    let build = page(&app, &format!("/surveys/{SMALL_SLUG}/build")).await;

    let in_editor = save_text(&app, &without_comment).await;
    let in_builder = app
        .post_form(
            &format!("/surveys/{SMALL_SLUG}/build/questions/ROLE/delete"),
            &[("based_on", &based_on(&build)), ("confirm", "yes")],
        )
        .await;

    assert_eq!(in_editor.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&in_editor.text().await.unwrap());
    assert_eq!(
        errors,
        vec![
            "questions.COMMENT: COMMENT has answers and cannot be removed or renamed; hide it with display logic instead"
        ]
    );
    assert_eq!(location(&in_builder), format!("/surveys/{SMALL_SLUG}/build"));
    let (kind, message) = super::flash(&follow(&app, in_builder).await).expect("a message");
    assert_eq!(kind, "error");
    assert!(message.contains("questions.ROLE: ROLE has answers and cannot be removed or renamed"), "{message}");
    let after = stored(&app, SMALL_SLUG);
    assert_eq!((after.definition, after.version), (before.definition, before.version));
    assert_eq!(versions(&app), vec![1]);
}

#[tokio::test]
async fn an_answered_question_keeps_its_type_code_and_answered_choices() {
    let app = answered_survey().await;
    let before = stored(&app, SMALL_SLUG);
    type Changes<'a> = &'a [(&'a str, &'a str)];
    let cases: [(&str, Changes, &str); 4] = [
        (
            "ROLE",
            &[("type", "multiple_choice")],
            "ROLE has answers as a single_choice question; its type cannot change",
        ),
        ("ROLE", &[("code", "POSITION")], "questions.ROLE: ROLE has answers and cannot be removed or renamed"),
        ("ROLE", &[("choice.2.code", "")], "the choice dev of ROLE has answers and cannot be removed or renamed"),
        ("TOOLS", &[("choice.1.code", "")], "the choice git of TOOLS has answers and cannot be removed or renamed"),
    ];

    for (code, changes, message) in cases {
        let path = format!("/surveys/{SMALL_SLUG}/build/questions/{code}");
        let mut fields = form_fields(&page(&app, &path).await, &path);
        for (name, value) in changes {
            set(&mut fields, name, value);
        }

        let response = submit(&app, &path, &fields).await;

        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{changes:?}");
        let errors = listed_errors(&response.text().await.unwrap());
        assert!(errors.iter().any(|e| e.contains(message)), "{message} not in {errors:#?}");
        let after = stored(&app, SMALL_SLUG);
        assert_eq!((&after.definition, after.version), (&before.definition, before.version), "{changes:?}");
    }
}

#[tokio::test]
async fn an_answered_question_takes_text_edits_and_loses_unanswered_choices() {
    let app = answered_survey().await;
    let path = format!("/surveys/{SMALL_SLUG}/build/questions/ROLE");
    let mut fields = form_fields(&page(&app, &path).await, &path);
    set(&mut fields, "text.en", "Which role fits you best?");
    set(&mut fields, "choice.3.code", "");

    // Removing a choice asks first, saying what happens to answers, and keeps what was typed.
    let asked = submit(&app, &path, &fields).await;
    assert_eq!(asked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&asked.text().await.unwrap());
    assert!(
        html.contains("The choice <code>ops</code> “Operations”: nobody chose it yet, so no answer is lost."),
        "{html}"
    );
    let kept = form_fields(&html, &path);
    assert_eq!(value_of(&kept, "text.en"), Some("Which role fits you best?"));
    assert_eq!(stored(&app, SMALL_SLUG).version, 1, "nothing saved yet");
    let mut fields = kept;
    set(&mut fields, "confirm_removal", "on");

    let response = submit(&app, &path, &fields).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", response.text().await.unwrap_or_default());
    let after = stored(&app, SMALL_SLUG);
    let role = after.definition.question("ROLE").unwrap();
    assert_eq!(role.text["en"], "Which role fits you best?");
    assert_eq!(role.kind, QuestionType::SingleChoice);
    assert_eq!(role.choices.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["lead", "dev"]);
    assert_eq!(after.version, 2, "an opened survey gets a new version");
    assert_eq!(versions(&app), vec![1, 2]);
}

#[tokio::test]
async fn texts_sent_with_a_browsers_line_endings_are_stored_with_plain_newlines() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    let before = stored(&app, SHIPPED_SLUG);
    let editor = format!("/surveys/{SHIPPED_SLUG}/definition");
    let mut fields = form_fields(&page(&app, &editor).await, &editor);
    let as_sent = value_of(&fields, "text").unwrap().replace('\n', "\r\n");
    set(&mut fields, "text", &as_sent);

    let unchanged = submit(&app, &editor, &fields).await;

    assert_eq!(unchanged.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, SHIPPED_SLUG).definition, before.definition, "saving the text as shown changes nothing");

    let question = format!("/surveys/{SHIPPED_SLUG}/build/questions/PROJECT");
    let mut fields = form_fields(&page(&app, &question).await, &question);
    set(&mut fields, "help.en", "First paragraph.\r\n\r\nSecond paragraph.");

    let edited = submit(&app, &question, &fields).await;

    assert_eq!(edited.status(), StatusCode::SEE_OTHER);
    let project = stored(&app, SHIPPED_SLUG).definition.question("PROJECT").unwrap().clone();
    assert_eq!(project.help["en"], "First paragraph.\n\nSecond paragraph.");
}

#[tokio::test]
async fn a_text_with_an_invisible_control_character_is_refused_with_its_place_in_editor_and_builder() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);
    let before = stored(&app, SHIPPED_SLUG);
    let editor = format!("/surveys/{SHIPPED_SLUG}/definition");
    let mut fields = form_fields(&page(&app, &editor).await, &editor);
    let text = value_of(&fields, "text").unwrap().to_string();
    let title = "\"Open LLM development and governance\"";
    assert!(text.contains(title));
    set(&mut fields, "text", &text.replacen(title, "\"Open LLM\\u0007\"", 1));

    let in_editor = submit(&app, &editor, &fields).await;

    assert_eq!(in_editor.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&in_editor.text().await.unwrap());
    assert_eq!(
        errors,
        ["title.en: has an invisible control character (U+0007) at character 9; remove it and try again"]
    );

    let question = format!("/surveys/{SHIPPED_SLUG}/build/questions/PROJECT");
    let mut fields = form_fields(&page(&app, &question).await, &question);
    set(&mut fields, "help.en", "First line.\r\nSecond\u{0}line.");
    let in_builder = submit(&app, &question, &fields).await;

    assert_eq!(in_builder.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = in_builder.text().await.unwrap();
    let errors = listed_errors(&html);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0]
            .ends_with("help.en: has an invisible control character (U+0000) at character 19; remove it and try again"),
        "{errors:?}"
    );
    assert_eq!(stored(&app, SHIPPED_SLUG).definition, before.definition, "nothing saved");
}
