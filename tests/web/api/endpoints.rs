//! The read endpoints: the surveys a holder may reach, a survey's definition, its responses as
//! JSON lines with `since=` for incremental pulls, and its exports with the export page's options
//! and the same bytes; each with its errors as JSON.

use fieldwork::accounts::Role;
use fieldwork::api::tokens::Scope;
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use super::{api_get, error_of, json_of, token_for};
use crate::helpers::TestApp;
use crate::surveys::{SMALL, SMALL_SLUG, add_response, add_survey, signed_in_researcher};

/// A researcher's survey (SMALL) with a read token of theirs.
async fn small_survey() -> (TestApp, i64, String) {
    let app = signed_in_researcher().await;
    let survey = add_survey(&app, SMALL);
    let token = token_for(&app, app.signed_in().unwrap().id, Scope::Read, None);
    (app, survey, token)
}

/// The JSON lines of a responses pull.
async fn lines(app: &TestApp, token: &str, path: &str) -> Vec<serde_json::Value> {
    let response = api_get(app, Some(token), path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let text = response.text().await.unwrap();
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

#[tokio::test]
async fn the_list_holds_only_the_surveys_the_holder_manages_and_an_admin_sees_all() {
    let (app, _, token) = small_survey().await;
    let other = app.add_user("other@example.org", Role::Researcher);
    let coder = app.add_user("coder@example.org", Role::Coder);
    let admin = app.add_user("admin@example.org", Role::Admin);
    let survey = app.query_i64("SELECT id FROM surveys");
    app.add_member(survey, "coder@example.org", MemberRole::Coder);
    let slugs = |body: serde_json::Value| -> Vec<String> {
        body.as_array().unwrap().iter().map(|s| s["slug"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(slugs(json_of(api_get(&app, Some(&token), "/api/v1/surveys").await).await.1), [SMALL_SLUG]);
    for (id, expected) in [(other, &[][..]), (coder, &[][..]), (admin, &[SMALL_SLUG][..])] {
        let token = token_for(&app, id, Scope::Read, None);
        assert_eq!(slugs(json_of(api_get(&app, Some(&token), "/api/v1/surveys").await).await.1), expected, "{id}");
    }
}

#[tokio::test]
async fn a_survey_comes_with_its_definition_and_others_are_not_found_as_json() {
    let (app, _, token) = small_survey().await;
    let (status, survey) = json_of(api_get(&app, Some(&token), "/api/v1/surveys/team-survey").await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(survey["status"], "draft");
    assert_eq!(survey["languages"], serde_json::json!(["en", "es"]));
    assert_eq!(survey["definition"]["pages"][0]["questions"][0]["code"], "ROLE");
    assert_eq!(survey["definition"]["title"]["es"], "Encuesta del equipo");

    let (status, message) = error_of(api_get(&app, Some(&token), "/api/v1/surveys/nope").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message.contains("nope"), "{message}");
    // Another researcher's token: the same answer as for a survey that does not exist.
    let stranger = token_for(&app, app.add_user("s@example.org", Role::Researcher), Scope::Write, None);
    let (status, _) = error_of(api_get(&app, Some(&stranger), "/api/v1/surveys/team-survey").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A coder of the survey: 403, it is a researcher's.
    let coder = app.add_user("c@example.org", Role::Coder);
    app.add_member(app.query_i64("SELECT id FROM surveys"), "c@example.org", MemberRole::Coder);
    let coder = token_for(&app, coder, Scope::Read, None);
    let (status, _) = error_of(api_get(&app, Some(&coder), "/api/v1/surveys/team-survey/responses").await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn responses_stream_as_json_lines_in_the_order_they_were_completed_and_since_pulls_the_rest() {
    let (app, survey, token) = small_survey().await;
    let first = add_response(
        &app,
        survey,
        "complete",
        &[("ROLE", "", "dev"), ("TOOLS", "git", "1"), ("COMMENT", "", "Hi\nthere")],
    );
    let partial = add_response(&app, survey, "partial", &[("ROLE", "", "ops")]);
    let trashed = add_response(&app, survey, "complete", &[("ROLE", "", "lead")]);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE responses SET deleted_at = '2026-01-01T00:00:00Z' WHERE id = ?1", [trashed]).unwrap();

    let all = lines(&app, &token, "/api/v1/surveys/team-survey/responses").await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["id"], first);
    assert_eq!(all[0]["answers"]["ROLE"], serde_json::json!({"choice": "dev"}));
    assert_eq!(all[0]["answers"]["TOOLS"], serde_json::json!({"choices": ["git"]}));
    assert_eq!(all[0]["answers"]["COMMENT"], "Hi\nthere");
    let last = all[0]["seq"].as_i64().unwrap();

    // The partial response, begun before, completes now: it comes after the first.
    conn.execute("UPDATE responses SET status = 'complete' WHERE id = ?1", [partial]).unwrap();
    let newer = lines(&app, &token, &format!("/api/v1/surveys/team-survey/responses?since={last}")).await;
    assert_eq!(newer.iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<_>>(), [partial]);
    assert!(newer[0]["seq"].as_i64().unwrap() > last);
    let none = lines(&app, &token, &format!("/api/v1/surveys/team-survey/responses?since={}", newer[0]["seq"])).await;
    assert!(none.is_empty());
    // Restored from the trash: at the end, so that the next pull brings it.
    conn.execute("UPDATE responses SET deleted_at = NULL WHERE id = ?1", [trashed]).unwrap();
    let restored =
        lines(&app, &token, &format!("/api/v1/surveys/team-survey/responses?since={}", newer[0]["seq"])).await;
    assert_eq!(restored.iter().map(|r| r["id"].as_i64().unwrap()).collect::<Vec<_>>(), [trashed]);

    let (status, message) =
        error_of(api_get(&app, Some(&token), "/api/v1/surveys/team-survey/responses?since=yesterday").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.starts_with("since:"), "{message}");
}

#[tokio::test]
async fn a_completed_respondent_is_in_the_pull() {
    let (app, survey, token) = small_survey().await;
    crate::surveys::set_status(&app, survey, fieldwork::survey::store::Status::Open);
    let browser = app.other_client();
    let mut respondent = crate::respondent::Respondent::new(&browser, SMALL_SLUG);
    let first = respondent.start().await;
    let second = respondent.next(first, &[("q.ROLE", "lead")]).await;
    assert!(second.ends_with("/p/1"), "{second}");
    assert!(lines(&app, &token, "/api/v1/surveys/team-survey/responses").await.is_empty(), "not complete yet");
    let done = respondent.submit(1, &[("q.COMMENT", "Done")]).await;
    assert!(done.location.ends_with("/done"), "{}", done.location);
    let all = lines(&app, &token, "/api/v1/surveys/team-survey/responses").await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["answers"]["ROLE"]["choice"], "lead", "{all:?}");
    assert_eq!(all[0]["answers"]["COMMENT"], "Done");
}

#[tokio::test]
async fn an_export_through_the_api_is_the_export_pages_file_with_the_same_options_and_is_audited() {
    let (app, survey, token) = small_survey().await;
    add_response(&app, survey, "complete", &[("ROLE", "", "dev"), ("COMMENT", "", "=1+1")]);
    add_response(&app, survey, "partial", &[("ROLE", "", "ops")]);
    for query in ["", "?include_partial=1&labels=es", "?bom=1"] {
        let web = app.get(&format!("/surveys/team-survey/export/responses.csv{query}")).await;
        assert_eq!(web.status(), StatusCode::OK);
        let api =
            api_get(&app, Some(&token), &format!("/api/v1/surveys/team-survey/export/responses.csv{query}")).await;
        assert_eq!(api.status(), StatusCode::OK);
        assert_eq!(api.headers()["content-disposition"], web.headers()["content-disposition"]);
        let (api, web) = (api.bytes().await.unwrap(), web.bytes().await.unwrap());
        // The response ids and dates are the same; only nothing else could differ.
        assert_eq!(api, web, "{query}");
    }
    let audited = app
        .query_i64("SELECT count(*) FROM audit_log WHERE action = 'responses.export' AND details LIKE '%API token%'");
    assert_eq!(audited, 3);

    let (status, message) =
        error_of(api_get(&app, Some(&token), "/api/v1/surveys/team-survey/export/responses.csv?labels=fr").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(message.starts_with("labels:"), "{message}");
    let (status, message) =
        error_of(api_get(&app, Some(&token), "/api/v1/surveys/team-survey/export/everything.zip").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(message.contains("responses.csv"), "{message}");
    let (status, message) =
        error_of(api_get(&app, Some(&token), "/api/v1/surveys/team-survey/export/codings.csv").await).await;
    assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND, "{status}: {message}");
}

#[tokio::test]
async fn every_error_of_the_api_is_json_even_from_the_router() {
    let (app, _, token) = small_survey().await;
    let wrong_method = super::bare_client().post(app.url("/api/v1/surveys")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(error_of(wrong_method).await.0, StatusCode::METHOD_NOT_ALLOWED);
}
