//! Sharing answers out among coders: a chosen share, drawn at random with a recorded seed, goes to
//! several coders (for agreement), the rest to one each, keeping everyone's load even. The same
//! units, coders, share and seed always give the same assignment.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// How to share the answers out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plan {
    /// The share of answers coded by several coders, 0 to 1.
    pub double_share: f64,
    /// How many coders code each of those.
    pub coders_per_double: usize,
    pub seed: u64,
}

/// An assignment as drawn: the units in their order, each with its coders (in increasing order),
/// kept in flat lists so that a draw of a million answers is a few contiguous arrays rather than a
/// million small ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn<U> {
    units: Vec<U>,
    /// Unit `i`'s coders are `coders[ends[i - 1]..ends[i]]` (from 0 for the first).
    ends: Vec<usize>,
    coders: Vec<i64>,
}

impl<U> Drawn<U> {
    pub fn len(&self) -> usize {
        self.units.len()
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The `i`-th unit, in unit order, with its coders.
    pub fn get(&self, i: usize) -> Option<(&U, &[i64])> {
        let start = if i == 0 { 0 } else { *self.ends.get(i - 1)? };
        Some((self.units.get(i)?, self.coders.get(start..*self.ends.get(i)?)?))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&U, &[i64])> {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// Who codes which unit (any ordered value naming an answer); the units are put in their order
/// first, so the draw does not depend on the order they were read in. `coders` must not be empty.
pub fn draw<U: Ord>(mut units: Vec<U>, coders: &[i64], plan: Plan) -> Drawn<U> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    units.sort();
    let mut order: Vec<usize> = (0..units.len()).collect();
    order.shuffle(&mut rng);
    let doubles = (plan.double_share.clamp(0.0, 1.0) * order.len() as f64).round() as usize;
    let per_double = plan.coders_per_double.clamp(1, coders.len().max(1));
    // Where each unit's coders go: the first `doubles` of the shuffled order get several.
    let mut double = vec![false; units.len()];
    for &i in order.iter().take(doubles) {
        double[i] = true;
    }
    let ends: Vec<usize> = double
        .iter()
        .scan(0, |end, &d| {
            *end += if d { per_double } else { 1 };
            Some(*end)
        })
        .collect();
    drop(double);
    let mut drawn = Drawn { units, coders: vec![0; ends.last().copied().unwrap_or(0)], ends };
    let mut load = vec![0usize; coders.len()];
    let mut candidates: Vec<usize> = Vec::with_capacity(coders.len());
    for i in order {
        let start = if i == 0 { 0 } else { drawn.ends[i - 1] };
        let slot = &mut drawn.coders[start..drawn.ends[i]];
        // The least loaded coders, ties broken at random so no coder is always first.
        candidates.clear();
        candidates.extend(0..coders.len());
        candidates.shuffle(&mut rng);
        candidates.sort_by_key(|&c| load[c]);
        for (place, &c) in slot.iter_mut().zip(&candidates) {
            load[c] += 1;
            *place = coders[c];
        }
        slot.sort_unstable();
    }
    drawn
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coding::units::Unit;

    fn units(n: i64) -> Vec<Unit> {
        (1..=n).map(|i| Unit { response_id: i, question: "Q".into() }).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_assignment_and_another_seed_another() {
        let plan = Plan { double_share: 0.2, coders_per_double: 2, seed: 42 };
        let a = draw(units(50), &[1, 2, 3], plan);
        assert_eq!(a, draw(units(50), &[1, 2, 3], plan));
        let mut shuffled = units(50);
        shuffled.reverse();
        assert_eq!(a, draw(shuffled, &[1, 2, 3], plan), "whatever order the units were read in");
        assert_ne!(a, draw(units(50), &[1, 2, 3], Plan { seed: 43, ..plan }));
    }

    #[test]
    fn the_chosen_share_is_double_coded_and_loads_are_even() {
        let drawn = draw(units(100), &[1, 2, 3, 4], Plan { double_share: 0.2, coders_per_double: 2, seed: 7 });
        assert_eq!(drawn.len(), 100);
        assert_eq!(drawn.iter().filter(|(_, c)| c.len() == 2).count(), 20);
        assert!(drawn.iter().all(|(_, c)| c.len() == 1 || (c.len() == 2 && c[0] < c[1])));
        let in_order: Vec<&Unit> = drawn.iter().map(|(u, _)| u).collect();
        assert!(in_order.windows(2).all(|w| w[0] < w[1]), "in unit order");
        let load = |coder| drawn.iter().filter(|(_, c)| c.contains(&coder)).count();
        let loads: Vec<usize> = (1..=4).map(load).collect();
        assert_eq!(loads.iter().sum::<usize>(), 120);
        assert!(loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1, "{loads:?}");
    }

    #[test]
    fn all_answers_can_be_double_coded() {
        let drawn = draw(units(10), &[1, 2], Plan { double_share: 1.0, coders_per_double: 2, seed: 1 });
        assert!(drawn.iter().all(|(_, c)| c == [1, 2]));
        assert_eq!(draw(Vec::<Unit>::new(), &[1], Plan { double_share: 0.5, coders_per_double: 2, seed: 1 }).len(), 0);
    }
}
