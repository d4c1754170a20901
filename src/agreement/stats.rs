//! The agreement coefficients over plain data: percent agreement, Cohen's kappa, Fleiss' kappa
//! and nominal Krippendorff's alpha with its bootstrap confidence interval. Nothing here knows
//! about codes, coders' names or files: values are category numbers.

use std::collections::{BTreeMap, HashMap};

use rand::Rng;
use rand_distr::{Binomial, Distribution};

/// A category a coder gave a unit: a code's presence (1) or absence (0), or one code of an
/// exclusive codebook.
pub type Value = u32;

/// A 95% bootstrap percentile interval (2.5% and 97.5% quantiles of the defined draws).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConfidenceInterval {
    /// The 2.5% quantile.
    pub low: f64,
    /// The 97.5% quantile.
    pub high: f64,
}

/// The pairable units of one variable (those with values from at least two coders), grouped by
/// the multiset of values their coders gave.
///
/// Percent agreement, Fleiss' kappa and nominal alpha see a unit only through that multiset, so
/// half a million units with a handful of distinct multisets cost a handful of groups; this is
/// what makes the bootstrap cheap.
#[derive(Debug, Clone, Default)]
pub struct ValueProfile {
    /// In order of first appearance, so that resampling is reproducible.
    groups: Vec<ValueGroup>,
    group_of: HashMap<Vec<Value>, usize>,
    /// Dense numbering of the values seen, for per-value totals.
    slot_of: HashMap<Value, usize>,
    /// Reused to sort each unit's values without allocating.
    sorted: Vec<Value>,
}

#[derive(Debug, Clone)]
struct ValueGroup {
    /// The unit's values, sorted: the multiset that defines the group.
    values: Vec<Value>,
    /// (slot of a value, how many of the unit's coders gave it).
    tallies: Vec<(usize, u64)>,
    /// How many coders gave the unit a value (Krippendorff's m_u).
    coders: u64,
    /// The unit's off-diagonal mass in the coincidence matrix: (m² − Σ n_c²) / (m − 1).
    disagreement: f64,
    /// How many units have this multiset.
    units: u64,
}

impl ValueProfile {
    /// An empty profile.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one unit with the values its coders gave; units with fewer than two values are not
    /// pairable and are dropped, as in Krippendorff's procedure.
    pub fn add_unit(&mut self, values: &[Value]) {
        self.add_units(values, 1);
    }

    /// Adds `units` units that all have the same values.
    pub fn add_units(&mut self, values: &[Value], units: u64) {
        if values.len() < 2 || units == 0 {
            return;
        }
        self.sorted.clear();
        self.sorted.extend_from_slice(values);
        self.sorted.sort_unstable();
        let known = self.group_of.get(self.sorted.as_slice()).copied();
        match known.and_then(|index| self.groups.get_mut(index)) {
            Some(group) => group.units += units,
            None => self.add_group(units),
        }
    }

    /// Adds every unit of `other`, e.g. to pool per-code profiles into the overall one.
    pub fn merge(&mut self, other: &ValueProfile) {
        for group in &other.groups {
            self.add_units(&group.values, group.units);
        }
    }

    /// Number of pairable units.
    pub fn pairable_units(&self) -> u64 {
        self.groups.iter().map(|group| group.units).sum()
    }

    /// Share of pairable units on which all their coders gave the same value.
    pub fn percent_agreement(&self) -> Option<f64> {
        let agreeing = self.groups.iter().filter(|group| group.tallies.len() == 1);
        share(agreeing.map(|group| group.units).sum(), self.pairable_units())
    }

    /// Krippendorff's alpha for nominal data; `None` without variation or pairable units.
    pub fn krippendorff_alpha(&self) -> Option<f64> {
        let weights: Vec<u64> = self.groups.iter().map(|group| group.units).collect();
        self.alpha_weighted(&weights, &mut vec![0; self.slot_of.len()])
    }

    /// Fleiss' kappa, when every pairable unit has values from the same number of coders.
    pub fn fleiss_kappa(&self) -> Option<f64> {
        let (observed, chance) = self.fleiss_parts()?;
        Some((observed - chance) / (1.0 - chance))
    }

    /// Bootstrap percentile interval of alpha: `draws` resamples of the pairable units with
    /// replacement; draws where alpha is undefined are skipped.
    pub fn alpha_interval(&self, draws: usize, rng: &mut impl Rng) -> Option<ConfidenceInterval> {
        if self.groups.is_empty() {
            return None;
        }
        let mut weights = vec![0; self.groups.len()];
        let mut totals = vec![0; self.slot_of.len()];
        // Capped so that an absurd --bootstrap fails gradually rather than in one allocation.
        let mut alphas = Vec::with_capacity(draws.min(1 << 16));
        for _ in 0..draws {
            self.resample(rng, &mut weights);
            alphas.extend(self.alpha_weighted(&weights, &mut totals));
        }
        percentile_interval(alphas)
    }

    fn add_group(&mut self, units: u64) {
        let values = self.sorted.clone();
        let mut tallies: Vec<(usize, u64)> = Vec::new();
        for (index, value) in values.iter().enumerate() {
            // Values are sorted, so equal values are neighbours.
            if index > 0 && values.get(index - 1) == Some(value) {
                if let Some(last) = tallies.last_mut() {
                    last.1 += 1;
                }
            } else {
                let next_slot = self.slot_of.len();
                tallies.push((*self.slot_of.entry(*value).or_insert(next_slot), 1));
            }
        }
        let coders = values.len() as u64;
        let same: u64 = tallies.iter().map(|&(_, count)| count * count).sum();
        let disagreement = (coders * coders - same) as f64 / (coders - 1) as f64;
        self.group_of.insert(values.clone(), self.groups.len());
        self.groups.push(ValueGroup { values, tallies, coders, disagreement, units });
    }

    /// Alpha with each group counted `weights[g]` times: 1 − (n − 1) Σ o_ck / Σ n_c n_k over
    /// c ≠ k, where o is the coincidence matrix and n_c its margins.
    fn alpha_weighted(&self, weights: &[u64], totals: &mut [u64]) -> Option<f64> {
        totals.fill(0);
        let mut pairable_values: u128 = 0;
        let mut observed = 0.0;
        for (group, &weight) in self.groups.iter().zip(weights) {
            pairable_values += u128::from(weight * group.coders);
            observed += weight as f64 * group.disagreement;
            for &(slot, count) in &group.tallies {
                if let Some(total) = totals.get_mut(slot) {
                    *total += weight * count;
                }
            }
        }
        let expected = off_diagonal_pairs(pairable_values, totals)?;
        Some(1.0 - (pairable_values as f64 - 1.0) * observed / expected as f64)
    }

    /// Fleiss' mean observed agreement P̄ and chance agreement P̄e.
    pub(super) fn fleiss_parts(&self) -> Option<(f64, f64)> {
        let coders = self.groups.first()?.coders;
        if self.groups.iter().any(|group| group.coders != coders) {
            return None;
        }
        let units = self.pairable_units();
        let mut totals = vec![0; self.slot_of.len()];
        let mut same_pairs: u128 = 0;
        for group in &self.groups {
            for &(slot, count) in &group.tallies {
                same_pairs += u128::from(group.units * count * count);
                if let Some(total) = totals.get_mut(slot) {
                    *total += group.units * count;
                }
            }
        }
        let ratings = u128::from(units * coders);
        let chance_pairs = ratings * ratings - off_diagonal_pairs(ratings, &totals)?;
        let observed = (same_pairs - ratings) as f64 / (ratings * u128::from(coders - 1)) as f64;
        Some((observed, chance_pairs as f64 / (ratings * ratings) as f64))
    }

    /// Draws as many units as there are, with replacement, as counts per group.
    fn resample(&self, rng: &mut impl Rng, weights: &mut [u64]) {
        let mut draws_left = self.pairable_units();
        let mut units_left = draws_left;
        for (group, weight) in self.groups.iter().zip(weights.iter_mut()) {
            // Group by group, a binomial draw from what is left with the group's share of the
            // units left is an exact multinomial draw: the same as resampling unit by unit.
            let share_left = group.units as f64 / units_left.max(1) as f64;
            *weight = binomial(rng, draws_left, share_left);
            draws_left = draws_left.saturating_sub(*weight);
            units_left = units_left.saturating_sub(group.units);
        }
    }
}

/// Σ n_c n_k over c ≠ k, i.e. n² − Σ n_c²; `None` when it is zero (only one value was given).
fn off_diagonal_pairs(values: u128, totals: &[u64]) -> Option<u128> {
    let same: u128 = totals.iter().map(|&total| u128::from(total) * u128::from(total)).sum();
    values.checked_mul(values)?.checked_sub(same).filter(|&pairs| pairs > 0)
}

fn binomial(rng: &mut impl Rng, trials: u64, p: f64) -> u64 {
    if trials == 0 || p <= 0.0 {
        return 0;
    }
    if p >= 1.0 {
        return trials;
    }
    // `Binomial::new` only refuses p outside [0, 1], which the checks above rule out.
    Binomial::new(trials, p).map_or(0, |distribution| distribution.sample(rng))
}

fn percentile_interval(mut alphas: Vec<f64>) -> Option<ConfidenceInterval> {
    alphas.sort_by(f64::total_cmp);
    Some(ConfidenceInterval { low: quantile(&alphas, 0.025)?, high: quantile(&alphas, 0.975)? })
}

/// Linear interpolation between order statistics (numpy's default), so a check elsewhere agrees.
fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    let position = q * sorted.len().checked_sub(1)? as f64;
    let below = position.floor();
    let low = *sorted.get(below as usize)?;
    let high = *sorted.get(position.ceil() as usize)?;
    Some(low + (high - low) * (position - below))
}

/// `part / whole`, or `None` when there is nothing to share.
fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// How two coders' values cross-tabulate over the units both coded: cells are
/// (first coder's value, second coder's value) → units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Confusion {
    cells: BTreeMap<(Value, Value), u64>,
}

impl Confusion {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table from its rows: `rows[a][b]` units got value `a` from the first coder and `b`
    /// from the second.
    pub fn from_rows(rows: &[Vec<u64>]) -> Self {
        let mut confusion = Self::new();
        for (first, row) in (0..).zip(rows) {
            for (second, &units) in (0..).zip(row) {
                confusion.add_units(first, second, units);
            }
        }
        confusion
    }

    /// Adds one unit.
    pub fn add(&mut self, first: Value, second: Value) {
        self.add_units(first, second, 1);
    }

    /// Adds `units` units with the same pair of values.
    pub fn add_units(&mut self, first: Value, second: Value, units: u64) {
        if units > 0 {
            *self.cells.entry((first, second)).or_default() += units;
        }
    }

    /// Adds every unit of `other`.
    pub fn merge(&mut self, other: &Confusion) {
        for (&(first, second), &units) in &other.cells {
            self.add_units(first, second, units);
        }
    }

    /// Number of units both coders coded.
    pub fn units(&self) -> u64 {
        self.cells.values().sum()
    }

    /// Share of units on which the two coders gave the same value.
    pub fn percent_agreement(&self) -> Option<f64> {
        share(self.agreeing_units(), self.units())
    }

    /// Cohen's kappa, (p_o − p_e) / (1 − p_e); `None` when chance agreement is perfect or there
    /// are no units.
    pub fn cohen_kappa(&self) -> Option<f64> {
        let units = u128::from(self.units());
        let mut firsts: BTreeMap<Value, u64> = BTreeMap::new();
        let mut seconds: BTreeMap<Value, u64> = BTreeMap::new();
        for (&(first, second), &count) in &self.cells {
            *firsts.entry(first).or_default() += count;
            *seconds.entry(second).or_default() += count;
        }
        let chance: u128 = firsts
            .iter()
            .map(|(value, &count)| u128::from(count) * u128::from(*seconds.get(value).unwrap_or(&0)))
            .sum();
        let all_pairs = units * units;
        let beyond_chance = all_pairs.checked_sub(chance).filter(|&pairs| pairs > 0)?;
        let observed = (units * u128::from(self.agreeing_units())) as f64;
        Some((observed - chance as f64) / beyond_chance as f64)
    }

    fn agreeing_units(&self) -> u64 {
        let agreeing = self.cells.iter().filter(|((first, second), _)| first == second);
        agreeing.map(|(_, &units)| units).sum()
    }
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
