//! Email invitations and reminders through a real SMTP server on loopback: Python's `aiosmtpd`
//! (Debian's `python3-aiosmtpd`, installed by `.ci/test`), started by each test with a small
//! handler that stores every accepted message as JSON. `sending` checks what is delivered,
//! `opt_out` the opt-out link and who reminders skip, `recovery` failures, retries, restarts and
//! a crash mid-send.

mod opt_out;
mod recovery;
mod sending;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fieldwork::accounts::Role;
use fieldwork::distribute::participants::{self, NewParticipant, Participant};
use reqwest::StatusCode;
use serde::Deserialize;

use crate::helpers::{PASSWORD, TestApp, location};
use crate::surveys::{RESEARCHER, SMALL, add_survey};

pub const SLUG: &str = "team-survey";
pub const SENDER: &str = "Study team <study@example.org>";

/// The aiosmtpd handler: refuses the addresses it is told to (550), writes each message, decoded,
/// to `<dir>/<n>.json` (via a rename, so a reader never sees half a file), then waits `delay`
/// seconds before saying so: a client cut off in that wait has delivered a message without
/// knowing it, the case that must not lead to a second copy.
const HANDLER: &str = r#"
import asyncio, email, json, os, time
from email import policy

class Store:
    def __init__(self, directory, delay="0", reject=""):
        self.directory = directory
        self.delay = float(delay)
        self.reject = {a.strip().lower() for a in reject.split(",") if a.strip()}

    @classmethod
    def from_cli(cls, parser, *args):
        return cls(*args)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "list_unsubscribe": str(message.get("List-Unsubscribe", "")),
            "list_unsubscribe_post": str(message.get("List-Unsubscribe-Post", "")),
            "content_type": message.get_content_type(),
            "body": message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
        }
        name = os.path.join(self.directory, str(time.time_ns()))
        with open(name + ".tmp", "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.rename(name + ".tmp", name + ".json")
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"
"#;

/// A message as the SMTP server received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Delivered {
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub list_unsubscribe: String,
    pub list_unsubscribe_post: String,
    pub content_type: String,
    pub body: String,
}

impl Delivered {
    /// The first line of the body that starts with `prefix` (a link).
    pub fn line_starting(&self, prefix: &str) -> String {
        let found = self.body.lines().find(|l| l.trim().starts_with(prefix));
        found.unwrap_or_else(|| panic!("no line starting with {prefix} in {}", self.body)).trim().to_string()
    }
}

/// An aiosmtpd server on a loopback port, stopped when dropped.
pub struct SmtpServer {
    pub port: u16,
    child: Child,
    dir: tempfile::TempDir,
}

/// The Python that has aiosmtpd: Debian's (`/usr/bin/python3`) when another `python3` comes first.
fn smtp_python() -> String {
    let candidates =
        [std::env::var("FIELDWORK_SMTP_PYTHON").ok(), Some("/usr/bin/python3".into()), Some("python3".into())];
    candidates
        .into_iter()
        .flatten()
        .find(|python| {
            Command::new(python)
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .expect("no Python with aiosmtpd: install Debian's python3-aiosmtpd (.ci/test does)")
}

/// A free loopback port (free when asked; the caller binds it soon after).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_on(free_port(), 0.0, &[])
    }

    /// On `port`, waiting `delay` seconds in each DATA and refusing the `reject` addresses.
    pub fn start_on(port: u16, delay: f64, reject: &[&str]) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("mailstore.py"), HANDLER).expect("write handler");
        let inbox = dir.path().join("inbox");
        std::fs::create_dir(&inbox).expect("inbox");
        let log = std::fs::File::create(dir.path().join("smtpd.log")).expect("log");
        let child = Command::new(smtp_python())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "mailstore.Store"])
            .args([inbox.to_str().expect("utf-8 path"), &delay.to_string(), &reject.join(",")])
            .env("PYTHONPATH", dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start aiosmtpd");
        let mut server = SmtpServer { port, child, dir };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.dir.path().join("smtpd.log")).unwrap_or_default();
                panic!("aiosmtpd exited with {status}: {log}");
            }
            assert!(Instant::now() < deadline, "aiosmtpd did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn inbox(&self) -> PathBuf {
        self.dir.path().join("inbox")
    }

    /// Every message received so far, in the order received.
    pub fn messages(&self) -> Vec<Delivered> {
        read_inbox(&self.inbox())
    }

    /// Waits until at least `count` messages have arrived, then returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Delivered> {
        wait_until(&format!("{count} messages"), || (self.messages().len() >= count).then(|| self.messages())).await
    }

    /// The serve flags that send through this server.
    pub fn flags(&self) -> Vec<String> {
        smtp_flags(self.port)
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_inbox(inbox: &Path) -> Vec<Delivered> {
    let mut files: Vec<_> = std::fs::read_dir(inbox)
        .expect("inbox")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| serde_json::from_str(&std::fs::read_to_string(f).expect("read message")).expect("message JSON"))
        .collect()
}

/// The flags for an SMTP server on `port` on loopback, without TLS, sending fast.
pub fn smtp_flags(port: u16) -> Vec<String> {
    ["--smtp-host", "127.0.0.1", "--smtp-port", &port.to_string(), "--smtp-tls", "none", "--mail-from", SENDER]
        .into_iter()
        .map(String::from)
        .chain(["--mail-per-minute".into(), "6000".into()])
        .collect()
}

/// Polls `check` every 50 ms until it gives a value; fails after 20 seconds.
pub async fn wait_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A server with these flags, a researcher signed in, and the two-language SMALL survey (open).
pub async fn mail_app(flags: &[String]) -> (TestApp, i64) {
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let app = TestApp::spawn_with(&flags).await;
    app.add_user(RESEARCHER, Role::Researcher);
    assert_eq!(app.login(RESEARCHER, PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let survey = add_survey(&app, SMALL);
    crate::surveys::set_status(&app, survey, fieldwork::survey::store::Status::Open);
    (app, survey)
}

/// Arrange: adds a participant straight to the database; returns their id.
pub fn add_participant(db_path: &Path, survey: i64, email: &str, name: &str, language: &str) -> i64 {
    let new =
        NewParticipant { email: email.into(), name: name.into(), language: language.into(), ..Default::default() };
    crate::distribution::insert_participant(db_path, survey, &new).0
}

pub fn participant(db_path: &Path, survey: i64, id: i64) -> Participant {
    let conn = fieldwork::db::open(db_path).expect("open db");
    participants::find(&conn, survey, id).expect("read").expect("a participant")
}

/// The participant whose personal link (or, for an `/opt-out` address, opt-out link) this is.
pub fn owner_of_link(db_path: &Path, survey: i64, link: &str) -> Option<i64> {
    let token = link.split("t=").nth(1).expect("a token in the link");
    let conn = fieldwork::db::open(db_path).expect("open db");
    let found = if link.contains("/opt-out?") {
        participants::find_by_opt_out_token(&conn, survey, token)
    } else {
        participants::find_by_token(&conn, survey, token)
    };
    found.expect("read").map(|p| p.id)
}

/// Presses "Send invitations" or "Send reminders"; returns the redirect's flash page.
pub async fn send(app: &TestApp, kind: &str) -> String {
    let response = app.post_form(&format!("/surveys/{SLUG}/mail/send"), &[("kind", kind)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), format!("/surveys/{SLUG}/mail"));
    mail_page(app).await
}

pub async fn mail_page(app: &TestApp) -> String {
    let (status, body) = app.get_page(&format!("/surveys/{SLUG}/mail")).await;
    assert_eq!(status, StatusCode::OK);
    body
}

/// The number shown in `<strong id="{id}">`.
pub fn shown_count(page: &str, id: &str) -> i64 {
    let marker = format!("<strong id=\"{id}\">");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {id} in {page}")) + marker.len();
    page[start..].split('<').next().and_then(|n| n.parse().ok()).expect("a number")
}

/// Counts of deliveries by status in the database, for "nothing half-written" checks.
pub fn delivery_statuses(app_db: &Path) -> Vec<(String, i64)> {
    let conn = fieldwork::db::open(app_db).expect("open db");
    let mut stmt =
        conn.prepare("SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status").expect("sql");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").collect::<Result<_, _>>().expect("rows")
}

/// How many messages each recipient got.
pub fn per_recipient(messages: &[Delivered]) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    for message in messages {
        for to in &message.rcpt_tos {
            *counts.entry(to.clone()).or_insert(0) += 1;
        }
    }
    counts
}
