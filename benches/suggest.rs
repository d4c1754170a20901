//! The machine coder at the size the issue asks: training on 10,000 answers × 50 codes (features,
//! a classifier per code and the 5-fold cross-validation), its evaluation as a coder, and scoring
//! one answer. A plain program, not criterion: one training run takes seconds, and the figures
//! that matter are its wall time on one core and the time per scored answer.
//! `cargo bench --bench suggest` (release build; single-threaded, as training is).

use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use fieldwork::agreement::Bootstrap;
use fieldwork::suggest::evaluate::{Settings, evaluate};
use fieldwork::suggest::synthetic::{SyntheticCode, made_up_word, training_set};
use fieldwork::suggest::{Params, train};

const ANSWERS: usize = 10_000;
const CODES: usize = 50;

fn main() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let codes: Vec<SyntheticCode> = (0..CODES)
        .map(|i| {
            let words: Vec<String> = (0..4).map(|_| made_up_word(&mut rng)).collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            // Prevalence from rare (0.5%) to common (20%); every fifth code random.
            let share = 0.005 + 0.195 * (i as f64 / CODES as f64);
            let name = format!("K{i:02}");
            if i % 5 == 4 { SyntheticCode::random(&name, share) } else { SyntheticCode::keywords(&name, &words, share) }
        })
        .collect();
    let set = training_set(ANSWERS, &codes, 11);
    let mean_length = set.answers.iter().map(|a| a.text.chars().count()).sum::<usize>() / ANSWERS;
    println!("{ANSWERS} answers (mean {mean_length} characters) × {CODES} codes");

    let mut params = Params::default();
    // Other settings to compare, from the environment.
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(budget) = var("SUGGEST_OCCURRENCES") {
        params.fit.occurrences_per_answer = budget as usize;
    }
    if let Some(features) = var("SUGGEST_FEATURES") {
        params.fit.features_per_code = features as usize;
    }
    if let Some(iterations) = var("SUGGEST_ITERATIONS") {
        params.fit.max_iterations = iterations as u64;
    }
    println!("parameters: {}", serde_json::to_string(&params).unwrap_or_default());
    let texts: Vec<&str> = set.answers.iter().map(|a| a.text.as_str()).collect();
    let started = Instant::now();
    let features = fieldwork::suggest::features::Features::extract(&texts, &params.features);
    let kept = features.names.len();
    println!("features alone: {:.2} s ({kept} n-grams kept)", started.elapsed().as_secs_f64());
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let trained = train(&set, &params, 1, &|_, _| {}).expect("trained");
    let training = started.elapsed();
    println!(
        "training with 5-fold cross-validation: {:.2} s of CPU ({:.2} s wall)",
        cpu_seconds() - cpu,
        training.as_secs_f64()
    );

    let toml: String = set.codes.iter().map(|c| format!("[[codes]]\nid = \"{c}\"\nname = \"{c}\"\n")).collect();
    let codebook =
        fieldwork::codebook::model::from_toml(&format!("format = 1\nname = \"b\"\n{toml}")).expect("codebook");
    let started = Instant::now();
    let figures = evaluate(&set, &trained, &codebook, &Settings::default(), Bootstrap::default()).expect("evaluated");
    println!("evaluation (α with 1,000 bootstrap draws per code): {:.2} s", started.elapsed().as_secs_f64());
    let eligible = figures.iter().filter(|f| f.eligible).count();
    println!("eligible codes: {eligible} of {CODES}");

    let bytes = trained.model.weights_bytes().expect("weights");
    println!("stored weights: {:.1} MiB", bytes.len() as f64 / (1024.0 * 1024.0));

    let texts: Vec<&str> = set.answers.iter().take(1000).map(|a| a.text.as_str()).collect();
    let started = cpu_seconds();
    let mut applied = 0;
    for text in &texts {
        applied += trained.model.codes_for(text).len();
    }
    let per_answer = (cpu_seconds() - started) / texts.len() as f64;
    println!(
        "scoring one answer (all {CODES} codes): {:.3} ms of CPU ({applied} codes applied to {} answers)",
        per_answer * 1e3,
        texts.len()
    );
}

/// The CPU time this thread has run so far (Linux's schedstat), or 0 where it cannot be read: on
/// a machine shared with other work the wall time says little about the work done.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace().next().and_then(|ns| ns.parse::<f64>().ok()).map_or(0.0, |ns| ns / 1e9)
}
