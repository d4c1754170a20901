//! Tests of the coefficients' edge cases and of the grouped bootstrap.

use super::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn profile(units: &[&[Value]]) -> ValueProfile {
    let mut profile = ValueProfile::new();
    for values in units {
        profile.add_unit(values);
    }
    profile
}

#[test]
fn no_variation_leaves_alpha_and_kappas_undefined_but_agreement_perfect() {
    let profile = profile(&[&[1, 1], &[1, 1, 1], &[1]]);
    assert_eq!(profile.pairable_units(), 2);
    assert_eq!(profile.percent_agreement(), Some(1.0));
    assert_eq!(profile.krippendorff_alpha(), None);
    assert_eq!(profile.fleiss_kappa(), None);
    assert_eq!(Confusion::from_rows(&[vec![5]]).cohen_kappa(), None);
}

#[test]
fn nothing_pairable_leaves_everything_undefined() {
    let profile = profile(&[&[0], &[1], &[]]);
    assert_eq!(profile.pairable_units(), 0);
    assert_eq!(profile.percent_agreement(), None);
    assert_eq!(profile.krippendorff_alpha(), None);
    assert_eq!(profile.fleiss_kappa(), None);
    assert_eq!(profile.alpha_interval(100, &mut ChaCha8Rng::seed_from_u64(1)), None);
    assert_eq!(Confusion::new().cohen_kappa(), None);
    assert_eq!(Confusion::new().percent_agreement(), None);
}

#[test]
fn fleiss_kappa_needs_the_same_number_of_coders_on_every_unit() {
    assert_eq!(profile(&[&[0, 1], &[1, 1, 0]]).fleiss_kappa(), None);
    assert!(profile(&[&[0, 1], &[1, 1], &[0, 0]]).fleiss_kappa().is_some());
}

#[test]
fn grouping_does_not_change_alpha() {
    let one_by_one = profile(&[&[0, 1], &[1, 1], &[0, 0], &[1, 1], &[1, 0]]);
    let mut grouped = ValueProfile::new();
    grouped.add_units(&[1, 0], 2);
    grouped.add_units(&[1, 1], 2);
    grouped.add_units(&[0, 0], 1);
    assert_eq!(one_by_one.krippendorff_alpha(), grouped.krippendorff_alpha());
}

#[test]
fn resampling_draws_as_many_units_as_there_are() {
    let profile = profile(&[&[0, 1], &[1, 1], &[0, 0, 1], &[2, 2], &[1, 1]]);
    let mut weights = vec![0; 4];
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..100 {
        profile.resample(&mut rng, &mut weights);
        assert_eq!(weights.iter().sum::<u64>(), 5);
    }
}

#[test]
fn the_same_seed_gives_the_same_interval() {
    let profile = profile(&[&[0, 1], &[1, 1], &[0, 0], &[1, 1], &[0, 0], &[2, 2], &[2, 1]]);
    let draw = |seed| profile.alpha_interval(500, &mut ChaCha8Rng::seed_from_u64(seed));
    assert_eq!(draw(3), draw(3));
    assert_ne!(draw(3), draw(4));
}

#[test]
fn grouped_bootstrap_matches_resampling_unit_by_unit() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let units: Vec<Vec<Value>> = (0..300)
        .map(|_| {
            let truth = rng.random_range(0..3);
            (0..3).map(|_| if rng.random_bool(0.8) { truth } else { rng.random_range(0..3) }).collect()
        })
        .collect();
    let mut grouped = ValueProfile::new();
    units.iter().for_each(|values| grouped.add_unit(values));
    let fast = grouped.alpha_interval(4000, &mut rng);
    let naive_alphas = (0..4000)
        .filter_map(|_| {
            let mut resampled = ValueProfile::new();
            for _ in 0..units.len() {
                resampled.add_unit(&units[rng.random_range(0..units.len())]);
            }
            resampled.krippendorff_alpha()
        })
        .collect();
    let (fast, naive) = (fast.unwrap(), percentile_interval(naive_alphas).unwrap());
    assert!((fast.low - naive.low).abs() < 0.01, "{fast:?} vs {naive:?}");
    assert!((fast.high - naive.high).abs() < 0.01, "{fast:?} vs {naive:?}");
}

#[test]
fn quantiles_interpolate_like_numpy() {
    let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
    assert_eq!(quantile(&sorted, 0.025), Some(1.1));
    assert_eq!(quantile(&sorted, 0.975), Some(4.9));
    assert_eq!(quantile(&[], 0.5), None);
    assert_eq!(quantile(&[0.3], 0.975), Some(0.3));
}
