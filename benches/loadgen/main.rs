//! fieldwork's load generator: concurrent respondents completing a one-page, six-question survey
//! against a real `fieldwork serve` on loopback with a file database, then a trivial `GET /healthz`
//! at the same concurrency for the machine's ceiling. Reports completed responses per second,
//! latency percentiles of every step and of the whole flow, errors by kind, the server's CPU time
//! per response and memory, and checks that the database holds exactly the responses whose
//! thank-you page was seen.
//!
//! `cargo bench --bench loadgen -- --respondents 32 --seconds 20` (see docs/performance.md).

mod respondent;
mod server;
mod stats;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Bytes;
use respondent::{Respondent, STEPS};
use server::{SLUG, Server, Usage};
use stats::{Errors, Latencies};

/// Load-tests a fieldwork server with simulated respondents.
#[derive(Debug, Parser)]
#[command(name = "loadgen")]
struct Args {
    /// Respondents answering at the same time (one connection each).
    #[arg(long, default_value_t = 32)]
    respondents: usize,
    /// How long to send respondents, in seconds (in-flight responses are finished after it).
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Stop after this many responses instead (whichever comes first).
    #[arg(long)]
    responses: Option<u64>,
    /// Seconds of `GET /healthz` at the same concurrency afterwards (0: skip).
    #[arg(long, default_value_t = 5.0)]
    healthz_seconds: f64,
    /// Seconds of respondents before measuring (caches, connections, page cache).
    #[arg(long, default_value_t = 1.0)]
    warmup_seconds: f64,
    /// Answer the survey with a welcome page and a consent text (welcome → Start → page → Submit
    /// → thank-you) instead of the one without (page → Submit → thank-you).
    #[arg(long)]
    welcome: bool,
    /// Keep one connection per simulated respondent slot across responses, instead of a new
    /// connection for each new respondent.
    #[arg(long)]
    keep_alive: bool,
    /// Test a server that is already running (with the load-test survey imported and open, and the
    /// per-client limit raised) instead of starting one, e.g. http://127.0.0.1:8080.
    #[arg(long)]
    url: Option<String>,
    /// With --url: the server's process id, for its CPU time and memory.
    #[arg(long)]
    server_pid: Option<u32>,
    /// With --url: its database file, to check that no response was lost or made up.
    #[arg(long)]
    db: Option<PathBuf>,
    /// The fieldwork binary to start (default: the one cargo built beside this benchmark).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Extra flag for `fieldwork serve`, repeatable (e.g. --server-arg=--request-timeout-secs=5).
    #[arg(long, allow_hyphen_values = true)]
    server_arg: Vec<String>,
    /// The server's log filter (FIELDWORK_LOG); the log goes to a file beside the database.
    #[arg(long, default_value = "info")]
    server_log: String,
    /// Keep the temporary directory (database and server log) after the run.
    #[arg(long)]
    keep: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::from(2),
        Err(err) => {
            eprintln!("loadgen: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The server being measured: started here, or given with --url.
struct Target {
    address: SocketAddr,
    pid: Option<u32>,
    db: Option<PathBuf>,
    started: Option<Server>,
    _dir: Option<tempfile::TempDir>,
}

fn target(args: &Args) -> Result<Target, String> {
    if let Some(url) = &args.url {
        let authority = url.trim_start_matches("http://").trim_end_matches('/');
        let address = authority.parse().map_err(|_| format!("--url wants http://IP:PORT, not {url}"))?;
        return Ok(Target { address, pid: args.server_pid, db: args.db.clone(), started: None, _dir: None });
    }
    let binary = args.server.clone().unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fieldwork")));
    let dir = tempfile::Builder::new().prefix("fieldwork-loadgen-").tempdir().map_err(|e| e.to_string())?;
    let questionnaire = if args.welcome { server::SURVEY_WITH_WELCOME } else { server::SURVEY };
    let db = Server::prepare(&binary, dir.path(), questionnaire)?;
    let extra: Vec<&str> = args.server_arg.iter().map(String::as_str).collect();
    let server = Server::start(&binary, &db, &extra, &args.server_log)?;
    let dir = if args.keep {
        eprintln!("keeping {}", dir.keep().display());
        None
    } else {
        Some(dir)
    };
    Ok(Target { address: server.address, pid: Some(server.pid()), db: Some(db), started: Some(server), _dir: dir })
}

fn run(args: &Args) -> Result<bool, String> {
    let mut target = target(args)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let pid = target.pid.map(|p| p.to_string());
    let server_usage = || pid.as_deref().and_then(server::usage);
    std::thread::sleep(Duration::from_millis(300));
    let idle = server_usage();
    let before = target.db.as_deref().map(count_responses).transpose()?;

    let new_connection = !args.keep_alive;
    let warmup = runtime.block_on(respondents(
        target.address,
        args.respondents,
        secs(args.warmup_seconds),
        None,
        new_connection,
    ));
    let (cpu_start, me_start) = (server_usage(), server::usage("self"));
    let started = Instant::now();
    let mut flow = runtime.block_on(respondents(
        target.address,
        args.respondents,
        secs(args.seconds),
        args.responses,
        new_connection,
    ));
    let flow_elapsed = started.elapsed();
    let (cpu_flow, me_flow) = (server_usage(), server::usage("self"));

    let mut healthz = Collected::default();
    let mut healthz_elapsed = Duration::ZERO;
    if args.healthz_seconds > 0.0 {
        let started = Instant::now();
        healthz = runtime.block_on(healthz_load(target.address, args.respondents, secs(args.healthz_seconds)));
        healthz_elapsed = started.elapsed();
    }
    let cpu_healthz = server_usage();
    let after = target.db.as_deref().map(count_responses).transpose()?;

    let report = Report {
        args,
        flow_elapsed,
        healthz_elapsed,
        idle,
        cpu_start,
        cpu_flow,
        cpu_healthz,
        me: me_start.zip(me_flow),
        before,
        after,
        warmup: (warmup.started, warmup.acknowledged, warmup.thank_yous),
    };
    let consistent = report.print(&mut flow, &mut healthz);
    if let Some(server) = &mut target.started {
        server.stop();
    }
    Ok(consistent)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s.max(0.0))
}

/// What a set of simulated clients saw.
#[derive(Debug, Default)]
struct Collected {
    steps: [Latencies; 5],
    flows: Latencies,
    errors: Errors,
    /// Responses started (Start acknowledged), acknowledged (Submit), and thank-you pages seen.
    started: u64,
    acknowledged: u64,
    thank_yous: u64,
}

impl Collected {
    fn merge(&mut self, other: Collected) {
        for (mine, theirs) in self.steps.iter_mut().zip(other.steps) {
            mine.extend(theirs);
        }
        self.flows.extend(other.flows);
        self.errors.merge(other.errors);
        self.started += other.started;
        self.acknowledged += other.acknowledged;
        self.thank_yous += other.thank_yous;
    }
}

/// Respondent numbers, so that each gives different answers, shared by all runs of the process.
static RESPONDENT: AtomicU64 = AtomicU64::new(1);

/// `concurrency` respondents one after another on each slot, until `duration` has passed or
/// `limit` responses have begun; responses in flight are finished.
async fn respondents(
    address: SocketAddr,
    concurrency: usize,
    duration: Duration,
    limit: Option<u64>,
    new_connection: bool,
) -> Collected {
    let deadline = Instant::now() + duration;
    let tickets = Arc::new(AtomicU64::new(limit.unwrap_or(u64::MAX)));
    let slots: Vec<_> = (0..concurrency)
        .map(|_| {
            let tickets = tickets.clone();
            tokio::spawn(async move {
                let mut seen = Collected::default();
                let mut client = Respondent::new(address);
                while Instant::now() < deadline
                    && tickets.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |t| t.checked_sub(1)).is_ok()
                {
                    let n = RESPONDENT.fetch_add(1, Ordering::Relaxed);
                    let flow = client.respond(SLUG, &respondent::answers(n), new_connection).await;
                    record(&mut seen, flow);
                }
                seen
            })
        })
        .collect();
    let mut all = Collected::default();
    for slot in slots {
        if let Ok(seen) = slot.await {
            all.merge(seen);
        }
    }
    all
}

fn record(seen: &mut Collected, flow: respondent::Flow) {
    for (name, took) in &flow.steps {
        if let Some(i) = STEPS.iter().position(|step| step == name) {
            seen.steps[i].push(*took);
        }
    }
    seen.started += u64::from(flow.started);
    seen.acknowledged += u64::from(flow.acknowledged.is_some());
    match (flow.total, flow.error) {
        (Some(total), None) => {
            seen.flows.push(total);
            seen.thank_yous += 1;
        }
        (_, Some(error)) => seen.errors.add(error.to_string()),
        (None, None) => {}
    }
}

/// `concurrency` clients sending `GET /healthz` back to back on kept-alive connections.
async fn healthz_load(address: SocketAddr, concurrency: usize, duration: Duration) -> Collected {
    let deadline = Instant::now() + duration;
    let slots: Vec<_> = (0..concurrency)
        .map(|_| {
            tokio::spawn(async move {
                let mut seen = Collected::default();
                let mut sender = None;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    match healthz_once(address, &mut sender).await {
                        Ok(()) => {
                            seen.steps[0].push(started.elapsed());
                            seen.thank_yous += 1;
                        }
                        Err(kind) => {
                            sender = None;
                            seen.errors.add(format!("healthz: {kind}"));
                        }
                    }
                }
                seen
            })
        })
        .collect();
    let mut all = Collected::default();
    for slot in slots {
        if let Ok(seen) = slot.await {
            all.merge(seen);
        }
    }
    all
}

async fn healthz_once(
    address: SocketAddr,
    sender: &mut Option<hyper::client::conn::http1::SendRequest<Full<Bytes>>>,
) -> Result<(), String> {
    if sender.is_none() {
        *sender = Some(respondent::open(address).await.map_err(|e| e.to_string())?);
    }
    let Some(send) = sender.as_mut() else { return Err("no connection".into()) };
    send.ready().await.map_err(|_| "connection closed".to_string())?;
    let request = hyper::Request::get("/healthz")
        .header(hyper::header::HOST, address.to_string())
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let response = send.send_request(request).await.map_err(|_| "connection closed".to_string())?;
    let status = response.status();
    response.into_body().collect().await.map_err(|_| "connection closed".to_string())?;
    if status == hyper::StatusCode::OK { Ok(()) } else { Err(format!("status {}", status.as_u16())) }
}

/// Complete and partial responses to the load-test survey, and complete ones lacking an answer.
#[derive(Debug, Clone, Copy)]
struct Counts {
    complete: i64,
    partial: i64,
    complete_without_all_answers: i64,
}

fn count_responses(db: &Path) -> Result<Counts, String> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
    let conn = rusqlite::Connection::open_with_flags(db, flags).map_err(|e| e.to_string())?;
    let _ = conn.busy_timeout(Duration::from_secs(10));
    let count = |sql: &str| -> Result<i64, String> {
        conn.query_row(sql, [SLUG], |row| row.get(0)).map_err(|e| format!("{sql}: {e}"))
    };
    Ok(Counts {
        complete: count(
            "SELECT COUNT(*) FROM responses r JOIN surveys s ON s.id = r.survey_id \
             WHERE s.slug = ?1 AND r.status = 'complete'",
        )?,
        partial: count(
            "SELECT COUNT(*) FROM responses r JOIN surveys s ON s.id = r.survey_id \
             WHERE s.slug = ?1 AND r.status = 'partial'",
        )?,
        // Every simulated respondent answers all six questions.
        complete_without_all_answers: count(
            "SELECT COUNT(*) FROM responses r JOIN surveys s ON s.id = r.survey_id \
             WHERE s.slug = ?1 AND r.status = 'complete' \
             AND (SELECT COUNT(DISTINCT question) FROM answers a WHERE a.response_id = r.id) <> 6",
        )?,
    })
}

/// Everything measured, for the printed report.
struct Report<'a> {
    args: &'a Args,
    flow_elapsed: Duration,
    healthz_elapsed: Duration,
    idle: Option<Usage>,
    cpu_start: Option<Usage>,
    cpu_flow: Option<Usage>,
    cpu_healthz: Option<Usage>,
    me: Option<(Usage, Usage)>,
    before: Option<Counts>,
    after: Option<Counts>,
    /// Started, acknowledged and thanked responses of the warm-up.
    warmup: (u64, u64, u64),
}

const MB: f64 = 1024.0 * 1024.0;

impl Report<'_> {
    /// Prints the report; false when the database disagrees with what the respondents saw.
    fn print(&self, flow: &mut Collected, healthz: &mut Collected) -> bool {
        let a = self.args;
        let secs = self.flow_elapsed.as_secs_f64();
        let rate = flow.thank_yous as f64 / secs;
        println!("fieldwork load test: {} respondents, {:.1} s, {}", a.respondents, secs, machine());
        println!(
            "responses: {} completed ({:.0} per second), {} failed; {:.0} requests per second",
            flow.thank_yous,
            rate,
            flow.errors.total(),
            flow.steps.iter().map(Latencies::len).sum::<usize>() as f64 / secs
        );
        println!("latency, ms        p50      p95      p99      max");
        for (name, latencies) in STEPS.iter().zip(flow.steps.iter_mut()).filter(|(_, l)| l.len() > 0) {
            println!("  {name:<12} {}", latencies.row());
        }
        println!("  {:<12} {}", "whole flow", flow.flows.row());
        if flow.errors.0.is_empty() {
            println!("errors: none");
        }
        for (kind, n) in &flow.errors.0 {
            println!("error: {kind} × {n}");
        }
        let mut cpu_per_response = None;
        if let (Some(start), Some(end)) = (self.cpu_start, self.cpu_flow) {
            let cpu = end.cpu_seconds - start.cpu_seconds;
            cpu_per_response = Some(cpu / flow.thank_yous.max(1) as f64);
            println!(
                "server: {:.3} ms CPU per response ({:.2} CPU s in {:.1} s, {:.0}% of one core); RSS idle {:.1} MB, \
                 peak under load {:.1} MB",
                cpu * 1000.0 / flow.thank_yous.max(1) as f64,
                cpu,
                secs,
                cpu / secs * 100.0,
                self.idle.map_or(0.0, |u| u.rss as f64 / MB),
                end.peak_rss as f64 / MB
            );
        }
        if let Some((start, end)) = self.me {
            println!("generator: {:.0}% of one core", (end.cpu_seconds - start.cpu_seconds) / secs * 100.0);
        }
        let mut share = None;
        if self.healthz_elapsed > Duration::ZERO {
            let h_rate = healthz.thank_yous as f64 / self.healthz_elapsed.as_secs_f64();
            let h_cpu = match (self.cpu_flow, self.cpu_healthz) {
                (Some(a), Some(b)) => format!(
                    ", server {:.0}% of one core",
                    (b.cpu_seconds - a.cpu_seconds) / self.healthz_elapsed.as_secs_f64() * 100.0
                ),
                _ => String::new(),
            };
            let requests = flow.steps.iter().map(Latencies::len).sum::<usize>() as f64 / secs;
            share = Some(requests / h_rate);
            println!(
                "healthz ceiling: {:.0} requests per second (p50 {:.2} ms, p99 {:.2} ms), {} errors{h_cpu}",
                h_rate,
                healthz.steps[0].percentile(50.0).as_secs_f64() * 1000.0,
                healthz.steps[0].percentile(99.0).as_secs_f64() * 1000.0,
                healthz.errors.total()
            );
            println!(
                "flow share of the ceiling: {:.1}% by requests ({:.0} flow requests/s ÷ {:.0}), {:.2}% by responses",
                requests / h_rate * 100.0,
                requests,
                h_rate,
                rate / h_rate * 100.0
            );
        }
        let consistent = self.check(flow);
        println!(
            "| {} | {} | {:.0} | {:.1} | {:.1} | {:.3} | {:.0} | {} | {} |",
            a.respondents,
            flow.thank_yous,
            rate,
            flow.flows.percentile(99.0).as_secs_f64() * 1000.0,
            flow.steps[2].percentile(99.0).as_secs_f64() * 1000.0,
            cpu_per_response.unwrap_or(f64::NAN) * 1000.0,
            self.cpu_flow.map_or(0.0, |u| u.peak_rss as f64 / MB),
            share.map_or("–".to_string(), |s| format!("{:.0}%", s * 100.0)),
            if consistent { "ok" } else { "MISMATCH" }
        );
        consistent
    }

    /// Compares the database with what the respondents saw: every thank-you page is one complete
    /// response with all its answers, and nothing else became complete.
    fn check(&self, flow: &Collected) -> bool {
        let (Some(before), Some(after)) = (self.before, self.after) else {
            println!("database check: skipped (no --db)");
            return true;
        };
        let (warm_started, warm_acknowledged, warm_thanks) = self.warmup;
        let seen = (flow.thank_yous + warm_thanks) as i64;
        let acknowledged = (flow.acknowledged + warm_acknowledged) as i64;
        let stored = after.complete - before.complete;
        let started = (flow.started + warm_started) as i64;
        let partial = after.partial - before.partial;
        let ok = stored == acknowledged
            && acknowledged >= seen
            && after.complete_without_all_answers == before.complete_without_all_answers;
        println!(
            "database check: {}: {stored} complete responses stored, {seen} thank-you pages seen, {acknowledged} \
             submissions acknowledged, {} complete without all answers; {partial} partial of {started} started",
            if ok { "ok" } else { "MISMATCH" },
            after.complete_without_all_answers - before.complete_without_all_answers
        );
        ok
    }
}

/// Cores and load average, so that a figure says what it was measured on.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load: Vec<&str> = load.split_whitespace().take(3).collect();
    format!("{cores} cores, load average {}", load.join(" "))
}
