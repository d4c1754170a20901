//! Cross-checks `fieldwork agreement` against independent implementations: random, reproducible
//! data sets go through the command (CSV in, CSV out) and through `scripts/irr_oracle.py`
//! (krippendorff, scikit-learn, statsmodels); every figure must agree within 1e-6, and a figure
//! must be undefined on one side exactly when it is on the other.

use std::path::{Path, PathBuf};
use std::process::Command;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value as Json;

// In the main crate this is `fieldwork::agreement`.
use fieldwork::agreement::{AgreementArgs, OutputFormat, SUMMARY_PREFIX, run};

const PER_CODE_DATA_SETS: u64 = 30;
const EXCLUSIVE_DATA_SETS: u64 = 8;
const TOLERANCE: f64 = 1e-6;
const FIGURES: [&str; 4] = ["percent_agreement", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha"];

const CODERS: [&str; 6] = ["ann", "bob, jr.", "Zoë", "dmitri \"d\"", "eve", "李"];
const CODES: [&str; 8] = [
    "MOT_OPEN_SCIENCE",
    "career, prestige",
    "said \"never\"",
    "Ünïcødé 日本",
    "GOV_LICENSE",
    "rare",
    "x",
    "a code with spaces",
];

fn python() -> String {
    std::env::var("FIELDWORK_PYTHON").unwrap_or_else(|_| {
        panic!(
            "FIELDWORK_PYTHON is not set: run the tests through .ci/test, which creates the \
             Python venv with krippendorff, scikit-learn and statsmodels and sets it"
        )
    })
}

/// One random data set in the command's input format.
fn data_set(seed: u64, exclusive: bool) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Every third set has two coders, so that Cohen's kappa is exercised.
    let coders = if seed.is_multiple_of(3) { 2 } else { rng.random_range(2..=6) };
    let units = rng.random_range(10..=500);
    // Full coverage makes Fleiss' kappa defined; partial coverage leaves units to one coder.
    let coverage = [1.0, 1.0, 0.9, 0.7, 0.4][rng.random_range(0..5)];
    let codes = rng.random_range(1..=CODES.len());
    let prevalence: Vec<f64> = (0..codes).map(|_| [0.005, 0.03, 0.1, 0.3, 0.6, 0.97][rng.random_range(0..6)]).collect();
    let accuracy: Vec<f64> = (0..coders).map(|_| rng.random_range(0.5..0.98)).collect();
    let mut rows = Vec::new();
    for unit in 0..units {
        let unit = format!("answer-{unit}");
        let truth: Vec<bool> = prevalence.iter().map(|&p| rng.random_bool(p)).collect();
        // In exclusive mode the true code is the first present one, or none.
        let true_code = truth.iter().position(|&present| present);
        for (coder, &accuracy) in CODERS.iter().zip(&accuracy) {
            if !rng.random_bool(coverage) {
                continue;
            }
            let applied: Vec<usize> = if exclusive {
                let code =
                    if rng.random_bool(accuracy) { true_code } else { rng.random_range(0..=codes).checked_sub(1) };
                code.into_iter().collect()
            } else {
                let noise = |p: f64| (1.0 - accuracy) * p.max(0.05);
                (0..codes)
                    .filter(|&c| rng.random_bool(if truth[c] { accuracy } else { noise(prevalence[c]) }))
                    .collect()
            };
            if applied.is_empty() || rng.random_bool(0.05) {
                rows.push([unit.clone(), coder.to_string(), String::new()]);
            }
            rows.extend(applied.iter().map(|&code| [unit.clone(), coder.to_string(), CODES[code].to_owned()]));
        }
    }
    rows.shuffle(&mut rng);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["coder", "code", "unit"]).unwrap();
    for [unit, coder, code] in rows {
        writer.write_record([coder, code, unit]).unwrap();
    }
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

/// A table row: code, units, coders and the four figures.
#[derive(Debug, PartialEq)]
struct Row {
    code: String,
    units: u64,
    coders: u64,
    figures: [Option<f64>; 4],
}

fn fieldwork_rows(input: &Path, exclusive: bool) -> Vec<Row> {
    let input_file = Some(input.to_owned());
    let args = AgreementArgs {
        input: input_file,
        exclusive,
        format: OutputFormat::Csv,
        seed: 1,
        bootstrap: 100,
        ..Default::default()
    };
    let mut out = Vec::new();
    run(&args, Path::new("unused.db"), &mut out).unwrap_or_else(|error| panic!("{}: {error}", input.display()));
    let mut reader = csv::Reader::from_reader(out.as_slice());
    let header = reader.headers().unwrap().clone();
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    reader
        .records()
        .map(|record| record.unwrap())
        // The summary's rows are read from these figures; the oracle has no such rows.
        .filter(|record| !record[column("code")].starts_with(SUMMARY_PREFIX))
        .map(|record| {
            let number = |name: &str| {
                Some(&record[column(name)]).filter(|cell| !cell.is_empty()).map(|cell| cell.parse().unwrap())
            };
            Row {
                code: record[column("code")].to_owned(),
                units: record[column("units")].parse().unwrap(),
                coders: record[column("coders")].parse().unwrap(),
                figures: FIGURES.map(number),
            }
        })
        .collect()
}

fn oracle_rows(input: &Path, exclusive: bool) -> Vec<Row> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/irr_oracle.py");
    let mut command = Command::new(python());
    command.arg(&script).arg(input);
    if exclusive {
        command.arg("--exclusive");
    }
    let output = command.output().unwrap_or_else(|error| panic!("cannot run {}: {error}", python()));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{} failed on {}: {stderr}", script.display(), input.display());
    let json: Json = serde_json::from_slice(&output.stdout).unwrap();
    let rows = json["rows"].as_array().unwrap();
    rows.iter()
        .map(|row| Row {
            code: row["code"].as_str().unwrap().to_owned(),
            units: row["units"].as_u64().unwrap(),
            coders: row["coders"].as_u64().unwrap(),
            figures: FIGURES.map(|name| row[name].as_f64()),
        })
        .collect()
}

/// What differs between the command's table and the oracle's, one line per difference.
fn differences(ours: &[Row], oracle: &[Row]) -> Vec<String> {
    let codes = |rows: &[Row]| rows.iter().map(|row| row.code.clone()).collect::<Vec<_>>();
    if codes(ours) != codes(oracle) {
        return vec![format!("codes {:?} vs {:?}", codes(ours), codes(oracle))];
    }
    let mut differences = Vec::new();
    for (ours, oracle) in ours.iter().zip(oracle) {
        if (ours.units, ours.coders) != (oracle.units, oracle.coders) {
            differences.push(format!(
                "{}: units, coders {:?} vs {:?}",
                ours.code,
                (ours.units, ours.coders),
                (oracle.units, oracle.coders)
            ));
        }
        for ((name, mine), theirs) in FIGURES.iter().zip(ours.figures).zip(oracle.figures) {
            let agree = match (mine, theirs) {
                (Some(mine), Some(theirs)) => (mine - theirs).abs() <= TOLERANCE,
                (mine, theirs) => mine.is_none() && theirs.is_none(),
            };
            if !agree {
                differences.push(format!("{} {name}: {mine:?} vs oracle {theirs:?}", ours.code));
            }
        }
    }
    differences
}

/// Checks one data set: its differences, and how many defined figures were compared.
fn check(dir: &Path, seed: u64, exclusive: bool) -> (Vec<String>, usize) {
    let kind = if exclusive { "exclusive" } else { "per-code" };
    let input = dir.join(format!("{kind}-{seed}.csv"));
    std::fs::write(&input, data_set(seed, exclusive)).unwrap();
    let oracle = oracle_rows(&input, exclusive);
    let differences = differences(&fieldwork_rows(&input, exclusive), &oracle);
    let compared = oracle.iter().flat_map(|row| row.figures).flatten().count();
    let located = differences.into_iter().map(|difference| format!("{}: {difference}", input.display()));
    (located.collect(), compared)
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fieldwork-agreement-crosscheck-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_table_matches_krippendorff_scikit_learn_and_statsmodels_on_random_data() {
    python();
    let dir = scratch_dir();
    let jobs: Vec<(u64, bool)> = (1..=PER_CODE_DATA_SETS)
        .map(|seed| (seed, false))
        .chain((1..=EXCLUSIVE_DATA_SETS).map(|seed| (1000 + seed, true)))
        .collect();
    // Two workers, one per core: the Python start-up dominates.
    let results: Vec<(Vec<String>, usize)> = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(|| chunk.iter().map(|&(seed, exclusive)| check(&dir, seed, exclusive)).collect::<Vec<_>>())
            })
            .collect();
        workers.into_iter().flat_map(|worker| worker.join().unwrap()).collect()
    });
    let compared: usize = results.iter().map(|(_, compared)| compared).sum();
    let differences: Vec<String> = results.into_iter().flat_map(|(differences, _)| differences).collect();
    assert!(differences.is_empty(), "{} differences:\n{}", differences.len(), differences.join("\n"));
    // Hundreds of defined figures (495 with these seeds), so that agreement is not vacuous.
    assert!(compared > 400, "only {compared} defined figures compared");
    eprintln!("{} data sets, {compared} defined figures agree within {TOLERANCE}", jobs.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_random_data_sets_cover_the_interesting_cases() {
    let dir = scratch_dir().join("coverage");
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = [false; 5];
    for seed in 1..=PER_CODE_DATA_SETS {
        let input = dir.join(format!("{seed}.csv"));
        std::fs::write(&input, data_set(seed, false)).unwrap();
        for row in fieldwork_rows(&input, false) {
            let [_, cohen, fleiss, alpha] = row.figures;
            seen[0] |= cohen.is_some();
            seen[1] |= fleiss.is_some();
            seen[2] |= alpha.is_none() && row.code != "ALL";
            seen[3] |= row.coders >= 5;
            seen[4] |= alpha.is_some() && fleiss.is_none() && row.coders > 2;
        }
    }
    let names = ["Cohen defined", "Fleiss defined", "alpha undefined", "5+ coders", "alpha with missing values"];
    for (seen, name) in seen.iter().zip(names) {
        assert!(seen, "no data set has: {name}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
