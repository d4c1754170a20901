//! From codings — (unit, coder, code) records — to the agreement table: one row per code, where a
//! coder's value for a unit they saw is whether they applied the code, then the overall `ALL` row.
//! In exclusive mode the whole codebook is one nominal variable and the table is the `ALL` row.

use std::collections::HashMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::error::{AgreementError, ConflictingCodings, Place};
use super::stats::{ConfidenceInterval, Confusion, Value, ValueProfile};

/// Name of the overall row, which always comes last.
pub const ALL: &str = "ALL";

/// One coder's work on one unit (in fieldwork, one answer): a code they applied, or `None` when
/// they saw the unit and applied no code. A coder who applied several codes to a unit has one
/// coding per code; a `None` next to codes for the same unit and coder changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coding {
    /// The unit coded, e.g. an answer id.
    pub unit: String,
    /// Who coded it.
    pub coder: String,
    /// The code applied, or `None` for "saw the unit, applied no code".
    pub code: Option<String>,
}

impl Coding {
    /// A coding from borrowed names; an empty code means "saw the unit, applied no code".
    pub fn new(unit: &str, coder: &str, code: &str) -> Self {
        Coding { unit: unit.to_owned(), coder: coder.to_owned(), code: (!code.is_empty()).then(|| code.to_owned()) }
    }
}

/// One row of the agreement table: a code, or the overall `ALL` row. `None` means undefined
/// (no pairable unit, no variation, or not applicable), never NaN.
#[derive(Debug, Clone, PartialEq)]
pub struct AgreementRow {
    /// The code's name, or [`ALL`].
    pub code: String,
    /// Units seen by at least two coders (on `ALL` in per-code mode: such (unit, code) pairs).
    pub units: u64,
    /// Distinct coders in the data.
    pub coders: usize,
    /// Share of those units on which all their coders agree, from 0 to 1.
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa over the units both coders saw; only when the data has exactly two coders.
    pub cohen_kappa: Option<f64>,
    /// Fleiss' kappa; only when every counted unit was seen by the same number of coders.
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's alpha, nominal.
    pub krippendorff_alpha: Option<f64>,
    /// 95% bootstrap percentile interval of the alpha.
    pub alpha_interval: Option<ConfidenceInterval>,
}

/// How the bootstrap intervals are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bootstrap {
    /// Number of resamples of the units; 0 computes no intervals.
    pub draws: usize,
    /// Seed of the random draws: the same seed gives the same intervals.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap { draws: 1000, seed: 1 }
    }
}

/// The per-code table: one row per code (the `codebook` first, in its order, then codes found
/// in `codings` in order of first appearance), then the `ALL` row, in which every (unit, code)
/// pair is a binary unit; Cohen's and Fleiss' kappa on `ALL` are computed over those pairs too.
pub fn per_code_table(
    codings: &[Coding],
    codebook: &[String],
    bootstrap: Bootstrap,
) -> Result<Vec<AgreementRow>, AgreementError> {
    let index = CodingIndex::build(codings, codebook, Mode::PerCode)?;
    let mut grid = vec![ABSENT; index.units() * index.coders];
    let mut pooled = Summary::default();
    let mut rows = Vec::with_capacity(index.codes.len() + 1);
    for (code, applied) in index.codes.iter().zip(&index.applied) {
        index.fill(&mut grid, applied, PRESENT);
        let summary = index.summarize(&grid);
        index.fill(&mut grid, applied, ABSENT);
        rows.push(summary.row(code, index.coders, bootstrap));
        pooled.merge(&summary);
    }
    rows.push(pooled.row(ALL, index.coders, bootstrap));
    Ok(rows)
}

/// The exclusive table: the codebook as one nominal variable, where each coder gives a unit at
/// most one code and a coder who saw a unit without coding it gives it the value "none".
/// The result is the single `ALL` row.
pub fn exclusive_table(codings: &[Coding], bootstrap: Bootstrap) -> Result<Vec<AgreementRow>, AgreementError> {
    let index = CodingIndex::build(codings, &[], Mode::Exclusive)?;
    // Codes are 0..codes; the next number stands for "none".
    let none = Value::try_from(index.codes.len()).unwrap_or(Value::MAX);
    let mut grid = vec![none; index.units() * index.coders];
    for (code, applied) in (0..).zip(&index.applied) {
        index.fill(&mut grid, applied, code);
    }
    Ok(vec![index.summarize(&grid).row(ALL, index.coders, bootstrap)])
}

const ABSENT: Value = 0;
const PRESENT: Value = 1;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    PerCode,
    Exclusive,
}

/// The codings with names replaced by numbers (in order of first appearance).
struct CodingIndex {
    coders: usize,
    /// For each unit, the coders who saw it, ascending.
    seen_by: Vec<Vec<usize>>,
    codes: Vec<String>,
    /// For each code, where it was applied, in input order.
    applied: Vec<Vec<Application>>,
}

/// A code applied by a coder to a unit, and the position of that coding in the input.
#[derive(Clone, Copy)]
struct Application {
    unit: usize,
    coder: usize,
    position: usize,
}

/// Two codings of one unit by one coder that may not coexist: the same code twice, or in
/// exclusive mode any two codes. `first` comes before `at` in the input.
#[derive(Clone, Copy)]
struct Conflict {
    at: (usize, usize),
    first: (usize, usize),
}

/// Names numbered in order of first appearance.
#[derive(Default)]
struct Names<'a> {
    numbers: HashMap<&'a str, usize>,
    names: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn number(&mut self, name: &'a str) -> usize {
        let next = self.names.len();
        let number = *self.numbers.entry(name).or_insert(next);
        if number == next {
            self.names.push(name);
        }
        number
    }
}

impl CodingIndex {
    fn build(codings: &[Coding], codebook: &[String], mode: Mode) -> Result<Self, AgreementError> {
        let (mut units, mut coders, mut codes) = (Names::default(), Names::default(), Names::default());
        for code in codebook {
            codes.number(code);
        }
        let mut seen_by: Vec<Vec<usize>> = Vec::new();
        let mut applied: Vec<Vec<Application>> = vec![Vec::new(); codes.names.len()];
        for (position, coding) in codings.iter().enumerate() {
            let (unit, coder) = (units.number(&coding.unit), coders.number(&coding.coder));
            if unit == seen_by.len() {
                seen_by.push(Vec::new());
            }
            if let Some(seen) = seen_by.get_mut(unit).filter(|seen| !seen.contains(&coder)) {
                seen.push(coder);
            }
            let Some(name) = &coding.code else { continue };
            let code = codes.number(name);
            if code == applied.len() {
                applied.push(Vec::new());
            }
            if let Some(applications) = applied.get_mut(code) {
                applications.push(Application { unit, coder, position });
            }
        }
        seen_by.iter_mut().for_each(|seen| seen.sort_unstable());
        let codes = codes.names.into_iter().map(str::to_owned).collect();
        let index = CodingIndex { coders: coders.names.len(), seen_by, codes, applied };
        match index.earliest_conflict(mode) {
            Some(conflict) => Err(index.conflict_error(codings, conflict)),
            None => Ok(index),
        }
    }

    fn units(&self) -> usize {
        self.seen_by.len()
    }

    /// The conflict whose later coding comes first in the input, so the researcher is told
    /// about the same line whatever the order of the codes.
    fn earliest_conflict(&self, mode: Mode) -> Option<Conflict> {
        // For each (unit, coder): the earliest (position, code) met so far.
        let mut earliest_coding: Vec<Option<(usize, usize)>> = vec![None; self.units() * self.coders];
        let mut earliest: Option<Conflict> = None;
        for (code, applications) in self.applied.iter().enumerate() {
            for application in applications {
                let cell = application.unit * self.coders + application.coder;
                let Some(earlier) = earliest_coding.get_mut(cell) else {
                    continue;
                };
                let this = (application.position, code);
                if let Some(other) = *earlier {
                    let conflict = Conflict { at: this.max(other), first: this.min(other) };
                    if earliest.is_none_or(|known| conflict.at < known.at) {
                        earliest = Some(conflict);
                    }
                }
                *earlier = Some(earlier.map_or(this, |other| other.min(this)));
            }
            // Per code, only the same code twice conflicts.
            if mode == Mode::PerCode {
                for application in applications {
                    let cell = application.unit * self.coders + application.coder;
                    earliest_coding.get_mut(cell).map(Option::take);
                }
            }
        }
        earliest
    }

    fn conflict_error(&self, codings: &[Coding], conflict: Conflict) -> AgreementError {
        let code_name = |number: usize| self.codes.get(number).cloned().unwrap_or_default();
        let ((position, code), (first_position, first_code)) = (conflict.at, conflict.first);
        let (at, first) = (Place::Coding(position + 1), Place::Coding(first_position + 1));
        let (unit, coder) =
            codings.get(position).map(|coding| (coding.unit.clone(), coding.coder.clone())).unwrap_or_default();
        let conflict = Box::new(ConflictingCodings {
            at,
            first,
            unit,
            coder,
            code: code_name(code),
            first_code: code_name(first_code),
        });
        if code == first_code {
            AgreementError::DuplicateCoding(conflict)
        } else {
            AgreementError::SecondCode(conflict)
        }
    }

    /// Sets the value of each (unit, coder) a code was applied to, in a units × coders grid.
    fn fill(&self, grid: &mut [Value], applications: &[Application], value: Value) {
        for application in applications {
            if let Some(cell) = grid.get_mut(application.unit * self.coders + application.coder) {
                *cell = value;
            }
        }
    }

    /// Reads one variable off a units × coders grid, keeping only the coders who saw each unit.
    fn summarize(&self, grid: &[Value]) -> Summary {
        let mut summary = Summary { profile: ValueProfile::new(), confusion: (self.coders == 2).then(Confusion::new) };
        let mut values = Vec::with_capacity(self.coders);
        for (unit, seen) in self.seen_by.iter().enumerate() {
            values.clear();
            values.extend(seen.iter().filter_map(|coder| grid.get(unit * self.coders + coder)));
            summary.profile.add_unit(&values);
            // Coders are in ascending order, so with two coders the first value is coder 0's.
            if let (Some(confusion), [first, second]) = (&mut summary.confusion, values.as_slice()) {
                confusion.add(*first, *second);
            }
        }
        summary
    }
}

/// What the coefficients need of one variable.
#[derive(Default)]
struct Summary {
    profile: ValueProfile,
    /// Only when the data has exactly two coders.
    confusion: Option<Confusion>,
}

impl Summary {
    fn merge(&mut self, other: &Summary) {
        self.profile.merge(&other.profile);
        if let Some(theirs) = &other.confusion {
            self.confusion.get_or_insert_with(Confusion::new).merge(theirs);
        }
    }

    fn row(&self, code: &str, coders: usize, bootstrap: Bootstrap) -> AgreementRow {
        let mut rng = ChaCha8Rng::seed_from_u64(bootstrap.seed);
        // A stream per code name keeps a code's interval the same whatever other codes exist.
        rng.set_stream(fnv1a(code));
        AgreementRow {
            code: code.to_owned(),
            units: self.profile.pairable_units(),
            coders,
            percent_agreement: self.profile.percent_agreement(),
            cohen_kappa: self.confusion.as_ref().and_then(Confusion::cohen_kappa),
            fleiss_kappa: self.profile.fleiss_kappa(),
            krippendorff_alpha: self.profile.krippendorff_alpha(),
            alpha_interval: self.profile.alpha_interval(bootstrap.draws, &mut rng),
        }
    }
}

/// A stable hash (FNV-1a): unlike std's hasher it never changes between Rust versions.
fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3))
}
