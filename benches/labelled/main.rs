//! Labelled-data benchmark (not a test): N synthetic responses to the shipped questionnaire, with
//! the shipped codebook's coded layer on its eight open questions (about 550 variables), made one
//! at a time by the survey mapping and written by each writer into a file: SPSS `.sav`, Stata
//! `.dta`, R's CSV. `baseline` only makes the rows. Each measurement runs in a fresh process, so
//! the peak RSS it prints (`VmHWM`) is that writer's alone; comparing N/10 with N shows whether
//! memory stays flat (the rows are never held: each pass makes them again).
//!
//! The responses are `synthetic.rs`'s (shared with the readers' test of the shipped questionnaire).
//!
//! `nice cargo bench --bench labelled [-- N]` (or `FIELDWORK_BENCH_N=N`); default N = 100,000,
//! measured at 10,000 and 100,000.

mod synthetic;

use std::io::BufWriter;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use fieldwork::codebook::model::CodebookFile;
use fieldwork::export::labelled::names::Package;
use fieldwork::export::labelled::survey::{CodedLayer, Layout, Response};
use fieldwork::export::labelled::{Cell, LabelledError, MissingCodes, Rows, dta, r, sav};
use fieldwork::survey::model::SurveyDefinition;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    if args.first().map(String::as_str) == Some("child") {
        let n: usize = args[2].parse().expect("N");
        child(&args[1], Path::new(&args[3]), n);
        return;
    }
    let n: usize = args
        .first()
        .cloned()
        .or_else(|| std::env::var("FIELDWORK_BENCH_N").ok())
        .map_or(100_000, |v| v.replace(['_', ','], "").parse().expect("N is a number"));
    let dir = tempfile::tempdir().expect("temp dir");
    println!("{:>8}  {:<10} {:>9} {:>14}  output", "N", "task", "seconds", "peak RSS MiB");
    for size in [n / 10, n] {
        for task in ["baseline", "sav", "dta", "r-csv"] {
            let output = Command::new(std::env::current_exe().expect("exe"))
                .args(["child", task, &size.to_string(), dir.path().to_str().expect("path")])
                .output()
                .expect("run child");
            assert!(output.status.success(), "{task}: {}", String::from_utf8_lossy(&output.stderr));
            let line = String::from_utf8_lossy(&output.stdout);
            let fields: Vec<&str> = line.trim().splitn(3, ' ').collect();
            let rss_mib = fields[1].parse::<f64>().unwrap_or(0.0) / 1024.0;
            println!("{size:>8}  {task:<10} {:>9} {rss_mib:>14.1}  {}", fields[0], fields.get(2).unwrap_or(&""));
        }
    }
}

/// Runs one task and prints `seconds peak_rss_kib what-it-produced`.
fn child(task: &str, dir: &Path, n: usize) {
    let (survey, book) = synthetic::shipped();
    let open: Vec<&str> = survey.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect();
    let layout = Layout::new(&survey, "en", Some(CodedLayer { codebook: &book, questions: &open }));
    let created = jiff::civil::date(2026, 3, 1).at(9, 0, 0, 0);
    let dataset = |package| layout.dataset(package, "bench", Some(MissingCodes::default()), created);
    let mut rows = Made { layout: &layout, survey: &survey, book: &book, n };
    let started = Instant::now();
    let file = |name: &str| BufWriter::new(std::fs::File::create(dir.join(name)).expect("create"));
    let written = match task {
        "baseline" => {
            let mut count = 0u64;
            rows.each(&mut |_| {
                count += 1;
                Ok(())
            })
            .expect("rows");
            count
        }
        "sav" => sav::write(&dataset(Package::Spss), &mut rows, file("bench.sav")).expect("sav").cases,
        "dta" => dta::write(&dataset(Package::Stata), &mut rows, file("bench.dta")).expect("dta").cases,
        "r-csv" => r::write_csv(&dataset(Package::R), &mut rows, file("bench.csv")).expect("csv").cases,
        other => panic!("unknown task {other}"),
    };
    let seconds = started.elapsed().as_secs_f64();
    let name = match task {
        "sav" => "bench.sav",
        "dta" => "bench.dta",
        "r-csv" => "bench.csv",
        _ => "",
    };
    let size = std::fs::metadata(dir.join(name)).map_or(0, |m| m.len() / (1024 * 1024));
    let variables = layout.columns.len();
    println!("{seconds:.2} {} {written} rows × {variables} variables, {size} MiB", peak_rss_kib());
}

/// N responses made one at a time, the same on every pass.
struct Made<'a> {
    layout: &'a Layout<'a>,
    survey: &'a SurveyDefinition,
    book: &'a CodebookFile,
    n: usize,
}

impl Rows for Made<'_> {
    fn each(&mut self, visit: &mut dyn FnMut(&[Cell<'_>]) -> Result<(), LabelledError>) -> Result<(), LabelledError> {
        for i in 0..self.n {
            let made = synthetic::response(self.survey, self.book, i);
            let response = Response {
                id: i as i64 + 1,
                complete: true,
                language: "en",
                answers: &made.answers,
                reasons: &made.reasons,
                codes: Some(&made.codes),
            };
            visit(&self.layout.row(&response)?)?;
        }
        Ok(())
    }
}

/// The process's peak resident set size in KiB, from `/proc/self/status`.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap_or("VmHWM: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}
