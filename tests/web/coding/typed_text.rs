//! Text coders and researchers type while coding (memos on answers, journal entries and memos on
//! codes, reconciliation notes) is stored with LF line breaks, as the pages count them; one with an
//! invisible control character is refused with where it is, and comes back as typed.

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use super::{Study, WHY, visible_text};
use crate::helpers::unescape;

#[tokio::test]
async fn memos_entries_and_notes_store_lf_and_refuse_a_control_character_keeping_the_text() {
    let study = Study::with_answers(&["Runs on a laptop.", "Too fast."]).await;
    let [first, second] = [study.responses[0], study.responses[1]];
    let (alice, alice_id) = study.person("alice@example.org", Role::Coder).await;
    let (bob, bob_id) = study.person("bob@example.org", Role::Coder).await;
    study.assign(&[alice_id, bob_id], "100", "2", "3").await;
    study.code_ok(&alice, second, &["MOT_ACCESS"], "done").await;
    study.code_ok(&bob, second, &["BAR_PACE"], "done").await;
    study.set_modes(true, true).await;
    let memo = format!("{}/memo", study.unit(first));
    let journal = format!("/codebooks/{}/journal", study.codebook);
    let reconcile = format!("/codebooks/{}/reconcile/{second}/{WHY}", study.codebook);

    // (who, where, the fields, the field holding the text, how the refusal names it)
    let refused = [
        (&alice, &memo, vec![("body", "Line one\r\nbell\u{7}")], "The memo"),
        (&alice, &journal, vec![("code", "MOT_ACCESS"), ("body", "\u{0}x")], "The entry"),
        (&study.app, &journal, vec![("body", "ok\r\n\u{1b}[0m")], "The entry"),
        (&study.app, &reconcile, vec![("code", "MOT_ACCESS"), ("note", "why\u{85}")], "The note"),
    ];
    for (who, path, fields, named) in &refused {
        let response = who.post_form(path, fields).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path} {fields:?}");
        let html = response.text().await.unwrap();
        let shown = visible_text(&html);
        assert!(shown.contains(&format!("{named} has an invisible control character (U+")), "{path}: {shown}");
        assert!(shown.contains("at character"), "{path}: {shown}");
        // The text comes back as typed, line breaks as the page counts them.
        let typed = fields.iter().find(|(k, _)| *k != "code").unwrap().1.replace("\r\n", "\n");
        // (A browser reads CR LF in a page as one line break.)
        assert!(unescape(&html).replace("\r\n", "\n").contains(&format!(">{typed}</textarea>")), "{path}: {html}");
    }
    assert_eq!(study.app.query_i64("SELECT count(*) FROM memos"), 0, "nothing stored");
    assert_eq!(study.app.query_i64("SELECT count(*) FROM reconciliations"), 0);

    for (who, path, fields) in [
        (&alice, &memo, vec![("body", "One\r\ntwo\rthree")]),
        (&alice, &journal, vec![("code", "MOT_ACCESS"), ("body", "One\r\ntwo\rthree")]),
        (&study.app, &journal, vec![("body", "One\r\ntwo\rthree")]),
        (&study.app, &reconcile, vec![("code", "MOT_ACCESS"), ("note", "One\r\ntwo\rthree")]),
    ] {
        assert_eq!(who.post_form(path, &fields).await.status(), StatusCode::SEE_OTHER, "{path}");
    }
    let lf = study
        .app
        .query_i64("SELECT count(*) FROM memos WHERE body = 'One' || char(10) || 'two' || char(10) || 'three'");
    assert_eq!(lf, 3, "a memo, a memo on a code, a journal entry");
    let note = study.app.query_i64(
        "SELECT count(*) FROM reconciliations WHERE note = 'One' || char(10) || 'two' || char(10) || 'three'",
    );
    assert_eq!(note, 1);
}
