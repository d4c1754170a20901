use std::collections::BTreeSet;

use super::*;

/// ORG_A and ORG_B stand for choices a and b; ORG_B2 for b too.
fn mapping() -> ClosedMapping {
    let codes = [("ORG_A", "a"), ("ORG_B", "b"), ("ORG_B2", "b")];
    ClosedMapping {
        question: "ORGMODEL".into(),
        codes: codes.iter().map(|(c, ch)| (c.to_string(), ch.to_string())).collect(),
        ..ClosedMapping::default()
    }
}

fn respondent(id: i64, closed: &[&str], coding: Coded) -> Respondent {
    Respondent {
        response_id: id,
        closed: closed.iter().map(|c| c.to_string()).collect(),
        coding,
        open_answers: vec![("WHY".into(), format!("answer {id}"))],
    }
}

fn codes(list: &[&str]) -> Coded {
    Coded::Codes(list.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>())
}

const NO_DRAWS: Bootstrap = Bootstrap { draws: 0, seed: 1 };

fn close(value: Option<f64>, expected: f64) -> bool {
    value.is_some_and(|v| (v - expected).abs() < 1e-6)
}

#[test]
fn perfect_agreement_gives_one_and_lists_no_difference() {
    let people = [respondent(1, &["a"], codes(&["ORG_A"])), respondent(2, &["b"], codes(&["ORG_B", "MOT_X"]))];
    let result = compare(&mapping(), false, &people, NO_DRAWS).unwrap();
    let row = &result.rows[0];
    assert_eq!((row.figures.code.as_str(), row.kind, row.figures.units), ("ORGMODEL", RowKind::Category, 2));
    assert!(close(row.figures.cohen_kappa, 1.0) && close(row.figures.krippendorff_alpha, 1.0), "{row:?}");
    assert!(close(row.figures.percent_agreement, 1.0));
    assert_eq!(result.differences().count(), 0);
}

#[test]
fn total_disagreement_gives_negative_coefficients_and_lists_every_response() {
    let people = [respondent(1, &["a"], codes(&["ORG_B"])), respondent(2, &["b"], codes(&["ORG_A"]))];
    let result = compare(&mapping(), false, &people, NO_DRAWS).unwrap();
    let figures = &result.rows[0].figures;
    // By hand: p_o = 0, p_e = .5, κ = -1; D_o = 1, D_e = 2·2·2/(4·3) = 2/3, α = 1 - 3/2 = -.5.
    assert!(close(figures.percent_agreement, 0.0));
    assert!(close(figures.cohen_kappa, -1.0), "{figures:?}");
    assert!(close(figures.krippendorff_alpha, -0.5), "{figures:?}");
    let differing: Vec<i64> = result.differences().map(|l| l.response_id).collect();
    assert_eq!(differing, [1, 2]);
    assert_eq!(result.lines[0].coded_choices, ["b"]);
    assert_eq!(result.lines[0].open_answers, [("WHY".to_string(), "answer 1".to_string())]);
}

#[test]
fn a_worked_example_matches_kappa_and_alpha_by_hand() {
    // Respondent a, a, b, b; coding a, a, b, a (ORG_B2 stands for b too).
    let people = [
        respondent(1, &["a"], codes(&["ORG_A"])),
        respondent(2, &["a"], codes(&["ORG_A"])),
        respondent(3, &["b"], codes(&["ORG_B2"])),
        respondent(4, &["b"], codes(&["ORG_A"])),
    ];
    let result = compare(&mapping(), false, &people, Bootstrap::default()).unwrap();
    let figures = &result.rows[0].figures;
    // p_o = 3/4; p_e = .5·.75 + .5·.25 = .5; κ = .25/.5 = .5.
    // n = 8 values (a: 5, b: 3); D_o = 2/8; D_e = 2·5·3/(8·7); α = 1 - .25/(30/56) = .533333.
    assert!(close(figures.percent_agreement, 0.75));
    assert!(close(figures.cohen_kappa, 0.5), "{figures:?}");
    assert!(close(figures.krippendorff_alpha, 1.0 - 0.25 / (30.0 / 56.0)), "{figures:?}");
    // The same codings through the agreement table give the same figures, interval included.
    let mut codings = Vec::new();
    for (unit, (r, c)) in [("a", "a"), ("a", "a"), ("b", "b"), ("b", "a")].iter().enumerate() {
        codings.push(Coding::new(&(unit + 1).to_string(), RESPONDENT, r));
        codings.push(Coding::new(&(unit + 1).to_string(), CODING, c));
    }
    let mut direct = exclusive_table(&codings, Bootstrap::default()).unwrap().remove(0);
    direct.code = "ORGMODEL".into();
    assert_eq!(figures, &direct);
    assert!(figures.alpha_interval.is_some());
}

#[test]
fn responses_that_cannot_be_compared_are_left_out_and_counted() {
    let people = [
        respondent(1, &["a"], codes(&["ORG_A"])),
        respondent(2, &["a"], codes(&["MOT_X"])),
        respondent(3, &["a"], codes(&["ORG_A", "ORG_B"])),
        // Two codes standing for one choice are one choice.
        respondent(4, &["b"], codes(&["ORG_B", "ORG_B2"])),
        respondent(5, &["dont_know"], codes(&["ORG_A"])),
        respondent(6, &["a"], Coded::NotCoded),
        respondent(7, &["a"], Coded::Awaiting),
        respondent(8, &[], codes(&["ORG_A"])),
        respondent(9, &[], Coded::NotCoded),
    ];
    let result = compare(&mapping(), false, &people, NO_DRAWS).unwrap();
    let outcomes: Vec<(i64, Outcome)> = result.lines.iter().map(|l| (l.response_id, l.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            (1, Outcome::Agree),
            (2, Outcome::NoMappedCode),
            (3, Outcome::SeveralChoices),
            (4, Outcome::Agree),
            (5, Outcome::ChoiceNotMapped),
            (6, Outcome::NotCoded),
            (7, Outcome::AwaitingReconciliation),
            (8, Outcome::NoClosedAnswer),
        ],
        "response 9 has neither side and is not listed"
    );
    assert_eq!(result.rows[0].figures.units, 2, "only the compared responses are units");
    let counts = result.counts();
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 8);
    assert_eq!(counts[0], (Outcome::Agree, 2));
}

#[test]
fn a_multiple_choice_is_a_binary_comparison_per_mapped_code() {
    let mut mapping = mapping();
    mapping.codes.remove("ORG_B2");
    let people = [
        respondent(1, &["a"], codes(&["ORG_A"])),
        respondent(2, &["a", "b"], codes(&["ORG_A"])),
        respondent(3, &["b"], codes(&["ORG_B"])),
        respondent(4, &["b"], codes(&["MOT_X"])),
    ];
    let result = compare(&mapping, true, &people, NO_DRAWS).unwrap();
    let outcomes: Vec<Outcome> = result.lines.iter().map(|l| l.outcome).collect();
    assert_eq!(outcomes, [Outcome::Agree, Outcome::Differ, Outcome::Agree, Outcome::NoMappedCode]);
    let shape: Vec<(&str, RowKind, u64)> =
        result.rows.iter().map(|r| (r.figures.code.as_str(), r.kind, r.figures.units)).collect();
    assert_eq!(shape, [("ORG_A", RowKind::Code, 3), ("ORG_B", RowKind::Code, 3), ("ALL", RowKind::Pooled, 6)]);
    // ORG_B: ticked 0, 1, 1 against applied 0, 0, 1: two of three agree; κ = (2/3 - 4/9)/(5/9) = .4.
    assert!(close(result.rows[1].figures.percent_agreement, 2.0 / 3.0));
    assert!(close(result.rows[1].figures.cohen_kappa, 0.4), "{:?}", result.rows[1]);
}
