//! Versions and history: the draft is edited code by code (each form carrying the draft's
//! revision), publishing makes the next version, codings keep the version they were made under,
//! and the history files each change under the version that published it.

use reqwest::StatusCode;

use super::{Study, checkbox, label, visible_text};
use crate::surveys::{form_fields, page, set, submit};

/// The code form of `key`, as a browser would send it back, with `changes` typed in.
async fn code_form(study: &Study, key: &str, changes: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let path = format!("/codebooks/{}/codes/{key}", study.codebook);
    let html = page(&study.app, &path).await;
    let mut fields = form_fields(&html, &path);
    for (name, value) in changes {
        set(&mut fields, name, value);
    }
    (path, fields)
}

/// Edits one code through its form; the edit must be taken.
async fn edit_code(study: &Study, key: &str, changes: &[(&str, &str)]) {
    let (path, fields) = code_form(study, key, changes).await;
    let response = submit(&study.app, &path, &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{}", visible_text(&response.text().await.unwrap()));
}

/// The history table: (version, change, code) per row, newest first.
fn history_rows(html: &str) -> Vec<(String, String, String)> {
    html.split("<tr><td>")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row.split("</td><td>").map(visible_text).collect();
            (cells[0].clone(), cells[3].clone(), cells[4].clone())
        })
        .collect()
}

fn version_of(study: &Study, response: i64, code: &str) -> i64 {
    let codings = study.codings();
    let found = codings.iter().find(|c| c.response_id == response && c.code_key == code && c.span.is_none());
    found.unwrap_or_else(|| panic!("no coding {code} on {response}")).codebook_version
}

#[tokio::test]
async fn a_published_edit_is_version_2_and_codings_made_before_keep_version_1() {
    let study = Study::with_answers(&["So that anyone can run it.", "Labs here cannot afford APIs."]).await;
    let (first, second) = (study.responses[0], study.responses[1]);
    study.code_ok(&study.app, first, &["MOT_ACCESS"], "save").await;

    edit_code(&study, "MOT_ACCESS", &[("name", "Access for everyone"), ("parent", "MOT_ECONOMIC")]).await;

    let draft = study.draft();
    let entry = draft.entry("MOT_ACCESS").unwrap();
    assert_eq!((entry.name.as_str(), entry.parent.as_deref()), ("Access for everyone", Some("MOT_ECONOMIC")));
    assert_eq!(entry.shortcut.as_deref(), Some("a"), "untouched fields are kept");
    assert_eq!(study.app.query_i64("SELECT published_version FROM codebooks"), 1, "a draft edit is not published");
    let coding_screen = page(&study.app, &study.unit(second)).await;
    assert_eq!(label(&coding_screen, "MOT_ACCESS").as_deref(), Some("Democratising access a"), "coders use version 1");

    study.publish().await;

    assert_eq!(study.app.query_i64("SELECT published_version FROM codebooks"), 2);
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM codebook_versions"), 2);
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let v1 = fieldwork::codebook::store::version(&conn, study.codebook, 1).unwrap().unwrap();
    assert_eq!(v1.entry("MOT_ACCESS").unwrap().name, "Democratising access", "version 1 is immutable");
    study.code_ok(&study.app, second, &["MOT_ACCESS"], "save").await;
    study.code_ok(&study.app, first, &["MOT_ACCESS", "MOT_LANGUAGE"], "save").await;
    assert_eq!(version_of(&study, first, "MOT_ACCESS"), 1, "made before the edit, re-saved after");
    assert_eq!(version_of(&study, first, "MOT_LANGUAGE"), 2);
    assert_eq!(version_of(&study, second, "MOT_ACCESS"), 2);
    let coding_screen = page(&study.app, &study.unit(second)).await;
    assert_eq!(label(&coding_screen, "MOT_ACCESS").as_deref(), Some("Access for everyone a"));
    assert_eq!(checkbox(&coding_screen, "MOT_ACCESS"), Some(true));
}

#[tokio::test]
async fn the_history_files_renames_redefinitions_and_moves_under_the_version_that_published_them() {
    let study = Study::with_answers(&["Anything."]).await;
    edit_code(&study, "MOT_ACCESS", &[("name", "Access for everyone")]).await;
    edit_code(&study, "MOT_LANGUAGE", &[("short_definition", "Models that speak our languages.")]).await;
    edit_code(&study, "MOT_CAREER", &[("parent", "MOT_SOCIAL")]).await;
    study.publish().await;
    edit_code(&study, "BAR_PACE", &[("name", "Speed of change")]).await;

    let html = page(&study.app, &format!("/codebooks/{}/history", study.codebook)).await;

    let rows = history_rows(&html);
    let row = |version: &str, kind: &str, code: &str| (version.to_string(), kind.to_string(), code.to_string());
    assert_eq!(
        rows,
        vec![
            row("draft", "renamed", "BAR_PACE"),
            row("2", "moved", "MOT_CAREER"),
            row("2", "redefined", "MOT_LANGUAGE"),
            row("2", "renamed", "MOT_ACCESS"),
            row("1", "imported", ""),
        ],
        "each edit once, nothing else recorded as changed"
    );
    let text = visible_text(&html);
    assert!(text.contains("Democratising access → Access for everyone"), "{text}");
    assert!(text.contains("Motivations / Economic → Motivations / Social"), "{text}");
}

#[tokio::test]
async fn an_edit_made_on_an_outdated_form_is_refused_and_changes_nothing() {
    let study = Study::with_answers(&["Anything."]).await;
    let (stale_path, stale_fields) = code_form(&study, "MOT_ACCESS", &[("name", "Access, stale edit")]).await;
    let stale_draft = page(&study.app, &format!("/codebooks/{}/draft", study.codebook)).await;
    edit_code(&study, "MOT_LANGUAGE", &[("name", "Languages and cultures")]).await;
    let revision = study.revision();

    let refused = submit(&study.app, &stale_path, &stale_fields).await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = visible_text(&refused.text().await.unwrap());
    assert!(text.contains("someone changed this codebook after you opened it"), "{text}");
    assert_eq!(study.draft().entry("MOT_ACCESS").unwrap().name, "Democratising access");
    assert_eq!(study.draft().entry("MOT_LANGUAGE").unwrap().name, "Languages and cultures", "the other edit stays");
    assert_eq!(study.revision(), revision);

    // The whole draft as TOML, from a page opened before the edit, is refused too.
    let mut fields = form_fields(&stale_draft, &format!("/codebooks/{}/draft", study.codebook));
    let text = crate::surveys::value_of(&fields, "text").unwrap().replace("Democratising access", "Access, stale TOML");
    set(&mut fields, "text", &text);
    let refused = submit(&study.app, &format!("/codebooks/{}/draft", study.codebook), &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(study.draft().entry("MOT_LANGUAGE").unwrap().name, "Languages and cultures", "not undone");
    assert_eq!(study.revision(), revision);
    let renames = study.app.query_i64("SELECT COUNT(*) FROM codebook_changes WHERE kind = 'renamed'");
    assert_eq!(renames, 1);
}

#[tokio::test]
async fn editing_an_entry_through_its_form_changes_only_what_was_edited() {
    let study = Study::with_answers(&["Anything."]).await;
    let original = study.draft();
    let cases = [
        ("GOV_ORGMODEL", "name", "Organisation model", "a category without a colour"),
        ("MOT_ACCESS", "when_to_use", "Apply when access is the point.", "a code with every field"),
    ];

    for (key, field, value, what) in cases {
        edit_code(&study, key, &[(field, value)]).await;

        let mut expected = original.entry(key).unwrap().clone();
        match field {
            "name" => expected.name = value.into(),
            _ => expected.when_to_use = value.into(),
        }
        assert_eq!(study.draft().entry(key), Some(&expected), "{what}");
    }
    let kinds: Vec<String> = {
        let conn = fieldwork::db::open(&study.app.db_path).unwrap();
        let mut stmt = conn
            .prepare("SELECT kind || ' ' || code_key FROM codebook_changes WHERE version IS NULL ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().collect::<Result<_, _>>().unwrap()
    };
    assert_eq!(kinds, ["renamed GOV_ORGMODEL", "redefined MOT_ACCESS"]);
}

#[tokio::test]
async fn an_unchanged_draft_is_not_published_again_and_offers_no_publish_button() {
    let study = Study::with_answers(&["So that anyone can run it."]).await;
    let overview = format!("/codebooks/{}", study.codebook);
    let publish_button = |html: &str| html.contains(&format!("action=\"/codebooks/{}/publish\"", study.codebook));
    assert!(!publish_button(&page(&study.app, &overview).await), "nothing changed since the import");

    let response = study.app.post_form(&format!("/codebooks/{}/publish", study.codebook), &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let after = visible_text(&page(&study.app, &overview).await);
    assert!(after.contains("Nothing to publish: the draft is the same as version 1"), "{after}");
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM codebook_versions"), 1, "no identical version 2");
    assert_eq!(study.app.query_i64("SELECT published_version FROM codebooks"), 1);

    edit_code(&study, "MOT_ACCESS", &[("name", "Access for everyone")]).await;
    assert!(publish_button(&page(&study.app, &overview).await), "the draft differs now");
    study.publish().await;
    assert_eq!(study.app.query_i64("SELECT published_version FROM codebooks"), 2);
    assert!(!publish_button(&page(&study.app, &overview).await), "published: nothing left to publish");
}
