//! A trained model as it is kept and used: the features it knows (every kept n-gram with its idf,
//! since an answer's vector is scaled over all of them) and each code's classifier, stored as
//! CBOR; it scores new answers.

use serde::{Deserialize, Serialize};

use super::classifier::{CodeModel, FitParams};
use super::features::{FeatureParams, Lookup, SparseRow};

/// Everything that decides a model besides its data and seed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub features: FeatureParams,
    pub fit: FitParams,
    /// Folds of the cross-validation.
    pub folds: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params { features: FeatureParams::default(), fit: FitParams::default(), folds: 5 }
    }
}

/// A trained model, identified by `hash` (see `train::hash`).
#[derive(Debug, Clone)]
pub struct Model {
    pub hash: String,
    pub params: Params,
    pub seed: u64,
    /// The codebook version it was trained for.
    pub version: i64,
    weights: Weights,
    lookup: Lookup,
}

/// What is stored as the model's weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Weights {
    names: Vec<String>,
    idf: Vec<f32>,
    codes: Vec<(String, CodeModel)>,
}

/// Characters of the hash shown and used in the coder's name.
const SHORT: usize = 12;

impl Model {
    pub fn new(
        hash: String,
        params: Params,
        seed: u64,
        version: i64,
        names: Vec<String>,
        idf: Vec<f32>,
        codes: Vec<(String, CodeModel)>,
    ) -> Model {
        let lookup = Lookup::new(&names);
        Model { hash, params, seed, version, weights: Weights { names, idf, codes }, lookup }
    }

    /// The model's name as a coder in the agreement figures: `machine:` and the hash's start.
    pub fn coder_name(hash: &str) -> String {
        format!("machine:{}", short_hash(hash))
    }

    /// The features of a text, as the training answers' were made.
    pub fn row(&self, text: &str) -> SparseRow {
        self.lookup.row(text, &self.params.features, &self.weights.idf)
    }

    /// The probability that `code` applies to an answer with features `row`; `None` for a code
    /// the model does not know.
    pub fn probability(&self, code: &str, row: &[(u32, f32)]) -> Option<f64> {
        self.weights.codes.iter().find(|(c, _)| c == code).map(|(_, model)| model.probability(row))
    }

    /// Every code's probability for a text, in codebook order.
    pub fn scores(&self, text: &str) -> Vec<(&str, f64)> {
        let row = self.row(text);
        self.weights.codes.iter().map(|(code, model)| (code.as_str(), model.probability(&row))).collect()
    }

    /// The codes the model applies to a text.
    pub fn codes_for(&self, text: &str) -> Vec<&str> {
        let decision = self.params.fit.decision;
        self.scores(text).into_iter().filter(|(_, p)| *p >= decision).map(|(code, _)| code).collect()
    }

    /// The n-grams that weigh most for `code`, strongest first, with their weights (as the page
    /// shows them: a character n-gram between quotes, spaces as `·`).
    pub fn strongest(&self, code: &str, count: usize) -> Vec<(String, f32)> {
        let Some((_, model)) = self.weights.codes.iter().find(|(c, _)| c == code) else { return Vec::new() };
        let mut pairs: Vec<(u32, f32)> = model.features.iter().copied().zip(model.weights.iter().copied()).collect();
        pairs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        pairs
            .into_iter()
            .filter(|(_, w)| *w > 0.0)
            .take(count)
            .map(|(f, w)| (readable(self.weights.names.get(f as usize).map_or("", String::as_str)), w))
            .collect()
    }

    /// The weights as stored (CBOR).
    pub fn weights_bytes(&self) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        ciborium::into_writer(&self.weights, &mut out).map_err(|e| format!("writing the model's weights: {e}"))?;
        Ok(out)
    }

    /// A stored model back from its parts.
    pub fn from_stored(hash: String, params: Params, seed: u64, version: i64, bytes: &[u8]) -> Result<Model, String> {
        let weights: Weights =
            ciborium::from_reader(bytes).map_err(|e| format!("reading the weights of model {hash}: {e}"))?;
        Ok(Model::new(hash, params, seed, version, weights.names, weights.idf, weights.codes))
    }
}

/// The start of a hash, as shown.
pub fn short_hash(hash: &str) -> &str {
    hash.get(..SHORT).unwrap_or(hash)
}

/// A feature's name for people: a word n-gram as it is, a character n-gram quoted with its word
/// boundaries as `·`.
fn readable(name: &str) -> String {
    match name.split_at_checked(1) {
        Some(("w", words)) => words.to_owned(),
        Some(("c", chars)) => format!("\u{201c}{}\u{201d}", chars.replace(' ', "·")),
        _ => name.to_owned(),
    }
}
