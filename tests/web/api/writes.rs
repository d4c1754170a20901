//! The participant import (`POST …/participants`: CSV in the body, all or nothing, read-write
//! tokens only) and the agreement report (`GET …/agreement`, the agreement page's figures).

use fieldwork::accounts::Role;
use fieldwork::api::tokens::Scope;
use reqwest::StatusCode;

use super::{bare_client, error_of, json_of, token_for};
use crate::helpers::TestApp;
use crate::surveys::{SMALL, add_survey, signed_in_researcher};

async fn post_csv(app: &TestApp, token: &str, csv: &str) -> reqwest::Response {
    bare_client()
        .post(app.url("/api/v1/surveys/team-survey/participants"))
        .bearer_auth(token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_participant_list_is_imported_whole_or_not_at_all_with_every_problem_by_line() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let token = token_for(&app, app.signed_in().unwrap().id, Scope::Write, None);

    let (status, body) = json_of(
        post_csv(&app, &token, "email,name,language,team\nada@example.org,Ada,es,Hub\nbo@example.org,Bo,,Lab\n").await,
    )
    .await;
    assert_eq!((status, &body), (StatusCode::CREATED, &serde_json::json!({"imported": 2})));
    assert_eq!(app.query_i64("SELECT count(*) FROM participants"), 2);
    assert_eq!(app.query_i64("SELECT count(*) FROM audit_log WHERE action = 'participants.import'"), 1);

    let (status, body) =
        json_of(post_csv(&app, &token, "email,name\ncy@example.org,Cy\nnot-an-email,X\nada@example.org,Again\n").await)
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let lines: Vec<i64> = body["problems"].as_array().unwrap().iter().map(|p| p["line"].as_i64().unwrap()).collect();
    assert_eq!(lines, [3, 4], "{body}");
    assert!(body["error"].as_str().unwrap().contains("nothing was imported"));
    assert_eq!(app.query_i64("SELECT count(*) FROM participants"), 2, "all or nothing");

    let (status, body) = json_of(post_csv(&app, &token, "").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

#[tokio::test]
async fn a_read_token_a_coder_and_a_stranger_cannot_import_and_nothing_is_added() {
    let app = signed_in_researcher().await;
    let survey = add_survey(&app, SMALL);
    let read = token_for(&app, app.signed_in().unwrap().id, Scope::Read, None);
    let (status, message) = error_of(post_csv(&app, &read, "email\nx@example.org\n").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(message.contains("read-write"), "{message}");

    let coder = app.add_user("coder@example.org", Role::Coder);
    app.add_member(survey, "coder@example.org", fieldwork::survey::members::MemberRole::Coder);
    let coder = token_for(&app, coder, Scope::Write, None);
    assert_eq!(error_of(post_csv(&app, &coder, "email\nx@example.org\n").await).await.0, StatusCode::FORBIDDEN);
    let stranger = token_for(&app, app.add_user("s@example.org", Role::Researcher), Scope::Write, None);
    assert_eq!(error_of(post_csv(&app, &stranger, "email\nx@example.org\n").await).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.query_i64("SELECT count(*) FROM participants"), 0);
}

#[tokio::test]
async fn the_agreement_report_has_the_agreement_pages_figures() {
    let app = TestApp::spawn().await;
    let codebook = crate::agreement_page::arrange(&app);
    let rae = app.query_i64("SELECT id FROM users WHERE email = 'rae@example.org'");
    let token = token_for(&app, rae, Scope::Read, None);

    let (status, report) =
        json_of(super::api_get(&app, Some(&token), "/api/v1/surveys/irr/agreement?bootstrap=0").await).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(report["codebook_id"], codebook);
    let x = report["rows"].as_array().unwrap().iter().find(|r| r["code"] == "X").expect("a row for X");
    assert_eq!((x["units"].as_i64(), x["coders"].as_i64()), (Some(10), Some(2)));
    assert!((x["krippendorff_alpha"].as_f64().unwrap() - 0.0952381).abs() < 1e-6, "{x}");
    assert!((x["cohen_kappa"].as_f64().unwrap() - 0.0909091).abs() < 1e-6, "{x}");
    assert_eq!(x["alpha_low"], serde_json::Value::Null, "no bootstrap asked for");
    assert!(report["not_applied"].as_array().unwrap().iter().any(|c| c == "ORG"), "{report}");

    for (query, expected) in [
        ("?codebook=999", StatusCode::BAD_REQUEST),
        ("?question=NOPE", StatusCode::BAD_REQUEST),
        ("?codebook_version=7", StatusCode::BAD_REQUEST),
        ("?bootstrap=1000000", StatusCode::BAD_REQUEST),
        ("?seed=minus", StatusCode::BAD_REQUEST),
    ] {
        let path = format!("/api/v1/surveys/irr/agreement{query}");
        let (status, message) = error_of(super::api_get(&app, Some(&token), &path).await).await;
        assert_eq!(status, expected, "{query}: {message}");
    }
}
