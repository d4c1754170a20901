//! Training: the features of the consensus answers, a classifier per code, and the same fitted
//! k times on seeded folds so that every training answer gets the codes of a model that never saw
//! it (its out-of-fold codes, which the evaluation compares with the consensus).

use std::collections::BTreeSet;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use super::classifier::{CodeModel, Sample, fit};
use super::features::Features;
use super::model::{Model, Params};
use crate::coding::units::Unit;

/// An answer of the consensus layer: its text and the codes it has there (none: a negative for
/// every code).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub unit: Unit,
    pub text: String,
    pub codes: BTreeSet<String>,
}

/// What a model learns from: a codebook version's codes and its consensus answers, in
/// (response, question) order.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    pub version: i64,
    /// The version's codes (not categories), in codebook order.
    pub codes: Vec<String>,
    pub answers: Vec<Answer>,
}

impl TrainingSet {
    /// How many answers have `code` in the consensus.
    pub fn positives(&self, code: &str) -> usize {
        self.answers.iter().filter(|a| a.codes.contains(code)).count()
    }
}

/// A trained model and, for each training answer, the codes its fold's model gave it.
#[derive(Debug, Clone)]
pub struct Trained {
    pub model: Model,
    pub out_of_fold: Vec<BTreeSet<String>>,
}

/// Why a model cannot be trained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotTrainable {
    #[error(
        "the consensus layer has {found} answers; at least {needed} are needed (reconcile answers, or have two coders code them alike)"
    )]
    TooFewAnswers { found: usize, needed: usize },
    #[error("cross-validation needs at least 2 folds")]
    TooFewFolds,
}

/// Trains a model on `set`: a classifier per code on all answers, and `params.folds` more on the
/// seeded folds for the out-of-fold codes. `progress(done, total)` hears after each classifier.
pub fn train(
    set: &TrainingSet,
    params: &Params,
    seed: u64,
    progress: &dyn Fn(usize, usize),
) -> Result<Trained, NotTrainable> {
    if params.folds < 2 {
        return Err(NotTrainable::TooFewFolds);
    }
    let n = set.answers.len();
    if n < params.folds * 2 {
        return Err(NotTrainable::TooFewAnswers { found: n, needed: params.folds * 2 });
    }
    let texts: Vec<&str> = set.answers.iter().map(|a| a.text.as_str()).collect();
    let features = Features::extract(&texts, &params.features);
    let fold_of = folds(n, params.folds, seed);
    let everyone = vec![true; n];
    let found_everywhere: Vec<u32> = features.columns.iter().map(|c| c.len() as u32).collect();
    let samples: Vec<(Vec<bool>, Vec<u32>)> = (0..params.folds)
        .map(|fold| {
            let in_sample: Vec<bool> = fold_of.iter().map(|f| *f != fold).collect();
            let mut found_in = found_everywhere.clone();
            for (row, _) in fold_of.iter().enumerate().filter(|(_, f)| **f == fold) {
                for &(f, _) in &features.rows[row] {
                    found_in[f as usize] -= 1;
                }
            }
            (in_sample, found_in)
        })
        .collect();
    let total = set.codes.len() * (params.folds + 1);
    let mut out_of_fold = vec![BTreeSet::new(); n];
    let mut models = Vec::with_capacity(set.codes.len());
    for (c, code) in set.codes.iter().enumerate() {
        let labels: Vec<bool> = set.answers.iter().map(|a| a.codes.contains(code)).collect();
        let sample = |in_sample: &'_ [bool], found_in: &'_ [u32]| -> CodeModel {
            let sample =
                Sample { rows: &features.rows, columns: &features.columns, in_sample, labels: &labels, found_in };
            fit(&sample, &params.fit)
        };
        for (fold, (in_sample, found_in)) in samples.iter().enumerate() {
            let model = sample(in_sample, found_in);
            for (row, _) in fold_of.iter().enumerate().filter(|(_, f)| **f == fold) {
                if model.probability(&features.rows[row]) >= params.fit.decision {
                    out_of_fold[row].insert(code.clone());
                }
            }
            progress(c * (params.folds + 1) + fold + 1, total);
        }
        models.push((code.clone(), sample(&everyone, &found_everywhere)));
        progress((c + 1) * (params.folds + 1), total);
    }
    let hash = hash(set, params, seed);
    let model = Model::new(hash, *params, seed, set.version, features.names, features.idf, models);
    Ok(Trained { model, out_of_fold })
}

/// The fold of each of `n` rows: a seeded shuffle dealt round the `k` folds, so their sizes
/// differ by at most one.
pub fn folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut fold_of = vec![0; n];
    for (position, row) in order.into_iter().enumerate() {
        fold_of[row] = position % k;
    }
    fold_of
}

/// What identifies a model: SHA-256 of its training set (answers, texts, codes), the codebook
/// version's codes, the parameters and the seed, in hexadecimal.
pub fn hash(set: &TrainingSet, params: &Params, seed: u64) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"fieldwork machine coder 1\n");
    hasher.update(serde_json::to_string(params).unwrap_or_default().as_bytes());
    hasher.update(format!("\nseed {seed}\nversion {}\ncodes {}\n", set.version, set.codes.len()).as_bytes());
    for code in &set.codes {
        hasher.update(format!("{}:{code}\n", code.len()).as_bytes());
    }
    for answer in &set.answers {
        let codes: Vec<&str> = answer.codes.iter().map(String::as_str).collect();
        let (unit, text) = (&answer.unit, &answer.text);
        hasher.update(
            format!("{} {}:{} {}:{text}", unit.response_id, unit.question.len(), unit.question, text.len()).as_bytes(),
        );
        hasher.update(format!(" {}\n", serde_json::to_string(&codes).unwrap_or_default()).as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}
