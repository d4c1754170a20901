//! The full per-code agreement table for 10,000 units × 3 coders × 50 codes, with 1,000-draw
//! bootstrap intervals for every code and ALL: from records, and from CSV bytes to CSV bytes.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// In the main crate this is `fieldwork::agreement`.
use fieldwork::agreement::{Bootstrap, Coding, Report, per_code_table, read_codings, write_csv};

const UNITS: usize = 10_000;
const CODERS: usize = 3;
const CODES: usize = 50;

/// Reproducible codings: each code has its own prevalence (rare to common) and each coder
/// applies a present code 85% of the time and an absent one now and then.
fn codings() -> Vec<Coding> {
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let prevalence: Vec<f64> = (0..CODES).map(|_| rng.random_range(0.002..0.6)).collect();
    let mut codings = Vec::new();
    for unit in 0..UNITS {
        let unit = format!("answer-{unit}");
        let truth: Vec<bool> = prevalence.iter().map(|&p| rng.random_bool(p)).collect();
        for coder in 0..CODERS {
            let coder = format!("coder-{coder}");
            let before = codings.len();
            for (code, &present) in truth.iter().enumerate() {
                if rng.random_bool(if present { 0.85 } else { 0.03 }) {
                    codings.push(Coding::new(&unit, &coder, &format!("CODE_{code:02}")));
                }
            }
            if codings.len() == before {
                codings.push(Coding::new(&unit, &coder, ""));
            }
        }
    }
    codings
}

fn as_csv(codings: &[Coding]) -> Vec<u8> {
    let mut text = String::from("unit,coder,code\n");
    for coding in codings {
        let code = coding.code.as_deref().unwrap_or_default();
        text.push_str(&format!("{},{},{code}\n", coding.unit, coding.coder));
    }
    text.into_bytes()
}

fn full_table(c: &mut Criterion) {
    let codings = codings();
    let csv = as_csv(&codings);
    let mut group = c.benchmark_group("agreement 10k units x 3 coders x 50 codes, 1000 draws");
    group.sample_size(10);
    group.bench_function("per_code_table", |b| {
        b.iter(|| per_code_table(black_box(&codings), &[], Bootstrap::default()))
    });
    group.bench_function("csv in, table, csv out", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            let read = read_codings(black_box(csv.as_slice())).map(|read| read.codings);
            let report = read.and_then(|codings| Report::per_code(&codings, None, Bootstrap::default()));
            report.and_then(|report| write_csv(&report, &mut out)).map(|()| out)
        })
    });
    group.finish();
}

criterion_group!(benches, full_table);
criterion_main!(benches);
