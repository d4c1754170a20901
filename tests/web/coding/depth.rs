//! Codebook depth and size: more than twelve levels is refused with its place wherever a codebook
//! comes in (TOML, REFI-QDA, the code form), and a legal codebook twelve levels deep and thousands
//! of entries wide imports and shows its pages at once (the walks over it are linear: their work
//! is counted in `codebook::tree`'s tests; here a generous deadline guards the whole way).

use std::time::{Duration, Instant};

use reqwest::StatusCode;

use super::Study;
use crate::helpers::unescape;
use crate::surveys::{SHIPPED_SLUG, form_fields, listed_errors, page, set, submit, upload_through_form};

/// A TOML codebook of `chains` chains, each `levels` deep: categories down to one code, and
/// beside them a top category `SIDE` holding the code `SIDE_CODE`.
fn chains(chains: usize, levels: usize) -> String {
    let mut text = String::from("format = 1\nname = \"Deep\"\n");
    for c in 0..chains {
        for level in 0..levels {
            let kind = if level + 1 < levels { "category" } else { "code" };
            text.push_str(&format!(
                "[[codes]]\nid = \"C{c}_L{level}\"\nname = \"Chain {c} level {level}\"\nkind = \"{kind}\"\n"
            ));
            if level > 0 {
                text.push_str(&format!("parent = \"C{c}_L{}\"\n", level - 1));
            }
        }
    }
    text.push_str("[[codes]]\nid = \"SIDE\"\nname = \"Side\"\nkind = \"category\"\n");
    text.push_str("[[codes]]\nid = \"SIDE_CODE\"\nname = \"Side code\"\nparent = \"SIDE\"\n");
    text
}

/// A .qdc of one chain of `levels` nested codes, one a line from line 3.
fn nested_qdc(levels: usize) -> String {
    let mut qdc = String::from("<?xml version=\"1.0\"?>\n<CodeBook xmlns=\"urn:QDA-XML:codebook:1.0\"><Codes>\n");
    for level in 0..levels {
        qdc.push_str(&format!("<Code name=\"Level {level}\" isCodable=\"false\">\n"));
    }
    qdc.push_str(&"</Code>".repeat(levels));
    qdc.push_str("\n</Codes></CodeBook>\n");
    qdc
}

async fn upload(study: &Study, file_name: &str, content: &[u8]) -> reqwest::Response {
    let (list, action) =
        (format!("/surveys/{SHIPPED_SLUG}/codebooks"), format!("/surveys/{SHIPPED_SLUG}/codebooks/import"));
    upload_through_form(&study.app, &list, &action, &[("file", Some(file_name), content)]).await
}

fn imported(response: &reqwest::Response) -> i64 {
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = crate::helpers::location(response);
    location.strip_prefix("/codebooks/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("{location}"))
}

#[tokio::test]
async fn a_codebook_nested_deeper_than_twelve_levels_is_refused_with_its_place_from_a_file_or_the_code_form() {
    let study = Study::with_answers(&[]).await;
    let books = || study.app.query_i64("SELECT COUNT(*) FROM codebooks");
    let before = books();

    let toml = upload(&study, "deep.toml", chains(1, 13).as_bytes()).await;
    assert_eq!(toml.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&toml.text().await.unwrap());
    assert!(
        errors.iter().any(|e| e.contains("codes[12].parent") && e.contains("C0_L12 would be at level 13")),
        "{errors:?}"
    );

    // 20,000 levels of REFI-QDA: refused at the thirteenth, by line.
    let started = Instant::now();
    let qdc = upload(&study, "deep.qdc", nested_qdc(20_000).as_bytes()).await;
    assert_eq!(qdc.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let errors = listed_errors(&qdc.text().await.unwrap());
    assert!(
        errors.iter().any(|e| e.contains("line 15, column 1") && e.contains("nested 13 levels deep")),
        "{errors:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    assert_eq!(books(), before, "nothing imported");

    // Twelve levels are fine; moving a category with a code in it below the eleventh is not.
    let id = imported(&upload(&study, "twelve.toml", chains(1, 12).as_bytes()).await);
    let path = format!("/codebooks/{id}/codes/SIDE");
    let mut fields = form_fields(&page(&study.app, &path).await, &path);
    set(&mut fields, "parent", "C0_L10");
    let moved = submit(&study.app, &path, &fields).await;
    assert_eq!(moved.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = moved.text().await.unwrap();
    let errors = listed_errors(&html);
    assert!(errors.iter().any(|e| e.contains("SIDE_CODE would be at level 13")), "{errors:?}");
    let draft = super::exchange_draft(&study.app, id);
    assert_eq!(draft.entry("SIDE").and_then(|e| e.parent.clone()), None, "nothing saved");
}

#[tokio::test]
async fn a_codebook_twelve_levels_deep_and_six_thousand_entries_wide_imports_and_every_page_shows_it() {
    let study = Study::with_answers(&["Because it runs anywhere."]).await;
    let started = Instant::now();
    let id = imported(&upload(&study, "wide.toml", chains(500, 12).as_bytes()).await);
    let deepest = "C499_L11";
    // The code's page shows its whole path; its parent list every category's.
    let code_page = unescape(&page(&study.app, &format!("/codebooks/{id}/codes/{deepest}")).await);
    assert!(code_page.contains("Chain 499 level 0 / Chain 499 level 1 / "), "the path");
    assert!(code_page.contains("Chain 499 level 10 / Chain 499 level 11"));
    assert_eq!(code_page.matches("<option value=\"C").count(), 500 * 11, "every category, by its path");
    assert_eq!(code_page.matches(" / Chain 499 level 10</option>").count(), 1);
    let overview = page(&study.app, &format!("/codebooks/{id}")).await;
    assert!(overview.contains(&format!("/codebooks/{id}/codes/{deepest}\"")), "the whole tree");
    let unit = format!("/codebooks/{id}/code/{}/{}", study.responses[0], super::WHY);
    let coding = page(&study.app, &unit).await;
    assert!(coding.contains(&format!("value=\"{deepest}\"")), "every code to choose from");
    let codings = study.app.get(&format!("/surveys/{SHIPPED_SLUG}/export/codings.csv?codebook={id}")).await;
    assert_eq!(codings.status(), StatusCode::OK);
    page(&study.app, &format!("/codebooks/{id}/agreement")).await;
    page(&study.app, &format!("/codebooks/{id}/history")).await;
    // A guard on the whole way (debug build, a shared machine): the walks these pages used to
    // make were quadratic, 39 s for the import's check alone.
    assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
}
