//! Synthetic consensus answers, for the tests and the benchmark: filler words from several
//! languages, codes that follow keywords, and codes assigned at random.

use std::collections::BTreeSet;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::train::{Answer, TrainingSet};
use crate::coding::units::Unit;

const FILLER: [&str; 48] = [
    "the",
    "service",
    "was",
    "okay",
    "and",
    "we",
    "waited",
    "long",
    "der",
    "Bus",
    "kam",
    "spät",
    "aber",
    "sonst",
    "gut",
    "le",
    "personnel",
    "était",
    "gentil",
    "mais",
    "lent",
    "el",
    "horario",
    "fue",
    "difícil",
    "para",
    "nosotros",
    "la",
    "ciudad",
    "muy",
    "grande",
    "ja",
    "nie",
    "wiem",
    "dlaczego",
    "tak",
    "jest",
    "η",
    "πόλη",
    "είναι",
    "ωραία",
    "bardzo",
    "often",
    "sometimes",
    "immer",
    "jamais",
    "nunca",
    "weather",
];

/// A code the synthetic answers get: whenever one of its keywords is written into the answer, or
/// (without keywords) at random, independently of the text.
pub struct SyntheticCode {
    pub code: String,
    pub keywords: Vec<String>,
    /// The share of answers that get the code.
    pub share: f64,
}

impl SyntheticCode {
    pub fn keywords(code: &str, keywords: &[&str], share: f64) -> SyntheticCode {
        SyntheticCode { code: code.into(), keywords: keywords.iter().map(|k| k.to_string()).collect(), share }
    }

    pub fn random(code: &str, share: f64) -> SyntheticCode {
        SyntheticCode { code: code.into(), keywords: Vec::new(), share }
    }
}

/// `n` answers of 6 to 14 filler words, each code given at its share (a keyword code with one
/// of its keywords put in the text), seeded.
pub fn training_set(n: usize, codes: &[SyntheticCode], seed: u64) -> TrainingSet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let answers = (0..n)
        .map(|i| {
            let length = rng.random_range(6..=14);
            let mut words: Vec<String> =
                (0..length).map(|_| FILLER.choose(&mut rng).map_or("", |w| w).to_owned()).collect();
            let mut applied = BTreeSet::new();
            for code in codes {
                if rng.random_bool(code.share) {
                    applied.insert(code.code.clone());
                    if let Some(keyword) = code.keywords.choose(&mut rng) {
                        let at = rng.random_range(0..=words.len());
                        words.insert(at, keyword.clone());
                    }
                }
            }
            let unit = Unit { response_id: i as i64 + 1, question: "Q".into() };
            Answer { unit, text: words.join(" "), codes: applied }
        })
        .collect();
    TrainingSet { version: 1, codes: codes.iter().map(|c| c.code.clone()).collect(), answers }
}

/// A made-up word of two to four syllables, for codes of the benchmark's size.
pub fn made_up_word(rng: &mut impl Rng) -> String {
    const SYLLABLES: [&str; 16] =
        ["ka", "lo", "mi", "zu", "ber", "tan", "sol", "vek", "ri", "no", "pla", "dor", "quin", "fe", "gru", "wa"];
    let syllables = rng.random_range(2..=4);
    (0..syllables).map(|_| *SYLLABLES.choose(rng).unwrap_or(&"ka")).collect()
}
