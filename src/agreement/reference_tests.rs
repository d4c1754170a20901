//! Pins the coefficients to the published worked examples in `shared/irr/reference-cases.json`:
//! every case there is either checked here or named as not applicable, with the reason.

use serde_json::Value as Json;

use super::stats::{Confusion, Value, ValueProfile};
use super::table::{ALL, AgreementRow, Bootstrap, Coding, exclusive_table, per_code_table};

/// In the reference folder `../shared/`; without it these tests say so and pass.
const REFERENCE_CASES: &str = "irr/reference-cases.json";

/// Cases about coefficients fieldwork does not compute: Holsti's CR and ATLAS.ti's c compare
/// coded segments, while fieldwork's unit is the whole answer.
const NOT_APPLICABLE_CASES: [&str; 2] = ["formula_holsti", "formula_atlas_c_coefficient"];

/// Expected figures for levels of measurement other than nominal, or weightings we don't offer.
const NOT_APPLICABLE_FIGURES: [&str; 4] =
    ["alpha_ordinal", "alpha_interval", "alpha_ratio", "cohen_kappa_linear_weights_0_1_2"];

const NO_BOOTSTRAP: Bootstrap = Bootstrap { draws: 0, seed: 1 };

/// The reference cases; None (the test skips) without the reference folder.
fn cases() -> Option<Vec<Json>> {
    let path = crate::shared_folder::shared_file(REFERENCE_CASES)?;
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let json: Json = serde_json::from_str(&text).unwrap();
    Some(json["cases"].as_array().unwrap().clone())
}

fn case(id: &str) -> Option<Json> {
    let found = cases()?.into_iter().find(|case| case["id"] == id);
    Some(found.unwrap_or_else(|| panic!("no case {id} in {REFERENCE_CASES}")))
}

/// Tolerance for a figure printed as `expected`: half a unit in its last printed decimal, but
/// 1e-6 for figures printed with six or more decimals.
fn tolerance(expected: f64) -> f64 {
    let printed = format!("{expected}");
    let decimals = printed.split_once('.').map_or(0, |(_, fraction)| fraction.len());
    if decimals >= 6 { 1e-6 } else { 0.5 * 10f64.powi(-(decimals as i32)) + 1e-12 }
}

/// Checks `actual` against an expected figure: a number, or `{published, oracle}`.
fn assert_matches(actual: Option<f64>, expected: &Json, what: &str) {
    let targets: Vec<f64> = match expected {
        Json::Number(number) => vec![number.as_f64().unwrap()],
        Json::Object(sources) => sources.values().map(|value| value.as_f64().unwrap()).collect(),
        other => panic!("{what}: unexpected expectation {other}"),
    };
    let actual = actual.unwrap_or_else(|| panic!("{what}: undefined, expected {expected}"));
    for target in targets {
        let tolerance = tolerance(target);
        assert!((actual - target).abs() <= tolerance, "{what}: {actual} vs {target} ± {tolerance}");
    }
}

/// `coders` as in the JSON: coder name → one value (or null) per unit.
fn coder_columns(case: &Json) -> Vec<(String, Vec<Option<Value>>)> {
    let coders = case["coders"].as_object().unwrap();
    let column = |values: &Json| -> Vec<Option<Value>> {
        let values = values.as_array().unwrap();
        values.iter().map(|value| value.as_u64().map(|v| Value::try_from(v).unwrap())).collect()
    };
    coders.iter().map(|(name, values)| (name.clone(), column(values))).collect()
}

/// The columns as codings of one nominal variable: a null is a unit the coder did not see.
fn nominal_codings(columns: &[(String, Vec<Option<Value>>)]) -> Vec<Coding> {
    let mut codings = Vec::new();
    for (coder, values) in columns {
        for (unit, value) in values.iter().enumerate() {
            if let Some(value) = value {
                codings.push(Coding::new(&format!("u{unit}"), coder, &format!("v{value}")));
            }
        }
    }
    codings
}

fn exclusive_row(columns: &[(String, Vec<Option<Value>>)]) -> AgreementRow {
    let mut rows = exclusive_table(&nominal_codings(columns), NO_BOOTSTRAP).unwrap();
    assert_eq!(rows.len(), 1);
    rows.remove(0)
}

/// The same data straight into the statistics, without names or records.
fn profile_of(columns: &[(String, Vec<Option<Value>>)]) -> ValueProfile {
    let mut profile = ValueProfile::new();
    let units = columns.first().map_or(0, |(_, values)| values.len());
    for unit in 0..units {
        let values: Vec<Value> = columns.iter().filter_map(|(_, values)| values[unit]).collect();
        profile.add_unit(&values);
    }
    profile
}

fn figure(row: &AgreementRow, name: &str) -> Option<f64> {
    match name {
        "alpha_nominal" | "alpha_binary" => row.krippendorff_alpha,
        "percent_agreement" => row.percent_agreement,
        "cohen_kappa" => row.cohen_kappa,
        // Fleiss' kappa for two coders is Scott's pi.
        "scott_pi" => row.fleiss_kappa,
        other => panic!("no figure {other}"),
    }
}

/// Checks every expected figure of a case given as coder columns, through the records path;
/// and that the statistics computed straight from the columns give the same alpha.
fn check_coder_columns_case(id: &str) {
    let Some(case) = case(id) else { return };
    let columns = coder_columns(&case);
    let row = exclusive_row(&columns);
    assert_eq!(row.code, ALL);
    assert_eq!(row.coders, columns.len());
    assert_eq!(profile_of(&columns).krippendorff_alpha(), row.krippendorff_alpha, "{id}");
    for (name, expected) in case["expected"].as_object().unwrap() {
        if !NOT_APPLICABLE_FIGURES.contains(&name.as_str()) {
            assert_matches(figure(&row, name), expected, &format!("{id} {name}"));
        }
    }
}

#[test]
fn every_reference_case_is_checked_or_named_not_applicable() {
    let checked = [
        "kripp2011_A_binary_2coders",
        "kripp2011_B_nominal_2coders",
        "kripp2011_C_4coders_missing",
        "wikipedia_alpha_3coders_15units",
        "fleiss_wikipedia_10x14",
        "fleiss1971_diagnoses_30x6",
        "sas_3x3_table10",
        "wikipedia_cohen_50",
        "quica_6units",
        "atlasti_manual_PA",
        "synthetic_whole_answer_multilabel",
    ];
    let Some(cases) = cases() else { return };
    for case in cases {
        let id = case["id"].as_str().unwrap();
        assert!(checked.contains(&id) || NOT_APPLICABLE_CASES.contains(&id), "unchecked case {id}");
    }
}

#[test]
fn krippendorff_2011_example_a_binary_two_coders() {
    check_coder_columns_case("kripp2011_A_binary_2coders");
}

#[test]
fn krippendorff_2011_example_b_nominal_two_coders() {
    check_coder_columns_case("kripp2011_B_nominal_2coders");
}

#[test]
fn krippendorff_2011_example_c_four_coders_with_missing_values() {
    check_coder_columns_case("kripp2011_C_4coders_missing");
    // Coders saw different numbers of units, so Fleiss' kappa does not apply.
    let Some(case) = case("kripp2011_C_4coders_missing") else { return };
    assert_eq!(exclusive_row(&coder_columns(&case)).fleiss_kappa, None);
}

#[test]
fn wikipedia_alpha_example_three_coders() {
    check_coder_columns_case("wikipedia_alpha_3coders_15units");
}

#[test]
fn quica_six_units() {
    check_coder_columns_case("quica_6units");
}

#[test]
fn atlas_ti_manual_percent_agreement() {
    check_coder_columns_case("atlasti_manual_PA");
}

#[test]
fn fleiss_wikipedia_ten_subjects_fourteen_raters() {
    let Some(case) = case("fleiss_wikipedia_10x14") else { return };
    let mut profile = ValueProfile::new();
    for counts in case["counts_subject_by_category"].as_array().unwrap() {
        let mut values = Vec::new();
        for (category, count) in (0..).zip(counts.as_array().unwrap()) {
            values.extend(std::iter::repeat_n(category, count.as_u64().unwrap() as usize));
        }
        profile.add_unit(&values);
    }
    let expected = &case["expected"];
    assert_matches(profile.fleiss_kappa(), &expected["fleiss_kappa"], "Fleiss' kappa");
    let (observed, chance) = profile.fleiss_parts().unwrap();
    assert_matches(Some(observed), &expected["P_bar"], "P̄");
    assert_matches(Some(chance), &expected["P_e_bar"], "P̄e");
}

#[test]
fn fleiss_1971_diagnoses_six_raters() {
    let Some(case) = case("fleiss1971_diagnoses_30x6") else { return };
    let ratings = case["ratings_subject_by_rater"].as_array().unwrap();
    let rater = |index: usize| -> (String, Vec<Option<Value>>) {
        let column = ratings.iter().map(|subject| subject[index].as_u64().map(|v| v as Value));
        (format!("rater{}", index + 1), column.collect())
    };
    let expected = &case["expected"];
    let all_six = exclusive_row(&(0..6).map(rater).collect::<Vec<_>>());
    assert_matches(all_six.fleiss_kappa, &expected["fleiss_kappa_all6"], "Fleiss' kappa");
    assert_matches(all_six.krippendorff_alpha, &expected["alpha_nominal_all6"], "alpha");
    assert_eq!(all_six.cohen_kappa, None, "Cohen's kappa needs exactly two coders");
    let first_two = exclusive_row(&[rater(0), rater(1)]);
    assert_matches(first_two.cohen_kappa, &expected["cohen_kappa_rater1_rater2"], "Cohen");
}

#[test]
fn sas_three_by_three_table() {
    let Some(case) = case("sas_3x3_table10") else { return };
    let confusion = confusion_of(&case);
    assert_matches(confusion.cohen_kappa(), &case["expected"]["cohen_kappa"], "Cohen's kappa");
}

#[test]
fn wikipedia_cohen_example_through_the_per_code_table() {
    let Some(case) = case("wikipedia_cohen_50") else { return };
    let expected = &case["expected"];
    let confusion = confusion_of(&case);
    let kappa = confusion.cohen_kappa();
    assert_matches(kappa, &expected["cohen_kappa"], "Cohen's kappa");
    assert_matches(confusion.percent_agreement(), &expected["percent_agreement"], "agreement");
    let (observed, kappa) = (confusion.percent_agreement().unwrap(), kappa.unwrap());
    assert_matches(Some((observed - kappa) / (1.0 - kappa)), &expected["p_e"], "p_e");

    // Row and column 0 are "yes": as codings, coder A applied the code "yes" or did not.
    let mut codings = Vec::new();
    let mut unit = 0;
    for (a, b, units) in [(true, true, 20), (true, false, 5), (false, true, 10), (false, false, 15)] {
        for _ in 0..units {
            unit += 1;
            for (coder, applied) in [("A", a), ("B", b)] {
                codings.push(Coding::new(&unit.to_string(), coder, if applied { "yes" } else { "" }));
            }
        }
    }
    let rows = per_code_table(&codings, &[], NO_BOOTSTRAP).unwrap();
    assert_matches(rows[0].cohen_kappa, &expected["cohen_kappa"], "per-code Cohen's kappa");
    assert_matches(rows[0].percent_agreement, &expected["percent_agreement"], "per-code agreement");
    assert_eq!(rows[0].units, 50);
}

fn confusion_of(case: &Json) -> Confusion {
    let rows = case["confusion_matrix"].as_array().unwrap();
    let row = |row: &Json| row.as_array().unwrap().iter().map(|n| n.as_u64().unwrap()).collect();
    Confusion::from_rows(&rows.iter().map(row).collect::<Vec<Vec<u64>>>())
}

#[test]
fn synthetic_whole_answer_multilabel_per_code() {
    let Some(case) = case("synthetic_whole_answer_multilabel") else { return };
    let mut codings = Vec::new();
    for (coder, units) in case["codes_applied"].as_object().unwrap() {
        for (unit, codes) in units.as_array().unwrap().iter().enumerate() {
            let unit = format!("answer {unit}");
            codings.push(Coding::new(&unit, coder, ""));
            for code in codes.as_array().unwrap() {
                codings.push(Coding::new(&unit, coder, code.as_str().unwrap()));
            }
        }
    }
    let rows = per_code_table(&codings, &[], NO_BOOTSTRAP).unwrap();
    let expected = case["expected"].as_object().unwrap();
    assert_eq!(rows.len(), expected.len() + 1);
    for (code, figures) in expected {
        let row = rows.iter().find(|row| &row.code == code).unwrap();
        assert_eq!((row.units, row.coders), (8, 2));
        for (name, expected) in figures.as_object().unwrap() {
            assert_matches(figure(row, name), expected, &format!("{code} {name}"));
        }
    }
}
