//! Exclusive choices and constraints, checked by the server with messages in the respondent's
//! language and the typed answers kept; and the page's script telling the server which revealed
//! questions it already showed.

use reqwest::StatusCode;

use super::*;

#[tokio::test]
async fn an_exclusive_choice_with_another_is_refused_with_a_message_naming_it() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods");
    r.start().await;
    r.next(0, &[]).await;

    let refused = r.submit(1, &[("q.MOTIV", "science"), ("q.MOTIV", "none")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        element_text(&refused.html, "q-MOTIV-error").as_deref(),
        Some("“None of these” cannot be combined with other answers: untick it or the others.")
    );
    assert!(is_checked(&refused.html, "q-MOTIV-science") && is_checked(&refused.html, "q-MOTIV-none"), "as typed");
    let with_other = r.submit(1, &[("q.MOTIV", "none"), ("q.MOTIV", "other"), ("q.MOTIV.other", "Fame")]).await;
    assert_eq!(with_other.status, StatusCode::UNPROCESSABLE_ENTITY, "Other counts as another answer");
    let spanish = r.submit(1, &[("switch_lang", "es")]).await;
    assert_eq!(spanish.status, StatusCode::OK);
    let refused = r.submit(1, &[("q.MOTIV", "none"), ("q.MOTIV", "job")]).await;
    assert_eq!(
        element_text(&refused.html, "q-MOTIV-error").as_deref(),
        Some("«Ninguno de ellos» no puede combinarse con otras respuestas: desmarque esa opción o las demás.")
    );

    assert_eq!(r.next(1, &[("q.MOTIV", "none")]).await, "/s/methods/p/2", "alone it is fine");
    assert_eq!(answer_items(&app, "MOTIV"), [("none".to_string(), "1".to_string())].into());
}

#[tokio::test]
async fn a_constraint_that_fails_brings_the_page_back_with_its_own_message_in_the_language() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods");
    r.start().await;

    let long = "A name much longer than twenty";
    let refused = r.submit(0, &[("q.PROJECT", long), ("q.YEARS", "51")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(element_text(&refused.html, "q-PROJECT-error").as_deref(), Some("At most 20 characters, please."));
    assert_eq!(
        element_text(&refused.html, "q-YEARS-error").as_deref(),
        Some("This answer is not accepted; please check it."),
        "without a message of its own, the built-in one"
    );
    assert_eq!(field_value(&refused.html, "q-PROJECT").as_deref(), Some(long), "kept as typed");
    assert!(answers(&app).is_empty());
    let spanish = r.submit(0, &[("switch_lang", "es"), ("q.PROJECT", long)]).await;
    assert_eq!(spanish.status, StatusCode::OK);
    let refused = r.submit(0, &[("q.PROJECT", long)]).await;
    assert_eq!(
        element_text(&refused.html, "q-PROJECT-error").as_deref(),
        Some("Como máximo 20 caracteres, por favor.")
    );

    // Unanswered questions are not checked; answers that meet the constraint are stored.
    assert_eq!(r.next(0, &[("q.PROJECT", "Falcon"), ("q.YEARS", "50")]).await, "/s/methods/p/1");
    assert_eq!(answer(&app, "YEARS", "").as_deref(), Some("50"));
}

#[tokio::test]
async fn a_question_the_pages_script_already_showed_does_not_bring_the_page_back() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods");
    r.start().await;
    assert_eq!(hidden_question_codes(&r.html), ["LEAD_WHY"], "rendered hidden, for the script");
    let block = question_block(&r.html, "LEAD_WHY").unwrap();
    let condition = attribute(block.split('>').next().unwrap(), "data-relevant").expect("its condition");
    assert_eq!(condition, r#"["cmp","=",["answer","ROLE"],["text","lead"]]"#);

    // Without the script the page comes back once to show the question it revealed.
    let again = r.submit(0, &[("q.ROLE", "lead")]).await;
    assert_eq!(again.location, "/s/methods/p/0?more=1");
    r.get(&again.location).await;
    assert_eq!(question_codes(&r.html), ["PROJECT", "ROLE", "LEAD_WHY", "YEARS"]);

    // With it, the form says which it showed, and the page moves on.
    let other = app.other_client();
    let mut scripted = Respondent::new(&other, "methods");
    scripted.start().await;
    assert_eq!(scripted.next(0, &[("q.ROLE", "lead"), ("displayed", "LEAD_WHY")]).await, "/s/methods/p/1");
}
