//! Slow, idle and oversized requests are cut off by the header deadline, the request timeout and
//! the body limit, while respondents keep getting through.

use std::time::{Duration, Instant};

use fieldwork::survey::store::Status;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::helpers::TestApp;
use crate::respondent::*;

const SURVEY: &str = r#"
format = 1
slug = "slow"
default_language = "en"
languages = ["en"]
title = { en = "Slow" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "NAME"
type = "short_text"
required = true
text = { en = "Name" }
"#;

/// A second for headers, two for a whole request, 64 KiB bodies.
async fn strict_server() -> (TestApp, String) {
    let app = TestApp::spawn_with(&[
        "--header-timeout-secs",
        "1",
        "--request-timeout-secs",
        "2",
        "--max-body-bytes",
        "65536",
        "--new-responses-per-client",
        "0",
    ])
    .await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    (app, slug)
}

fn address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_string()
}

/// Waits until the server closes `stream`; how long that took, or None past `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let mut sink = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut sink)).await {
        Ok(_) => Some(started.elapsed()),
        Err(_) => None,
    }
}

/// One respondent from welcome to thank-you; how long it took.
async fn respond(app: &TestApp, slug: &str, name: &str) -> Duration {
    let started = Instant::now();
    let client = app.other_client();
    let mut respondent = Respondent::new(&client, slug);
    respondent.start().await;
    let reply = respondent.submit(0, &[("q.NAME", name)]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.html);
    started.elapsed()
}

#[tokio::test]
async fn slowloris_connections_are_dropped_while_respondents_get_through() {
    let (app, slug) = strict_server().await;
    // Many clients that send half a request and then nothing, or a byte now and then.
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut stream = TcpStream::connect(address(&app)).await.unwrap();
        stream.write_all(format!("GET /s/{slug} HTTP/1.1\r\nHost: x\r\nX-Slow: {i}").as_bytes()).await.unwrap();
        idle.push(stream);
    }
    let mut trickling = TcpStream::connect(address(&app)).await.unwrap();
    let trickle = tokio::spawn(async move {
        let started = Instant::now();
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\nX-Trickle: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if trickling.write_all(&[*byte]).await.is_err() {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        None
    });

    for n in 0..5 {
        let took = respond(&app, &slug, &format!("Respondent {n}")).await;
        assert!(took < Duration::from_secs(1), "a respondent took {took:?} beside the slow clients");
    }
    for stream in &mut idle {
        let closed = closed_within(stream, Duration::from_secs(4)).await;
        assert!(closed.is_some(), "an idle connection was kept open past the header deadline");
    }
    let cut_off = trickle.await.unwrap().expect("the trickling client was cut off before it finished");
    assert!(cut_off < Duration::from_secs(3), "cut off only after {cut_off:?}");
    assert_eq!(responses(&app).len(), 5);
}

#[tokio::test]
async fn an_oversized_body_is_refused_without_reading_it() {
    let (app, slug) = strict_server().await;
    let mut stream = TcpStream::connect(address(&app)).await.unwrap();
    let head = format!(
        "POST /s/{slug}/p/0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100000000\r\n\r\nq.NAME="
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // A respondent keeps going meanwhile.
    respond(&app, &slug, "Beside a huge upload").await;
    // The client keeps sending; the server answers 413 once past the limit and hangs up.
    let block = vec![b'a'; 16 * 1024];
    for _ in 0..16 {
        if stream.write_all(&block).await.is_err() {
            break;
        }
    }
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(4), stream.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the server neither answered nor hung up");
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 413"), "{reply}");
}

#[tokio::test]
async fn a_body_that_never_finishes_is_cut_off_by_the_request_timeout() {
    let (app, slug) = strict_server().await;
    let mut stream = TcpStream::connect(address(&app)).await.unwrap();
    let head = format!(
        "POST /s/{slug}/p/0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 1000\r\n\r\nq.NAME=Never"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    respond(&app, &slug, "Beside a stalled upload").await;

    let started = Instant::now();
    let mut reply = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut reply)).await;
    assert!(read.is_ok(), "the stalled request was still open after 5 s");
    assert!(started.elapsed() < Duration::from_secs(4));
    let reply = String::from_utf8_lossy(&reply);
    assert!(reply.starts_with("HTTP/1.1 503") || reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert_eq!(responses(&app).len(), 1, "only the respondent's response");
}
