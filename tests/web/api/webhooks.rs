//! Webhooks: a completed response POSTed, signed, to a receiver on the loopback; retries with
//! growing waits after failures; a delivery still pending when the server stops sent after it
//! starts again; "send a test event"; the delivery log; addresses refused.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::surveys::{RESEARCHER, SMALL, SMALL_SLUG, add_survey, set_status};

/// A request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
    at: std::time::Instant,
}

/// A webhook receiver on the loopback: records every request, and answers 500 to the first
/// `failures` of them (and to all while `down`).
#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<Received>>>,
    failures: Arc<Mutex<usize>>,
    down: Arc<Mutex<bool>>,
}

impl Receiver {
    /// Starts it; returns its address.
    async fn start(&self) -> String {
        let me = self.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let me = me.clone();
                async move {
                    me.got.lock().unwrap().push(Received { headers, body, at: std::time::Instant::now() });
                    let mut failures = me.failures.lock().unwrap();
                    if *me.down.lock().unwrap() || *failures > 0 {
                        *failures = failures.saturating_sub(1);
                        return AxumStatus::INTERNAL_SERVER_ERROR;
                    }
                    AxumStatus::NO_CONTENT
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        address
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    /// Waits (at most 20 s) until it has received `n` requests.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.count() >= n {
                return self.got.lock().unwrap().clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the receiver got {} requests, expected {n}", self.count());
    }
}

/// A server that allows loopback webhooks and retries after 200 ms, its researcher signed in, the
/// open SMALL survey and a webhook to `receiver`.
async fn server_with_webhook(receiver: &str) -> (TestApp, i64) {
    let app = TestApp::spawn_with(&["--allow-private-webhooks", "--webhook-retry-ms", "200"]).await;
    app.add_user(RESEARCHER, fieldwork::accounts::Role::Researcher);
    assert_eq!(app.login(RESEARCHER, crate::helpers::PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let survey = add_survey(&app, SMALL);
    set_status(&app, survey, fieldwork::survey::store::Status::Open);
    let added = app.post_form("/surveys/team-survey/webhooks", &[("url", receiver)]).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    (app, survey)
}

/// A respondent completes SMALL on a browser of their own.
async fn complete_a_response(app: &TestApp, role: &str) {
    let browser = app.other_client();
    let mut respondent = crate::respondent::Respondent::new(&browser, SMALL_SLUG);
    let first = respondent.start().await;
    respondent.next(first, &[("q.ROLE", role)]).await;
    let done = respondent.submit(1, &[("q.COMMENT", "Done")]).await;
    assert!(done.location.ends_with("/done"), "{}", done.location);
}

fn secret(app: &TestApp) -> String {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    conn.query_row("SELECT secret FROM webhooks", [], |r| r.get(0)).unwrap()
}

/// Checks the signature header of `received` as a receiver would, with the HMAC crates.
fn signature_is_valid(received: &Received, secret: &str) -> bool {
    use hmac::{Hmac, Mac};
    let header = received.headers["fieldwork-signature"].to_str().unwrap();
    let (t, v1) = header.split_once(',').unwrap();
    let (t, v1) = (t.strip_prefix("t=").unwrap(), v1.strip_prefix("v1=").unwrap());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!((now - t.parse::<i64>().unwrap()).abs() < 60, "a fresh timestamp");
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(&received.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    expected == v1
}

#[tokio::test]
async fn a_completed_response_is_posted_signed_to_the_webhook_and_logged() {
    let receiver = Receiver::default();
    let address = receiver.start().await;
    let (app, _) = server_with_webhook(&address).await;
    complete_a_response(&app, "dev").await;

    let got = receiver.wait_for(1).await;
    let payload: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(payload["event"], "response.completed");
    assert_eq!(payload["survey"], "team-survey");
    assert_eq!(payload["response"]["answers"]["ROLE"]["choice"], "dev");
    assert_eq!(got[0].headers["fieldwork-event"], "response.completed");
    assert_eq!(got[0].headers["content-type"], "application/json");
    assert!(signature_is_valid(&got[0], &secret(&app)));
    // Another secret does not verify: the check can fail.
    assert!(!signature_is_valid(&got[0], "another secret"));

    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, page) = app.get_page("/surveys/team-survey/webhooks").await;
    assert!(page.contains("delivered") && page.contains("HTTP 204"), "{page}");
    assert_eq!(receiver.count(), 1, "sent once");
}

#[tokio::test]
async fn a_failed_delivery_is_retried_with_growing_waits_until_the_receiver_takes_it() {
    let receiver = Receiver::default();
    *receiver.failures.lock().unwrap() = 3;
    let address = receiver.start().await;
    let (app, _) = server_with_webhook(&address).await;
    complete_a_response(&app, "ops").await;

    let got = receiver.wait_for(4).await;
    // 200, 400, 800 ms: each wait longer than the one before (allowing for the one-second poll).
    let gaps: Vec<Duration> = got.windows(2).map(|w| w[1].at - w[0].at).collect();
    assert!(gaps[0] >= Duration::from_millis(190) && gaps[2] >= Duration::from_millis(790), "{gaps:?}");
    assert!(got.iter().all(|r| r.body == got[0].body), "the same payload each time");
    assert!(got.iter().all(|r| r.headers["fieldwork-delivery"] == got[0].headers["fieldwork-delivery"]));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.query_i64("SELECT attempts FROM webhook_deliveries WHERE status = 'delivered'"), 4);
    assert_eq!(receiver.count(), 4);
}

#[tokio::test]
async fn a_delivery_pending_when_the_server_stops_is_sent_after_it_starts_again() {
    let receiver = Receiver::default();
    *receiver.down.lock().unwrap() = true;
    let address = receiver.start().await;
    let (mut app, _) = server_with_webhook(&address).await;
    complete_a_response(&app, "lead").await;
    receiver.wait_for(1).await;
    app.stop().await;
    assert_eq!(app.query_i64("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'"), 1);

    *receiver.down.lock().unwrap() = false;
    let before = receiver.count();
    app.restart().await;
    let got = receiver.wait_for(before + 1).await;
    let payload: serde_json::Value = serde_json::from_slice(&got.last().unwrap().body).unwrap();
    assert_eq!(payload["response"]["answers"]["ROLE"]["choice"], "lead");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.query_i64("SELECT count(*) FROM webhook_deliveries WHERE status = 'delivered'"), 1);
}

#[tokio::test]
async fn the_test_button_sends_a_test_event_and_another_surveys_webhook_is_not_found() {
    let receiver = Receiver::default();
    let address = receiver.start().await;
    let (app, _) = server_with_webhook(&address).await;
    let id = app.query_i64("SELECT id FROM webhooks");
    let sent = app.post_form(&format!("/surveys/team-survey/webhooks/{id}/test"), &[]).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let got = receiver.wait_for(1).await;
    assert_eq!(got[0].headers["fieldwork-event"], "test");
    assert!(signature_is_valid(&got[0], &secret(&app)));

    let other = add_survey(&app, &SMALL.replace("slug = \"team-survey\"", "slug = \"other\""));
    let _ = other;
    for action in ["test", "delete"] {
        let refused = app.post_form(&format!("/surveys/other/webhooks/{id}/{action}"), &[]).await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{action}");
    }
    let removed = app.post_form(&format!("/surveys/team-survey/webhooks/{id}/delete"), &[]).await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.query_i64("SELECT count(*) FROM webhooks"), 0);
}

#[tokio::test]
async fn internal_and_non_http_addresses_are_refused_without_the_option() {
    let app = crate::surveys::signed_in_researcher().await;
    add_survey(&app, SMALL);
    for (url, message) in [
        ("http://127.0.0.1:9/hook", "inside this server"),
        ("http://169.254.169.254/latest", "inside this server"),
        ("http://localhost/hook", "inside this server"),
        ("ftp://example.org/hook", "only http:// and https://"),
        ("", "give the address"),
    ] {
        let refused = app.post_form("/surveys/team-survey/webhooks", &[("url", url)]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = crate::helpers::unescape(&refused.text().await.unwrap());
        assert!(html.contains(message) && html.contains(url), "{url}: {html}");
    }
    assert_eq!(app.query_i64("SELECT count(*) FROM webhooks"), 0);
    let added = app.post_form("/surveys/team-survey/webhooks", &[("url", "https://example.org/hook")]).await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
}
