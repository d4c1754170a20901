//! `unit_page` case by case: blinding above all, then passages, others' codes, exclusive
//! categories and retired codes.

use super::*;
use crate::codebook::model::{CodebookFile, from_toml};

const BOOK: &str = r#"
format = 1
name = "Test"
[[codes]]
id = "ORG"
kind = "category"
name = "Organisational model"
mutually_exclusive = true
[[codes]]
id = "ORG_FIRM"
parent = "ORG"
name = "A firm"
definition = "One company leads."
[[codes]]
id = "ORG_COMMUNITY"
parent = "ORG"
name = "A community"
[[codes]]
id = "ACCESS"
name = "Access"
shortcut = "a"
[[codes]]
id = "OLD"
name = "Retired one"
retired = true
"#;

const ANA: i64 = 1;
const BEN: i64 = 2;
const TEXT: &str = "Für alle 👩‍💻 offen, always.";

fn book() -> CodebookFile {
    from_toml(BOOK).expect("the test codebook")
}

fn coding(id: i64, coder: i64, layer: &str, code: &str, span: Option<(i64, i64)>) -> Coding {
    let email = if coder == ANA { "ana@example.org" } else { "ben@example.org" };
    Coding {
        id,
        coder_id: coder,
        coder: email.into(),
        layer: layer.into(),
        code_key: code.into(),
        span_start: span.map(|s| s.0),
        span_end: span.map(|s| s.1),
        codebook_version: 1,
        needs_review: false,
    }
}

fn memo(id: i64, author: i64, body: &str) -> Memo {
    Memo {
        id,
        kind: "answer".into(),
        author_id: author,
        author: format!("coder{author}@example.org"),
        body: body.into(),
        created_at: "2026-01-01T00:00:00Z".into(),
        code_key: None,
        author_manages: false,
    }
}

/// Ana and Ben both coded the answer, each with a passage and a memo; Ben marked it done.
fn both_coded() -> (Vec<Coding>, Vec<Memo>) {
    let codings = vec![
        coding(1, ANA, "coder", "ACCESS", None),
        coding(2, ANA, "coder", "ACCESS", Some((0, 8))),
        coding(3, BEN, "coder", "ORG_FIRM", None),
        coding(4, BEN, "coder", "ORG_FIRM", Some((9, 12))),
    ];
    (codings, vec![memo(1, ANA, "Ana's memo"), memo(2, BEN, "Ben's memo")])
}

fn page_for(viewer: i64, blind: bool, codings: &[Coding], memos: Vec<Memo>) -> UnitPage {
    let file = book();
    let tree = Tree::new(&file);
    let facts = Facts { text: TEXT, codings, memos, done_by: &[BEN] };
    unit_page(facts, viewer, &tree, Blinding { blind }, None)
}

fn ticked(page: &UnitPage) -> Vec<&str> {
    page.codes.iter().filter(|c| c.applied).map(|c| c.id.as_str()).collect()
}

#[test]
fn while_blind_a_coder_sees_nothing_of_another_coders_work() {
    let (codings, memos) = both_coded();
    let page = page_for(ANA, true, &codings, memos);

    assert!(page.blind);
    assert_eq!(ticked(&page), ["ACCESS"], "only her own codes are ticked");
    assert!(page.others.is_empty(), "no other coder's codes: {:?}", page.others);
    assert_eq!(page.memos.iter().map(|m| m.body.as_str()).collect::<Vec<_>>(), ["Ana's memo"]);
    assert_eq!(page.passages.len(), 1, "her passage only");
    let highlighted: Vec<&str> =
        page.segments.iter().filter(|s| !s.codes.is_empty()).map(|s| s.text.as_str()).collect();
    assert_eq!(highlighted, ["Für alle"], "Ben's passage is not highlighted");
    assert!(!page.done, "Ben's done mark is his");
    let shown = format!("{:?}", (&page.others, &page.memos, &page.passages, &page.segments));
    assert!(!shown.contains("ben@") && !shown.contains("Ben's") && !shown.contains("ORG_FIRM"), "{shown}");
}

#[test]
fn once_blinding_is_lifted_others_codes_and_memos_are_shown_but_not_ticked() {
    let (mut codings, memos) = both_coded();
    codings.push(coding(5, BEN, "consensus", "ACCESS", None));
    let page = page_for(ANA, false, &codings, memos);

    assert!(!page.blind);
    assert_eq!(ticked(&page), ["ACCESS"], "still only her own are hers");
    let expected: BTreeMap<String, Vec<String>> = [
        ("ben@example.org".to_string(), vec!["A firm".to_string()]),
        ("consensus (ben@example.org)".to_string(), vec!["Access".to_string()]),
    ]
    .into();
    assert_eq!(page.others, expected, "whole-answer codes by whose they are; passages stay theirs");
    assert_eq!(page.memos.len(), 2);
    assert_eq!(page.passages.len(), 1, "the passages listed are her own");
}

#[test]
fn a_coders_own_page_shows_their_done_mark_and_passages_in_code_points() {
    let (codings, memos) = both_coded();
    let page = page_for(BEN, true, &codings, memos);

    assert!(page.done);
    assert_eq!(page.text_length, TEXT.chars().count());
    assert_eq!(
        page.passages,
        [Passage { id: 4, code: "ORG_FIRM".into(), name: Some("A firm".into()), text: "👩‍💻".into() }],
        "three code points: woman, zero-width joiner, laptop"
    );
}

#[test]
fn a_refused_form_keeps_what_was_ticked_and_flags_the_codes_of_an_exclusive_category() {
    let file = book();
    let tree = Tree::new(&file);
    let facts = Facts { text: TEXT, codings: &[], memos: Vec::new(), done_by: &[] };
    let refused = Some(vec!["ORG_FIRM".into(), "ORG_COMMUNITY".into(), "ACCESS".into()]);

    let page = unit_page(facts, ANA, &tree, Blinding { blind: true }, refused);

    assert_eq!(ticked(&page), ["ORG_FIRM", "ORG_COMMUNITY", "ACCESS"]);
    let flagged: Vec<&str> = page.codes.iter().filter(|c| c.conflicting).map(|c| c.id.as_str()).collect();
    assert_eq!(flagged, ["ORG_FIRM", "ORG_COMMUNITY"]);
    let group = page.codes.iter().find(|c| c.id == "ORG_FIRM").and_then(|c| c.exclusive_group.clone());
    assert_eq!(group, Some(("ORG".to_string(), "Organisational model".to_string())));
    assert!(page.codes.iter().find(|c| c.id == "ORG").is_some_and(|c| c.category && c.choose_one));
}

#[test]
fn retired_codes_are_offered_only_where_applied_and_definitions_are_only_flagged() {
    let file = book();
    let tree = Tree::new(&file);
    let listed = |codings: &[Coding]| {
        let facts = Facts { text: TEXT, codings, memos: Vec::new(), done_by: &[] };
        let page = unit_page(facts, ANA, &tree, Blinding { blind: true }, None);
        page.codes.iter().map(|c| (c.id.clone(), c.defined)).collect::<Vec<_>>()
    };

    let fresh = listed(&[]);
    assert!(!fresh.iter().any(|(id, _)| id == "OLD"), "{fresh:?}");
    assert_eq!(fresh.iter().find(|(id, _)| id == "ORG_FIRM"), Some(&("ORG_FIRM".to_string(), true)));
    assert_eq!(fresh.iter().find(|(id, _)| id == "ACCESS"), Some(&("ACCESS".to_string(), false)));
    let kept = listed(&[coding(1, ANA, "coder", "OLD", None)]);
    assert!(kept.iter().any(|(id, _)| id == "OLD"), "a retired code the answer has stays on the form");
}

#[test]
fn segments_split_at_passages_counted_in_code_points() {
    let text = "héllo 👩‍💻 world";
    let spans = vec![(1, 4, "A".to_string()), (6, 9, "B".to_string())];
    let parts = segments(text, &spans);
    let joined: String = parts.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(joined, text);
    assert_eq!(parts[1], Segment { start: 1, text: "éll".into(), codes: vec!["A".into()] });
    // The emoji is three code points (woman, zero-width joiner, laptop).
    assert_eq!(parts.iter().find(|s| s.codes == ["B"]).map(|s| s.text.as_str()), Some("👩‍💻"));
}

#[test]
fn overlapping_passages_carry_both_codes() {
    let parts = segments("abcdef", &[(0, 4, "A".into()), (2, 6, "B".into())]);
    let codes: Vec<Vec<String>> = parts.iter().map(|s| s.codes.clone()).collect();
    assert_eq!(codes, vec![vec!["A".to_string()], vec!["A".into(), "B".into()], vec!["B".into()]]);
}
