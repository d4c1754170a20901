//! What every researcher page shares: the favicon, served from the binary.

use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::surveys::page;

#[tokio::test]
async fn a_favicon_is_served_from_the_binary_and_every_page_names_it() {
    let app = crate::surveys::signed_in_researcher().await;

    let icon = app.get("/favicon.ico").await;
    assert_eq!(icon.status(), StatusCode::OK);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
    assert!(icon.bytes().await.unwrap().starts_with(&[0, 0, 1, 0]), "an ICO file");
    let svg = app.get("/static/favicon.svg").await;
    assert_eq!((svg.status(), svg.headers()["content-type"].to_str().unwrap()), (StatusCode::OK, "image/svg+xml"));
    for path in ["/", "/surveys", "/account/time-zone"] {
        assert!(page(&app, path).await.contains(r#"<link rel="icon" href="/static/favicon.svg""#), "{path}");
    }
    // Signed out too: the login page.
    let (_, login) = TestApp::spawn().await.get_page("/login").await;
    assert!(login.contains(r#"href="/favicon.ico""#));
}

/// Whether `text` holds a stored time as stored (`2026-01-05T23:30`).
fn has_raw_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.windows(16).any(|w| {
        let digits = |r: std::ops::Range<usize>| w[r].iter().all(u8::is_ascii_digit);
        digits(0..4) && w[4] == b'-' && digits(5..7) && w[7] == b'-' && digits(8..10) && w[10] == b'T' && digits(11..13)
    })
}

#[tokio::test]
async fn dates_and_times_read_the_same_way_in_the_readers_zone_on_every_page() {
    let study = crate::coding::Study::with_answers(&["Open weights."]).await;
    let app = &study.app;
    app.add_user("admin@example.org", fieldwork::accounts::Role::Admin);
    app.login("admin@example.org", crate::helpers::PASSWORD).await;
    let zone = app.post_form("/account/time-zone", &[("time_zone", "Asia/Tokyo")]).await;
    assert_eq!(zone.status(), StatusCode::SEE_OTHER);
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.execute("UPDATE users SET created_at = '2026-01-05T23:30:00Z', last_login_at = '2026-01-05T23:30:00Z'", [])
        .unwrap();
    conn.execute("UPDATE audit_log SET at = '2026-01-05T23:30:00Z'", []).unwrap();
    conn.execute("UPDATE survey_members SET added_at = '2026-01-05T23:30:00Z'", []).unwrap();
    conn.execute("UPDATE codebook_changes SET at = '2026-01-05T23:30:00Z'", []).unwrap();
    let researcher = study.researcher;
    let pages = [
        "/admin/users".to_string(),
        format!("/admin/users/{researcher}"),
        "/admin/audit".into(),
        "/surveys/open-llm-governance".into(),
        format!("/codebooks/{}/history", study.codebook),
        "/surveys/open-llm-governance/responses".into(),
        format!("/surveys/open-llm-governance/responses/{}", study.responses[0]),
    ];
    for path in pages {
        let text = crate::coding::visible_text(&page(app, &path).await);
        assert!(!has_raw_time(&text), "{path}: {text}");
        // The stored 23:30 UTC is 08:30 the next day in Tokyo.
        if !path.contains("responses") {
            assert!(text.contains("6 Jan 2026, 08:30 JST"), "{path}: {text}");
        }
    }
}

#[tokio::test]
async fn the_respondents_sub_menu_marks_the_page_shown_or_the_list_it_belongs_to() {
    let study = crate::coding::Study::with_answers(&["Open weights."]).await;
    let app = &study.app;
    let at = |rest: &str| format!("/surveys/open-llm-governance{rest}");
    let (participant, _) = crate::distribution::add_participant(app, study.survey, "p@example.org", &[]);
    let cases = [
        (at("/participants"), "/participants", "page"),
        (at("/mail"), "/mail", "page"),
        (at("/responses"), "/responses", "page"),
        (at("/responses/trash"), "/responses/trash", "page"),
        (at(&format!("/participants/{participant}")), "/participants", "true"),
        (at(&format!("/responses/{}", study.responses[0])), "/responses", "true"),
        (at("/mail/templates/invitation/en"), "/mail", "true"),
    ];
    for (path, current, how) in cases {
        let html = page(app, &path).await;
        let nav = &html[html.find("<nav aria-label=\"Respondents\"").unwrap_or_else(|| panic!("{path}: the menu"))..];
        let nav = &nav[..nav.find("</nav>").unwrap()];
        assert_eq!(nav.matches("aria-current").count(), 1, "{path}: {nav}");
        let marked = format!("<a href=\"{}\" aria-current=\"{how}\">", at(current));
        assert!(nav.contains(&marked), "{path}: {nav}");
        assert_eq!(nav.matches("<li>").count(), 5, "{path}: every entry, as a list");
    }
}
