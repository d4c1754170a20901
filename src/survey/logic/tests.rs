//! Tests of the display-logic language: parsing, errors with their positions, evaluation.

use super::*;

fn answers(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs.iter().map(|(code, value)| (code.to_string(), value.to_string())).collect()
}

/// A condition, the answers given, and whether the condition should hold.
type EvaluationCase<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

fn check_evaluations(cases: &[EvaluationCase<'_>]) {
    for (source, given, expected) in cases {
        let condition = Condition::parse(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e}"));
        assert_eq!(condition.evaluate(&answers(given)), *expected, "{source:?} with {given:?}");
    }
}

fn check_errors(cases: &[(&str, usize, &str)]) {
    for (source, position, fragment) in cases {
        let Err(error) = Condition::parse(source) else { panic!("{source:?} should not parse") };
        assert_eq!(error.position, *position, "{source:?}: {error}");
        assert!(error.message.contains(fragment), "{source:?}: {error:?} should mention {fragment:?}");
    }
}

#[test]
fn comparison_operators() {
    check_evaluations(&[
        ("${q} = 'a'", &[("q", "a")], true),
        ("${q} = 'a'", &[("q", "b")], false),
        ("${q} = 'a'", &[], false),
        ("${q} = ''", &[], true),
        ("${q} != 'a'", &[("q", "b")], true),
        ("${q} != 'a'", &[("q", "a")], false),
        ("${q} != 'a'", &[], true),
        ("${n} < 5", &[("n", "4")], true),
        ("${n} < 5", &[("n", "5")], false),
        ("${n} <= 5", &[("n", "5")], true),
        ("${n} <= 5", &[("n", "6")], false),
        ("${n} > 5", &[("n", "6")], true),
        ("${n} > 5", &[("n", "5")], false),
        ("${n} >= 5", &[("n", "5")], true),
        ("${n} >= 5", &[("n", "4.99")], false),
        ("${a} = ${b}", &[("a", "x"), ("b", "x")], true),
        ("${a} < ${b}", &[("a", "2"), ("b", "10")], true),
        ("'x' = 'x'", &[], true),
        ("${q}='a'", &[("q", "a")], true),
        ("\t${q}\n=\r\n'a' ", &[("q", "a")], true),
    ]);
}

#[test]
fn numbers_versus_strings() {
    check_evaluations(&[
        ("${age} > 18", &[("age", "20")], true),
        ("${age} > 18", &[("age", "abc")], false),
        ("${age} > 18", &[("age", "")], false),
        ("${age} > 18", &[], false),
        ("${age} <= 18", &[("age", "abc")], false),
        ("${age} > 18", &[("age", "9")], false), // numeric, not text, order: "9" > "18" as text
        ("${age} > 18", &[("age", " 20 ")], true),
        ("${age} = 18", &[("age", "18.0")], true),
        ("${age} = 18", &[("age", "018")], true),
        ("${age} = '18'", &[("age", "18.00")], true),
        ("${age} != 18", &[("age", "18.0")], false),
        ("${age} = 18", &[("age", "eighteen")], false),
        ("${age} != 18", &[("age", "eighteen")], true),
        ("${t} > -3", &[("t", "-2.5")], true),
        ("${t} < -3", &[("t", "-4")], true),
        ("${t} >= 4.5", &[("t", "4.5")], true),
        ("${t} > 1", &[("t", ".5")], false),
        ("${t} > 1", &[("t", "1e5")], false), // exponents are not numbers here
        ("${t} > 1", &[("t", "inf")], false),
        ("${t} > 1", &[("t", "+5")], false),
        ("${t} > 1", &[("t", "-")], false),
        ("${t} > 1", &[("t", ".")], false),
        ("${a} < ${b}", &[("a", "apple"), ("b", "banana")], false),
    ]);
}

#[test]
fn functions() {
    check_evaluations(&[
        ("selected(${langs}, 'es')", &[("langs", "en es")], true),
        ("selected(${langs}, 'en')", &[("langs", "en es")], true),
        ("selected(${langs}, 'e')", &[("langs", "en es")], false),
        ("selected(${langs}, 'en es')", &[("langs", "en es")], false),
        ("selected(${langs}, 'es')", &[], false),
        ("selected(${langs}, \"es\")", &[("langs", "es")], true),
        ("selected(${c}, 1)", &[("c", "2 1")], true),
        ("selected(${c}, 01)", &[("c", "01")], true),
        ("selected( ${langs} , 'fr' )", &[("langs", "fr")], true),
        ("selected(${a}, ${b})", &[("a", "x y"), ("b", "y")], true),
        ("count-selected(${langs}) = 2", &[("langs", "en es")], true),
        ("count-selected(${langs}) = 0", &[], true),
        ("count-selected(${langs}) >= 3", &[("langs", "en es")], false),
        ("count-selected(${langs}) > 1", &[("langs", "a b c")], true),
        ("count-selected (${langs}) = 1", &[("langs", "a")], true),
        ("count-selected(${langs}) = '1'", &[("langs", "a")], true),
        ("not(${q} = 'a')", &[("q", "b")], true),
        ("not(${q} = 'a')", &[("q", "a")], false),
        ("not(not(${q} = 'a'))", &[("q", "a")], true),
        ("not(selected(${langs}, 'es'))", &[("langs", "en")], true),
        ("not(${q})", &[], true),
        ("not(${q} = 'a' or ${q} = 'b')", &[("q", "b")], false),
    ]);
}

#[test]
fn precedence_and_parentheses() {
    // `a or b and c` is `a or (b and c)`.
    let a_or_b_and_c = "${a} = 1 or ${b} = 1 and ${c} = 1";
    let parenthesized = "(${a} = 1 or ${b} = 1) and ${c} = 1";
    check_evaluations(&[
        (a_or_b_and_c, &[("a", "1")], true),
        (a_or_b_and_c, &[("b", "1")], false),
        (a_or_b_and_c, &[("b", "1"), ("c", "1")], true),
        (parenthesized, &[("a", "1")], false),
        (parenthesized, &[("a", "1"), ("c", "1")], true),
        ("${b} = 1 and ${c} = 1 or ${a} = 1", &[("a", "1")], true),
        ("${a} = 1 and ${b} = 1 and ${c} = 1", &[("a", "1"), ("b", "1"), ("c", "1")], true),
        ("${a} = 1 and ${b} = 1 and ${c} = 1", &[("a", "1"), ("b", "1")], false),
        ("${a} = 1 or ${b} = 1 or ${c} = 1", &[("c", "1")], true),
        ("${a} = 1 or ${b} = 1 or ${c} = 1", &[], false),
        ("((${a} = 1))", &[("a", "1")], true),
        ("(${a}) = 1", &[("a", "1")], true),
        ("not(${a} = 1) and (${b} = 1 or ${c} = 1)", &[("c", "1")], true),
    ]);
}

#[test]
fn bare_values_as_conditions() {
    check_evaluations(&[
        ("${q}", &[("q", "anything")], true),
        ("${q}", &[("q", "0")], true),
        ("${q}", &[("q", "")], false),
        ("${q}", &[("q", "  ")], false),
        ("${q}", &[], false),
        ("count-selected(${q})", &[("q", "a")], true),
        ("count-selected(${q})", &[], false),
        ("0", &[], false),
        ("-1.5", &[], true),
        ("''", &[], false),
        ("'x'", &[], true),
        ("${a} and ${b}", &[("a", "x")], false),
        ("${a} or ${b}", &[("b", "x")], true),
    ]);
}

#[test]
fn quotes_and_unicode() {
    check_evaluations(&[
        ("${q} = \"it's\"", &[("q", "it's")], true),
        ("${q} = 'say \"hi\"'", &[("q", "say \"hi\"")], true),
        ("${q} = 'café ☕'", &[("q", "café ☕")], true),
        ("${q} = '日本語'", &[("q", "日本語")], true),
        ("${q} = 'Ä'", &[("q", "A")], false),
        ("selected(${q}, 'ü')", &[("q", "a ü")], true),
    ]);
}

#[test]
fn malformed_expressions_report_their_position() {
    check_errors(&[
        ("", 0, "the condition is empty"),
        ("   ", 0, "the condition is empty"),
        ("${", 2, "expected a question code after '${', found the end of the condition"),
        ("${}", 2, "found '}'"),
        ("${ q}", 2, "found a space"),
        ("${1abc}", 2, "must start with a letter, found '1'"),
        ("${_a}", 2, "must start with a letter"),
        ("${q", 3, "expected '}' to close '${' at character 0, found the end of the condition"),
        ("${q-1} = 2", 3, "only letters, digits and '_'"),
        ("$q = 1", 1, "expected '{' after '$'"),
        ("${q} =", 6, "expected a value to compare after '=', found the end of the condition"),
        ("${q} = 'unterminated", 7, "never closed"),
        ("${q} = \"it's", 7, "expected a closing \""),
        ("selected(${q} 'x')", 14, "expected ',' between the two arguments of selected(...), found the text 'x'"),
        ("selected(${q})", 13, "needs two arguments"),
        ("selected(${q}, 'x'", 18, "expected ')' after the two arguments of selected(...)"),
        ("selected(${q}, 'x', 'y')", 18, "expected ')' after the two arguments of selected(...), found ','"),
        ("selected ${q}", 9, "expected '(' after selected, found ${q}"),
        ("count-selected()", 15, "expected a question inside count-selected(...)"),
        ("count-selected(${q} = 'a')", 15, "found a condition"),
        ("not ${q}", 4, "expected '(' after not"),
        ("not()", 4, "expected a condition inside not(...), found ')'"),
        ("foo(${q})", 0, "unknown function 'foo'"),
        ("foo = 1", 0, "unexpected word 'foo'"),
        ("${q} == 'x'", 5, "'==' is not an operator"),
        ("${q} ! 'x'", 5, "'!' on its own"),
        ("${q} = 'a' && ${r} = 'b'", 11, "combine conditions with 'and'"),
        ("${q} = 'a' || ${r} = 'b'", 11, "combine conditions with 'or'"),
        ("${q} = 'a' # comment", 11, "unexpected character '#'"),
        (
            "(${q} = 'a'",
            11,
            "expected 'and', 'or' or ')' to close the '(' at character 0, found the end of the condition",
        ),
        ("${q} = 'a')", 10, "found ')' without a matching '('"),
        ("and ${q}", 0, "expected a condition such as ${code} = 'value', found 'and'"),
        ("${q} = 'a' and", 14, "expected a condition after 'and', found the end of the condition"),
        ("${q} = 'a' or or", 14, "expected a condition after 'or', found 'or'"),
        ("${q} = 'a' AND ${r} = 'b'", 11, "'AND' (keywords are lowercase: write 'and')"),
        ("Selected(${q}, 'a')", 0, "write 'selected'"),
        ("${q} 'x'", 5, "expected 'and', 'or' or the end of the condition, found the text 'x'"),
        ("${q} = 'a' = 'b'", 11, "comparisons cannot be chained"),
        ("${a} < ${b} < ${c}", 12, "comparisons cannot be chained"),
        ("not(${q}) = 'a'", 10, "its left side is a condition"),
        ("${q} = (${r} = 'a')", 7, "expected a value to compare after '=', found a condition"),
        ("${q} = - 3", 7, "'-' must be followed directly by digits"),
        ("${q} = 4.", 9, "expected a digit after the decimal point"),
        ("${q} = 12abc", 9, "found 'abc'"),
        ("()", 1, "expected a condition after '(', found ')'"),
        ("'é' = ${", 8, "expected a question code"), // positions count characters, not bytes
    ]);
}

#[test]
fn over_long_question_code_is_rejected() {
    let ok = format!("${{{}}} = 1", "a".repeat(32));
    assert!(Condition::parse(&ok).is_ok());
    let too_long = format!("${{{}}} = 1", "a".repeat(33));
    check_errors(&[(&too_long, 2, "is 33 characters long; at most 32")]);
}

#[test]
fn nesting_is_limited() {
    let nested = |depth: usize| format!("{}${{q}} = 'a'{}", "(".repeat(depth), ")".repeat(depth));
    assert!(Condition::parse(&nested(MAX_DEPTH)).is_ok());
    check_errors(&[(&nested(100), MAX_DEPTH, "too deeply nested: at most 64 levels")]);
    check_errors(&[(&nested(MAX_DEPTH + 1), MAX_DEPTH, "too deeply nested")]);
    let nots = format!("{}${{q}}{}", "not(".repeat(100), ")".repeat(100));
    check_errors(&[(&nots, 4 * MAX_DEPTH + 3, "too deeply nested")]);
    // Flat chains are not nesting: a long list of alternatives stays well within limits.
    let alternatives = ["${q} = 1"; 150].join(" or ");
    assert!(Condition::parse(&alternatives).is_ok_and(|c| c.evaluate(&answers(&[("q", "1")]))));
}

#[test]
fn length_is_limited() {
    let padded = |length: usize| format!("${{q}} = '{}'", "é".repeat(length - 9));
    assert_eq!(padded(MAX_LENGTH).chars().count(), MAX_LENGTH);
    assert!(Condition::parse(&padded(MAX_LENGTH)).is_ok());
    check_errors(&[(&padded(MAX_LENGTH + 1), MAX_LENGTH, "is 2001 characters long; at most 2000")]);
    check_errors(&[(&"(".repeat(1_000_000), MAX_LENGTH, "at most 2000")]);
}

#[test]
fn referenced_codes_in_order_without_duplicates() {
    let cases: &[(&str, &[&str])] = &[
        ("'a' = 'a'", &[]),
        ("${q}", &["q"]),
        ("${b} = 1 or ${a} = 2 and ${b} = 3", &["b", "a"]),
        ("not(selected(${langs}, ${other})) and count-selected(${langs}) > ${min}", &["langs", "other", "min"]),
    ];
    for (source, codes) in cases {
        let condition = Condition::parse(source).expect("valid");
        assert_eq!(condition.referenced_codes(), *codes, "{source:?}");
    }
}

#[test]
fn serde_round_trip_as_plain_string() {
    let source = "selected(${langs}, 'es') and ${age} >= 18 or ${name} = \"José\"";
    let condition = Condition::parse(source).expect("valid");
    let json = serde_json::to_string(&condition).expect("serializes");
    assert_eq!(json, serde_json::to_string(source).expect("serializes"));
    let back: Condition = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, condition);
    assert_eq!(back.source(), source);

    let error = serde_json::from_str::<Condition>("\"${q} ==\"").expect_err("invalid condition");
    assert!(error.to_string().contains("at character 5: '==' is not an operator"), "{error}");
    assert!(serde_json::from_str::<Condition>("42").is_err());
}

#[test]
fn source_is_kept_verbatim() {
    let source = "  ${q}   =  'a'  ";
    assert_eq!(Condition::parse(source).expect("valid").source(), source);
}

#[test]
fn error_display_names_the_character() {
    let error = Condition::parse("selected(${q}, 'x'").expect_err("invalid");
    assert_eq!(
        error.to_string(),
        "at character 18: expected ')' after the two arguments of selected(...), found the end of the condition"
    );
    let long_text = format!("${{q}} '{}'", "x".repeat(50));
    let message = Condition::parse(&long_text).expect_err("invalid").message;
    assert!(message.ends_with(&format!("found the text '{}…'", "x".repeat(30))), "{message}");
}

#[test]
fn custom_answer_sources() {
    struct Everything;
    impl Answers for Everything {
        fn value(&self, _code: &str) -> String {
            "yes".to_owned()
        }
    }
    let condition = Condition::parse("${any} = 'yes' and selected(${other}, 'yes')").expect("valid");
    assert!(condition.evaluate(&Everything));
}

/// Parses every prefix, suffix and splice of assorted inputs: none may panic, and error positions stay in bounds.
#[test]
fn arbitrary_input_never_panics() {
    let samples = [
        "not(selected(${a}, 'x') or count-selected(${b}) >= 2) and (${c} != \"y\" or ${d} < -4.5)",
        "${a}=${b}<=${c}>=${d}!=${e}<${f}>${g}",
        "((('é' = \"ü\")))) , ${",
        "${a_1} = '' or not(not(())) selected count-selected - 1. $ { } ! = & |",
    ];
    for sample in samples {
        let chars: Vec<char> = sample.chars().collect();
        for start in 0..chars.len() {
            for end in start..=chars.len() {
                let piece: String = chars[start..end].iter().collect();
                let spliced: String = chars[..start].iter().chain(&chars[end..]).collect();
                for input in [piece, spliced] {
                    match Condition::parse(&input) {
                        Ok(condition) => {
                            condition.evaluate(&answers(&[("a", "x y"), ("b", "3"), ("c", "")]));
                        }
                        Err(error) => assert!(error.position <= input.chars().count(), "{input:?}: {error}"),
                    }
                }
            }
        }
    }
}

/// A constraint on the answer to `Q`, the answers given (the checked one as `Q`), and whether it holds.
fn check_constraints(cases: &[EvaluationCase<'_>]) {
    for (source, given, expected) in cases {
        let condition = Condition::parse_constraint(source).unwrap_or_else(|e| panic!("{source:?} should parse: {e}"));
        assert_eq!(condition.evaluate_for(&answers(given), "Q"), *expected, "{source:?} with {given:?}");
    }
}

#[test]
fn constraints_read_the_checked_answer_as_a_dot() {
    check_constraints(&[
        (". >= 18", &[("Q", "20")], true),
        (". >= 18", &[("Q", "17")], false),
        (". <= ${YEARS}", &[("Q", "3"), ("YEARS", "5")], true),
        (". <= ${YEARS}", &[("Q", "6"), ("YEARS", "5")], false),
        ("regex(., '^[A-Z]{3}$')", &[("Q", "ABC")], true),
        ("regex(., '^[A-Z]{3}$')", &[("Q", "ABCD")], false),
        ("regex(., '[0-9]')", &[("Q", "a1b")], true),
        ("string-length(.) <= 3", &[("Q", "héé")], true),
        ("string-length(.) <= 3", &[("Q", "four")], false),
        ("string-length(${Q}) = 0", &[], true),
        ("count-selected(.) <= 2", &[("Q", "a b")], true),
        ("count-selected(.) <= 2", &[("Q", "a b c")], false),
        ("not(selected(., 'none') and count-selected(.) > 1)", &[("Q", "none a")], false),
        ("not(selected(., 'none') and count-selected(.) > 1)", &[("Q", "none")], true),
        ("if(${ROLE} = 'lead', . >= 1, . >= 0)", &[("Q", "0"), ("ROLE", "lead")], false),
        ("if(${ROLE} = 'lead', . >= 1, . >= 0)", &[("Q", "0"), ("ROLE", "dev")], true),
        ("if(${ROLE} = 'lead', 10, 2) > .", &[("Q", "5"), ("ROLE", "lead")], true),
        ("if(${ROLE} = 'lead', 10, 2) > .", &[("Q", "5")], false),
    ]);
}

#[test]
fn a_dot_is_only_for_constraints_and_new_functions_report_their_mistakes() {
    check_errors(&[
        (". = 'x'", 0, "'.' stands for the answer a constraint checks"),
        ("regex(${q}, 5)", 12, "a quoted regular expression"),
        ("regex(${q}, '(')", 12, "not a valid regular expression"),
        ("if(${q} = 'a', ${q} = 'b', 'c')", 27, "both be conditions"),
        ("if(${q} = 'a', 'b')", 18, "',' before the third argument of if(...)"),
        ("string-length(${q} = 'a') > 1", 14, "found a condition"),
        ("${q} = .5", 7, "digit before its decimal point"),
        ("lenght(${q})", 0, "unknown function 'lenght'"),
    ]);
    assert!(Condition::parse_constraint(". = .").is_ok());
    assert_eq!(Condition::parse_constraint(". <= ${A} and ${B} > 0").unwrap().referenced_codes(), ["A", "B"]);
}

#[test]
fn conditions_compile_for_the_pages_script_unless_they_hold_a_regular_expression() {
    let condition = Condition::parse("selected(${q}, 'a') and count-selected(${q}) > 1 or not(${n} = 01)").unwrap();
    assert_eq!(
        condition.to_client().unwrap().to_string(),
        r#"["or",[["and",[["selected",["answer","q"],["text","a"]],["cmp",">",["count",["answer","q"]],["number","1",1.0]]]],["not",["cmp","=",["answer","n"],["number","01",1.0]]]]]"#
    );
    let lengths = Condition::parse("if(string-length(${t}) > 3, ${a}, ${b}) = 'x'").unwrap();
    assert!(lengths.to_client().unwrap().to_string().starts_with(r#"["cmp","=",["if",["cmp",">",["length""#));
    assert!(Condition::parse("regex(${t}, 'a')").unwrap().to_client().is_none(), "left to the server");
}
