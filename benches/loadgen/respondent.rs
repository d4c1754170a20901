//! One simulated respondent: a browser without JavaScript going through the load-test survey over
//! one keep-alive HTTP/1.1 connection — the page (after the welcome page and Start, when the survey
//! has a welcome page), Submit, the thank-you page — keeping cookies by hand and copying the hidden
//! fields of each form, as a browser would.
//! Shared by the load generator and the crash test (`tests/web/durability/crash.rs`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper::{Request, StatusCode, header};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// The steps of one response, in order; a survey without a welcome page has no welcome and no
/// start: its link opens the page.
pub const STEPS: [&str; 5] = ["welcome", "start", "page", "submit", "done"];

/// The longest a request may take before the generator counts it as timed out.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a response could not be completed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FlowError {
    Connect(String),
    /// The connection broke (reset, closed, or the server died) during a request.
    Io(&'static str),
    Timeout(&'static str),
    Status(&'static str, u16),
    /// The page lacked what the next request needs (a token, a redirect target, the thanks).
    Page(&'static str, &'static str),
}

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlowError::Connect(e) => write!(f, "connect: {e}"),
            FlowError::Io(step) => write!(f, "{step}: connection closed"),
            FlowError::Timeout(step) => write!(f, "{step}: no answer in {}s", REQUEST_TIMEOUT.as_secs()),
            FlowError::Status(step, status) => write!(f, "{step}: status {status}"),
            FlowError::Page(step, what) => write!(f, "{step}: {what}"),
        }
    }
}

/// What one attempt at a response gave.
#[derive(Debug)]
pub struct Flow {
    /// Each step that finished, with its duration, in order.
    pub steps: Vec<(&'static str, Duration)>,
    /// When the step under way began.
    lap: Instant,
    /// Whether the server created the response (Start, or the first page saved without a welcome
    /// page, acknowledged).
    pub started: bool,
    /// The whole flow, when it finished.
    pub total: Option<Duration>,
    /// The resume token, once Submit was acknowledged (303 to the thank-you page): from then on the
    /// server has promised the response is stored.
    pub acknowledged: Option<String>,
    pub error: Option<FlowError>,
}

impl Flow {
    fn new() -> Flow {
        Flow { steps: Vec::new(), lap: Instant::now(), started: false, total: None, acknowledged: None, error: None }
    }

    /// Starts timing a step.
    fn lap(&mut self) {
        self.lap = Instant::now();
    }

    /// How long the step under way has taken.
    fn elapsed(&self) -> Duration {
        self.lap.elapsed()
    }
}

/// The answers one respondent gives, as form fields.
pub fn answers(n: u64) -> Vec<(String, String)> {
    const CHANNELS: [&str; 5] = ["forum", "chat", "mail", "social", "friend"];
    const TOOLS: [&str; 5] = ["editor", "tracker", "wiki", "ci", "chat"];
    let pick = |salt: u64, len: usize| (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (salt * 8)) as usize % len;
    let mut fields = vec![("q.CHANNEL".to_string(), CHANNELS[pick(1, 5)].to_string())];
    let first = pick(2, 5);
    for k in 0..=pick(3, 3) {
        fields.push(("q.TOOLS".into(), TOOLS[(first + k) % 5].into()));
    }
    fields.push(("q.LIKE".into(), long_text(n, "works")));
    fields.push(("q.IMPROVE".into(), long_text(n, "improve")));
    fields.push(("q.SATISFIED".into(), format!("s{}", 1 + pick(4, 5))));
    fields.push(("q.ROLE".into(), format!("Maintainer no. {n}")));
    fields
}

/// About 300 characters of text, different for every respondent.
fn long_text(n: u64, topic: &str) -> String {
    const WORDS: &str = "The review queue moves slowly when releases are near, and newcomers \
        wait days for a first answer; the chat helps, but decisions made there are lost. \
        Written summaries of each meeting would let people who were away catch up without \
        asking again, and a short guide to our conventions would save everyone time. ";
    let mut text = format!("Respondent {n} on what {topic}: ");
    let start = (n as usize * 7) % 40;
    text.push_str(&WORDS[start..]);
    text.truncate(300);
    text.trim_end().to_string()
}

/// A client connection with the cookies of the respondent using it.
pub struct Respondent {
    address: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
    cookies: Vec<(String, String)>,
}

struct Reply {
    status: StatusCode,
    location: String,
    body: String,
}

impl Respondent {
    pub fn new(address: SocketAddr) -> Respondent {
        Respondent { address, sender: None, cookies: Vec::new() }
    }

    /// Answers the survey at `/s/{slug}` once, from welcome to thank-you. With `new_connection`
    /// the respondent arrives on a new TCP connection, as a new visitor would.
    pub async fn respond(&mut self, slug: &str, fields: &[(String, String)], new_connection: bool) -> Flow {
        let mut flow = Flow::new();
        self.cookies.clear();
        if new_connection {
            self.sender = None;
        }
        let started = Instant::now();
        if let Err(error) = self.steps(slug, fields, &mut flow).await {
            flow.error = Some(error);
            // The connection may be in any state now: start over on a new one.
            self.sender = None;
        } else {
            flow.total = Some(started.elapsed());
        }
        flow
    }

    async fn steps(&mut self, slug: &str, fields: &[(String, String)], flow: &mut Flow) -> Result<(), FlowError> {
        let base = format!("/s/{slug}");
        flow.lap();
        let first = self.send("page", "GET", &base, None).await?;
        let page = if first.body.contains(&format!("action=\"{base}/start\"")) {
            // A welcome page: its step is timed as "welcome", then Start and the first page.
            flow.steps.push(("welcome", flow.elapsed()));
            self.start(&base, &first, flow).await?
        } else {
            // No welcome page: the survey's link is the page.
            flow.steps.push(("page", flow.elapsed()));
            first
        };
        expect(&page, "page", StatusCode::OK)?;
        let token = hidden(&page.body, "form_token").ok_or(FlowError::Page("page", "no form token"))?;
        let resume = hidden(&page.body, "r").ok_or(FlowError::Page("page", "no resume field"))?;

        let mut answers =
            vec![("form_token".to_string(), token), ("r".to_string(), resume), ("lang".to_string(), "en".to_string())];
        answers.extend_from_slice(fields);
        answers.push(("action".into(), "next".into()));
        let body = serde_urlencoded::to_string(&answers).map_err(|_| FlowError::Page("submit", "unencodable"))?;
        let submitted = self.timed(flow, "submit", "POST", &format!("{base}/p/0"), Some(body)).await?;
        expect(&submitted, "submit", StatusCode::SEE_OTHER)?;
        if submitted.location != format!("{base}/done") {
            return Err(FlowError::Page("submit", "not sent to the thank-you page"));
        }
        // The resume cookie names the response the server has now promised to keep.
        let resume = self.cookies.iter().find(|(name, _)| name.starts_with("fw_resume_")).map(|(_, v)| v.clone());
        flow.acknowledged = Some(resume.ok_or(FlowError::Page("submit", "no resume cookie"))?);
        flow.started = true;

        let done = self.timed(flow, "done", "GET", &submitted.location, None).await?;
        expect(&done, "done", StatusCode::OK)?;
        if !done.body.contains("Thank you: your answers have been recorded.") {
            return Err(FlowError::Page("done", "no thanks"));
        }
        Ok(())
    }

    /// Start on the welcome page (consent given), then the first page it leads to.
    async fn start(&mut self, base: &str, welcome: &Reply, flow: &mut Flow) -> Result<Reply, FlowError> {
        expect(welcome, "welcome", StatusCode::OK)?;
        let token = hidden(&welcome.body, "form_token").ok_or(FlowError::Page("welcome", "no form token"))?;
        let start = form(&[("form_token", token.as_str()), ("lang", "en"), ("consent", "yes")]);
        let started = self.timed(flow, "start", "POST", &format!("{base}/start"), Some(start)).await?;
        expect(&started, "start", StatusCode::SEE_OTHER)?;
        if started.location != format!("{base}/p/0") {
            return Err(FlowError::Page("start", "not sent to the first page"));
        }
        flow.started = true;
        self.timed(flow, "page", "GET", &started.location, None).await
    }

    async fn timed(
        &mut self,
        flow: &mut Flow,
        step: &'static str,
        method: &str,
        path: &str,
        form: Option<String>,
    ) -> Result<Reply, FlowError> {
        flow.lap();
        let reply = self.send(step, method, path, form).await?;
        flow.steps.push((step, flow.elapsed()));
        Ok(reply)
    }

    /// Sends one request on the kept-alive connection (opening one if needed) and reads the whole
    /// answer, taking the cookies it sets.
    async fn send(
        &mut self,
        step: &'static str,
        method: &str,
        path: &str,
        form: Option<String>,
    ) -> Result<Reply, FlowError> {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, self.address.to_string())
            .header(header::USER_AGENT, "fieldwork-loadgen");
        if !self.cookies.is_empty() {
            let cookies: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(header::COOKIE, cookies.join("; "));
        }
        if form.is_some() {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        }
        let request = request
            .body(Full::new(Bytes::from(form.unwrap_or_default())))
            .map_err(|_| FlowError::Page(step, "bad request"))?;
        let exchange = async {
            let sender = self.connection(step).await?;
            let response = sender.send_request(request).await.map_err(|_| FlowError::Io(step))?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await.map_err(|_| FlowError::Io(step))?.to_bytes();
            Ok::<_, FlowError>((parts, body))
        };
        let (parts, body) =
            tokio::time::timeout(REQUEST_TIMEOUT, exchange).await.map_err(|_| FlowError::Timeout(step))??;
        for value in parts.headers.get_all(header::SET_COOKIE) {
            self.take_cookie(value.to_str().unwrap_or(""));
        }
        let location = parts.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        Ok(Reply { status: parts.status, location, body: String::from_utf8_lossy(&body).into_owned() })
    }

    async fn connection(&mut self, step: &'static str) -> Result<&mut SendRequest<Full<Bytes>>, FlowError> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_ok()
        {
            return self.sender.as_mut().ok_or(FlowError::Io(step));
        }
        self.sender = Some(open(self.address).await?);
        self.sender.as_mut().ok_or(FlowError::Io(step))
    }

    fn take_cookie(&mut self, set_cookie: &str) {
        let pair = set_cookie.split(';').next().unwrap_or("");
        let Some((name, value)) = pair.split_once('=') else { return };
        let (name, value) = (name.trim(), value.trim());
        self.cookies.retain(|(k, _)| k != name);
        self.cookies.push((name.to_string(), value.to_string()));
    }
}

/// Opens an HTTP/1.1 connection whose driver runs on the current runtime.
pub async fn open(address: SocketAddr) -> Result<SendRequest<Full<Bytes>>, FlowError> {
    let stream = TcpStream::connect(address).await.map_err(|e| FlowError::Connect(e.kind().to_string()))?;
    stream.set_nodelay(true).map_err(|e| FlowError::Connect(e.kind().to_string()))?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|_| FlowError::Connect("handshake".into()))?;
    tokio::spawn(async move {
        // Ends when the connection closes; the request in flight sees the error.
        let _ = connection.await;
    });
    Ok(sender)
}

fn expect(reply: &Reply, step: &'static str, status: StatusCode) -> Result<(), FlowError> {
    if reply.status == status { Ok(()) } else { Err(FlowError::Status(step, reply.status.as_u16())) }
}

fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

/// The value of the hidden field `name` (tokens are URL-safe base64: nothing to unescape).
fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}
