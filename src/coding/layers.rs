//! Which codes an answer has, for tallies, agreement and exports: one coder's, the union or the
//! intersection of all coders', or the default — the consensus where the answer was reconciled,
//! else the codes its coders agree on; an answer whose coders disagree is left out of the default
//! until it is reconciled (it is "awaiting reconciliation").

use std::collections::{BTreeMap, BTreeSet};

/// A coding layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The consensus where reconciled; else the codes of the coders who count
    /// ([`UnitCodings::counted_coders`]) when they all applied the same codes (one coder's codes
    /// when one coded it); nothing (the answer is left out) while they disagree.
    Default,
    Consensus,
    Coder(i64),
    Union,
    /// Codes applied by every coder who marked the answer done.
    Intersection,
}

/// The layers the pages offer, by the name `Layer::parse` reads, with what each holds.
pub const CHOICES: [(&str, &str); 4] = [
    ("default", "Default: the consensus, else the codes the coders agree on"),
    ("union", "Union of coders"),
    ("intersection", "Intersection of coders"),
    ("consensus", "Consensus only"),
];

/// The layer a coder's own codings are stored in (`codings.layer`).
pub const CODER: &str = "coder";
/// The layer a reconciler's consensus is stored in (`codings.layer`).
pub const CONSENSUS: &str = "consensus";

/// How the coding pages name whose codes a stored coding is: the coder, or the consensus with
/// the person who reconciled it.
pub fn stored_label(layer: &str, person: &str) -> String {
    if layer == CONSENSUS { format!("consensus ({person})") } else { person.to_string() }
}

impl Layer {
    /// Parses `default`, `consensus`, `union`, `intersection` or `coder:ID`.
    pub fn parse(text: &str) -> Option<Layer> {
        match text {
            "" | "default" => Some(Layer::Default),
            "consensus" => Some(Layer::Consensus),
            "union" => Some(Layer::Union),
            "intersection" => Some(Layer::Intersection),
            other => other.strip_prefix("coder:").and_then(|id| id.parse().ok()).map(Layer::Coder),
        }
    }

    pub fn name(self) -> String {
        match self {
            Layer::Default => "default".into(),
            Layer::Consensus => "consensus".into(),
            Layer::Union => "union".into(),
            Layer::Intersection => "intersection".into(),
            Layer::Coder(id) => format!("coder:{id}"),
        }
    }
}

/// Everything recorded on one answer: each coder's codes (a coder who marked it done without a
/// code has an empty set: "no code applies"), the coders who marked it done, and the consensus if
/// it was reconciled.
#[derive(Debug, Default)]
pub struct UnitCodings {
    pub by_coder: BTreeMap<i64, BTreeSet<String>>,
    pub done: BTreeSet<i64>,
    pub consensus: Option<BTreeSet<String>>,
}

impl UnitCodings {
    /// The answer's codes in `layer`, or None when the layer does not cover it.
    pub fn codes(&self, layer: Layer) -> Option<BTreeSet<String>> {
        match layer {
            Layer::Consensus => self.consensus.clone(),
            Layer::Coder(id) => self.by_coder.get(&id).cloned(),
            Layer::Union => (!self.by_coder.is_empty()).then(|| self.by_coder.values().flatten().cloned().collect()),
            Layer::Intersection => {
                let mut sets = self.counted_sets();
                let first = sets.next()?;
                Some(sets.fold(first.clone(), |acc, s| acc.intersection(s).cloned().collect()))
            }
            Layer::Default => match &self.consensus {
                Some(consensus) => Some(consensus.clone()),
                None => self.agreed().cloned(),
            },
        }
    }

    /// Whether the answer is left out of the default layer until someone reconciles it: it has
    /// no consensus and the coders who count applied different codes.
    pub fn awaiting_reconciliation(&self) -> bool {
        self.consensus.is_none() && !self.by_coder.is_empty() && self.agreed().is_none()
    }

    /// The coders whose codes count: those who marked the answer done, or, while nobody has,
    /// those who coded it. A coder still working on an answer another finished does not count.
    pub fn counted_coders(&self) -> Vec<i64> {
        if self.done.is_empty() { self.by_coder.keys().copied().collect() } else { self.done.iter().copied().collect() }
    }

    /// The counted coders' sets of codes (empty for a coder with none).
    fn counted_sets(&self) -> impl Iterator<Item = &BTreeSet<String>> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        self.counted_coders().into_iter().map(|coder| self.by_coder.get(&coder).unwrap_or(&NONE))
    }

    /// The codes every counted coder applied, when they all applied exactly the same ones.
    fn agreed(&self) -> Option<&BTreeSet<String>> {
        let mut sets = self.counted_sets();
        let first = sets.next()?;
        sets.all(|set| set == first).then_some(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|c| c.to_string()).collect()
    }

    /// An answer from (coder, codes, done) and an optional consensus, as `UnitReader` builds it.
    fn unit(coders: &[(i64, &[&str], bool)], consensus: Option<&[&str]>) -> UnitCodings {
        let mut unit = UnitCodings { consensus: consensus.map(codes), ..UnitCodings::default() };
        for (coder, applied, done) in coders {
            unit.by_coder.insert(*coder, codes(applied));
            if *done {
                unit.done.insert(*coder);
            }
        }
        unit
    }

    #[test]
    fn the_default_layer_takes_the_consensus_where_reconciled() {
        let reconciled = unit(&[(1, &["A"], true), (2, &["B"], true)], Some(&["B", "C"]));
        assert_eq!(reconciled.codes(Layer::Default), Some(codes(&["B", "C"])));
        assert!(!reconciled.awaiting_reconciliation());
        let to_nothing = unit(&[(1, &["A"], true), (2, &[], true)], Some(&[]));
        assert_eq!(to_nothing.codes(Layer::Default), Some(codes(&[])));
    }

    #[test]
    fn the_default_layer_takes_the_codes_when_every_coder_who_finished_agrees() {
        let agreed = unit(&[(1, &["A", "B"], true), (2, &["A", "B"], true), (3, &["A", "B"], true)], None);
        assert_eq!(agreed.codes(Layer::Default), Some(codes(&["A", "B"])));
        assert!(!agreed.awaiting_reconciliation());
        let none_applies = unit(&[(1, &[], true), (2, &[], true)], None);
        assert_eq!(none_applies.codes(Layer::Default), Some(codes(&[])), "both found no code applies");
        // Coder 3 is still working on it: their codes so far do not count.
        let one_unfinished = unit(&[(1, &["A"], true), (2, &["A"], true), (3, &["Z"], false)], None);
        assert_eq!(one_unfinished.codes(Layer::Default), Some(codes(&["A"])));
    }

    #[test]
    fn the_default_layer_takes_a_single_coders_codes() {
        let done = unit(&[(1, &["A", "B"], true)], None);
        assert_eq!(done.codes(Layer::Default), Some(codes(&["A", "B"])));
        let in_progress = unit(&[(1, &["A"], false)], None);
        assert_eq!(in_progress.codes(Layer::Default), Some(codes(&["A"])), "nobody finished it yet");
        let other_unfinished = unit(&[(1, &["A"], true), (2, &["B"], false)], None);
        assert_eq!(other_unfinished.codes(Layer::Default), Some(codes(&["A"])));
        assert!(!other_unfinished.awaiting_reconciliation());
    }

    #[test]
    fn the_default_layer_leaves_out_an_unreconciled_disagreement() {
        let cases = [
            unit(&[(1, &["A"], true), (2, &["A", "B"], true)], None),
            unit(&[(1, &["A"], true), (2, &[], true)], None),
            unit(&[(1, &["A"], false), (2, &["B"], false)], None),
        ];
        for disputed in cases {
            assert_eq!(disputed.codes(Layer::Default), None, "{disputed:?}");
            assert!(disputed.awaiting_reconciliation(), "{disputed:?}");
        }
        // The union and the intersection still cover it.
        let disputed = &unit(&[(1, &["A"], true), (2, &["A", "B"], true)], None);
        assert_eq!(disputed.codes(Layer::Union), Some(codes(&["A", "B"])));
        assert_eq!(disputed.codes(Layer::Intersection), Some(codes(&["A"])));
    }

    #[test]
    fn an_answer_nobody_coded_is_in_no_layer_and_awaits_nothing() {
        let empty = UnitCodings::default();
        for layer in [Layer::Default, Layer::Union, Layer::Intersection, Layer::Consensus, Layer::Coder(1)] {
            assert_eq!(empty.codes(layer), None, "{layer:?}");
        }
        assert!(!empty.awaiting_reconciliation());
    }
}
