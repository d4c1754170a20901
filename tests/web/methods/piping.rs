//! Piping: earlier answers in later texts, escaped, in the respondent's language (a choice by its
//! label), with the fallback when unanswered, and in the thank-you text.

use super::*;

#[tokio::test]
async fn an_earlier_answer_appears_escaped_in_later_texts_in_the_respondents_language() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods");
    r.start().await;
    r.next(0, &[("q.PROJECT", "<b>Falcon</b>"), ("q.ROLE", "lead"), ("q.LEAD_WHY", "Someone must")]).await;

    assert_eq!(heading(&r.html), "Why <b>Falcon</b>?", "the page title");
    assert!(r.html.contains("<h1>Why &lt;b&gt;Falcon&lt;&#x2f;b&gt;?</h1>"), "escaped like any text: {}", r.html);
    assert!(!r.html.contains("<b>Falcon</b>"));
    let question = unescape(question_block(&r.html, "MOTIV").unwrap());
    assert!(question.contains("Why do you contribute to <b>Falcon</b> as Lead?"), "a choice by its label: {question}");
    let spanish = r.submit(1, &[("switch_lang", "es")]).await;
    assert!(
        unescape(&spanish.html).contains("¿Por qué contribuye a <b>Falcon</b> como Dirección?"),
        "the label in Spanish"
    );

    r.next(1, &[("q.MOTIV", "job")]).await;
    r.next(2, &[]).await;
    let done = r.submit(3, &[]).await;
    let thanks = r.get(&done.location).await;
    assert!(unescape(&thanks.html).contains("Gracias por hablarnos de <b>Falcon</b>."), "{}", thanks.html);
}

#[tokio::test]
async fn an_unanswered_question_shows_the_fallback() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods");
    r.start().await;
    r.next(0, &[]).await;
    assert_eq!(heading(&r.html), "Why the project?");
    assert!(
        unescape(question_block(&r.html, "MOTIV").unwrap())
            .contains("Why do you contribute to the project as a contributor?")
    );
    r.next(1, &[]).await;
    r.next(2, &[]).await;
    let done = r.submit(3, &[]).await;
    assert!(r.get(&done.location).await.html.contains("Thank you for telling us about your project."));
    // Another respondent's thank-you page, kept rendered for everyone, is not the one with answers.
    let other = app.other_client();
    let mut second = Respondent::new(&other, "methods");
    second.start().await;
    second.next(0, &[("q.PROJECT", "Kestrel")]).await;
    second.next(1, &[]).await;
    second.next(2, &[]).await;
    let done = second.submit(3, &[]).await;
    assert!(second.get(&done.location).await.html.contains("Thank you for telling us about Kestrel."));
}
