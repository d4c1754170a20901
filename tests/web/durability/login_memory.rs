//! A flood of logins (200 at once, each from its own address, at the production argon2 cost)
//! leaves the server's memory bounded while it lasts and afterwards: passwords are checked a few
//! at a time, in memory kept for that.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::cookie::Jar;

use super::load_server::{SURVEY, Server, usage};
use crate::helpers::csrf_in;

const FIELDWORK: &str = env!("CARGO_BIN_EXE_fieldwork");
const MIB: u64 = 1024 * 1024;

/// A signed-out browser on the login page: its client and the form's CSRF token.
async fn on_the_login_page(server: &Server) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder().cookie_provider(Arc::new(Jar::default())).build().unwrap();
    let page = client.get(format!("http://{}/login", server.address)).send().await.unwrap();
    let token = csrf_in(&page.text().await.unwrap()).expect("a CSRF token on the login page");
    (client, token)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_simultaneous_logins_keep_memory_bounded_and_release_it() {
    let dir = tempfile::tempdir().unwrap();
    let binary = Path::new(FIELDWORK);
    let db = Server::prepare(binary, dir.path(), SURVEY).expect("a database");
    // Production argon2 cost (19 MiB a password); each attempt from its own address.
    let server = Server::start(binary, &db, &["--behind-proxy"], "warn").expect("the server starts");
    let pid = server.pid().to_string();
    let mut browsers = Vec::new();
    for _ in 0..200 {
        browsers.push(on_the_login_page(&server).await);
    }
    let before = usage(&pid).expect("the server's memory");

    let url = format!("http://{}/login", server.address);
    let attempts: Vec<_> = browsers
        .into_iter()
        .enumerate()
        .map(|(n, (client, token))| {
            let url = url.clone();
            tokio::spawn(async move {
                let reply = client
                    .post(url)
                    .header("x-forwarded-for", format!("10.1.{}.{}", n / 250, n % 250))
                    .form(&[
                        ("csrf_token", token.as_str()),
                        ("email", &format!("guess{n}@example.org")),
                        ("password", "wrong"),
                    ])
                    .send()
                    .await
                    .unwrap();
                (reply.status(), reply.text().await.unwrap())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        let (status, page) = attempt.await.unwrap();
        if status == StatusCode::TOO_MANY_REQUESTS {
            assert!(page.contains("try again in a few seconds"), "{page}");
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
        }
        statuses.push(status);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = usage(&pid).expect("the server's memory");

    let checked = statuses.iter().filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY).count();
    let grew = after.peak_rss.saturating_sub(before.rss);
    let kept = after.rss.saturating_sub(before.rss);
    eprintln!(
        "200 logins: {checked} checked; resident {} MiB before, peak {} MiB, {} MiB after",
        before.rss / MIB,
        after.peak_rss / MIB,
        after.rss / MIB
    );
    assert!(checked > 0, "no password was checked at all");
    assert!(grew < 200 * MIB, "the flood grew the server by {} MiB at its peak", grew / MIB);
    assert!(kept < 120 * MIB, "the flood left the server {} MiB larger", kept / MIB);
}
