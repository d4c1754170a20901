//! The coding path against a real server (not a test): for each size, a database of N responses ×
//! eight open questions (`fill.rs`), `fieldwork serve` started on it, then
//!
//! 1. the assignment: eight coders, 20% double-coded, while a respondent keeps answering the load
//!    generator's survey — how long it takes, and the respondent's slowest save meanwhile;
//! 2. one coder alone: an answer page, the queue page (first and a later one) and a save (stay,
//!    and Done then the next answer not done), each timed from the client on loopback with the
//!    server's CPU per request from `/proc`;
//! 3. eight coders at once for `--seconds`, each saving an answer Done and going on to the next one
//!    not done — first saves only, then opening each answer's page before saving it: codings per
//!    second, latencies, and the server's memory while they work.
//!
//! `cargo bench --bench coding -- --sizes 1000,10000,100000` (docs/performance.md).

#[path = "../loadgen/respondent.rs"]
#[expect(dead_code, reason = "the load generator's respondent, of which one flow is used here")]
mod respondent;
#[path = "../loadgen/server.rs"]
#[expect(dead_code, reason = "the load generator's server, of which starting and /proc are used here")]
mod server;
#[path = "../loadgen/stats.rs"]
#[expect(dead_code, reason = "the load generator's statistics, of which the latencies are used here")]
mod stats;

mod coder;
mod fill;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use coder::Coder;
use server::Server;
use stats::Latencies;

/// Benchmarks the coding path of a fieldwork server.
#[derive(Debug, Parser)]
#[command(name = "coding")]
struct Args {
    /// Numbers of responses (each answering eight open questions), comma-separated.
    #[arg(long, default_value = "1000,10000,100000", value_delimiter = ',')]
    sizes: Vec<usize>,
    /// Requests of each kind timed one at a time.
    #[arg(long, default_value_t = 300)]
    samples: usize,
    /// Seconds of eight coders coding at once (each of two phases; at 1,000 responses a coder has
    /// about 1,200 answers, which they may finish in less).
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Coders coding at once.
    #[arg(long, default_value_t = 8)]
    coders: usize,
    /// The fieldwork binary to start (default: the one cargo built beside this benchmark).
    #[arg(long)]
    server: Option<PathBuf>,
    /// Keep the temporary directories.
    #[arg(long)]
    keep: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    println!(
        "| responses × 8 | assign s | respondent save max (p99) ms, during / before | answer page p50/p99 ms (CPU) | \
         queue page p50/p99 ms (CPU) | later queue page p50/p99 ms | save p50/p99 ms (CPU) | done + next p50/p99 ms | \
         {0} coders codings/s, saves only (p99 ms) | {0} coders codings/s with pages (p99 ms) | RSS while coding MB (peak) |",
        args.coders
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for &size in &args.sizes {
        match runtime.block_on(run(&args, size)) {
            Ok(row) => println!("{row}"),
            Err(err) => {
                eprintln!("{size}: {err}");
                std::process::exit(1);
            }
        }
    }
}

/// "p50/p99" in milliseconds.
fn p50_p99(latencies: &mut Latencies) -> String {
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!("{:.2}/{:.2}", ms(latencies.percentile(50.0)), ms(latencies.percentile(99.0)))
}

async fn run(args: &Args, size: usize) -> Result<String, String> {
    let dir = tempfile::Builder::new().prefix("fieldwork-coding-bench").tempdir().map_err(|e| e.to_string())?;
    let db = dir.path().join("fieldwork.db");
    let filled = tokio::task::spawn_blocking({
        let db = db.clone();
        move || fill::fill(&db, size)
    })
    .await
    .map_err(|e| e.to_string())??;
    eprintln!("{size}: filled in {:.1} s", filled.seconds);
    let binary = args.server.clone().unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fieldwork")));
    // The respondents' survey, beside the one to code.
    let survey = dir.path().join("respondents.toml");
    std::fs::write(&survey, server::SURVEY).map_err(|e| e.to_string())?;
    for command in [&["survey", "import", &survey.to_string_lossy()][..], &["survey", "open", server::SLUG]] {
        let status = std::process::Command::new(&binary).arg("--db").arg(&db).args(command).output();
        status
            .map_err(|e| e.to_string())
            .and_then(|o| if o.status.success() { Ok(()) } else { Err(String::from_utf8_lossy(&o.stderr).into()) })?;
    }
    let server = Server::start(&binary, &db, &[], "warn")?;
    let pid = server.pid().to_string();
    let usage = || server::usage(&pid).unwrap_or_default();
    let base = format!("http://{}", server.address);

    // 1. The assignment, with a respondent answering meanwhile.
    let researcher = Coder::log_in(&base, fill::RESEARCHER, filled.codebook, &db).await?;
    let coders: Vec<Coder> = {
        let mut all = Vec::new();
        for i in 0..fill::CODERS {
            all.push(Coder::log_in(&base, &fill::coder(i), filled.codebook, &db).await?);
        }
        all
    };
    let stop = Arc::new(AtomicBool::new(false));
    let respondent = tokio::spawn(respond_until(server.address, Arc::clone(&stop)));
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::Relaxed);
    let mut before = respondent.await.map_err(|e| e.to_string())?;
    let stop = Arc::new(AtomicBool::new(false));
    let respondent = tokio::spawn(respond_until(server.address, Arc::clone(&stop)));
    let assigned = Instant::now();
    researcher.assign(&coders.iter().map(|c| c.id).collect::<Vec<_>>()).await?;
    while !researcher.assignment_finished(&db)? {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let assign_seconds = assigned.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    let mut saves = respondent.await.map_err(|e| e.to_string())?;
    let max_p99 = |l: &mut Latencies| {
        format!("{:.1} ({:.1})", l.max().as_secs_f64() * 1000.0, l.percentile(99.0).as_secs_f64() * 1000.0)
    };
    let respondent_saves = format!("{} / {}", max_p99(&mut saves), max_p99(&mut before));
    eprintln!("{size}: assigned in {assign_seconds:.1} s; {} respondent saves meanwhile", saves.len());

    // 2. One coder alone.
    let alone = &coders[0];
    let units = alone.queue_units(&format!("/codebooks/{}/code", filled.codebook)).await?;
    // The server's CPU milliseconds per request since `since`.
    let per_request = |since: f64, n: usize| format!("{:.2}", (usage().cpu_seconds - since) * 1000.0 / n.max(1) as f64);
    // For reference: a signed-in page with no survey behind it, and the smallest coding page.
    let mut references = Vec::new();
    for path in ["/account/password".to_string(), format!("/codebooks/{}/colours.css", filled.codebook)] {
        let (cpu, mut latencies) = (usage().cpu_seconds, Latencies::default());
        for _ in 0..args.samples {
            latencies.push(alone.get_timed(&path).await?);
        }
        eprintln!("{size}: {path}: {} ms, {} ms CPU", p50_p99(&mut latencies), per_request(cpu, args.samples));
        references.push(per_request(cpu, args.samples));
    }
    let cpu = usage().cpu_seconds;
    let mut answer_pages = Latencies::default();
    for i in 0..args.samples {
        answer_pages.push(alone.get_timed(&units[i % units.len()]).await?);
    }
    let answer_cpu = per_request(cpu, args.samples);
    let cpu = usage().cpu_seconds;
    let mut queue_pages = Latencies::default();
    let queue = format!("/codebooks/{}/code", filled.codebook);
    for _ in 0..args.samples {
        queue_pages.push(alone.get_timed(&queue).await?);
    }
    let queue_cpu = per_request(cpu, args.samples);
    let later = alone.later_queue_page(&queue).await?;
    let mut later_pages = Latencies::default();
    for _ in 0..args.samples {
        later_pages.push(alone.get_timed(&later).await?);
    }
    let cpu = usage().cpu_seconds;
    let mut saves_alone = Latencies::default();
    for i in 0..args.samples {
        saves_alone.push(alone.save(&units[i % units.len()], i, "apply").await?.0);
    }
    let save_cpu = per_request(cpu, args.samples);
    let mut done_next = Latencies::default();
    let mut at = units[0].clone();
    for i in 0..args.samples {
        let (took, next) = alone.save(&at, i, "done").await?;
        done_next.push(took);
        at = next.ok_or("the queue ran out")?;
    }

    // 3. Eight coders at once.
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let watcher = tokio::spawn({
        let (stop, peak, pid) = (Arc::clone(&stop), Arc::clone(&peak), pid.clone());
        async move {
            while !stop.load(Ordering::Relaxed) {
                let rss = server::usage(&pid).unwrap_or_default().rss;
                peak.fetch_max(rss, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let coders: Vec<Arc<Coder>> = coders.into_iter().take(args.coders).map(Arc::new).collect();
    let mut rates = Vec::new();
    for pages in [false, true] {
        let started = Instant::now();
        let deadline = started + Duration::from_secs_f64(args.seconds);
        let tasks: Vec<_> = coders
            .iter()
            .map(|coder| {
                let coder = Arc::clone(coder);
                tokio::spawn(async move { coder.code_until(deadline, pages).await })
            })
            .collect();
        let mut latencies = Latencies::default();
        let mut codings = 0;
        for task in tasks {
            let (n, l) = task.await.map_err(|e| e.to_string())??;
            codings += n;
            latencies.extend(l);
        }
        let elapsed = started.elapsed().as_secs_f64();
        // A coder who ran out of answers stopped early: the rate is then over the time the others took.
        let ran_out = if elapsed < args.seconds * 0.95 { ", a queue ran out" } else { "" };
        let rate = codings as f64 / elapsed;
        rates.push(format!("{rate:.0} ({:.1}{ran_out})", latencies.percentile(99.0).as_secs_f64() * 1000.0));
    }
    stop.store(true, Ordering::Relaxed);
    watcher.await.map_err(|e| e.to_string())?;
    let rss = peak.load(Ordering::Relaxed) as f64 / 1_048_576.0;
    let peak_rss = usage().peak_rss as f64 / 1_048_576.0;
    drop(server);
    if args.keep {
        eprintln!("kept {}", dir.keep().display());
    }
    Ok(format!(
        "| {size} | {assign_seconds:.1} | {respondent_saves} | {} ({answer_cpu}) | {} ({queue_cpu}) | {} | {} ({save_cpu}) | {} | {} | {} | {rss:.0} ({peak_rss:.0}) |",
        p50_p99(&mut answer_pages),
        p50_p99(&mut queue_pages),
        p50_p99(&mut later_pages),
        p50_p99(&mut saves_alone),
        p50_p99(&mut done_next),
        rates[0],
        rates[1],
    ))
}

/// One respondent after another answering the load generator's survey until `stop`: the time each
/// save (the page's answers, acknowledged) took.
async fn respond_until(address: std::net::SocketAddr, stop: Arc<AtomicBool>) -> Latencies {
    let mut saves = Latencies::default();
    let mut n = 0;
    let mut respondent = respondent::Respondent::new(address);
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let flow = respondent.respond(server::SLUG, &respondent::answers(n), false).await;
        if let Some((_, took)) = flow.steps.iter().find(|(step, _)| *step == "submit") {
            saves.push(*took);
        }
        if let Some(error) = flow.error {
            eprintln!("respondent: {error}");
        }
    }
    saves
}
