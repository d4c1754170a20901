//! `TestApp`: the real server on 127.0.0.1:0 with a fresh SQLite file, and an HTTP client that
//! keeps cookies and does not follow redirects, with one method per thing a person does.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser as _;
use fieldwork::accounts::password::PasswordHasher;
use fieldwork::accounts::{Role, store};
use fieldwork::app;
use fieldwork::config::{PasswordHashingArgs, ServeArgs};
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;
use reqwest::cookie::Jar;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Files of the reference folder `../shared/`, for the tests that check against them: the unit
/// tests' own helper, compiled here by its path.
#[path = "../../src/shared_folder.rs"]
mod shared_folder;
pub use shared_folder::shared_file;

pub const PASSWORD: &str = "correct horse battery staple";

/// Cheap argon2 parameters: tests log in hundreds of times.
pub const CHEAP_HASHING: PasswordHashingArgs = PasswordHashingArgs { argon2_memory_kib: 64, argon2_iterations: 1 };

pub struct TestApp {
    pub address: String,
    pub db_path: PathBuf,
    pub setup_link: Option<String>,
    pub client: reqwest::Client,
    jar: Arc<Jar>,
    /// Who logged in last on this client (to make the surveys they arrange theirs).
    signed_in: std::sync::Mutex<Option<String>>,
    extra_args: Vec<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    /// The running server's state, shared with the clients `other_client` makes; dropped at
    /// `stop`, so that no database connection outlives the server.
    state: Option<app::AppState>,
    // Dropped last: removes the database directory.
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(&[]).await
    }

    /// Starts with extra `serve` flags.
    pub async fn spawn_with(extra_args: &[&str]) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("fieldwork.db");
        TestApp::spawn_on(dir, db_path, extra_args).await
    }

    /// Starts on the database file `db_path` (in a folder of the test's choosing, such as a small
    /// file system), with extra `serve` flags; `dir` is removed when the app is dropped.
    pub async fn spawn_on(dir: tempfile::TempDir, db_path: PathBuf, extra_args: &[&str]) -> TestApp {
        let jar = Arc::new(Jar::default());
        let mut app = TestApp {
            address: String::new(),
            db_path,
            setup_link: None,
            client: client_with(jar.clone()),
            jar,
            signed_in: Default::default(),
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            shutdown: None,
            server: None,
            state: None,
            dir,
        };
        app.start().await;
        app
    }

    fn serve_args(&self) -> ServeArgs {
        let mut args = vec!["serve".to_string(), "--bind".into(), "127.0.0.1:0".into()];
        args.extend(["--argon2-memory-kib".into(), "64".into(), "--argon2-iterations".into(), "1".into()]);
        args.extend(self.extra_args.iter().cloned());
        ServeArgs::parse_from(args)
    }

    async fn start(&mut self) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let mut args = self.serve_args();
        args.base_url = Some(address.clone());
        let state = app::build(&self.db_path, args).expect("build app");
        self.setup_link = state.setup_link();
        self.state = Some(state.clone());
        let (tx, rx) = oneshot::channel();
        self.server = Some(tokio::spawn(app::serve(listener, state, async {
            let _ = rx.await;
        })));
        self.shutdown = Some(tx);
        self.address = address;
    }

    /// Stops the server gracefully and waits for it to close the database.
    pub async fn stop(&mut self) {
        self.state = None;
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server stopped cleanly");
        }
    }

    /// Stops and starts the server on the same database file; the cookie jar is kept.
    pub async fn restart(&mut self) {
        self.stop().await;
        self.client = client_with(self.jar.clone());
        self.start().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GETs a page and returns its status and body.
    pub async fn get_page(&self, path: &str) -> (StatusCode, String) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.text().await.expect("body"))
    }

    /// POSTs a form as is (no CSRF token added).
    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client.post(self.url(path)).form(form).send().await.expect("POST")
    }

    /// POSTs a form with the session's CSRF token, as a browser submitting the page's form would.
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf_token().await;
        let mut fields: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    /// The session's CSRF token, read from a page's form.
    pub async fn csrf_token(&self) -> String {
        // Signed out, the login form has one; signed in, the log-out form on every page does.
        for page in ["/login", "/account/password"] {
            let (_, body) = self.get_page(page).await;
            if let Some(token) = csrf_in(&body) {
                return token;
            }
        }
        panic!("no page offered a CSRF token")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        let response = self.post_form("/login", &[("email", email), ("password", password)]).await;
        if response.status() == StatusCode::SEE_OTHER
            && let Ok(mut signed_in) = self.signed_in.lock()
        {
            *signed_in = Some(email.to_string());
        }
        response
    }

    /// The account that logged in last on this client, if any.
    pub fn signed_in(&self) -> Option<fieldwork::accounts::User> {
        let email = self.signed_in.lock().ok()?.clone()?;
        let conn = fieldwork::db::open(&self.db_path).expect("open db");
        store::find_by_email(&conn, &email).expect("read user")
    }

    /// Arrange: makes the account `email` a member of survey `survey_id` in `role`.
    /// The survey a codebook belongs to.
    pub fn survey_of_codebook(&self, codebook_id: i64) -> i64 {
        self.query_i64(&format!("SELECT survey_id FROM codebooks WHERE id = {codebook_id}"))
    }

    pub fn add_member(&self, survey_id: i64, email: &str, role: MemberRole) {
        let conn = fieldwork::db::open(&self.db_path).expect("open db");
        let user = store::find_by_email(&conn, email).expect("read user").expect("an account with that email");
        fieldwork::survey::members::store::upsert(&conn, survey_id, user.id, role, None).expect("add member");
    }

    pub async fn logout(&self) -> reqwest::Response {
        let (_, body) = self.get_page("/").await;
        let token = csrf_in(&body).unwrap_or_default();
        self.post_raw("/logout", &[("csrf_token", &token)]).await
    }

    /// Creates the first admin through the setup link and stays logged in as them.
    pub async fn setup_admin(&self, email: &str) {
        let link = self.setup_link.clone().expect("a setup link");
        let token = link.split("token=").nth(1).expect("token in link").to_string();
        let response = self
            .post_form(
                "/setup",
                &[("token", &token), ("email", email), ("password", PASSWORD), ("password_confirmation", PASSWORD)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "setup should succeed");
    }

    /// Adds an account directly in the database (arrange step), with the standard password.
    pub fn add_user(&self, email: &str, role: Role) -> i64 {
        let conn = fieldwork::db::open(&self.db_path).expect("open db");
        let hash = PasswordHasher::new(CHEAP_HASHING).expect("hasher").hash(PASSWORD).expect("hash");
        store::insert(&conn, email, "", role, Some(&hash)).expect("insert user")
    }

    /// A second client with its own cookies, as another person in another browser.
    pub fn other_client(&self) -> TestApp {
        let jar = Arc::new(Jar::default());
        TestApp {
            address: self.address.clone(),
            db_path: self.db_path.clone(),
            setup_link: None,
            client: client_with(jar.clone()),
            jar,
            signed_in: Default::default(),
            extra_args: Vec::new(),
            shutdown: None,
            server: None,
            state: self.state.clone(),
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// How many passwords the server has checked since it started.
    pub fn password_verifications(&self) -> u64 {
        self.state.as_ref().map_or(0, |state| state.hashing.verifications())
    }

    /// Runs a query on the database file and returns the first column of the first row.
    pub fn query_i64(&self, sql: &str) -> i64 {
        let conn = fieldwork::db::open(&self.db_path).expect("open db");
        conn.query_row(sql, [], |row| row.get(0)).expect("query")
    }
}

fn client_with(jar: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder().cookie_provider(jar).redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The value of the first `csrf_token` hidden field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let start = html.find("name=\"csrf_token\" value=\"")? + "name=\"csrf_token\" value=\"".len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// Where a redirect points.
pub fn location(response: &reqwest::Response) -> String {
    response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string()
}

/// The text of an HTML page with minijinja's escapes undone.
pub fn unescape(html: &str) -> String {
    [
        ("&#x2f;", "/"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#x27;", "'"),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_string(), |text, (from, to)| text.replace(from, to))
}

/// The value of the first field `name` whose value follows its name (hidden fields), unescaped.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(unescape(&html[start..start + end]))
}

/// An attribute of an opening tag, unescaped.
pub fn attribute(tag: &str, name: &str) -> Option<String> {
    let marker = format!(" {name}=\"");
    let start = tag.find(&marker)? + marker.len();
    let end = tag[start..].find('"')?;
    Some(unescape(&tag[start..start + end]))
}
