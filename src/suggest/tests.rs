//! The honesty checks on synthetic answers: a code that follows keywords in several languages is
//! learnt and becomes eligible, a code given at random is not, and a seed gives one model.

use super::evaluate::{Settings, evaluate};
use super::model::Params;
use super::synthetic::{SyntheticCode, training_set};
use super::train::train;
use crate::agreement::Bootstrap;
use crate::codebook::model::CodebookFile;

fn codebook(codes: &[&str]) -> CodebookFile {
    let entries: String = codes.iter().map(|c| format!("[[codes]]\nid = \"{c}\"\nname = \"{c}\"\n")).collect();
    crate::codebook::model::from_toml(&format!("format = 1\nname = \"t\"\n{entries}")).expect("a codebook")
}

fn codes() -> Vec<SyntheticCode> {
    vec![
        SyntheticCode::keywords("PRICE", &["expensive", "teuer", "cher", "caro", "drogo", "ακριβό", "prices"], 0.2),
        SyntheticCode::random("RANDOM", 0.25),
    ]
}

#[test]
fn a_keyword_code_is_learnt_and_eligible_and_a_random_one_is_not() {
    let set = training_set(600, &codes(), 7);
    let trained = train(&set, &Params::default(), 1, &|_, _| {}).expect("trained");
    let bootstrap = Bootstrap { draws: 500, seed: 1 };
    let figures = evaluate(&set, &trained, &codebook(&["PRICE", "RANDOM"]), &Settings::default(), bootstrap).unwrap();
    let price = &figures[0];
    assert!(price.alpha.is_some_and(|a| a > 0.9), "{price:?}");
    assert!(price.eligible, "{price:?}");
    assert!(price.reason.contains("reaches"), "{price:?}");
    let random = &figures[1];
    assert!(random.alpha.is_none_or(|a| a.abs() < 0.15), "{random:?}");
    assert!(!random.eligible, "{random:?}");
    // The final model applies the keyword code in a language, and not without a keyword.
    assert!(trained.model.codes_for("der Preis ist viel zu teuer").contains(&"PRICE"));
    assert!(!trained.model.codes_for("the service was okay").contains(&"PRICE"));
}

#[test]
fn a_random_code_is_never_eligible_whatever_the_seed() {
    for seed in 1..=3 {
        let set = training_set(300, &[SyntheticCode::random("RANDOM", 0.4)], seed);
        let trained = train(&set, &Params::default(), seed, &|_, _| {}).expect("trained");
        let settings = Settings::default();
        let figures = evaluate(&set, &trained, &codebook(&["RANDOM"]), &settings, Bootstrap::default()).unwrap();
        assert!(!figures[0].eligible, "seed {seed}: {:?}", figures[0]);
        assert!(figures[0].alpha.is_none_or(|a| a < 0.3), "seed {seed}: {:?}", figures[0]);
    }
}

#[test]
fn the_same_seed_gives_the_same_hash_and_predictions_and_another_seed_another_hash() {
    let set = training_set(200, &codes(), 3);
    let first = train(&set, &Params::default(), 42, &|_, _| {}).unwrap();
    let again = train(&set, &Params::default(), 42, &|_, _| {}).unwrap();
    assert_eq!(first.model.hash, again.model.hash);
    assert_eq!(first.out_of_fold, again.out_of_fold);
    assert_eq!(first.model.weights_bytes().unwrap(), again.model.weights_bytes().unwrap());
    let other = train(&set, &Params::default(), 43, &|_, _| {}).unwrap();
    assert_ne!(first.model.hash, other.model.hash);
    // Stored and read back, the model scores alike.
    let model = &first.model;
    let bytes = model.weights_bytes().unwrap();
    let back = super::Model::from_stored(model.hash.clone(), model.params, model.seed, model.version, &bytes).unwrap();
    assert_eq!(back.scores("viel zu teuer"), model.scores("viel zu teuer"));
}

#[test]
fn too_few_answers_are_refused_with_the_numbers() {
    let set = training_set(5, &codes(), 1);
    let refused = train(&set, &Params::default(), 1, &|_, _| {}).unwrap_err();
    assert_eq!(refused.to_string().split(';').next(), Some("the consensus layer has 5 answers"));
}

#[test]
fn suggestions_are_offered_only_when_on_and_never_in_blind_coding() {
    let on = Settings::default();
    assert!(on.offers_suggestions(false));
    assert!(!on.offers_suggestions(true), "blind double-coding");
    let off = Settings { suggestions: false, ..Settings::default() };
    assert!(!off.offers_suggestions(false));
}
