//! The machine measured as a coder: its out-of-fold codes and the consensus go through the same
//! agreement computation as two human coders (`agreement::Report::per_code`), as the coders
//! `consensus` and `machine:<hash>`; precision and recall are counted beside. A code is eligible
//! for suggestions when the lower bound of its α interval reaches the codebook's threshold on
//! enough positive examples.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::model::Model;
use super::train::{Trained, TrainingSet};
use crate::agreement::summary::three;
use crate::agreement::{AgreementError, Bootstrap, Coding, Report, RowKind};
use crate::codebook::model::CodebookFile;

/// The name of the consensus as a coder.
pub const CONSENSUS: &str = "consensus";

/// A codebook's settings for the machine coder.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The lower bound of α's interval a code must reach.
    pub threshold: f64,
    /// Positive examples (answers with the code in the consensus) a code needs.
    pub min_positives: u32,
    /// Whether coders are offered suggestions (never while the codebook is blind).
    pub suggestions: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { threshold: 0.8, min_positives: 20, suggestions: true }
    }
}

impl Settings {
    /// Whether coders are offered suggestions: when the setting is on and the codebook is not in
    /// blind double-coding (suggestions would then leak into the reliability sample).
    pub fn offers_suggestions(&self, blind: bool) -> bool {
        self.suggestions && !blind
    }
}

/// One code's figures: the machine's out-of-fold codes against the consensus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeFigures {
    pub code: String,
    /// Answers with the code in the consensus.
    pub positives: u64,
    /// Answers the machine gave the code (out of fold).
    pub predicted: u64,
    /// Answers both gave it.
    pub both: u64,
    pub alpha: Option<f64>,
    pub alpha_low: Option<f64>,
    pub alpha_high: Option<f64>,
    pub cohen_kappa: Option<f64>,
    pub percent_agreement: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub eligible: bool,
    /// Why the code is, or is not, eligible.
    pub reason: String,
}

/// Compares the out-of-fold codes of `trained` with the consensus of `set`, code by code.
pub fn evaluate(
    set: &TrainingSet,
    trained: &Trained,
    codebook: &CodebookFile,
    settings: &Settings,
    bootstrap: Bootstrap,
) -> Result<Vec<CodeFigures>, AgreementError> {
    let machine = Model::coder_name(&trained.model.hash);
    let codings = codings(set, &trained.out_of_fold, &machine);
    let report = Report::per_code(&codings, Some(codebook), bootstrap)?;
    let mut figures = Vec::with_capacity(set.codes.len());
    for code in &set.codes {
        let row = report.rows.iter().find(|r| r.kind == RowKind::Code && &r.figures.code == code);
        let positives = set.answers.iter().filter(|a| a.codes.contains(code)).count() as u64;
        let predicted = trained.out_of_fold.iter().filter(|codes| codes.contains(code)).count() as u64;
        let both = set
            .answers
            .iter()
            .zip(&trained.out_of_fold)
            .filter(|(a, m)| a.codes.contains(code) && m.contains(code))
            .count() as u64;
        let share = |part: u64, whole: u64| (whole > 0).then(|| part as f64 / whole as f64);
        let mut code_figures = CodeFigures {
            code: code.clone(),
            positives,
            predicted,
            both,
            alpha: row.and_then(|r| r.figures.krippendorff_alpha),
            alpha_low: row.and_then(|r| r.figures.alpha_interval).map(|i| i.low),
            alpha_high: row.and_then(|r| r.figures.alpha_interval).map(|i| i.high),
            cohen_kappa: row.and_then(|r| r.figures.cohen_kappa),
            percent_agreement: row.and_then(|r| r.figures.percent_agreement),
            precision: share(both, predicted),
            recall: share(both, positives),
            eligible: false,
            reason: String::new(),
        };
        decide(&mut code_figures, settings);
        figures.push(code_figures);
    }
    Ok(figures)
}

/// The codings of the comparison: for each training answer, the consensus's codes and the
/// machine's, or one `None` each where there are none ("saw it, applied no code").
pub fn codings(set: &TrainingSet, machine_codes: &[BTreeSet<String>], machine: &str) -> Vec<Coding> {
    let mut codings = Vec::new();
    for (answer, predicted) in set.answers.iter().zip(machine_codes) {
        let unit = format!("{}:{}", answer.unit.response_id, answer.unit.question);
        for (coder, codes) in [(CONSENSUS, &answer.codes), (machine, predicted)] {
            if codes.is_empty() {
                codings.push(Coding::new(&unit, coder, ""));
            }
            codings.extend(codes.iter().map(|code| Coding::new(&unit, coder, code)));
        }
    }
    codings
}

/// Decides whether a code is eligible under `settings`, and says why: the one rule, used when a
/// model is trained and again when the settings change.
pub fn decide(figures: &mut CodeFigures, settings: &Settings) {
    let (eligible, reason) = if figures.positives < u64::from(settings.min_positives) {
        (false, format!("{} positive examples; {} needed", figures.positives, settings.min_positives))
    } else {
        match figures.alpha_low {
            None => (false, "α has no interval (the code varies too little)".to_owned()),
            Some(low) if low < settings.threshold => (
                false,
                format!("the lower bound of α's interval, {}, is below {}", three(low), three(settings.threshold)),
            ),
            Some(low) => (
                true,
                format!(
                    "the lower bound of α's interval, {}, reaches {} on {} positive examples",
                    three(low),
                    three(settings.threshold),
                    figures.positives
                ),
            ),
        }
    };
    figures.eligible = eligible;
    figures.reason = reason;
}
