use super::*;
use crate::survey::model::SurveyDefinition;

const SURVEY: &str = r#"
format = 1
slug = "answers"
default_language = "en"
languages = ["en", "es"]
title = { en = "Answers" }
messages = { other_specify = { en = "Other (please specify)", es = "Otra cosa" } }
[[pages]]
code = "p1"
[[pages.questions]]
code = "WHY"
type = "long_text"
text = { en = "Why?" }
[[pages.questions]]
code = "ROLE"
type = "single_choice"
other = true
text = { en = "Role" }
choices = [{ code = "dev", label = { en = "Developer", es = "Desarrolladora" } }, { code = "res", label = { en = "Researcher" } }]
[[pages.questions]]
code = "USES"
type = "multiple_choice"
other = true
text = { en = "Uses" }
choices = [{ code = "a", label = { en = "Alpha", es = "Alfa" } }, { code = "b", label = { en = "Beta" } }, { code = "c", label = { en = "Gamma", es = "Gama" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank" }
choices = [{ code = "x", label = { en = "Ex" } }, { code = "y", label = { en = "Why" } }, { code = "z", label = { en = "Zed" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Grid" }
rows = [{ code = "r1", label = { en = "Row one", es = "Fila uno" } }, { code = "r2", label = { en = "Row two" } }]
choices = [{ code = "lo", label = { en = "Low", es = "Bajo" } }, { code = "hi", label = { en = "High" } }]
[[pages.questions]]
code = "YEARS"
type = "number"
text = { en = "Years" }
[[pages.questions]]
code = "SINCE"
type = "date"
text = { en = "Since" }
[[pages.questions]]
code = "NOTE"
type = "display"
text = { en = "Thanks" }
"#;

fn definition() -> SurveyDefinition {
    crate::survey::file::from_toml(SURVEY).unwrap().definition
}

/// A question's rows as (item, value) pairs.
type Pairs<'a> = &'a [(&'a str, &'a str)];

fn items(rows: Pairs) -> Items {
    rows.iter().map(|(item, value)| (item.to_string(), value.to_string())).collect()
}

/// Decodes `rows` as an answer to `code` and renders it as codes, English and Spanish labels.
fn lines(code: &str, rows: &[(&str, &str)]) -> Option<[String; 3]> {
    let definition = definition();
    let question = definition.question(code).unwrap();
    let items = items(rows);
    let answer = Answer::decode(question, &items)?;
    Some([
        answer.line(question, Naming::Codes),
        answer.line(question, Naming::default_labels(&definition)),
        answer.line(question, Naming::labels(&definition, "es")),
    ])
}

#[test]
fn each_type_is_decoded_from_its_rows() {
    let definition = definition();
    let decode = |code: &str, rows: &[(&str, &str)]| {
        let items = items(rows);
        Answer::decode(definition.question(code).unwrap(), &items).map(|a| format!("{a:?}"))
    };
    let cases: [(&str, Pairs, Option<&str>); 14] = [
        ("WHY", &[("", "Because\nso")], Some(r#"Text("Because\nso")"#)),
        ("WHY", &[], None),
        ("YEARS", &[("", "12")], Some(r#"Number("12")"#)),
        ("SINCE", &[("", "2024-02-29")], Some(r#"Date("2024-02-29")"#)),
        ("ROLE", &[("", "dev")], Some(r#"Single { choice: "dev", other: None }"#)),
        ("ROLE", &[("", "other"), ("other", "Teacher")], Some(r#"Single { choice: "other", other: Some("Teacher") }"#)),
        // Text under Other alone chooses Other; left under Other beside another choice, it is not kept.
        ("ROLE", &[("other", "Teacher")], Some(r#"Single { choice: "other", other: Some("Teacher") }"#)),
        ("ROLE", &[("", "dev"), ("other", "Teacher")], Some(r#"Single { choice: "dev", other: None }"#)),
        // Ticked boxes in the question's order, a code it no longer defines after them.
        (
            "USES",
            &[("c", "1"), ("gone", "1"), ("a", "1"), ("other", "mine")],
            Some(r#"Multiple { ticked: ["a", "c", "gone"], other: Some("mine") }"#),
        ),
        ("USES", &[("other", "")], Some(r#"Multiple { ticked: [], other: Some("") }"#)),
        (
            "RANK",
            &[("y", "3"), ("x", "2"), ("z", "1")],
            Some(
                r#"Ranking([Ranked { choice: "z", rank: "1" }, Ranked { choice: "x", rank: "2" }, Ranked { choice: "y", rank: "3" }])"#,
            ),
        ),
        // A rank that is not a number (a tampered form) comes last, as it was typed.
        (
            "RANK",
            &[("x", "?"), ("y", "1")],
            Some(r#"Ranking([Ranked { choice: "y", rank: "1" }, Ranked { choice: "x", rank: "?" }])"#),
        ),
        ("GRID", &[("r2", "lo"), ("r1", "hi")], Some(r#"Matrix([("r1", "hi"), ("r2", "lo")])"#)),
        ("NOTE", &[("", "x")], None),
    ];
    for (code, rows, expected) in cases {
        assert_eq!(decode(code, rows).as_deref(), expected, "{code} {rows:?}");
    }
}

#[test]
fn an_answer_is_rendered_as_codes_or_as_labels_in_a_language() {
    let cases: [(&str, Pairs, [&str; 3]); 9] = [
        ("WHY", &[("", "Because\nso")], ["Because\nso", "Because\nso", "Because\nso"]),
        ("YEARS", &[("", "12")], ["12", "12", "12"]),
        ("SINCE", &[("", "2024-02-29")], ["2024-02-29", "2024-02-29", "2024-02-29"]),
        ("ROLE", &[("", "dev")], ["dev", "Developer", "Desarrolladora"]),
        // A label not translated falls back to the default language.
        ("ROLE", &[("", "res")], ["res", "Researcher", "Researcher"]),
        (
            "ROLE",
            &[("", "other"), ("other", "Teacher")],
            ["other: Teacher", "Other (please specify): Teacher", "Otra cosa: Teacher"],
        ),
        (
            "USES",
            &[("c", "1"), ("a", "1"), ("gone", "1"), ("other", "mine")],
            [
                "a; c; gone; other: mine",
                "Alpha; Gamma; gone; Other (please specify): mine",
                "Alfa; Gama; gone; Otra cosa: mine",
            ],
        ),
        (
            "RANK",
            &[("y", "3"), ("x", "2"), ("z", "1")],
            ["1. z; 2. x; 3. y", "1. Zed; 2. Ex; 3. Why", "1. Zed; 2. Ex; 3. Why"],
        ),
        (
            "GRID",
            &[("r2", "hi"), ("r1", "lo")],
            ["r1: lo; r2: hi", "Row one: Low; Row two: High", "Fila uno: Bajo; Row two: High"],
        ),
    ];
    for (code, rows, expected) in cases {
        assert_eq!(lines(code, rows), Some(expected.map(str::to_string)), "{code} {rows:?}");
    }
}

#[test]
fn other_without_its_text_is_named_alone() {
    let [codes, labels, _] = lines("USES", &[("a", "1"), ("other", "")]).unwrap();
    assert_eq!((codes.as_str(), labels.as_str()), ("a; other", "Alpha; Other (please specify)"));
}

#[test]
fn the_parts_of_an_answer_are_what_each_reader_asks_for() {
    let definition = definition();
    let question = |code: &str| definition.question(code).unwrap();
    let uses = items(&[("c", "1"), ("a", "1"), ("other", "mine")]);
    let answer = Answer::decode(question("USES"), &uses).unwrap();
    assert_eq!(answer.codes(), ["a", "c", "other"]);
    assert!(answer.is_ticked("a") && !answer.is_ticked("b") && answer.is_ticked(OTHER));
    assert_eq!((answer.other_text(), answer.chose_other()), (Some("mine"), true));
    assert_eq!(answer.parts(question("USES"), Naming::Codes), ["a", "c", "other: mine"]);

    let role = items(&[("", "dev")]);
    let single = Answer::decode(question("ROLE"), &role).unwrap();
    assert_eq!(
        (single.choice(), single.codes(), single.gave("dev"), single.is_ticked("dev")),
        (Some("dev"), vec!["dev"], true, false)
    );

    let rank = items(&[("x", "2"), ("z", "1")]);
    let ranking = Answer::decode(question("RANK"), &rank).unwrap();
    assert_eq!((ranking.rank_of("x"), ranking.rank_of("y")), (Some("2"), None));
    assert_eq!(ranking.ranked_first().collect::<Vec<_>>(), ["z"]);
    assert!(ranking.uses_choice("x") && !ranking.uses_choice("y"));

    let grid = items(&[("r1", "hi")]);
    let matrix = Answer::decode(question("GRID"), &grid).unwrap();
    assert_eq!((matrix.row("r1"), matrix.row("r2")), (Some("hi"), None));
    assert!(matrix.uses_row("r1") && matrix.uses_choice("hi") && !matrix.uses_choice("lo") && !matrix.uses_row("r2"));

    let years = items(&[("", "12")]);
    let number = Answer::decode(question("YEARS"), &years).unwrap();
    assert_eq!((number.value(), number.choice(), number.codes().len()), (Some("12"), None, 0));
}

#[test]
fn the_rows_of_an_answer_decode_to_the_same_answer() {
    let definition = definition();
    let cases: [(&str, Pairs); 7] = [
        ("WHY", &[("", " as typed\n")]),
        ("YEARS", &[("", "12")]),
        ("ROLE", &[("other", "Teacher")]),
        ("ROLE", &[("", "dev"), ("other", "left behind")]),
        ("USES", &[("c", "1"), ("a", "1"), ("other", "mine")]),
        ("RANK", &[("y", "2"), ("x", "1")]),
        ("GRID", &[("r2", "hi"), ("r1", "lo")]),
    ];
    for (code, rows) in cases {
        let question = definition.question(code).unwrap();
        let given = items(rows);
        let answer = Answer::decode(question, &given).unwrap();
        let stored: Items = answer.rows().into_iter().map(|(i, v)| (i.to_string(), v.to_string())).collect();
        assert_eq!(Answer::decode(question, &stored).as_ref(), Some(&answer), "{code} {rows:?}");
    }
    // What is stored is what the answer holds: Other chosen by its text alone, text left under
    // Other beside another choice dropped.
    let rows = |rows: Pairs| {
        let given = items(rows);
        let answer = Answer::decode(definition.question("ROLE").unwrap(), &given).unwrap();
        answer.rows().into_iter().map(|(i, v)| format!("{i}={v}")).collect::<Vec<_>>()
    };
    assert_eq!(rows(&[("other", "Teacher")]), ["=other", "other=Teacher"]);
    assert_eq!(rows(&[("", "dev"), ("other", "left behind")]), ["=dev"]);
}
