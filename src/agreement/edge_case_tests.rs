//! Edge cases of the agreement table: codes nobody or everybody applied, units seen by one
//! coder, a single coder, no codings, conflicting codings, and the bootstrap's reproducibility.

use super::error::{AgreementError, Place};
use super::stats::ValueProfile;
use super::table::{ALL, AgreementRow, Bootstrap, Coding, exclusive_table, per_code_table};

const NO_BOOTSTRAP: Bootstrap = Bootstrap { draws: 0, seed: 1 };

/// Codings from "unit coder code" triples, "-" for "saw the unit, applied no code".
fn codings(triples: &[(&str, &str, &str)]) -> Vec<Coding> {
    let code = |code: &str| {
        if code == "-" { String::new() } else { code.to_owned() }
    };
    triples.iter().map(|&(unit, coder, name)| Coding::new(unit, coder, &code(name))).collect()
}

fn row<'a>(rows: &'a [AgreementRow], code: &str) -> &'a AgreementRow {
    rows.iter().find(|row| row.code == code).unwrap()
}

fn assert_all_coefficients_undefined(row: &AgreementRow) {
    assert_eq!(row.cohen_kappa, None, "{}", row.code);
    assert_eq!(row.fleiss_kappa, None, "{}", row.code);
    assert_eq!(row.krippendorff_alpha, None, "{}", row.code);
    assert_eq!(row.alpha_interval, None, "{}", row.code);
}

fn two_coders_three_units() -> Vec<Coding> {
    codings(&[
        ("u1", "ann", "X"),
        ("u1", "bob", "X"),
        ("u2", "ann", "X"),
        ("u2", "bob", "-"),
        ("u3", "ann", "-"),
        ("u3", "bob", "-"),
    ])
}

#[test]
fn a_codebook_code_nobody_applied_agrees_perfectly_with_undefined_coefficients() {
    let codebook = ["NEVER".to_owned()];
    let rows = per_code_table(&two_coders_three_units(), &codebook, Bootstrap::default()).unwrap();
    assert_eq!(rows.iter().map(|row| row.code.as_str()).collect::<Vec<_>>(), ["NEVER", "X", ALL]);
    let never = row(&rows, "NEVER");
    assert_eq!((never.units, never.coders, never.percent_agreement), (3, 2, Some(1.0)));
    assert_all_coefficients_undefined(never);
}

#[test]
fn a_code_everyone_applied_to_every_unit_agrees_perfectly_with_undefined_coefficients() {
    let input = codings(&[("u1", "ann", "ALWAYS"), ("u1", "bob", "ALWAYS"), ("u2", "ann", "ALWAYS")]);
    let input = [input, codings(&[("u2", "bob", "ALWAYS"), ("u2", "bob", "OTHER")])].concat();
    let rows = per_code_table(&input, &[], Bootstrap::default()).unwrap();
    let always = row(&rows, "ALWAYS");
    assert_eq!((always.units, always.percent_agreement), (2, Some(1.0)));
    assert_all_coefficients_undefined(always);
    assert_eq!(row(&rows, "OTHER").percent_agreement, Some(0.5));
}

#[test]
fn a_unit_seen_by_one_coder_only_does_not_count() {
    let base = two_coders_three_units();
    let with_lone_unit = [base.clone(), codings(&[("u4", "ann", "X"), ("u5", "bob", "-")])].concat();
    let rows = per_code_table(&with_lone_unit, &[], NO_BOOTSTRAP).unwrap();
    assert_eq!(rows, per_code_table(&base, &[], NO_BOOTSTRAP).unwrap());
    assert_eq!(row(&rows, "X").units, 3);
}

#[test]
fn a_single_coder_gives_no_pairable_unit() {
    let input = codings(&[("u1", "ann", "X"), ("u2", "ann", "-"), ("u3", "ann", "Y")]);
    for rows in [
        per_code_table(&input, &[], Bootstrap::default()).unwrap(),
        exclusive_table(&input, Bootstrap::default()).unwrap(),
    ] {
        for row in &rows {
            assert_eq!((row.units, row.coders, row.percent_agreement), (0, 1, None));
            assert_all_coefficients_undefined(row);
        }
    }
}

#[test]
fn no_codings_give_an_empty_all_row() {
    let rows = per_code_table(&[], &[], Bootstrap::default()).unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].code.as_str(), rows[0].units, rows[0].coders), (ALL, 0, 0));
    assert_all_coefficients_undefined(&rows[0]);
}

#[test]
fn the_all_row_pools_every_unit_and_code_pair() {
    let input = codings(&[
        ("u1", "ann", "X"),
        ("u1", "bob", "Y"),
        ("u1", "cy", "X"),
        ("u2", "ann", "Y"),
        ("u2", "bob", "Y"),
        ("u3", "ann", "-"),
        ("u3", "cy", "X"),
    ]);
    let rows = per_code_table(&input, &[], NO_BOOTSTRAP).unwrap();
    // Pairs (unit, code) with each coder's presence (1) or absence (0) of the code.
    let pairs: [&[u32]; 6] = [&[1, 0, 1], &[0, 0], &[0, 1], &[0, 1, 0], &[1, 1], &[0, 0]];
    let mut pooled = ValueProfile::new();
    pairs.iter().for_each(|values| pooled.add_unit(values));
    let all = row(&rows, ALL);
    assert_eq!(all.units, 6);
    assert_eq!(all.percent_agreement, Some(0.5));
    assert_eq!(all.krippendorff_alpha, pooled.krippendorff_alpha());
    assert_eq!((all.fleiss_kappa, all.cohen_kappa), (None, None));
}

#[test]
fn exclusive_mode_counts_a_unit_seen_without_code_as_none() {
    let input = codings(&[("u1", "ann", "A"), ("u1", "bob", "-"), ("u2", "ann", "-"), ("u2", "bob", "-")]);
    let input = [input, codings(&[("u3", "ann", "B"), ("u3", "bob", "B")])].concat();
    let rows = exclusive_table(&input, NO_BOOTSTRAP).unwrap();
    let mut profile = ValueProfile::new();
    [[0, 2], [2, 2], [1, 1]].iter().for_each(|values| profile.add_unit(values));
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].code.as_str(), rows[0].units), (ALL, 3));
    assert_eq!(rows[0].krippendorff_alpha, profile.krippendorff_alpha());
    assert_eq!(rows[0].percent_agreement, Some(2.0 / 3.0));
}

#[test]
fn exclusive_mode_refuses_a_second_code_from_one_coder_on_one_unit() {
    let input = codings(&[("u1", "ann", "A"), ("u1", "bob", "A"), ("u1", "ann", "B")]);
    let error = exclusive_table(&input, NO_BOOTSTRAP).unwrap_err();
    assert!(
        matches!(&error, AgreementError::SecondCode(conflict) if (conflict.at, conflict.first) == (Place::Coding(3), Place::Coding(1)) && (conflict.code.as_str(), conflict.first_code.as_str()) == ("B", "A")),
        "{error:?}"
    );
    assert!(per_code_table(&input, &[], NO_BOOTSTRAP).is_ok(), "per code, two codes are fine");
}

#[test]
fn a_coder_applying_one_code_twice_to_a_unit_is_refused() {
    let input = codings(&[("u1", "ann", "A"), ("u1", "ann", "-"), ("u1", "ann", "A")]);
    for error in
        [per_code_table(&input, &[], NO_BOOTSTRAP).unwrap_err(), exclusive_table(&input, NO_BOOTSTRAP).unwrap_err()]
    {
        let expected = "coding #3: coder \"ann\" applied code \"A\" to unit \"u1\" a second time \
                        (first on coding #1)";
        assert_eq!(error.to_string(), expected);
    }
}

#[test]
fn of_several_conflicts_the_one_completed_first_in_the_input_is_reported() {
    let input = codings(&[("u1", "ann", "B"), ("u1", "ann", "A"), ("u1", "ann", "A"), ("u1", "ann", "B")]);
    let error = per_code_table(&input, &[], NO_BOOTSTRAP).unwrap_err().to_string();
    assert!(
        error.starts_with("coding #3: coder \"ann\" applied code \"A\"") && error.ends_with("(first on coding #2)"),
        "{error}"
    );
    let input = codings(&[("u1", "ann", "A"), ("u2", "bob", "B"), ("u2", "bob", "A"), ("u1", "ann", "B")]);
    let error = exclusive_table(&input, NO_BOOTSTRAP).unwrap_err();
    assert!(
        matches!(&error, AgreementError::SecondCode(conflict) if (conflict.at, conflict.first) == (Place::Coding(3), Place::Coding(2)) && (conflict.code.as_str(), conflict.first_code.as_str()) == ("A", "B")),
        "{error:?}"
    );
}

#[test]
fn bootstrap_intervals_are_reproducible_and_surround_alpha() {
    let input: Vec<Coding> = (0..60)
        .flat_map(|unit| {
            let unit = unit.to_string();
            let disagree = unit.ends_with('7');
            [
                Coding::new(&unit, "ann", if unit.len() == 1 { "X" } else { "" }),
                Coding::new(&unit, "bob", if (unit.len() == 1) != disagree { "X" } else { "" }),
            ]
        })
        .collect();
    let seeded = |seed| per_code_table(&input, &[], Bootstrap { draws: 1000, seed }).unwrap();
    let (x, other_seed) = (seeded(1)[0].clone(), seeded(2)[0].clone());
    assert_eq!(x, seeded(1)[0]);
    assert_ne!(x.alpha_interval, other_seed.alpha_interval);
    let (alpha, interval) = (x.krippendorff_alpha.unwrap(), x.alpha_interval.unwrap());
    assert!(interval.low < alpha && alpha < interval.high, "{alpha} outside {interval:?}");
}

#[test]
fn a_codes_interval_does_not_depend_on_the_other_codes() {
    let mut input = two_coders_three_units();
    input.extend(codings(&[("u4", "ann", "X"), ("u4", "bob", "-"), ("u5", "ann", "-"), ("u5", "bob", "-")]));
    let alone = per_code_table(&input, &[], Bootstrap::default()).unwrap();
    input.extend(codings(&[("u1", "ann", "Y"), ("u2", "bob", "Y")]));
    let with_other = per_code_table(&input, &[], Bootstrap::default()).unwrap();
    assert_eq!(row(&alone, "X"), row(&with_other, "X"));
}
