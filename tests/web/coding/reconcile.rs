//! Reconciliation: once opened, answers two coders marked done are listed with their codes, and
//! the reconciler's consensus becomes the consensus layer — which the default layer then uses for
//! that answer (it leaves out the answers still disputed), while the union, the intersection and
//! each coder's layer stay what they were.

use std::collections::{BTreeMap, BTreeSet};

use fieldwork::accounts::Role;
use fieldwork::coding::layers::Layer;
use fieldwork::coding::store::layers::codes_by_unit;
use fieldwork::coding::units::Unit;
use reqwest::StatusCode;

use super::{Study, WHY, visible_text};
use crate::surveys::page;

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

#[tokio::test]
async fn the_reconcilers_consensus_becomes_the_default_layer_for_that_answer_only() {
    let study =
        Study::with_answers(&["Runs on a laptop, in Swahili.", "Too fast, too little money.", "We have a charter."])
            .await;
    let [disputed, other, none_apply] = [study.responses[0], study.responses[1], study.responses[2]];
    let (alice, alice_id) = study.person("alice@example.org", Role::Coder).await;
    let (bob, bob_id) = study.person("bob@example.org", Role::Coder).await;
    study.assign(&[alice_id, bob_id], "100", "2", "5").await;
    study.code_ok(&alice, disputed, &["MOT_ACCESS", "MOT_LANGUAGE"], "done").await;
    study.code_ok(&bob, disputed, &["MOT_ACCESS"], "done").await;
    study.code_ok(&alice, other, &["BAR_PACE"], "done").await;
    study.code_ok(&bob, other, &["BAR_COMPUTE_COST"], "done").await;
    study.code_ok(&alice, none_apply, &["GOV_FORMAL"], "done").await;
    study.code_ok(&bob, none_apply, &[], "done").await;
    let list = format!("/codebooks/{}/reconcile", study.codebook);
    let unit_path = format!("{list}/{disputed}/{WHY}");

    // Closed while coders work blind.
    assert!(page(&study.app, &list).await.contains("Reconciliation is closed"));
    assert_eq!(study.app.get(&unit_path).await.status(), StatusCode::NOT_FOUND);
    let early = study.app.post_form(&unit_path, &[("code", "MOT_LANGUAGE")]).await;
    assert_eq!(early.status(), StatusCode::NOT_FOUND);
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM reconciliations"), 0);

    study.set_modes(true, true).await;
    let listed = visible_text(&page(&study.app, &list).await);
    assert!(
        listed.contains(&format!("#{disputed} {WHY} alice@example.org : Democratising access, Language and cultural representation bob@example.org : Democratising access disagree")),
        "{listed}"
    );
    assert!(listed.contains("bob@example.org : (none apply)"), "done with no code is shown as such: {listed}");
    let side_by_side = page(&study.app, &unit_path).await;
    assert!(
        side_by_side
            .contains("id=\"consensus-MOT_ACCESS\" name=\"code\" type=\"checkbox\" value=\"MOT_ACCESS\" checked"),
        "agreed code pre-ticked"
    );
    assert!(!side_by_side.contains("value=\"MOT_LANGUAGE\" checked"));

    let resolved = study
        .app
        .post_form(&unit_path, &[("code", "MOT_LANGUAGE"), ("code", "MOT_LANGUAGE"), ("note", "Swahili is the point.")])
        .await;

    assert_eq!(resolved.status(), StatusCode::SEE_OTHER);
    let consensus: Vec<_> = study.codings().into_iter().filter(|c| c.layer == "consensus").collect();
    assert_eq!(consensus.len(), 1);
    let c = &consensus[0];
    assert_eq!(
        (c.response_id, c.code_key.as_str(), c.coder_id, c.span),
        (disputed, "MOT_LANGUAGE", study.researcher, None)
    );
    let conn = fieldwork::db::open(&study.app.db_path).unwrap();
    let (reconciler, note): (i64, String) = conn
        .query_row("SELECT reconciler_id, note FROM reconciliations WHERE response_id = ?1", [disputed], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((reconciler, note.as_str()), (study.researcher, "Swahili is the point."));
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM reconciliations"), 1);
    assert_eq!(study.codings().iter().filter(|c| c.layer == "coder").count(), 6, "the coders' codings stay");
    assert!(visible_text(&page(&study.app, &list).await).contains("bob@example.org : Democratising access reconciled"));

    let unit = |response: i64| Unit { response_id: response, question: WHY.into() };
    let layer = |layer: Layer| codes_by_unit(&conn, study.codebook, layer).unwrap();
    let expect = |entries: &[(i64, &[&str])]| -> BTreeMap<Unit, BTreeSet<String>> {
        entries.iter().map(|(r, codes)| (unit(*r), set(codes))).collect()
    };
    assert_eq!(
        layer(Layer::Default),
        expect(&[(disputed, &["MOT_LANGUAGE"])]),
        "the consensus where reconciled; the other two answers' coders disagree, so they await reconciliation"
    );
    assert_eq!(layer(Layer::Consensus), expect(&[(disputed, &["MOT_LANGUAGE"])]));
    assert_eq!(
        layer(Layer::Union),
        expect(&[
            (disputed, &["MOT_ACCESS", "MOT_LANGUAGE"]),
            (other, &["BAR_COMPUTE_COST", "BAR_PACE"]),
            (none_apply, &["GOV_FORMAL"])
        ])
    );
    assert_eq!(layer(Layer::Intersection), expect(&[(disputed, &["MOT_ACCESS"]), (other, &[]), (none_apply, &[])]));
    assert_eq!(
        layer(Layer::Coder(alice_id)),
        expect(&[(disputed, &["MOT_ACCESS", "MOT_LANGUAGE"]), (other, &["BAR_PACE"]), (none_apply, &["GOV_FORMAL"])])
    );
    assert_eq!(
        layer(Layer::Coder(bob_id)),
        expect(&[(disputed, &["MOT_ACCESS"]), (other, &["BAR_COMPUTE_COST"]), (none_apply, &[])]),
        "bob's done-with-no-code answer is in his layer, empty"
    );
    assert_eq!(layer(Layer::Coder(study.researcher)), expect(&[]), "a consensus is not the reconciler's coding");

    // Reconciling again replaces the consensus.
    let again = study.app.post_form(&unit_path, &[("code", "MOT_ACCESS"), ("note", "On reflection, access.")]).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(layer(Layer::Consensus), expect(&[(disputed, &["MOT_ACCESS"])]));
    assert_eq!(study.app.query_i64("SELECT COUNT(*) FROM reconciliations"), 1);
}
