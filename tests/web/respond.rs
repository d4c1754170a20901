//! Answering a survey over HTTP: the shipped questionnaire end to end in two languages, display
//! logic, and validation that keeps what was typed. Resuming and resending, availability and
//! anonymity, bad input, and the survey command line are in `respond/`.

mod availability;
mod bad_input;
mod command_line;
mod no_welcome;
mod resume;

use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::respondent::*;

/// Two pages before the last; the second shows a question only to people who use the tool, the
/// third is a page only for people who do not.
const TOOL_SURVEY: &str = r#"
format = 1
slug = "tool-use"
default_language = "en"
languages = ["en"]
title = { en = "Tool use" }

[[pages]]
code = "uses"
[[pages.questions]]
code = "USES"
type = "single_choice"
required = true
text = { en = "Do you use the tool?" }
choices = [{ code = "yes", label = { en = "Yes" } }, { code = "no", label = { en = "No" } }]

[[pages]]
code = "details"
[[pages.questions]]
code = "HOW"
type = "long_text"
relevant = "${USES} = 'yes'"
text = { en = "How do you use it?" }
[[pages.questions]]
code = "AGE"
type = "number"
text = { en = "How old are you?" }

[[pages]]
code = "why_not"
relevant = "${USES} = 'no'"
[[pages.questions]]
code = "WHY_NOT"
type = "short_text"
text = { en = "Why not?" }

[[pages]]
code = "last"
[[pages.questions]]
code = "LAST"
type = "short_text"
text = { en = "Anything else?" }
"#;

/// Answers given on top of `answer_everything`'s defaults in the shipped questionnaire: an Other
/// text, a multiple choice with Other, stages and a model that reveal the conditional questions,
/// one matrix row, three barriers rated above "Not at all" (the others get the default, "Not at
/// all"), a ranking of those three and an open answer.
pub(crate) const SHIPPED_ANSWERS: &[(&str, &str)] = &[
    ("q.ROLE", "other"),
    ("q.ROLE.other", "Ethics reviewer"),
    ("q.LANGS", "english"),
    ("q.LANGS", "arabic"),
    ("q.LANGS", "other"),
    ("q.LANGS.other", "Basque"),
    ("q.YEARS", "7"),
    ("q.STAGES", "pre_training"),
    ("q.STAGES", "post_release"),
    ("q.ORGMODEL", "company_grassroots"),
    ("q.CONTROL.data", "c3"),
    ("q.BARRIER_SECRECY", "h3"),
    ("q.BARRIER_COMPUTE_COST", "h5"),
    ("q.BARRIER_COPYRIGHT", "h4"),
    ("q.BARRIER_RANK.secrecy", "3"),
    ("q.BARRIER_RANK.compute_cost", "1"),
    ("q.BARRIER_RANK.copyright", "2"),
    ("q.OPEN_WHY", "Because open models matter."),
];

/// A page as the respondent saw it: its index, heading and questions.
#[derive(Debug)]
pub(crate) struct SeenPage {
    index: usize,
    heading: String,
    questions: Vec<String>,
}

/// Answers every page shown, from the one `r` is on to the thank-you page, with `given` and a
/// valid default for every other question shown.
pub(crate) async fn answer_every_page(r: &mut Respondent<'_>, given: &[(&str, &str)]) -> Vec<SeenPage> {
    let mut seen = Vec::new();
    for _ in 0..20 {
        let index = form_index(&r.html).expect("a page with a form");
        seen.push(SeenPage { index, heading: heading(&r.html), questions: question_codes(&r.html) });
        let fields = answer_everything(&r.html, given);
        let reply = r.submit(index, &borrowed(&fields)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "page {index} refused: {}", errors_in(&reply.html));
        if reply.location == format!("/s/{}/done", r.slug) {
            return seen;
        }
        let next = r.get(&reply.location).await;
        assert_eq!(next.status, StatusCode::OK, "{}", reply.location);
    }
    panic!("the survey never ended: {seen:?}")
}

fn items(pairs: &[(&str, &str)]) -> std::collections::BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Checks the stored answers every shipped-questionnaire run gives (see `SHIPPED_ANSWERS`).
fn assert_shipped_answers_stored(app: &TestApp) {
    assert_eq!(answer_items(app, "ROLE"), items(&[("", "other"), ("other", "Ethics reviewer")]));
    assert_eq!(answer_items(app, "LANGS"), items(&[("arabic", "1"), ("english", "1"), ("other", "Basque")]));
    assert_eq!(answer(app, "YEARS", ""), Some("7".into()));
    assert_eq!(answer_items(app, "CONTROL"), items(&[("data", "c3")]));
    assert_eq!(answer(app, "BARRIER_COMPUTE_COST", ""), Some("h5".into()));
    assert_eq!(answer(app, "BARRIER_PACE", ""), Some("h1".into()), "rated Not at all");
    assert_eq!(
        answer_items(app, "BARRIER_RANK"),
        items(&[("compute_cost", "1"), ("copyright", "2"), ("secrecy", "3")]),
        "only the barriers rated above Not at all are ranked"
    );
    assert_eq!(answer(app, "OPEN_WHY", ""), Some("Because open models matter.".into()));
    // Revealed by STAGES and ORGMODEL on their own pages, and answered there.
    assert_eq!(answer_items(app, "REUSE").len(), 2, "REUSE was shown and answered");
    assert!(answer(app, "REUSE_FEEDBACK", "").is_some(), "REUSE_FEEDBACK was shown and answered");
    assert_eq!(answer_items(app, "SPONSOR").len(), 2, "SPONSOR was shown and answered");
    assert!(answer(app, "PARTNERS", "").is_none(), "PARTNERS stays hidden");
    assert!(answer_items(app, "INTRO_ABOUT").is_empty(), "display texts take no answer");
}

fn assert_complete_with_consent(app: &TestApp, language: &str) {
    let response = only_response(app);
    assert_eq!(response.status, "complete");
    assert_eq!(response.language, language);
    assert_eq!(response.consent_version, Some(1));
    assert!(response.consent_at.as_deref().is_some_and(|t| t.starts_with("20")), "{response:?}");
    assert!(response.submitted_at.is_some(), "{response:?}");
}

#[tokio::test]
async fn a_respondent_completes_the_shipped_questionnaire_in_english() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);

    let welcome = r.welcome("").await;
    assert!(welcome.html.contains("Open LLM development and governance"), "{}", welcome.html);
    assert!(welcome.html.contains("name=\"consent\" type=\"checkbox\" value=\"yes\""));
    assert!(welcome.html.contains("name=\"website\""), "the honeypot field is there");
    assert_eq!(r.start().await, 0);
    let seen = answer_every_page(&mut r, SHIPPED_ANSWERS).await;

    let headings: Vec<&str> = seen.iter().map(|p| p.heading.as_str()).collect();
    assert!(headings.contains(&"About you and your project") && headings.contains(&"Barriers"));
    // Pages 1 and 4 come back once to show the questions their own answers revealed; the
    // ranking (page 7) is shown because barriers were rated above "Not at all".
    let indexes: Vec<usize> = seen.iter().map(|p| p.index).collect();
    assert_eq!(indexes, [0, 1, 1, 2, 3, 4, 4, 5, 6, 7, 8]);
    let shown: Vec<&String> = seen.iter().flat_map(|p| &p.questions).collect();
    for code in [
        "PROJECT",
        "REGION",
        "REUSE",
        "REUSE_FEEDBACK",
        "TERMS",
        "MOTIV_IMP",
        "SPONSOR",
        "RISK",
        "ENGAGE",
        "BARRIER_RANK",
        "OPEN_FINAL",
    ] {
        assert!(shown.iter().any(|c| *c == code), "{code} was never shown: {seen:?}");
    }
    assert!(!shown.iter().any(|c| *c == "PARTNERS"), "a question whose condition is false stays hidden");

    let done = r.get(&format!("/s/{SHIPPED_SLUG}/done")).await;
    assert_eq!(done.status, StatusCode::OK);
    assert!(done.html.contains("Your answers have been recorded."), "{}", done.html);
    assert_complete_with_consent(&app, "en");
    assert_shipped_answers_stored(&app);
}

#[tokio::test]
async fn a_respondent_completes_the_shipped_questionnaire_in_spanish_chosen_by_link() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);

    let welcome = r.welcome("?lang=es").await;
    assert!(welcome.html.contains("<html lang=\"es\""));
    assert!(welcome.html.contains("Desarrollo y gobernanza de LLM abiertos"));
    assert!(welcome.html.contains("He leído lo anterior y acepto participar."));
    r.start_with("?lang=es").await;
    assert!(r.html.contains("¿Cuál es su función principal en el proyecto?"), "{}", r.html);
    assert!(r.html.contains(">Siguiente</button>"));
    let seen = answer_every_page(&mut r, SHIPPED_ANSWERS).await;

    let headings: Vec<&str> = seen.iter().map(|p| p.heading.as_str()).collect();
    for spanish in ["Sobre usted y su proyecto", "Motivaciones", "Participación y colaboración externa", "Obstáculos"]
    {
        assert!(headings.contains(&spanish), "{spanish} missing from {headings:?}");
    }
    assert!(!headings.iter().any(|h| h.contains("About you")), "{headings:?}");
    let done = r.get(&format!("/s/{SHIPPED_SLUG}/done")).await;
    assert!(done.html.contains("Sus respuestas se han registrado."), "{}", done.html);
    assert_complete_with_consent(&app, "es");
    assert_shipped_answers_stored(&app);
}

#[tokio::test]
async fn the_browsers_language_chooses_spanish_pages_and_is_recorded() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG).with_header("accept-language", "es-ES,es;q=0.9");

    let welcome = r.welcome("").await;
    assert!(welcome.html.contains("Desarrollo y gobernanza de LLM abiertos"), "{}", welcome.html);
    assert_eq!(hidden(&welcome.html, "lang").as_deref(), Some("es"));
    r.start().await;
    assert!(r.html.contains("¿A través de qué tipo de organización participa principalmente en el proyecto?"));
    let seen = answer_every_page(&mut r, SHIPPED_ANSWERS).await;
    assert_eq!(seen.last().map(|p| p.heading.as_str()), Some("Mirando al futuro"));
    assert_complete_with_consent(&app, "es");
}

#[tokio::test]
async fn switching_language_on_a_page_keeps_the_typed_answers_and_saves_nothing_yet() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    r.start().await;

    let switched = r.submit(0, &[("switch_lang", "es"), ("q.PROJECT", "Halcón"), ("q.ROLE", "lead")]).await;
    assert_eq!(switched.status, StatusCode::OK);
    assert!(switched.html.contains("¿Cómo se llama el proyecto?"));
    assert_eq!(field_value(&switched.html, "q-PROJECT").as_deref(), Some("Halcón"));
    assert!(is_checked(&switched.html, "q-ROLE-lead"));
    assert_eq!(only_response(&app).language, "es");
    assert!(answers(&app).is_empty());
}

#[tokio::test]
async fn a_conditional_question_on_a_later_page_appears_only_when_its_condition_holds() {
    let app = TestApp::spawn().await;
    add_survey(&app, TOOL_SURVEY, Status::Open);

    let mut user = Respondent::new(&app, "tool-use");
    user.start().await;
    assert_eq!(question_codes(&user.html), ["USES"]);
    assert_eq!(user.next(0, &[("q.USES", "yes")]).await, "/s/tool-use/p/1");
    assert_eq!(question_codes(&user.html), ["HOW", "AGE"]);
    // The page only for people who do not use the tool is skipped.
    assert_eq!(user.next(1, &[("q.HOW", "Daily"), ("q.AGE", "40")]).await, "/s/tool-use/p/3");

    let other = app.other_client();
    let mut non_user = Respondent::new(&other, "tool-use");
    non_user.start().await;
    assert_eq!(non_user.next(0, &[("q.USES", "no")]).await, "/s/tool-use/p/1");
    assert_eq!(question_codes(&non_user.html), ["AGE"]);
    assert_eq!(non_user.next(1, &[("q.AGE", "30")]).await, "/s/tool-use/p/2");
    assert_eq!(question_codes(&non_user.html), ["WHY_NOT"]);
}

#[tokio::test]
async fn changing_an_earlier_answer_drops_the_answer_to_a_question_it_hides() {
    let app = TestApp::spawn().await;
    add_survey(&app, TOOL_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "tool-use");
    r.start().await;
    r.next(0, &[("q.USES", "yes")]).await;
    r.next(1, &[("q.HOW", "Every day, for drafts"), ("q.AGE", "40")]).await;
    assert_eq!(answer(&app, "HOW", "").as_deref(), Some("Every day, for drafts"));

    assert_eq!(r.next(3, &[("action", "back")]).await, "/s/tool-use/p/1");
    assert_eq!(field_value(&r.html, "q-HOW").as_deref(), Some("Every day, for drafts"));
    assert_eq!(
        r.next(1, &[("action", "back"), ("q.HOW", "Every day, for drafts"), ("q.AGE", "40")]).await,
        "/s/tool-use/p/0"
    );
    assert!(is_checked(&r.html, "q-USES-yes"));
    r.next(0, &[("q.USES", "no")]).await;

    assert_eq!(answer(&app, "HOW", ""), None, "the answer to the now hidden question is gone");
    assert_eq!(answer(&app, "AGE", "").as_deref(), Some("40"), "other answers stay");
    assert_eq!(question_codes(&r.html), ["AGE"]);
}

/// One page whose second question is shown only for one answer to the first.
const REVEAL_SURVEY: &str = r#"
format = 1
slug = "reveal"
default_language = "en"
languages = ["en"]
title = { en = "Stages" }

[[pages]]
code = "stages"
[[pages.questions]]
code = "STAGES"
type = "multiple_choice"
required = true
text = { en = "Which stages?" }
choices = [{ code = "pre", label = { en = "Pre-training" } }, { code = "post", label = { en = "Post-training" } }]
[[pages.questions]]
code = "WHY_POST"
type = "long_text"
relevant = "selected(${STAGES}, 'post')"
text = { en = "Why post-training?" }

[[pages]]
code = "more"
[[pages.questions]]
code = "MORE"
type = "short_text"
text = { en = "More?" }
"#;

#[tokio::test]
async fn a_question_revealed_by_an_answer_on_the_same_page_is_shown_before_moving_on() {
    let app = TestApp::spawn().await;
    add_survey(&app, REVEAL_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "reveal");
    r.start().await;
    assert_eq!(question_codes(&r.html), ["STAGES"]);

    assert_eq!(r.next(0, &[("q.STAGES", "post")]).await, "/s/reveal/p/0?more=1", "the page is shown again");
    assert_eq!(question_codes(&r.html), ["STAGES", "WHY_POST"]);
    assert!(r.html.contains("brought up more questions"), "the respondent is told why");
    assert!(is_checked(&r.html, "q-STAGES-post"));
    assert_eq!(r.next(0, &[("q.STAGES", "post"), ("q.WHY_POST", "To align it")]).await, "/s/reveal/p/1");
    assert_eq!(answer(&app, "WHY_POST", "").as_deref(), Some("To align it"));

    // Without the revealing answer the page moves on at once.
    let other = app.other_client();
    let mut r2 = Respondent::new(&other, "reveal");
    r2.start().await;
    assert_eq!(r2.next(0, &[("q.STAGES", "pre")]).await, "/s/reveal/p/1");
}

#[tokio::test]
async fn an_invalid_page_comes_back_with_each_message_by_its_field_and_everything_typed() {
    let app = TestApp::spawn().await;
    add_survey(&app, SHIPPED, Status::Open);
    let mut r = Respondent::new(&app, SHIPPED_SLUG);
    r.start().await;
    let typed = [
        ("q.PROJECT", "Falcon <b>\"7B\"</b>"),
        ("q.ROLE", "researcher"),
        ("q.REGION", "europe"),
        ("q.YEARS", "12a"),
        ("q.LANGS", "english"),
        ("q.LANGS", "arabic"),
        ("q.LANGS", "other"),
        ("q.LANGS.other", "Basque"),
    ];

    let reply = r.submit(0, &typed).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = &reply.html;
    assert!(html.contains("Please correct the following"), "{html}");
    assert_eq!(element_text(html, "q-ORGTYPE-error").as_deref(), Some("This question needs an answer."));
    assert_eq!(element_text(html, "q-YEARS-error").as_deref(), Some("Enter a whole number, such as 12."));
    assert!(html.contains("href=\"#q-ORGTYPE-company_large\"") && html.contains("href=\"#q-YEARS\""), "summary links");
    let years = tag(html, "q-YEARS").unwrap();
    assert!(attribute(years, "aria-describedby").unwrap().split(' ').any(|id| id == "q-YEARS-error"));
    assert_eq!(attribute(years, "aria-invalid").as_deref(), Some("true"));
    for code in ["ORGTYPE", "YEARS"] {
        let block = question_block(html, code).unwrap();
        assert!(block.contains(&format!("id=\"q-{code}-error\"")), "the message for {code} is by its field");
    }
    let orgtype = question_block(html, "ORGTYPE").unwrap();
    let orgtype_fieldset = &orgtype[orgtype.find("<fieldset").unwrap()..];
    assert!(
        attribute(orgtype_fieldset.split('>').next().unwrap(), "aria-describedby").unwrap().contains("q-ORGTYPE-error")
    );
    assert!(element_text(html, "q-PROJECT-error").is_none(), "no message by a valid answer");

    assert_eq!(field_value(html, "q-PROJECT").as_deref(), Some("Falcon <b>\"7B\"</b>"));
    assert_eq!(field_value(html, "q-YEARS").as_deref(), Some("12a"));
    assert!(is_checked(html, "q-ROLE-researcher"));
    assert_eq!(selected_option(html, "q-REGION").as_deref(), Some("europe"));
    assert!(is_checked(html, "q-LANGS-english") && is_checked(html, "q-LANGS-arabic"));
    assert!(!is_checked(html, "q-LANGS-chinese"));
    assert!(is_checked(html, "q-LANGS-other"));
    assert_eq!(field_value(html, "q-LANGS-other-text").as_deref(), Some("Basque"));
    assert!(answers(&app).is_empty(), "nothing of the page is saved");
    assert_eq!(only_response(&app).page_index, 0);

    let mut corrected = typed.to_vec();
    corrected.retain(|(k, _)| *k != "q.YEARS");
    corrected.extend([("q.YEARS", "12"), ("q.ORGTYPE", "university")]);
    assert_eq!(r.next(0, &corrected).await, format!("/s/{SHIPPED_SLUG}/p/1"));
    assert_eq!(answer(&app, "PROJECT", "").as_deref(), Some("Falcon <b>\"7B\"</b>"));
    assert_eq!(answer(&app, "YEARS", "").as_deref(), Some("12"));
}
