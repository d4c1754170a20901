//! Export benchmark (not a test): fills a temporary database with N responses × 20 questions,
//! four of them open with answers that carry 3 codes each, then times the `responses` export
//! (through the command line's file writer and through the web's bounded channel), the codings
//! (long and as a code matrix), the tallies + crosstab and the REFI-QDA project (`qdpx`, into a
//! file, as the command line writes it: with the texts inline, and in files, the default). Each
//! measurement runs in a fresh process, so the peak RSS it prints (`VmHWM`) is that export's
//! alone; comparing N/10 with N shows whether memory stays flat.
//!
//! `nice cargo bench --bench exports [-- N]` (or `FIELDWORK_BENCH_N=N`); default N = 100,000,
//! measured at 10,000 and 100,000.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use fieldwork::coding::layers::Layer;
use fieldwork::export::stream::{self, ExportRequest, Plan, Target, What};
use rusqlite::params;

const SLUG: &str = "bench";
const OPEN: usize = 4;
const SINGLE: usize = 6;
const MULTIPLE: usize = 4;
const MATRIX: usize = 2;
const CODES: usize = 12;
/// Responses per write transaction while filling.
const BATCH: usize = 10_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.first().map(String::as_str) == Some("child") {
        let (task, db) = (args[1].as_str(), Path::new(&args[2]));
        let n: usize = args[3].parse().expect("N");
        child(task, db, n);
        return;
    }
    let n: usize = args
        .first()
        .cloned()
        .or_else(|| std::env::var("FIELDWORK_BENCH_N").ok())
        .map_or(100_000, |v| v.replace(['_', ','], "").parse().expect("N is a number"));
    println!("{:>8}  {:<18} {:>9} {:>14}  output", "N", "task", "seconds", "peak RSS MiB");
    for size in [n / 10, n] {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("bench.db");
        for task in [
            "fill",
            "baseline",
            "responses-file",
            "responses-channel",
            "codings",
            "code-matrix",
            "tallies+crosstab",
            "qdpx-inline",
            "qdpx-files",
        ] {
            let output = Command::new(std::env::current_exe().expect("exe"))
                .args(["child", task, db.to_str().expect("path"), &size.to_string()])
                .output()
                .expect("run child");
            assert!(output.status.success(), "{task}: {}", String::from_utf8_lossy(&output.stderr));
            let line = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<&str> = line.trim().splitn(3, ' ').collect();
            let rss_mib = fields[1].parse::<f64>().unwrap_or(0.0) / 1024.0;
            println!("{size:>8}  {task:<18} {:>9} {rss_mib:>14.1}  {}", fields[0], fields.get(2).unwrap_or(&""));
        }
    }
}

/// The checked request for `what` on the benchmark's survey.
fn plan(conn: &rusqlite::Connection, what: What, request: &ExportRequest) -> Plan {
    let survey = stream::find_survey(conn, SLUG).expect("survey");
    request.resolve(conn, survey, Target::File(what)).expect("plan")
}

/// Runs one task and prints `seconds peak_rss_kib what-it-produced`.
fn child(task: &str, db: &Path, n: usize) {
    let started = Instant::now();
    let produced = match task {
        "fill" => fill(db, n),
        "baseline" => {
            let conn = fieldwork::db::open(db).expect("open");
            let plan = plan(&conn, What::Responses, &ExportRequest::default());
            format!("plan for {} questions", plan.survey.definition.questions().count())
        }
        "responses-file" => {
            let conn = fieldwork::db::open(db).expect("open");
            let plan = plan(&conn, What::Responses, &ExportRequest::default());
            let file = BufWriter::new(std::fs::File::create(db.with_extension("csv")).expect("create"));
            let out = stream::write(&conn, What::Responses, &plan, Counting { inner: file, bytes: 0, newlines: 0 })
                .expect("export");
            format!("{} MiB, {} lines", out.bytes / (1024 * 1024), out.newlines)
        }
        "responses-channel" => {
            let conn = fieldwork::db::open(db).expect("open");
            let plan = plan(&conn, What::Responses, &ExportRequest::default());
            drop(conn);
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
            let (bytes, newlines) = runtime.block_on(async move {
                let mut rx = stream::spawn(db, What::Responses, plan);
                let (mut bytes, mut newlines) = (0usize, 0usize);
                while let Some(chunk) = rx.recv().await {
                    let chunk = chunk.expect("chunk");
                    bytes += chunk.len();
                    newlines += chunk.iter().filter(|b| **b == b'\n').count();
                }
                (bytes, newlines)
            });
            format!("{} MiB, {newlines} lines", bytes / (1024 * 1024))
        }
        "codings" | "code-matrix" => {
            let conn = fieldwork::db::open(db).expect("open");
            let what = What::parse(task).expect("what");
            let plan = plan(&conn, what, &ExportRequest::default());
            let out = Counting { inner: std::io::sink(), bytes: 0, newlines: 0 };
            let out = stream::write(&conn, what, &plan, out).expect("export");
            format!("{} MiB, {} lines", out.bytes / (1024 * 1024), out.newlines)
        }
        "tallies+crosstab" => {
            let conn = fieldwork::db::open(db).expect("open");
            let tallies = ExportRequest { layer: Some(Layer::Default.name()), ..ExportRequest::default() };
            let crosstab = ExportRequest { by: Some("SC1".into()), ..tallies.clone() };
            let mut sizes = Vec::new();
            for (what, request) in [(What::Tallies, tallies), (What::Crosstab, crosstab)] {
                let plan = plan(&conn, what, &request);
                let out = stream::write(&conn, what, &plan, Vec::new()).expect("export");
                sizes.push(format!("{} {} rows", what.name(), out.iter().filter(|b| **b == b'\n').count()));
            }
            sizes.join(", ")
        }
        "qdpx-inline" | "qdpx-files" => {
            let conn = fieldwork::db::open(db).expect("open");
            let texts = task.strip_prefix("qdpx-").map(str::to_string);
            let plan = plan(&conn, What::Qdpx, &ExportRequest { texts, ..ExportRequest::default() });
            let path = db.with_extension("qdpx");
            let file = BufWriter::new(std::fs::File::create(&path).expect("create"));
            stream::write(&conn, What::Qdpx, &plan, file).expect("export");
            // Only the size: reading the zip's directory back would count in this process's peak.
            let bytes = std::fs::metadata(&path).expect("size").len();
            format!("{} MiB zip", bytes / (1024 * 1024))
        }
        other => panic!("unknown task {other}"),
    };
    println!("{:.2} {} {produced}", started.elapsed().as_secs_f64(), peak_rss_kib());
}

/// The process's peak resident set size in KiB, from `/proc/self/status`.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Counts what passes through to the file, without keeping it.
struct Counting<W> {
    inner: W,
    bytes: usize,
    newlines: usize,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n;
        self.newlines += buf[..n].iter().filter(|b| **b == b'\n').count();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The benchmark survey: 4 open, 6 single choice (5 choices), 4 multiple choice (6 choices),
/// 2 matrices (4 rows, 5 points), 2 numbers, a date and a short text: 20 questions.
fn questionnaire() -> String {
    let mut toml = format!(
        "format = 1\nslug = \"{SLUG}\"\ndefault_language = \"en\"\nlanguages = [\"en\"]\ntitle = {{ en = \"Bench\" }}\n\
         [[pages]]\ncode = \"p1\"\n"
    );
    let question = |code: String, kind: &str, extra: String| {
        format!("[[pages.questions]]\ncode = \"{code}\"\ntype = \"{kind}\"\ntext = {{ en = \"{code}?\" }}\n{extra}")
    };
    let choices = |key: &str, prefix: &str, n: usize| {
        let list: Vec<String> =
            (1..=n).map(|i| format!("{{ code = \"{prefix}{i}\", label = {{ en = \"{prefix} {i}\" }} }}")).collect();
        format!("{key} = [{}]\n", list.join(", "))
    };
    for i in 1..=OPEN {
        toml += &question(format!("OPEN{i}"), "long_text", String::new());
    }
    for i in 1..=SINGLE {
        toml += &question(format!("SC{i}"), "single_choice", choices("choices", "c", 5));
    }
    for i in 1..=MULTIPLE {
        toml += &question(format!("MC{i}"), "multiple_choice", choices("choices", "m", 6));
    }
    for i in 1..=MATRIX {
        toml += &question(format!("MX{i}"), "matrix", choices("rows", "r", 4) + &choices("choices", "s", 5));
    }
    toml += &question("NUM1".into(), "number", String::new());
    toml += &question("NUM2".into(), "number", String::new());
    toml += &question("DATE1".into(), "date", String::new());
    toml += &question("SHORT1".into(), "short_text", String::new());
    toml
}

fn codebook() -> fieldwork::codebook::model::CodebookFile {
    let mut text = "format = 1\nname = \"Bench codes\"\n".to_string();
    for i in 0..CODES {
        text += &format!("[[codes]]\nid = \"CODE_{i:02}\"\nname = \"Code {i}\"\n");
    }
    fieldwork::codebook::model::from_toml(&text).expect("codebook")
}

/// Fills the database: N complete responses, 30 answer rows each, 12 codings each.
fn fill(db: &Path, n: usize) -> String {
    fieldwork::db::migrate(db).expect("migrate");
    let mut conn = fieldwork::db::open(db).expect("open");
    // Only for filling: a crash here loses nothing but a benchmark.
    conn.pragma_update(None, "synchronous", "OFF").expect("pragma");
    let (survey, _) = fieldwork::survey::import_toml(&conn, &questionnaire(), None).expect("survey");
    let codebook = fieldwork::codebook::import(&conn, survey, &codebook(), "bench", None).expect("codebook");
    conn.execute(
        "INSERT INTO users (email, role, created_at, updated_at) VALUES ('coder@example.org', 'coder', 'now', 'now')",
        [],
    )
    .expect("coder");
    let coder = conn.last_insert_rowid();
    let mut rows = 0usize;
    for batch in (0..n).step_by(BATCH) {
        let tx = conn.transaction().expect("tx");
        {
            let mut response = tx
                .prepare_cached(
                    "INSERT INTO responses (survey_id, resume_hash, status, survey_version, language, started_at, \
                     submitted_at, duration_s, updated_at) VALUES (?1, ?2, 'complete', 1, 'en', ?3, ?3, 600, ?3)",
                )
                .expect("prepare");
            let mut answer = tx
                .prepare_cached("INSERT INTO answers (response_id, question, item, value) VALUES (?1, ?2, ?3, ?4)")
                .expect("prepare");
            let mut coding = tx
                .prepare_cached(
                    "INSERT INTO codings (codebook_id, response_id, question, coder_id, layer, code_key, codebook_version, created_at) \
                     VALUES (?1, ?2, ?3, ?4, 'coder', ?5, 1, '2026-01-01T00:00:00Z')",
                )
                .expect("prepare");
            for r in batch..(batch + BATCH).min(n) {
                let at = format!("2026-0{}-{:02}T10:00:00Z", r % 9 + 1, r % 28 + 1);
                response.execute(params![survey, (r as u64).to_le_bytes().repeat(4), at]).expect("response");
                let id = tx.last_insert_rowid();
                let mut put = |q: &str, item: &str, value: &str| {
                    answer.execute(params![id, q, item, value]).expect("answer");
                    rows += 1;
                };
                for i in 1..=OPEN {
                    let q = format!("OPEN{i}");
                    put(
                        &q,
                        "",
                        &format!("Answer {r} to {q}: open weights matter for access, science and careers, \"quoted\""),
                    );
                    for k in 0..3 {
                        let code = format!("CODE_{:02}", (r + i * 3 + k) % CODES);
                        coding.execute(params![codebook, id, q, coder, code]).expect("coding");
                    }
                }
                for i in 1..=SINGLE {
                    put(&format!("SC{i}"), "", &format!("c{}", (r + i) % 5 + 1));
                }
                for i in 1..=MULTIPLE {
                    put(&format!("MC{i}"), &format!("m{}", (r + i) % 6 + 1), "1");
                    put(&format!("MC{i}"), &format!("m{}", (r + i + 3) % 6 + 1), "1");
                }
                for i in 1..=MATRIX {
                    for row in 1..=4 {
                        put(&format!("MX{i}"), &format!("r{row}"), &format!("s{}", (r + row) % 5 + 1));
                    }
                }
                put("NUM1", "", &(r % 90).to_string());
                put("NUM2", "", &format!("-{}", r % 7));
                put("DATE1", "", "2026-02-03");
                put("SHORT1", "", "short, with a comma");
            }
        }
        tx.commit().expect("commit");
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); ANALYZE;").expect("checkpoint");
    format!("{n} responses, {rows} answers, {} codings", n * OPEN * 3)
}
