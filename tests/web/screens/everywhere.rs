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
