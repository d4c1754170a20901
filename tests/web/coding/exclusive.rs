//! The codebook's tree on the coding screen, and mutually exclusive categories: the server
//! refuses a second code of such a category on one answer, for whole answers, for highlighted
//! passages and for the reconciler's consensus, and stores nothing.

use fieldwork::codebook::model::CodeKind;
use reqwest::StatusCode;

use super::{Study, checkbox, visible_text, whole_codes};
use crate::surveys::page;

/// Two codes of "Organisational model", which allows one code per answer.
const COMPANY: &str = "ORG_SINGLE_COMPANY";
const GRASSROOTS: &str = "ORG_COMPANY_GRASSROOTS";

/// The refusal names both codes and the category.
fn refused_with_the_category_named(html: &str) -> bool {
    visible_text(html).contains(
        "Company-sponsored grassroots project and Single company project are both in \"Organisational model\", \
         where only one code may apply to an answer",
    )
}

/// The coding screen's list of codes: (depth, category name or code id), in order.
fn listed_codes(html: &str) -> Vec<(usize, String)> {
    html.split("<li class=\"code-")
        .skip(1)
        .map(|item| {
            let depth = item.split("depth-").nth(1).and_then(|d| d[..1].parse().ok()).expect("a depth");
            let shown = if item.starts_with("category") {
                let inside = item.split_once('>').unwrap().1;
                visible_text(inside.split("</li>").next().unwrap()).replace(" choose one at most", "")
            } else {
                item.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap().to_string()
            };
            (depth, shown)
        })
        .collect()
}

#[tokio::test]
async fn the_coding_screen_shows_the_codebook_as_a_tree_with_its_exclusive_category_marked() {
    let study = Study::with_answers(&["We are a company."]).await;

    let html = page(&study.app, &study.unit(study.responses[0])).await;

    let file = fieldwork::codebook::model::from_toml(super::CODEBOOK).unwrap();
    let expected: Vec<(usize, String)> = file
        .tree()
        .into_iter()
        .map(|(depth, e)| (depth.min(6), if e.kind == CodeKind::Category { e.name.clone() } else { e.id.clone() }))
        .collect();
    assert_eq!(listed_codes(&html), expected, "every entry, parents before children, at its depth");
    let span_form = html.split("<select id=\"span-code\"").nth(1).unwrap().split("</select>").next().unwrap();
    let offered: Vec<&str> =
        span_form.split("<option value=\"").skip(1).map(|o| o.split('"').next().unwrap()).collect();
    let codes: Vec<&str> =
        file.tree().into_iter().filter(|(_, e)| e.kind == CodeKind::Code).map(|(_, e)| e.id.as_str()).collect();
    assert_eq!(offered, codes, "a passage can be highlighted as any code");
    assert!(html.contains("Organisational model <span class=\"badge\">choose one at most</span>"));
    assert_eq!(checkbox(&html, "MOT_ACCESS"), Some(false), "a code has a checkbox");
    assert_eq!(checkbox(&html, "MOTIVATION"), None, "a category has none");
    assert!(html.contains("data-group=\"Organisational model\""), "its codes are grouped for the keyboard");
}

#[tokio::test]
async fn two_codes_of_a_mutually_exclusive_category_on_one_answer_are_refused_with_the_category_named() {
    let study = Study::with_answers(&["A company runs it, and grassroots volunteers help."]).await;
    let response = study.responses[0];

    let refused = study.code(&study.app, response, &[COMPANY, GRASSROOTS, "MOT_ACCESS"], "save").await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(refused_with_the_category_named(&html), "{}", visible_text(&html));
    assert_eq!(checkbox(&html, COMPANY), Some(true), "the coder's choice is shown back");
    assert_eq!(checkbox(&html, GRASSROOTS), Some(true));
    assert_eq!(study.codings(), vec![], "nothing stored, not even the unrelated code");
    let done = study.app.query_i64("SELECT COUNT(*) FROM coding_done");
    assert_eq!(done, 0);

    // One of them, with a code of a category that is not exclusive, is taken.
    study.code_ok(&study.app, response, &[COMPANY, "MOT_ACCESS", "MOT_LANGUAGE"], "save").await;
    assert_eq!(whole_codes(&study.codings(), response, study.researcher), ["MOT_ACCESS", "MOT_LANGUAGE", COMPANY]);
}

#[tokio::test]
async fn a_highlighted_passage_with_a_second_code_of_an_exclusive_category_is_refused() {
    let study = Study::with_answers(&["A company runs it, and grassroots volunteers help."]).await;
    let response = study.responses[0];
    study.code_ok(&study.app, response, &[COMPANY], "save").await;
    let before = study.codings();

    let refused = study.highlight(&study.app, response, GRASSROOTS, "23", "33").await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused_with_the_category_named(&refused.text().await.unwrap()));
    assert_eq!(study.codings(), before, "neither the passage nor its whole-answer coding was stored");

    // A passage for the code already applied is fine.
    let taken = study.highlight(&study.app, response, COMPANY, "2", "9").await;
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);
    assert!(study.codings().iter().any(|c| c.code_key == COMPANY && c.span == Some((2, 9))));
}

#[tokio::test]
async fn a_consensus_with_two_codes_of_an_exclusive_category_is_refused() {
    let study = Study::with_answers(&["A company runs it, and grassroots volunteers help."]).await;
    let response = study.responses[0];
    let (alice, alice_id) = study.person("alice@example.org", fieldwork::accounts::Role::Coder).await;
    let (bob, bob_id) = study.person("bob@example.org", fieldwork::accounts::Role::Coder).await;
    study.assign(&[alice_id, bob_id], "100", "2", "7").await;
    study.code_ok(&alice, response, &[COMPANY], "done").await;
    study.code_ok(&bob, response, &[GRASSROOTS], "done").await;
    study.set_modes(true, true).await;
    let before = study.codings();
    let path = format!("/codebooks/{}/reconcile/{response}/{}", study.codebook, super::WHY);

    let refused = study.app.post_form(&path, &[("code", COMPANY), ("code", GRASSROOTS), ("note", "both?")]).await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused_with_the_category_named(&refused.text().await.unwrap()));
    assert_eq!(study.codings(), before, "no consensus coding");
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM reconciliations"), 0, "not marked reconciled");

    let taken = study.app.post_form(&path, &[("code", GRASSROOTS), ("note", "volunteers lead")]).await;
    assert_eq!(taken.status(), StatusCode::SEE_OTHER);
    let consensus: Vec<_> = study.codings().into_iter().filter(|c| c.layer == "consensus").collect();
    assert_eq!(consensus.len(), 1);
    assert_eq!(consensus[0].code_key, GRASSROOTS);
}
