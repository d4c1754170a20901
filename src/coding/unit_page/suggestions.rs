//! The machine coder's suggestions on the page of an answer, the one rule: shown only after the
//! coder saved their own codes (so that they cannot anchor them), never while the codebook is in
//! blind double-coding or its setting is off, and only for codes the latest model is eligible for,
//! predicts, and the coder did not apply. See docs/machine-coder.md.

use std::collections::BTreeSet;

use serde::Serialize;

use super::Facts;
use crate::codebook::model::CodeKind;
use crate::codebook::tree::Tree;
use crate::coding::layers::CODER;
use crate::suggest::Settings;

/// "The model would also apply …": one code with the model's probability for it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Suggestion {
    pub code: String,
    pub name: String,
    /// The model's probability that the code applies, 0 to 1.
    pub score: f64,
    /// The probability as shown: two decimals.
    pub shown: String,
}

/// Where the coder stands on the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoderOnAnswer {
    /// The coder saved their own judgement: codes of their own, the answer marked done, or a save
    /// (even of no code) they just made.
    pub saved: bool,
    /// The codes the coder applied (stored, not what a refused form ticked).
    pub applied: BTreeSet<String>,
}

impl CoderOnAnswer {
    /// From what is stored about the answer; `just_saved` when the page follows the coder's save.
    pub fn of(facts: &Facts, viewer: i64, just_saved: bool) -> CoderOnAnswer {
        let applied: BTreeSet<String> = facts
            .codings
            .iter()
            .filter(|c| c.coder_id == viewer && c.layer == CODER)
            .map(|c| c.code_key.clone())
            .collect();
        let saved = just_saved || !applied.is_empty() || facts.done_by.contains(&viewer);
        CoderOnAnswer { saved, applied }
    }
}

/// Whether suggestions may be shown at all, before any model is read.
pub fn may_suggest(settings: &Settings, blind: bool, coder: &CoderOnAnswer) -> bool {
    coder.saved && settings.offers_suggestions(blind)
}

/// The model's view of an answer: each code's probability, the codes it is eligible for, and the
/// probability from which it applies a code.
pub struct Prediction<'a> {
    pub scores: &'a [(&'a str, f64)],
    pub eligible: &'a BTreeSet<String>,
    pub decision: f64,
}

/// The suggestions for the coder, likeliest first: codes of the codebook (not retired) the model
/// is eligible for and applies, that the coder did not apply and that no exclusive category rules
/// out beside the coder's codes. None unless `may_suggest`.
pub fn suggestions(
    settings: &Settings,
    blind: bool,
    coder: &CoderOnAnswer,
    prediction: &Prediction,
    tree: &Tree,
) -> Vec<Suggestion> {
    if !may_suggest(settings, blind, coder) {
        return Vec::new();
    }
    // A code from a mutually exclusive category the coder already chose from would make a pair
    // the server refuses on a save: it is not offered, so accepting can never store one.
    let chosen: BTreeSet<&str> = coder.applied.iter().flat_map(|code| tree.exclusive_categories(code)).collect();
    let mut found: Vec<Suggestion> = prediction
        .scores
        .iter()
        .filter(|(code, score)| *score >= prediction.decision && prediction.eligible.contains(*code))
        .filter(|(code, _)| !coder.applied.contains(*code))
        .filter(|(code, _)| tree.exclusive_categories(code).iter().all(|category| !chosen.contains(category)))
        .filter_map(|(code, score)| {
            let entry = tree.get(code).filter(|e| e.kind == CodeKind::Code && !e.retired)?;
            Some(Suggestion {
                code: entry.id.clone(),
                name: entry.name.clone(),
                score: *score,
                shown: format!("{score:.2}"),
            })
        })
        .collect();
    found.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.code.cmp(&b.code)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codebook::model::from_toml;
    use crate::coding::store::Coding;

    const BOOK: &str = r#"
format = 1
name = "Test"
[[codes]]
id = "PRICE"
name = "Price"
[[codes]]
id = "SERVICE"
name = "Service"
[[codes]]
id = "RANDOM"
name = "Random"
[[codes]]
id = "OLD"
name = "Retired one"
retired = true
"#;

    const ANA: i64 = 1;
    const BEN: i64 = 2;

    fn coding(coder_id: i64, code: &str) -> Coding {
        Coding {
            id: 0,
            coder_id,
            coder: String::new(),
            layer: CODER.into(),
            code_key: code.into(),
            span_start: None,
            span_end: None,
            codebook_version: 1,
            needs_review: false,
        }
    }

    /// What the coder ANA is offered with `codings` and `done_by` stored, the model scoring
    /// PRICE .9, SERVICE .7, RANDOM .95 (not eligible), OLD .99, with `settings` and `blind`.
    fn offered(codings: &[Coding], done_by: &[i64], just_saved: bool, settings: Settings, blind: bool) -> Vec<String> {
        let file = from_toml(BOOK).expect("the test codebook");
        let tree = Tree::new(&file);
        let facts = Facts { text: "", codings, memos: Vec::new(), done_by };
        let coder = CoderOnAnswer::of(&facts, ANA, just_saved);
        let scores = [("PRICE", 0.9), ("SERVICE", 0.7), ("RANDOM", 0.95), ("OLD", 0.99), ("GONE", 0.99)];
        let eligible: BTreeSet<String> = ["PRICE", "SERVICE", "OLD", "GONE"].map(String::from).into();
        let prediction = Prediction { scores: &scores, eligible: &eligible, decision: 0.5 };
        suggestions(&settings, blind, &coder, &prediction, &tree).into_iter().map(|s| s.code).collect()
    }

    #[test]
    fn nothing_is_suggested_before_the_coder_saves_their_own_codes() {
        let others = [coding(BEN, "SERVICE")];
        assert!(offered(&others, &[BEN], false, Settings::default(), false).is_empty(), "another coder's save");
        assert_eq!(offered(&others, &[], true, Settings::default(), false), ["PRICE", "SERVICE"], "a save of no code");
        assert_eq!(offered(&others, &[ANA], false, Settings::default(), false), ["PRICE", "SERVICE"], "marked done");
    }

    #[test]
    fn only_eligible_codes_of_the_codebook_the_coder_did_not_apply_are_suggested_likeliest_first() {
        let mine = [coding(ANA, "SERVICE")];
        assert_eq!(offered(&mine, &[], false, Settings::default(), false), ["PRICE"]);
        let low = Settings::default();
        let file = from_toml(BOOK).expect("the test codebook");
        let tree = Tree::new(&file);
        let coder = CoderOnAnswer { saved: true, applied: BTreeSet::new() };
        let eligible: BTreeSet<String> = ["PRICE", "SERVICE"].map(String::from).into();
        let scores = [("PRICE", 0.6), ("SERVICE", 0.8)];
        let under = Prediction { scores: &scores, eligible: &eligible, decision: 0.7 };
        let found = suggestions(&low, false, &coder, &under, &tree);
        let service = Suggestion { code: "SERVICE".into(), name: "Service".into(), score: 0.8, shown: "0.80".into() };
        assert_eq!(found, [service], "PRICE is under the decision");
    }

    #[test]
    fn nothing_is_suggested_in_blind_double_coding_or_with_the_setting_off() {
        let mine = [coding(ANA, "SERVICE")];
        assert!(offered(&mine, &[ANA], false, Settings::default(), true).is_empty(), "blind");
        let off = Settings { suggestions: false, ..Settings::default() };
        assert!(offered(&mine, &[ANA], false, off, false).is_empty(), "turned off");
    }

    #[test]
    fn a_code_of_an_exclusive_category_the_coder_already_chose_from_is_not_suggested() {
        const EXCLUSIVE: &str = r#"
format = 1
name = "Test"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisational model"
mutually_exclusive = true
[[codes]]
id = "ORG_FIRM"
parent = "ORG"
name = "A firm"
[[codes]]
id = "ORG_COMMUNITY"
parent = "ORG"
name = "A community"
[[codes]]
id = "ACCESS"
name = "Access"
"#;
        let file = from_toml(EXCLUSIVE).expect("the test codebook");
        let tree = Tree::new(&file);
        let codings = [coding(ANA, "ORG_FIRM")];
        let facts = Facts { text: "", codings: &codings, memos: Vec::new(), done_by: &[] };
        let coder = CoderOnAnswer::of(&facts, ANA, true);
        let scores = [("ORG_COMMUNITY", 0.9), ("ACCESS", 0.8)];
        let eligible: BTreeSet<String> = ["ORG_COMMUNITY", "ACCESS"].map(String::from).into();
        let prediction = Prediction { scores: &scores, eligible: &eligible, decision: 0.5 };
        let offered: Vec<String> =
            suggestions(&Settings::default(), false, &coder, &prediction, &tree).into_iter().map(|s| s.code).collect();
        // Accepting ORG_COMMUNITY would store two codes the server refuses together.
        assert_eq!(offered, ["ACCESS"]);
    }
}
