//! Who may use the survey screens: researchers only; coders are refused, visitors sent to log in,
//! and a POST without the session's CSRF token changes nothing.

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use super::{
    SMALL, SMALL_SLUG, add_survey, audit, form_fields, page, post_multipart, signed_in_as, signed_in_researcher, stored,
};
use crate::helpers::{TestApp, location};

const GETS: [&str; 10] = [
    "/surveys",
    "/surveys/team-survey",
    "/surveys/team-survey/export.toml",
    "/surveys/team-survey/definition",
    "/surveys/team-survey/translations",
    "/surveys/team-survey/preview?page=0&lang=es",
    "/surveys/team-survey/build",
    "/surveys/team-survey/build/settings",
    "/surveys/team-survey/build/pages/p1",
    "/surveys/team-survey/build/questions/ROLE",
];

/// Every survey form POST with fields that a researcher's session would have changed something
/// with (`based_on` is filled in per survey).
fn posts(based_on: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let field = |name: &'static str, value: &str| (name, value.to_string());
    let stamp = || field("based_on", based_on);
    vec![
        ("/surveys/team-survey/status", vec![field("status", "open")]),
        ("/surveys/team-survey/duplicate", vec![field("new_slug", "team-survey-copy")]),
        ("/surveys/team-survey/definition", vec![field("text", &SMALL.replace("Team survey", "Changed"))]),
        ("/surveys/team-survey/translations", vec![field("t.es.title", "Cambiado")]),
        (
            "/surveys/team-survey/build/settings",
            vec![
                stamp(),
                field("slug", SMALL_SLUG),
                field("languages", "en, es"),
                field("default_language", "en"),
                field("title.en", "Changed"),
            ],
        ),
        ("/surveys/team-survey/build/pages", vec![stamp(), field("code", "extra")]),
        ("/surveys/team-survey/build/pages/p1", vec![stamp(), field("code", "first"), field("title.en", "Changed")]),
        ("/surveys/team-survey/build/pages/p1/questions", vec![stamp(), field("type", "date"), field("code", "WHEN")]),
        ("/surveys/team-survey/build/pages/p2/move", vec![stamp(), field("direction", "up")]),
        ("/surveys/team-survey/build/pages/p2/delete", vec![stamp()]),
        (
            "/surveys/team-survey/build/questions/COMMENT",
            vec![stamp(), field("code", "COMMENT"), field("type", "long_text"), field("text.en", "Changed")],
        ),
        ("/surveys/team-survey/build/questions/TOOLS/move", vec![stamp(), field("direction", "up")]),
        ("/surveys/team-survey/build/questions/TOOLS/delete", vec![stamp()]),
    ]
}

/// The survey as stored and the count of surveys and survey audit entries: all that a refused
/// request must leave as it was.
fn everything(app: &TestApp) -> (String, String, i64, i64) {
    let survey = stored(app, SMALL_SLUG);
    let definition = serde_json::to_string(&survey.definition).unwrap();
    (
        definition,
        format!("{:?} v{} {}", survey.status, survey.version, survey.updated_at),
        app.query_i64("SELECT COUNT(*) FROM surveys"),
        app.query_i64("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'survey.%'"),
    )
}

/// POSTs `fields` to `path` with the session's CSRF token.
async fn post_with_token(app: &TestApp, path: &str, fields: &[(&'static str, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    app.post_form(path, &borrowed).await
}

/// The import form's upload, token in its field as the form sends it.
async fn upload(app: &TestApp, token: &str) -> reqwest::Response {
    let toml = SMALL.replace("team-survey", "uploaded-survey");
    let parts = [("csrf_token", None, token.as_bytes()), ("file", Some("q.toml"), toml.as_bytes())];
    post_multipart(app, "/surveys/import", &parts).await
}

#[tokio::test]
async fn a_coder_is_refused_every_survey_page_and_action() {
    let app = signed_in_as("cora@example.org", Role::Coder).await;
    let survey = add_survey(&app, SMALL);
    // Even a coder of this survey: its pages are its researchers'.
    app.add_member(survey, "cora@example.org", fieldwork::survey::members::MemberRole::Coder);
    let before = everything(&app);
    let based_on = stored(&app, SMALL_SLUG).updated_at;

    for path in GETS {
        assert_eq!(app.get(path).await.status(), StatusCode::FORBIDDEN, "GET {path}");
    }
    for (path, fields) in posts(&based_on) {
        assert_eq!(post_with_token(&app, path, &fields).await.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    let token = app.csrf_token().await;
    assert_eq!(upload(&app, &token).await.status(), StatusCode::FORBIDDEN, "POST /surveys/import");

    assert_eq!(everything(&app), before);
}

#[tokio::test]
async fn a_visitor_who_is_not_signed_in_is_sent_to_log_in() {
    let app = TestApp::spawn().await;
    add_survey(&app, SMALL);
    let before = everything(&app);
    let based_on = stored(&app, SMALL_SLUG).updated_at;

    for path in GETS {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "GET {path}");
        let encoded = path.replace('/', "%2F").replace('?', "%3F").replace('=', "%3D").replace('&', "%26");
        assert_eq!(location(&response), format!("/login?next={encoded}"), "GET {path}");
    }
    for (path, fields) in posts(&based_on) {
        let response = post_with_token(&app, path, &fields).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "POST {path}");
        assert!(location(&response).starts_with("/login?next="), "POST {path}");
    }
    let token = app.csrf_token().await;
    assert!(location(&upload(&app, &token).await).starts_with("/login?next="), "POST /surveys/import");

    assert_eq!(everything(&app), before);
}

#[tokio::test]
async fn survey_posts_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let before = everything(&app);
    let based_on = stored(&app, SMALL_SLUG).updated_at;
    let list = page(&app, "/surveys").await;
    assert!(form_fields(&list, "/surveys/import").iter().any(|(n, _)| n == "csrf_token"), "the import form's token");

    for (path, fields) in posts(&based_on) {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (*n, v.as_str())).collect();

        let missing = app.post_raw(path, &borrowed).await;
        let mut forged = borrowed.clone();
        forged.push(("csrf_token", "not-the-session-token"));
        let wrong = app.post_raw(path, &forged).await;

        assert_eq!(missing.status(), StatusCode::FORBIDDEN, "POST {path} without a token");
        assert_eq!(wrong.status(), StatusCode::FORBIDDEN, "POST {path} with a wrong token");
    }
    let no_token = post_multipart(
        &app,
        "/surveys/import",
        &[("toml", None, SMALL.replace("team-survey", "other-survey").as_bytes())],
    )
    .await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN, "an upload without a token");
    assert_eq!(upload(&app, "not-the-session-token").await.status(), StatusCode::FORBIDDEN, "a wrong token");

    assert_eq!(everything(&app), before);
    assert!(audit(&app, "survey.import").is_empty());
}
