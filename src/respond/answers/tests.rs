//! Tests of reading, checking and storing a page's answers.

use super::*;
use crate::survey::file::from_toml;

const SURVEY: &str = r#"
format = 1
slug = "checks"
default_language = "en"
languages = ["en"]
title = { en = "Checks" }
[[pages]]
code = "p1"
[[pages.questions]]
code = "AGE"
type = "number"
text = { en = "Age" }
min = 18
max = 99
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share" }
[[pages.questions]]
code = "WHEN"
type = "date"
text = { en = "When" }
[[pages.questions]]
code = "PICK"
type = "single_choice"
other = true
text = { en = "Pick" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "MANY"
type = "multiple_choice"
other = true
min_selected = 1
max_selected = 2
text = { en = "Many" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }, { code = "c", label = { en = "C" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Grid" }
rows = [{ code = "r1", label = { en = "R1" } }, { code = "r2", label = { en = "R2" } }]
choices = [{ code = "lo", label = { en = "Low" } }, { code = "hi", label = { en = "High" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank" }
choices = [{ code = "x", label = { en = "X" } }, { code = "y", label = { en = "Y" } }]
[[pages.questions]]
code = "CODE"
type = "short_text"
text = { en = "Code" }
pattern = "[A-Z]{3}"
max_length = 3
"#;

fn check_form(fields: &[(&str, &str)], code: &str, required: bool) -> Result<(), Problem> {
    let survey = from_toml(SURVEY).unwrap();
    let questions: Vec<&Question> = survey.definition.questions().map(|(_, q)| q).collect();
    let fields: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let answers = from_form(&questions, &fields);
    let question = survey.definition.question(code).unwrap();
    check(&survey, question, answers.get(code), required, Limits { max_answer_chars: 50 })
}

fn key(result: Result<(), Problem>) -> &'static str {
    result.err().map_or("ok", |p| p.key)
}

#[test]
fn each_kind_of_bad_input_gets_its_own_message() {
    // (form fields, question, required, expected message key)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, bool, &'a str);
    let cases: &[Case] = &[
        (&[], "AGE", true, "error_required"),
        (&[], "AGE", false, "ok"),
        (&[("q.AGE", "12a")], "AGE", false, "error_integer"),
        (&[("q.AGE", "4.5")], "AGE", false, "error_integer"),
        (&[("q.AGE", "17")], "AGE", false, "error_min"),
        (&[("q.AGE", "100")], "AGE", false, "error_max"),
        (&[("q.AGE", " 42 ")], "AGE", false, "ok"),
        (&[("q.SHARE", "3,5")], "SHARE", false, "ok"),
        (&[("q.SHARE", "1e400")], "SHARE", false, "error_decimal"),
        (&[("q.WHEN", "2026-02-30")], "WHEN", false, "error_date"),
        (&[("q.WHEN", "2026-02-28")], "WHEN", false, "ok"),
        (&[("q.PICK", "zzz")], "PICK", false, "error_choice"),
        (&[("q.PICK", "other")], "PICK", false, "error_other_text"),
        (&[("q.PICK", "other"), ("q.PICK.other", "mine")], "PICK", false, "ok"),
        (&[("q.PICK.other", "typed only")], "PICK", false, "ok"),
        (&[("q.PICK", "a"), ("q.PICK.bogus", "x")], "PICK", false, "error_choice"),
        (&[("q.MANY", "a"), ("q.MANY", "b"), ("q.MANY", "c")], "MANY", false, "error_max_selected"),
        (&[("q.MANY", "nope")], "MANY", false, "error_choice"),
        (&[("q.MANY.a", "tampered")], "MANY", false, "error_choice"),
        (&[("q.MANY", "other")], "MANY", false, "error_other_text"),
        (&[("q.MANY", "other"), ("q.MANY.other", "mine")], "MANY", false, "ok"),
        (&[("q.MANY.other", "mine"), ("q.MANY", "other")], "MANY", false, "ok"),
        (&[("q.GRID.r1", "lo")], "GRID", true, "error_required"),
        (&[("q.GRID.r1", "lo"), ("q.GRID.r2", "mid")], "GRID", false, "error_choice"),
        (&[("q.GRID.r9", "lo")], "GRID", false, "error_choice"),
        (&[("q.RANK.x", "1"), ("q.RANK.y", "1")], "RANK", false, "error_ranking"),
        (&[("q.RANK.x", "3")], "RANK", false, "error_choice"),
        (&[("q.RANK.x", "2"), ("q.RANK.y", "1")], "RANK", true, "ok"),
        (&[("q.CODE", "abc")], "CODE", false, "error_pattern"),
        (&[("q.CODE", "ABCD")], "CODE", false, "error_too_long"),
        (&[("q.CODE", "ABC")], "CODE", false, "ok"),
        (&[("q.CODE", "A\u{0}C")], "CODE", false, "error_control_character"),
        (&[("q.PICK.other", "x\u{85}")], "PICK", false, "error_control_character"),
    ];
    for (fields, code, required, expected) in cases {
        assert_eq!(key(check_form(fields, code, *required)), *expected, "{fields:?}");
    }
}

#[test]
fn line_breaks_are_read_as_lf_however_the_browser_sent_them() {
    let survey = from_toml(SURVEY).unwrap();
    let questions: Vec<&Question> = survey.definition.questions().map(|(_, q)| q).collect();
    let fields = [("q.CODE".to_string(), "a\r\nb\rc".to_string())];
    assert_eq!(from_form(&questions, &fields)["CODE"][""], "a\nb\nc");
}

#[test]
fn over_long_answers_are_refused_whatever_the_question() {
    let long = "é".repeat(51);
    assert_eq!(key(check_form(&[("q.PICK.other", &long)], "PICK", false)), "error_too_long");
}

#[test]
fn display_logic_sees_a_multiple_choice_as_space_separated_codes() {
    let mut answers = AnswerSet::new();
    answers.entry("MANY".into()).or_default().insert("a".into(), "1".into());
    answers.entry("MANY".into()).or_default().insert("c".into(), "1".into());
    answers.entry("AGE".into()).or_default().insert("".into(), "40".into());
    let survey = from_toml(SURVEY).unwrap();
    let view = LogicView { survey: &survey, answers: &answers };
    assert_eq!(view.value("MANY"), "a c");
    assert_eq!(view.value("AGE"), "40");
    assert_eq!(view.value("NONE"), "");
}

#[test]
fn numbers_are_stored_with_a_decimal_point_and_texts_as_typed() {
    let survey = from_toml(SURVEY).unwrap();
    let share = survey.definition.question("SHARE").unwrap();
    let items = BTreeMap::from([(String::new(), " 3,5 ".to_string())]);
    assert_eq!(normalised(share, &items), vec![(String::new(), "3.5".to_string())]);
    let code = survey.definition.question("CODE").unwrap();
    let items = BTreeMap::from([(String::new(), " AB ".to_string())]);
    assert_eq!(normalised(code, &items), vec![(String::new(), " AB ".to_string())]);
}

const CHOICE_CONDITIONS: &str = r#"
format = 1
slug = "offered"
default_language = "en"
languages = ["en"]
title = { en = "Offered" }
[[pages]]
code = "rate"
[[pages.questions]]
code = "RATE_A"
type = "single_choice"
text = { en = "A?" }
choices = [{ code = "no", label = { en = "No" } }, { code = "yes", label = { en = "Yes" } }]
[[pages.questions]]
code = "RATE_B"
type = "single_choice"
text = { en = "B?" }
choices = [{ code = "no", label = { en = "No" } }, { code = "yes", label = { en = "Yes" } }]
[[pages]]
code = "rank"
[[pages.questions]]
code = "RANK"
type = "ranking"
required = true
text = { en = "Rank" }
choices = [
  { code = "a", relevant = "${RATE_A} = 'yes'", label = { en = "A" } },
  { code = "b", relevant = "${RATE_B} = 'yes'", label = { en = "B" } },
  { code = "c", label = { en = "C" } },
]
"#;

fn answered(pairs: &[(&str, &str, &str)]) -> AnswerSet {
    let mut answers = AnswerSet::new();
    for (question, item, value) in pairs {
        answers.entry(question.to_string()).or_default().insert(item.to_string(), value.to_string());
    }
    answers
}

#[test]
fn a_choice_with_a_condition_is_offered_and_accepted_only_while_it_holds() {
    let survey = from_toml(CHOICE_CONDITIONS).unwrap();
    let rank = survey.definition.question("RANK").unwrap();
    let rated = [("RATE_A", "", "yes"), ("RATE_B", "", "no")];
    let view_of = |answers: &AnswerSet| {
        let view = LogicView { survey: &survey, answers };
        rank.choices
            .iter()
            .filter(|c| survey.offers("RANK", &c.code, &view))
            .map(|c| c.code.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(view_of(&answered(&rated)), ["a", "c"]);

    // Every offered choice ranked: taken; a choice not offered: refused as a tampered form.
    let all_offered = answered(&[rated[0], rated[1], ("RANK", "a", "1"), ("RANK", "c", "2")]);
    assert_eq!(check_offered(&survey, rank, &all_offered, true), Ok(()));
    let with_hidden = answered(&[rated[0], rated[1], ("RANK", "a", "1"), ("RANK", "b", "2"), ("RANK", "c", "3")]);
    assert_eq!(check_offered(&survey, rank, &with_hidden, true).unwrap_err().key, "error_choice");
    // Required: every choice offered, not every choice, must be ranked.
    let one_missing = answered(&[rated[0], rated[1], ("RANK", "c", "1")]);
    assert_eq!(check_offered(&survey, rank, &one_missing, true).unwrap_err().key, "error_required");
    assert_eq!(check_offered(&survey, rank, &one_missing, false), Ok(()), "going back keeps a partial ranking");
    // A rank beyond the choices offered (two here) is refused.
    let beyond = answered(&[rated[0], rated[1], ("RANK", "a", "1"), ("RANK", "c", "3")]);
    assert_eq!(check_offered(&survey, rank, &beyond, false).unwrap_err().key, "error_choice");
    let items = all_offered.get("RANK");
    assert_eq!(check(&survey, rank, items, true, Limits { max_answer_chars: 100 }), Ok(()));
    // With no choice offered (and no Other), a required question cannot be answered: not required.
    assert!(can_be_answered(&survey, rank, &answered(&rated)));
    let none_offered = CHOICE_CONDITIONS.replace("  { code = \"c\", label = { en = \"C\" } },\n", "");
    let survey = from_toml(&none_offered).unwrap();
    let rank = survey.definition.question("RANK").unwrap();
    assert!(!can_be_answered(&survey, rank, &answered(&[("RATE_A", "", "no"), ("RATE_B", "", "no")])));
}

#[test]
fn a_choice_condition_reads_earlier_pages_only_and_a_matrix_takes_none() {
    let same_page = CHOICE_CONDITIONS.replace("[[pages]]\ncode = \"rank\"\n", "");
    let errors = from_toml(&same_page).unwrap_err();
    assert!(format!("{errors:?}").contains("choices[0].relevant"), "{errors:?}");
    let on_a_matrix = CHOICE_CONDITIONS.replace(
        "type = \"ranking\"\nrequired = true",
        "type = \"matrix\"\nrows = [{ code = \"r\", label = { en = \"R\" } }]",
    );
    let errors = from_toml(&on_a_matrix).unwrap_err();
    assert!(format!("{errors:?}").contains("a matrix's scale"), "{errors:?}");
}
