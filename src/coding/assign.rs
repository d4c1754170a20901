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

/// Who codes which unit (any ordered value naming an answer); the units are put in their order
/// first, so the draw does not depend on the order they were read in. `coders` must not be empty.
pub fn draw<U: Ord + Clone>(units: &[U], coders: &[i64], plan: Plan) -> Vec<(U, Vec<i64>)> {
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let mut order: Vec<&U> = units.iter().collect();
    order.sort();
    order.shuffle(&mut rng);
    let doubles = (plan.double_share.clamp(0.0, 1.0) * order.len() as f64).round() as usize;
    let per_double = plan.coders_per_double.clamp(1, coders.len().max(1));
    let mut load = vec![0usize; coders.len()];
    let mut drawn = Vec::with_capacity(order.len());
    for (i, unit) in order.into_iter().enumerate() {
        let wanted = if i < doubles { per_double } else { 1 };
        // The least loaded coders, ties broken at random so no coder is always first.
        let mut candidates: Vec<usize> = (0..coders.len()).collect();
        candidates.shuffle(&mut rng);
        candidates.sort_by_key(|&c| load[c]);
        let mut chosen: Vec<i64> = candidates
            .into_iter()
            .take(wanted)
            .map(|c| {
                load[c] += 1;
                coders[c]
            })
            .collect();
        chosen.sort_unstable();
        drawn.push((unit.clone(), chosen));
    }
    drawn.sort();
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
        let a = draw(&units(50), &[1, 2, 3], plan);
        assert_eq!(a, draw(&units(50), &[1, 2, 3], plan));
        assert_ne!(a, draw(&units(50), &[1, 2, 3], Plan { seed: 43, ..plan }));
    }

    #[test]
    fn the_chosen_share_is_double_coded_and_loads_are_even() {
        let drawn = draw(&units(100), &[1, 2, 3, 4], Plan { double_share: 0.2, coders_per_double: 2, seed: 7 });
        assert_eq!(drawn.len(), 100);
        assert_eq!(drawn.iter().filter(|(_, c)| c.len() == 2).count(), 20);
        assert!(drawn.iter().all(|(_, c)| c.len() == 1 || (c.len() == 2 && c[0] != c[1])));
        let load = |coder| drawn.iter().filter(|(_, c)| c.contains(&coder)).count();
        let loads: Vec<usize> = (1..=4).map(load).collect();
        assert_eq!(loads.iter().sum::<usize>(), 120);
        assert!(loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1, "{loads:?}");
    }

    #[test]
    fn all_answers_can_be_double_coded() {
        let drawn = draw(&units(10), &[1, 2], Plan { double_share: 1.0, coders_per_double: 2, seed: 1 });
        assert!(drawn.iter().all(|(_, c)| c == &vec![1, 2]));
    }
}
