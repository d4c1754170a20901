//! Slow, idle and oversized requests are cut off by the header deadline, the body deadline, the
//! request timeout and the body limit, and one address cannot take all connections, while
//! respondents keep getting through. The cap on connections fits the limit on open files.

use std::time::{Duration, Instant};

use fieldwork::survey::store::Status;
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

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
    // Many clients that send half a request and then nothing, or a byte now and then (from
    // another address than the respondents', which the cap per address would otherwise refuse).
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut stream = connect_from(&app, "127.0.0.3").await;
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

/// A connection to the app from another loopback address (127.0.0.0/8 is all this machine's), as
/// a client elsewhere would have.
async fn connect_from(app: &TestApp, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{from}:0").parse().unwrap()).unwrap();
    socket.connect(address(app).parse().unwrap()).await.unwrap()
}

/// Starts a POST whose body will take far longer than any deadline to arrive, and sends its first
/// byte.
async fn start_slow_body(stream: &mut TcpStream, slug: &str) {
    let head = format!(
        "POST /s/{slug}/p/0 HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: 100000\r\n\r\nq"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
}

#[tokio::test]
async fn one_address_sending_slow_bodies_cannot_take_all_connections() {
    let app = TestApp::spawn_with(&[
        "--max-connections",
        "40",
        "--max-connections-per-address",
        "10",
        "--new-responses-per-client",
        "0",
    ])
    .await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    // One address opens more connections than the server takes at all, each trickling a body.
    let mut slow = Vec::new();
    for _ in 0..60 {
        let mut stream = connect_from(&app, "127.0.0.2").await;
        start_slow_body(&mut stream, &slug).await;
        slow.push(stream);
    }

    for n in 0..3 {
        let took = tokio::time::timeout(Duration::from_secs(5), respond(&app, &slug, &format!("Respondent {n}"))).await;
        let took = took.expect("a respondent was kept waiting by one address's connections");
        assert!(took < Duration::from_secs(1), "a respondent took {took:?} beside the slow clients");
    }
    let mut refused = 0;
    for stream in &mut slow {
        let mut reply = Vec::new();
        if tokio::time::timeout(Duration::from_millis(200), stream.read_to_end(&mut reply)).await.is_ok() {
            assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 429"), "{}", String::from_utf8_lossy(&reply));
            refused += 1;
        }
    }
    assert_eq!(refused, 50, "connections past the address's cap of 10 are refused at once");
    assert_eq!(responses(&app).len(), 3);
}

#[tokio::test]
async fn a_body_trickling_in_is_cut_off_by_the_body_deadline_while_respondents_get_through() {
    let app = TestApp::spawn_with(&["--body-timeout-secs", "1", "--request-timeout-secs", "30"]).await;
    let (_, slug) = add_survey(&app, SURVEY, Status::Open);
    let mut trickling = TcpStream::connect(address(&app)).await.unwrap();
    start_slow_body(&mut trickling, &slug).await;
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        // A byte every 100 ms: never idle long enough for an idle timeout, never done.
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if trickling.write_all(b"a").await.is_err() {
                break;
            }
        }
        let mut reply = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(1), trickling.read_to_end(&mut reply)).await;
        String::from_utf8_lossy(&reply).into_owned()
    });

    let took = respond(&app, &slug, "Beside a trickling body").await;
    assert!(took < Duration::from_secs(1), "a respondent took {took:?}");
    let reply = trickle.await.unwrap();
    let cut_off = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(cut_off < Duration::from_secs(4), "cut off only after {cut_off:?}");
    assert_eq!(responses(&app).len(), 1, "only the respondent's response");
}

/// Starts `fieldwork serve` under `ulimit` settings and returns its log up to the line saying it
/// listens.
fn start_up_log(ulimit: &str, extra: &str) -> String {
    use std::io::{BufRead as _, BufReader};
    let dir = tempfile::tempdir().unwrap();
    let script = format!("ulimit {ulimit} && exec \"$0\" --db \"$1\" serve --bind 127.0.0.1:0 {extra}",);
    let mut child = std::process::Command::new("sh")
        .args(["-c", &script, env!("CARGO_BIN_EXE_fieldwork")])
        .arg(dir.path().join("fieldwork.db"))
        .env("FIELDWORK_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        let line = line.unwrap();
        log.push_str(&line);
        log.push('\n');
        if line.contains("fieldwork is listening") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    log
}

#[test]
fn the_soft_limit_on_open_files_is_raised_and_max_connections_kept_below_the_hard_one() {
    // A soft limit below the hard one is raised to it.
    let (_, hard) = rlimit::Resource::NOFILE.get().unwrap();
    if hard > 1024 {
        let log = start_up_log("-Sn 256", "");
        assert!(log.contains("raised the limit on open files"), "{log}");
        assert!(log.contains(&format!("to={hard}")), "{log}");
    }
    // A hard limit too low for --max-connections lowers it, and says so.
    let log = start_up_log("-n 300", "--max-connections 4096");
    assert!(log.contains("--max-connections lowered"), "{log}");
    assert!(log.contains("max_connections=236"), "{log}");
    assert!(log.contains("fieldwork is listening"), "{log}");
}
