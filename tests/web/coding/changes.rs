//! Changing codes without losing codings: a rename keeps the coding on the code's id, a merge
//! moves codings to the target (an answer coded with both keeps one), a split leaves codings for
//! review, retiring hides a code from new answers only, and a code with codings cannot be removed.

use fieldwork::accounts::Role;
use reqwest::StatusCode;

use super::{Study, checkbox, label, visible_text, whole_codes};
use crate::surveys::{flash, follow, form_fields, hidden, page, set, submit};

/// The revision the overview's forms carry.
async fn overview_revision(study: &Study) -> String {
    let html = page(&study.app, &format!("/codebooks/{}", study.codebook)).await;
    hidden(&html, "revision").expect("a revision field")
}

/// The "Answers coded" column of a code's row on the overview.
fn answers_coded(overview: &str, code: &str) -> String {
    let row = overview.split("<tr").find(|r| r.contains(&format!("<code>{code}</code>"))).expect("the code's row");
    let last = row.rsplit("<td>").next().unwrap();
    visible_text(last)
}

#[tokio::test]
async fn a_renamed_code_keeps_its_codings_which_show_the_new_name() {
    let study = Study::with_answers(&["So that anyone can run it."]).await;
    let response = study.responses[0];
    study.code_ok(&study.app, response, &["MOT_ACCESS"], "save").await;
    let before = study.codings();
    let path = format!("/codebooks/{}/codes/MOT_ACCESS", study.codebook);
    let mut fields = form_fields(&page(&study.app, &path).await, &path);
    set(&mut fields, "name", "Access for everyone");

    assert_eq!(submit(&study.app, &path, &fields).await.status(), StatusCode::SEE_OTHER);
    study.publish().await;

    assert_eq!(study.codings(), before, "the same coding, still on MOT_ACCESS");
    let html = page(&study.app, &study.unit(response)).await;
    assert_eq!(checkbox(&html, "MOT_ACCESS"), Some(true));
    assert_eq!(label(&html, "MOT_ACCESS").as_deref(), Some("Access for everyone a"));
}

#[tokio::test]
async fn a_merge_moves_codings_to_the_target_and_an_answer_coded_with_both_keeps_one_per_coder() {
    let study = Study::with_answers(&["Runs on a laptop, in Swahili.", "Free for start-ups."]).await;
    let (both, only_source) = (study.responses[0], study.responses[1]);
    let (other, other_id) = study.person("rae@example.org", Role::Researcher).await;
    for who in [&study.app, &other] {
        study.code_ok(who, both, &["MOT_ACCESS", "MOT_LANGUAGE"], "save").await;
    }
    study.code_ok(&study.app, only_source, &["MOT_ACCESS"], "save").await;
    assert_eq!(study.highlight(&study.app, only_source, "MOT_ACCESS", "0", "4").await.status(), StatusCode::SEE_OTHER);
    let memo = study
        .app
        .post_form(&format!("/codebooks/{}/journal", study.codebook), &[("code", "MOT_ACCESS"), ("body", "Merge me")])
        .await;
    assert_eq!(memo.status(), StatusCode::SEE_OTHER);
    let revision = overview_revision(&study).await;

    let merged = study
        .app
        .post_form(
            &format!("/codebooks/{}/merge", study.codebook),
            &[("revision", &revision), ("from", "MOT_ACCESS"), ("into", "MOT_LANGUAGE")],
        )
        .await;

    let overview = follow(&study.app, merged).await;
    assert_eq!(flash(&overview).map(|f| f.0).as_deref(), Some("success"), "{:?}", flash(&overview));
    let codings = study.codings();
    assert!(codings.iter().all(|c| c.code_key != "MOT_ACCESS"), "{codings:?}");
    for coder in [study.researcher, other_id] {
        assert_eq!(whole_codes(&codings, both, coder), ["MOT_LANGUAGE"], "one coding for coder {coder}");
    }
    assert_eq!(whole_codes(&codings, only_source, study.researcher), ["MOT_LANGUAGE"]);
    let passage = codings.iter().find(|c| c.span.is_some()).expect("the passage moved too");
    assert_eq!((passage.code_key.as_str(), passage.span), ("MOT_LANGUAGE", Some((0, 4))));
    assert_eq!(answers_coded(&overview, "MOT_LANGUAGE"), "2", "each answer counted once");
    let memo_code = study.app.query_i64("SELECT COUNT(*) FROM memos WHERE code_key = 'MOT_LANGUAGE'");
    assert_eq!(memo_code, 1, "the memo on the merged code follows it");
    assert!(study.draft().entry("MOT_ACCESS").unwrap().retired, "the merged code is retired");
}

#[tokio::test]
async fn a_merge_sent_from_an_outdated_page_is_refused_and_moves_no_coding() {
    let study = Study::with_answers(&["Runs on a laptop."]).await;
    study.code_ok(&study.app, study.responses[0], &["MOT_ACCESS"], "save").await;
    let stale = overview_revision(&study).await;
    let path = format!("/codebooks/{}/codes/BAR_PACE", study.codebook);
    let mut fields = form_fields(&page(&study.app, &path).await, &path);
    set(&mut fields, "name", "Speed of change");
    assert_eq!(submit(&study.app, &path, &fields).await.status(), StatusCode::SEE_OTHER);
    let before = study.codings();

    let merged = study
        .app
        .post_form(
            &format!("/codebooks/{}/merge", study.codebook),
            &[("revision", &stale), ("from", "MOT_ACCESS"), ("into", "MOT_LANGUAGE")],
        )
        .await;

    let overview = follow(&study.app, merged).await;
    let (kind, message) = flash(&overview).expect("a message");
    assert_eq!(kind, "error");
    assert!(message.contains("someone changed this codebook"), "{message}");
    assert_eq!(study.codings(), before, "codings stay where they were");
    assert!(!study.draft().entry("MOT_ACCESS").unwrap().retired);
}

#[tokio::test]
async fn a_split_leaves_codings_for_review_where_each_is_given_one_of_the_new_codes() {
    let study = Study::with_answers(&["The people on our forum.", "Our local meetups."]).await;
    let (online, local) = (study.responses[0], study.responses[1]);
    for response in [online, local] {
        study.code_ok(&study.app, response, &["MOT_COMMUNITY", "MOT_ACCESS"], "save").await;
    }
    let revision = overview_revision(&study).await;

    let split = study
        .app
        .post_form(
            &format!("/codebooks/{}/split", study.codebook),
            &[
                ("revision", &revision),
                ("key", "MOT_COMMUNITY"),
                ("into", "MOT_COMM_ONLINE Online community\r\nMOT_COMM_LOCAL Local community\r\n"),
            ],
        )
        .await;

    assert_eq!(split.status(), StatusCode::SEE_OTHER);
    let flagged: Vec<_> = study.codings().into_iter().filter(|c| c.needs_review).collect();
    assert_eq!(flagged.len(), 2);
    assert!(flagged.iter().all(|c| c.code_key == "MOT_COMMUNITY"));
    assert!(study.codings().iter().all(|c| c.needs_review == (c.code_key == "MOT_COMMUNITY")));
    let draft = study.draft();
    assert!(draft.entry("MOT_COMMUNITY").unwrap().retired);
    assert_eq!(draft.entry("MOT_COMM_LOCAL").unwrap().parent.as_deref(), Some("MOT_SOCIAL"));

    let review_path = format!("/codebooks/{}/review", study.codebook);
    let review = page(&study.app, &review_path).await;
    assert!(review.contains("The people on our forum.") && review.contains("Our local meetups."));
    let id_of = |response: i64| flagged.iter().find(|c| c.response_id == response).unwrap().id;
    let (online_field, local_field) = (format!("coding.{}", id_of(online)), format!("coding.{}", id_of(local)));
    assert!(review.contains(&format!("name=\"{online_field}\"")) && review.contains("Online community"));

    let mut fields = form_fields(&review, &review_path);
    set(&mut fields, &online_field, "MOT_COMM_ONLINE");
    set(&mut fields, &local_field, "MOT_COMM_LOCAL");
    assert_eq!(submit(&study.app, &review_path, &fields).await.status(), StatusCode::SEE_OTHER);

    let codings = study.codings();
    assert!(codings.iter().all(|c| !c.needs_review));
    assert_eq!(whole_codes(&codings, online, study.researcher), ["MOT_ACCESS", "MOT_COMM_ONLINE"]);
    assert_eq!(whole_codes(&codings, local, study.researcher), ["MOT_ACCESS", "MOT_COMM_LOCAL"]);
    assert!(page(&study.app, &review_path).await.contains("Nothing to review."));

    // A coder who saves the answer before the split is published loses nothing.
    study.code_ok(&study.app, local, &["MOT_ACCESS", "MOT_LANGUAGE"], "save").await;
    let kept = whole_codes(&study.codings(), local, study.researcher);
    assert_eq!(kept, ["MOT_ACCESS", "MOT_COMM_LOCAL", "MOT_LANGUAGE"]);
    study.publish().await;
    let html = page(&study.app, &study.unit(local)).await;
    assert_eq!(checkbox(&html, "MOT_COMM_LOCAL"), Some(true));
    assert_eq!(checkbox(&html, "MOT_COMMUNITY"), None, "retired and no longer applied");
}

#[tokio::test]
async fn a_retired_code_is_not_offered_for_new_answers_but_keeps_its_codings() {
    let study = Study::with_answers(&["Things move too fast.", "We lack money."]).await;
    let (coded, fresh) = (study.responses[0], study.responses[1]);
    study.code_ok(&study.app, coded, &["BAR_PACE"], "save").await;
    let path = format!("/codebooks/{}/codes/BAR_PACE", study.codebook);
    let mut fields = form_fields(&page(&study.app, &path).await, &path);
    set(&mut fields, "retired", "on");
    assert_eq!(submit(&study.app, &path, &fields).await.status(), StatusCode::SEE_OTHER);
    study.publish().await;

    let new_answer = page(&study.app, &study.unit(fresh)).await;
    let old_answer = page(&study.app, &study.unit(coded)).await;

    assert_eq!(checkbox(&new_answer, "BAR_PACE"), None, "not offered");
    assert!(new_answer.contains("<option value=\"BAR_COMPUTE_COST\">"), "the passage form offers the codes in use");
    assert!(!new_answer.contains("<option value=\"BAR_PACE\">"), "but not the retired one");
    assert_eq!(checkbox(&old_answer, "BAR_PACE"), Some(true), "still shown where applied");
    assert_eq!(label(&old_answer, "BAR_PACE").as_deref(), Some("Pace of the field v (retired)"));
    // Re-saving the coded answer keeps the coding; a stale page cannot apply it anew.
    study.code_ok(&study.app, coded, &["BAR_PACE", "BAR_COMPUTE_COST"], "save").await;
    assert_eq!(whole_codes(&study.codings(), coded, study.researcher), ["BAR_COMPUTE_COST", "BAR_PACE"]);
    let refused = study.code(&study.app, fresh, &["BAR_PACE"], "save").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(visible_text(&refused.text().await.unwrap()).contains("retired"));
    assert_eq!(whole_codes(&study.codings(), fresh, study.researcher), Vec::<String>::new());
    let overview = page(&study.app, &format!("/codebooks/{}", study.codebook)).await;
    assert_eq!(answers_coded(&overview, "BAR_PACE"), "1");
}

#[tokio::test]
async fn removing_a_code_with_codings_from_the_toml_draft_is_refused() {
    let study = Study::with_answers(&["So that anyone can run it."]).await;
    study.code_ok(&study.app, study.responses[0], &["MOT_ACCESS"], "save").await;
    let path = format!("/codebooks/{}/draft", study.codebook);
    let fields = form_fields(&page(&study.app, &path).await, &path);
    let without = |key: &str| {
        let mut file = study.draft();
        file.codes.retain(|c| c.id != key);
        // And from the closed-answer mappings, which would otherwise name a code that is gone.
        file.closed.iter_mut().for_each(|mapping| drop(mapping.codes.remove(key)));
        let mut fields = fields.clone();
        set(&mut fields, "text", &fieldwork::codebook::model::to_toml(&file).unwrap());
        fields
    };
    let revision = study.revision();

    let refused = submit(&study.app, &path, &without("MOT_ACCESS")).await;

    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = visible_text(&refused.text().await.unwrap());
    assert!(text.contains("Democratising access has codings; retire it or merge it"), "{text}");
    assert!(study.draft().entry("MOT_ACCESS").is_some());
    assert_eq!(study.revision(), revision);
    // A code nobody applied can go.
    assert_eq!(submit(&study.app, &path, &without("MOT_CAREER")).await.status(), StatusCode::SEE_OTHER);
    assert!(study.draft().entry("MOT_CAREER").is_none());
}

#[tokio::test]
async fn a_code_form_stores_lf_line_breaks_and_refuses_a_control_character_with_its_field() {
    let study = Study::with_answers(&["So that anyone can run it."]).await;
    let path = format!("/codebooks/{}/codes/MOT_ACCESS", study.codebook);
    let fields = form_fields(&page(&study.app, &path).await, &path);
    let revision = study.revision();

    let mut refused = fields.clone();
    set(&mut refused, "definition", "Models for all.\r\nNot\u{8} for some.");
    let response = submit(&study.app, &path, &refused).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = visible_text(&response.text().await.unwrap());
    assert!(
        text.contains("definition : has an invisible control character (U+0008) at character 20"),
        "counted with one character per line break: {text}"
    );
    assert_eq!(study.revision(), revision, "nothing saved");

    let mut saved = fields.clone();
    set(&mut saved, "definition", "Models for all.\r\nNot for some.\rEver.");
    assert_eq!(submit(&study.app, &path, &saved).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(study.draft().entry("MOT_ACCESS").unwrap().definition, "Models for all.\nNot for some.\nEver.");
}

/// More codings than one write moves (`ops::CODINGS_PER_WRITE`): a merge moves them a write at a
/// time and loses none, dropping exactly those the target already has, also across the writes;
/// a split flags them all the same way.
#[tokio::test]
async fn a_merge_or_split_of_more_codings_than_one_write_moves_them_all() {
    let study = Study::with_answers(&["Runs on a laptop, in Swahili, for everyone who wants it."]).await;
    let response = study.responses[0];
    let passages = fieldwork::codebook::ops::CODINGS_PER_WRITE * 2 + 100;
    {
        let conn = fieldwork::db::open(&study.app.db_path).unwrap();
        let insert = |code: &str, end: usize| {
            conn.execute(
                "INSERT INTO codings (codebook_id, response_id, question, coder_id, layer, code_key, span_start, \
                 span_end, codebook_version, created_at) VALUES (?1, ?2, ?3, ?4, 'coder', ?5, 0, ?6, 1, '')",
                rusqlite::params![study.codebook, response, super::WHY, study.researcher, code, end as i64],
            )
            .unwrap();
        };
        for end in 1..=passages {
            insert("MOT_ACCESS", end);
            // Every seventh passage the target already has: that one is dropped, not doubled.
            if end % 7 == 0 {
                insert("MOT_LANGUAGE", end);
            }
        }
    }
    let revision = overview_revision(&study).await;

    let merged = study
        .app
        .post_form(
            &format!("/codebooks/{}/merge", study.codebook),
            &[("revision", &revision), ("from", "MOT_ACCESS"), ("into", "MOT_LANGUAGE")],
        )
        .await;

    assert_eq!(merged.status(), StatusCode::SEE_OTHER);
    let codings = study.codings();
    assert!(codings.iter().all(|c| c.code_key == "MOT_LANGUAGE"), "every coding moved");
    let mut spans: Vec<(i64, i64)> = codings.iter().filter_map(|c| c.span).collect();
    assert_eq!(spans.len(), passages, "one coding per passage, none lost and none doubled");
    spans.dedup();
    assert_eq!(spans.len(), passages);

    let revision = overview_revision(&study).await;
    let split = study
        .app
        .post_form(
            &format!("/codebooks/{}/split", study.codebook),
            &[
                ("revision", &revision),
                ("key", "MOT_LANGUAGE"),
                ("into", "MOT_LANG_OWN Their own language\r\nMOT_LANG_OTHER Other languages\r\n"),
            ],
        )
        .await;

    assert_eq!(split.status(), StatusCode::SEE_OTHER);
    assert!(study.codings().iter().all(|c| c.needs_review), "every coding waits for review");
}
