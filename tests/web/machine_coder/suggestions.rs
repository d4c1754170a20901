//! The machine coder's suggestions in the coding screen, over HTTP: shown only after the coder
//! saved their own codes, for the eligible codes the model predicts; accepting one stores a coding
//! by the coder with the model's hash as its source, which the exports show; none in blind
//! double-coding or with the setting off; nobody outside the study can accept one.

use fieldwork::accounts::Role;
use fieldwork::survey::members::MemberRole;
use reqwest::StatusCode;

use super::{Arranged, arrange};
use crate::helpers::{PASSWORD, TestApp};

/// Trains the codebook's model (seed 7) as the page would, and returns its hash.
fn train(app: &TestApp, a: &Arranged) -> String {
    use fieldwork::suggest::run;
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let prepared = run::prepare(&conn, a.codebook, a.survey, 1, None).unwrap();
    let computed = run::compute(&prepared, &fieldwork::suggest::Params::default(), 7, &|_, _| {}).unwrap();
    run::save(&conn, a.codebook, &computed, None).unwrap();
    computed.trained.model.hash.clone()
}

/// The codebook out of blind double-coding (it starts blind), or back in.
fn set_blind(app: &TestApp, a: &Arranged, blind: bool) {
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    fieldwork::codebook::store::set_modes(&conn, a.codebook, blind, false).unwrap();
}

/// A trained model, a codebook out of blind coding, and the admin signed in to code.
pub(crate) async fn arranged() -> (TestApp, Arranged, String) {
    let app = TestApp::spawn().await;
    app.setup_admin("admin@example.org").await;
    let a = arrange(&app);
    let hash = train(&app, &a);
    set_blind(&app, &a, false);
    (app, a, hash)
}

pub(crate) fn unit(a: &Arranged) -> String {
    format!("/codebooks/{}/code/{}/WHY", a.codebook, a.keyword)
}

/// Saves the coder's codes on the answer (none) and stays; the page that follows.
async fn save_nothing(app: &TestApp, a: &Arranged) -> String {
    let response = app.post_form(&unit(a), &[("action", "save"), ("then", "stay")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.get_page(&crate::helpers::location(&response)).await;
    assert_eq!(status, StatusCode::OK);
    html
}

/// Where the page's accepting form posts after a save.
fn accept(a: &Arranged) -> String {
    format!("{}/suggestion?saved={}%2FWHY", unit(a), a.keyword)
}

fn accepted(app: &TestApp, a: &Arranged) -> i64 {
    app.query_i64(&format!("SELECT COUNT(*) FROM codings WHERE response_id = {} AND code_key = 'PRICE'", a.keyword))
}

#[tokio::test]
async fn suggestions_appear_only_after_the_save_and_an_accepted_one_is_the_coders_from_the_model() {
    let (app, a, hash) = arranged().await;
    let (status, before) = app.get_page(&unit(&a)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!before.contains("id=\"suggestions\""), "nothing before the coder's own save");
    let refused = app.post_form(&format!("{}/suggestion", unit(&a)), &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "nor can one be accepted");
    let html = refused.text().await.unwrap();
    assert!(html.contains("id=\"coding-error\"") && html.contains("is not suggested for this answer now"), "{html}");
    // A save on another answer says nothing about this one.
    let elsewhere = format!("{}/suggestion?saved=1%2FWHY", unit(&a));
    let refused = app.post_form(&elsewhere, &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "nor can one be accepted");
    assert_eq!(accepted(&app, &a), 0);

    let after = save_nothing(&app, &a).await;
    let block = after.split_once("id=\"suggestions\"").expect("the suggestions after the save").1;
    let block = crate::helpers::unescape(block.split_once("</section>").unwrap_or_default().0);
    assert!(block.contains("id=\"accept-PRICE\"") && block.contains("Price"), "{block}");
    assert!(block.contains(&format!("machine:{}", &hash[..12])) && block.contains("(score 1.00)"), "{block}");
    assert!(!block.contains("accept-RANDOM"), "RANDOM is not eligible");
    assert!(block.contains(&format!("action=\"{}\"", accept(&a))), "{block}");

    let wrong = app.post_form(&accept(&a), &[("code", "RANDOM"), ("model", &hash)]).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY, "a code not suggested");
    let stale = app.post_form(&accept(&a), &[("code", "PRICE"), ("model", "old")]).await;
    assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY, "another model's suggestion");
    let no_token = app.post_raw(&accept(&a), &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN, "CSRF");
    assert_eq!(accepted(&app, &a), 0);

    let response = app.post_form(&accept(&a), &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let admin = app.query_i64("SELECT id FROM users WHERE email = 'admin@example.org'");
    let stored = format!(
        "SELECT COUNT(*) FROM codings WHERE response_id = {} AND code_key = 'PRICE' AND coder_id = {admin} \
         AND layer = 'coder' AND source = '{hash}' AND span_start IS NULL",
        a.keyword
    );
    assert_eq!(app.query_i64(&stored), 1, "the coder's coding, from the model");
    let (_, page) = app.get_page(&crate::helpers::location(&response)).await;
    assert!(page.contains("id=\"code-PRICE\" name=\"code\" value=\"PRICE\" checked"), "ticked as the coder's");
    assert!(!page.contains("id=\"suggestions\""), "nothing more to suggest");

    let response = app.get(&format!("/surveys/machine/export/codings.csv?codebook={}", a.codebook)).await;
    let csv = response.text().await.unwrap();
    let line = csv.lines().find(|l| l.ends_with(&format!(",{hash}"))).expect("the accepted coding in codings.csv");
    assert!(line.contains("admin@example.org") && line.contains(",PRICE,"), "{line}");
    assert_eq!(csv.lines().filter(|l| l.ends_with(&format!(",{hash}"))).count(), 1, "{csv}");

    let response = app.get(&format!("/surveys/machine/export/project.qdpx?codebook={}", a.codebook)).await;
    let bytes = response.bytes().await.unwrap().to_vec();
    let qde = crate::export_qdpx::unzip(&bytes).remove("project.qde").expect("project.qde");
    let name = format!("name=\"Machine coder {}\"", &hash[..12]);
    let note = qde.split(&name).next().unwrap_or_default();
    let guid = note.rsplit("guid=\"").next().unwrap_or_default().split('"').next().unwrap_or_default().to_owned();
    assert_eq!(qde.matches(&format!("<NoteRef targetGUID=\"{guid}\"")).count(), 1, "from an accepted suggestion");
}

#[tokio::test]
async fn nothing_is_suggested_in_blind_double_coding_or_with_the_setting_off() {
    let (app, a, hash) = arranged().await;
    set_blind(&app, &a, true);
    let blind = save_nothing(&app, &a).await;
    assert!(!blind.contains("id=\"suggestions\""), "blind double-coding");
    let response = app.post_form(&accept(&a), &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

    set_blind(&app, &a, false);
    assert!(save_nothing(&app, &a).await.contains("id=\"suggestions\""), "on again out of blind coding");
    let settings = format!("/codebooks/{}/machine-coder/settings", a.codebook);
    let response = app.post_form(&settings, &[("threshold", "0.8"), ("min_positives", "20")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "the box unticked");
    assert!(!save_nothing(&app, &a).await.contains("id=\"suggestions\""), "turned off");
    let response = app.post_form(&accept(&a), &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(accepted(&app, &a), 0);
}

#[tokio::test]
async fn a_coder_of_another_survey_cannot_accept_a_suggestion() {
    let (app, a, hash) = arranged().await;
    save_nothing(&app, &a).await;
    let other = crate::surveys::add_survey(&app, &super::SURVEY.replace("slug = \"machine\"", "slug = \"elsewhere\""));
    app.add_user("carol@example.org", Role::Coder);
    app.add_member(other, "carol@example.org", MemberRole::Coder);
    let carol = app.other_client();
    assert_eq!(carol.login("carol@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let response = carol.post_form(&accept(&a), &[("code", "PRICE"), ("model", &hash)]).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(accepted(&app, &a), 0);
}
