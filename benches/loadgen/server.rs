//! The server under test: a real `fieldwork serve` child process on a temporary file database
//! holding the load-test survey, and what `/proc` says about a process's CPU time and memory.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The load-test questionnaire (six questions on one page, no welcome page).
pub const SURVEY: &str = include_str!("survey.toml");
/// The same with a welcome page and a consent text.
pub const SURVEY_WITH_WELCOME: &str = include_str!("survey-welcome.toml");
pub const SLUG: &str = "load-test";

/// A running `fieldwork serve`, stopped (SIGKILL) when dropped.
pub struct Server {
    pub address: SocketAddr,
    pub log: PathBuf,
    child: Child,
}

impl Server {
    /// Creates `dir/fieldwork.db` with the load-test survey (`SURVEY` or `SURVEY_WITH_WELCOME`)
    /// open for answers.
    pub fn prepare(binary: &Path, dir: &Path, questionnaire: &str) -> Result<PathBuf, String> {
        let db = dir.join("fieldwork.db");
        let survey = dir.join("survey.toml");
        std::fs::write(&survey, questionnaire).map_err(|e| format!("write {}: {e}", survey.display()))?;
        run(binary, &db, &["survey", "import", &survey.to_string_lossy()])?;
        run(binary, &db, &["survey", "open", SLUG])?;
        Ok(db)
    }

    /// Starts `binary serve` on `db` on a free loopback port, with `extra` flags, logging to
    /// `db`'s directory with the log filter `log`, and waits until `/healthz` answers.
    pub fn start(binary: &Path, db: &Path, extra: &[&str], log: &str) -> Result<Server, String> {
        let filter = log;
        let address = free_port()?;
        let log = db.with_extension("log");
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| format!("open {}: {e}", log.display()))?;
        let child = Command::new(binary)
            .arg("--db")
            .arg(db)
            .args(["serve", "--bind", &address.to_string()])
            // Every respondent comes from 127.0.0.1: the per-address limits (new responses, open
            // connections) are off.
            .args(["--new-responses-per-client", "0", "--max-connections-per-address", "0"])
            .args(extra)
            .env("FIELDWORK_LOG", filter)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .map_err(|e| format!("start {}: {e}", binary.display()))?;
        let mut server = Server { address, log, child };
        server.wait_ready()?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Ends the server at once, as a power cut or the OOM killer would (SIGKILL).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Asks the server to stop (SIGTERM) and waits for it (half a minute at most, then SIGKILL),
    /// so the WAL is folded in.
    pub fn stop(&mut self) {
        let stopped = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        if !stopped.is_ok_and(|s| s.success()) || self.wait_for_exit(Duration::from_secs(30)).is_none() {
            self.kill();
        }
    }

    /// Waits up to `limit` for the server to end by itself; how it ended.
    pub fn wait_for_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("the server exited ({status}); see {}", self.log.display()));
            }
            if healthz_ok(self.address) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("the server did not answer /healthz within 20 s; see {}", self.log.display()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn run(binary: &Path, db: &Path, args: &[&str]) -> Result<(), String> {
    let output = Command::new(binary).arg("--db").arg(db).args(args).output().map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("fieldwork {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr)))
    }
}

fn free_port() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map_err(|e| e.to_string())
}

/// A blocking `GET /healthz`, true on 200.
fn healthz_ok(address: SocketAddr) -> bool {
    use std::io::{Read as _, Write as _};
    let Ok(mut stream) = std::net::TcpStream::connect_timeout(&address, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n");
    let mut reply = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut reply).is_ok()
        && reply.starts_with("HTTP/1.1 200")
}

/// CPU time and memory of a process, from `/proc`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    /// User plus system CPU seconds since the process started (all threads).
    pub cpu_seconds: f64,
    /// Resident memory now, and its peak so far, in bytes.
    pub rss: u64,
    pub peak_rss: u64,
}

/// Reads `/proc/PID/stat` and `/proc/PID/status` ("self" for this process).
pub fn usage(pid: &str) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime
    // are fields 14 and 15, in clock ticks.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(Usage { cpu_seconds: ticks / clock_ticks(), rss: kib("VmRSS:")? * 1024, peak_rss: kib("VmHWM:")? * 1024 })
}

/// The kernel's clock ticks per second (USER_HZ), for `/proc/PID/stat`.
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}
