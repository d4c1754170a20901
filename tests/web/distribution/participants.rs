//! Importing, adding and listing participants, and the access settings.

use reqwest::StatusCode;

use super::open_small_survey;
use crate::helpers::{location, unescape};
use crate::surveys::{SMALL_SLUG, audit, page, upload_through_form};

/// Posts a CSV to the import form of the participants page.
async fn import_csv(app: &crate::helpers::TestApp, csv: &str) -> reqwest::Response {
    upload_csv(app, csv.as_bytes()).await
}

async fn upload_csv(app: &crate::helpers::TestApp, csv: &[u8]) -> reqwest::Response {
    let (page_path, action) =
        (format!("/surveys/{SMALL_SLUG}/participants"), format!("/surveys/{SMALL_SLUG}/participants/import"));
    upload_through_form(app, &page_path, &action, &[("file", Some("people.csv"), csv)]).await
}

#[tokio::test]
async fn a_good_participant_file_is_imported_with_its_attributes_and_listed_as_not_invited() {
    let (app, _) = open_small_survey().await;
    let csv = "email,name,language,organisation,role\nada@example.org,Ada,es,Hub,maintainer\nbo@example.org,Bo,,Lab,\n";

    let response = import_csv(&app, csv).await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 2);
    let list = unescape(&page(&app, &format!("/surveys/{SMALL_SLUG}/participants")).await);
    assert!(list.contains("Imported 2 participants."), "{list}");
    assert!(list.contains("organisation: Hub; role: maintainer"), "{list}");
    assert!(list.contains("<td data-status=\"not_invited\"><a href=\"?status=not_invited\">2</a></td>"), "{list}");
    assert_eq!(audit(&app, "participants.import")[0].2, "2 participants");
    // A token is never stored, only its hash and salt.
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants WHERE length(token_hash) = 32"), 2);
}

#[tokio::test]
async fn a_file_with_any_bad_row_imports_nothing_and_names_each_problem_by_line() {
    let (app, _) = open_small_survey().await;
    let cases: [(&[u8], &[&str]); 5] = [
        (b"email,name\nnot-an-email,A\nok@example.org,B\n", &["Line 2:", "not an email address"]),
        (b"email\nsame@example.org\nSAME@example.org\n", &["Line 3:", "appears twice (first on line 2)"]),
        (
            b"email,language\nx@example.org,fr\n",
            &["Line 2:", "the language \"fr\" is not one of this survey's (en, es)"],
        ),
        (b"email,name\nx@example.org,A,extra\n", &["Line 2:", "the row has 3 columns; the header has 2"]),
        (b"email,name\nx@example.org,\xe9t\xe9\n", &["Line 2:", "not UTF-8 text"]),
    ];
    for (csv, expected) in cases {
        let response = upload_csv(&app, csv).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = unescape(&response.text().await.unwrap());
        for text in expected {
            assert!(html.contains(text), "{text} in {html}");
        }
        assert!(html.contains("Nothing was imported"));
        assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 0, "nothing imported");
    }
    // An email already in the survey is reported as such.
    assert_eq!(import_csv(&app, "email\nold@example.org\n").await.status(), StatusCode::SEE_OTHER);
    let again = import_csv(&app, "email\nnew@example.org\nold@example.org\n").await;
    let html = unescape(&again.text().await.unwrap());
    assert!(html.contains("Line 3: old@example.org is already a participant of this survey"), "{html}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 1);
}

#[tokio::test]
async fn participants_are_added_edited_and_removed_one_by_one_with_bad_input_kept() {
    let (app, survey_id) = open_small_survey().await;
    let path = format!("/surveys/{SMALL_SLUG}/participants");

    let bad = app.post_form(&path, &[("email", "nobody"), ("name", "Typed Name"), ("language", "xx")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&bad.text().await.unwrap());
    assert!(
        html.contains("\"nobody\" is not an email address") && html.contains("choose one of this survey's languages")
    );
    assert!(html.contains("value=\"Typed Name\""), "typed input kept");

    let added = app.post_form(&path, &[("email", "cy@example.org"), ("attributes", "role: lead")]).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let id = app.query_i64("SELECT id FROM participants WHERE email = 'cy@example.org'");
    let edit = format!("{path}/{id}");
    let saved =
        app.post_form(&edit, &[("email", "cy@example.org"), ("name", "Cy"), ("attributes", "role: editor")]).await;
    assert_eq!(location(&saved), edit);
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants WHERE name = 'Cy' AND attributes LIKE '%editor%'"), 1);

    // One who has begun a response cannot be removed (that would lose it), only erased.
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE participants SET started_at = '2026-01-01T00:00:00Z' WHERE id = ?1", [id]).unwrap();
    let refused = app.post_form(&format!("{edit}/remove"), &[]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    conn.execute("UPDATE participants SET started_at = NULL WHERE id = ?1", [id]).unwrap();
    let removed = app.post_form(&format!("{edit}/remove"), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64(&format!("SELECT COUNT(*) FROM participants WHERE survey_id = {survey_id}")), 0);
    assert_eq!(audit(&app, "participant.remove").len(), 1);
}

#[tokio::test]
async fn access_settings_are_checked_saved_and_audited() {
    let (app, _) = open_small_survey().await;
    let path = format!("/surveys/{SMALL_SLUG}/access");

    let bad = app.post_form(&path, &[("access", "invitation"), ("response_limit", "-3"), ("grace_hours", "x")]).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&bad.text().await.unwrap());
    assert!(html.contains("\"-3\" is not a whole number above 0") && html.contains("hours from 0 to 744"), "{html}");
    assert!(html.contains("value=\"-3\""), "typed input kept");

    let saved = app.post_form(&path, &[("access", "invitation"), ("response_limit", "50"), ("grace_hours", "2")]).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.query_i64(
            "SELECT COUNT(*) FROM surveys WHERE access = 'invitation' AND response_limit = 50 AND grace_hours = 2"
        ),
        1
    );
    assert_eq!(audit(&app, "survey.access")[0].2, "access invitation; response limit 50; grace 2 h");
}

#[tokio::test]
async fn open_and_close_times_are_typed_and_shown_in_the_researchers_time_zone_and_stored_in_utc() {
    use crate::surveys::{form_fields, set, stored, submit, value_of};
    let (app, _) = open_small_survey().await;
    let unknown = app.post_form("/account/time-zone", &[("time_zone", "Mars/Olympus")]).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.post_form("/account/time-zone", &[("time_zone", "Europe/Madrid")]).await.status(),
        StatusCode::SEE_OTHER
    );

    let path = format!("/surveys/{SMALL_SLUG}/build/settings");
    let mut fields = form_fields(&page(&app, &path).await, &path);
    set(&mut fields, "opens_at", "2026-01-15T09:00");
    set(&mut fields, "closes_at", "2026-07-15T09:00");
    assert_eq!(submit(&app, &path, &fields).await.status(), StatusCode::SEE_OTHER);

    let d = stored(&app, SMALL_SLUG).definition;
    // Madrid is an hour ahead of UTC in winter and two in summer.
    assert_eq!(
        (d.opens_at.as_deref(), d.closes_at.as_deref()),
        (Some("2026-01-15T08:00:00Z"), Some("2026-07-15T07:00:00Z"))
    );
    let shown = form_fields(&page(&app, &path).await, &path);
    assert_eq!(value_of(&shown, "closes_at"), Some("2026-07-15T09:00"));
    assert!(unescape(&page(&app, &path).await).contains("Europe/Madrid"));
}

/// The `data-email` of each row of the participants table, in order.
fn listed_emails(html: &str) -> Vec<String> {
    html.split("<tr data-email=\"").skip(1).filter_map(|row| row.split('"').next()).map(String::from).collect()
}

/// The address of the list page's link with this text ("Next →", "← Previous"), unescaped.
fn paging_link(html: &str, text: &str) -> Option<String> {
    let end = html.find(&format!("\">{text}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(format!("/surveys/{SMALL_SLUG}/participants{}", unescape(&html[start..end])))
}

#[tokio::test]
async fn a_long_participant_list_is_paged_and_the_pages_keep_the_filter() {
    let (app, _) = open_small_survey().await;
    // Names with characters a query string must encode, so the paging links must encode them.
    let mut csv = String::from("email,name\n");
    for i in 0..250 {
        let team = if i % 2 == 0 { "R&D + ops #1" } else { "Sales" };
        csv.push_str(&format!("p{i:03}@example.org,{team} {i:03}\n"));
    }
    assert_eq!(import_csv(&app, &csv).await.status(), StatusCode::SEE_OTHER);

    // All 250, a hundred a page: each participant exactly once, in the order they were added.
    let mut seen = Vec::new();
    let mut next = Some(format!("/surveys/{SMALL_SLUG}/participants"));
    let mut pages = 0;
    while let Some(path) = next {
        let html = page(&app, &path).await;
        let rows = listed_emails(&html);
        assert_eq!(rows.len(), if pages < 2 { 100 } else { 50 }, "page {} of {path}", pages + 1);
        assert_eq!(paging_link(&html, "← Previous").is_some(), pages > 0, "{path}");
        seen.extend(rows);
        next = paging_link(&html, "Next →");
        pages += 1;
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..250).map(|i| format!("p{i:03}@example.org")).collect();
    assert_eq!(seen, expected);

    // A search for a name with &, + and # in it: 125 match, and page 2 keeps the search.
    let search = format!("/surveys/{SMALL_SLUG}/participants?q={}", fieldwork::error::urlencode("R&D + ops #1"));
    let first = page(&app, &search).await;
    assert_eq!(listed_emails(&first).len(), 100);
    let second_path = paging_link(&first, "Next →").expect("a next page");
    assert!(second_path.contains("q=R%26D+%2B+ops+%231"), "{second_path}");
    let second = page(&app, &second_path).await;
    let rows = listed_emails(&second);
    assert_eq!(rows.len(), 25, "{second_path}");
    assert!(rows.iter().all(|e| e[1..4].parse::<u32>().unwrap() % 2 == 0), "only the searched names: {rows:?}");
    let back = paging_link(&second, "← Previous").expect("a previous page");
    assert_eq!(listed_emails(&page(&app, &back).await), listed_emails(&first));
}

#[tokio::test]
async fn a_name_with_a_line_break_or_control_character_is_refused_on_import_and_in_the_forms() {
    let (app, _) = open_small_survey().await;
    let csv = "email,name\nok@example.org,Ok\nada@example.org,\"Ada\r\nBcc: spy@example.net\"\n";
    let refused = import_csv(&app, csv).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&refused.text().await.unwrap());
    assert!(html.contains("Line 3: the name has a line break at character 4; it must be one line"), "{html}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 0, "nothing imported");

    let path = format!("/surveys/{SMALL_SLUG}/participants");
    for (name, problem) in [
        ("Ada\r\nBcc: spy@example.net", "the name has a line break at character 4"),
        ("Ada\u{1b}[2J", "the name has an invisible control character (U+001B) at character 4"),
    ] {
        let added = app.post_form(&path, &[("email", "ada@example.org"), ("name", name)]).await;
        assert_eq!(added.status(), StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        let html = unescape(&added.text().await.unwrap());
        assert!(html.contains(problem), "{problem} in {html}");
        assert!(html.contains("value=\"ada@example.org\""), "typed input kept");
    }
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants"), 0);

    // Editing refuses it too, and an attribute value the same way.
    assert_eq!(
        app.post_form(&path, &[("email", "ada@example.org"), ("name", "Ada")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let id = app.query_i64("SELECT id FROM participants");
    let edit = format!("{path}/{id}");
    let saved = app.post_form(&edit, &[("email", "ada@example.org"), ("name", "Ada\rB")]).await;
    assert_eq!(saved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let saved = app.post_form(&edit, &[("email", "ada@example.org"), ("attributes", "role: lead\u{7}")]).await;
    assert_eq!(saved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = unescape(&saved.text().await.unwrap());
    assert!(html.contains("line 1: the role has an invisible control character (U+0007)"), "{html}");
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM participants WHERE name = 'Ada' AND attributes = '{}'"), 1);
}
