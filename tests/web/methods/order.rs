//! Randomised order: drawn once per response from its seed (so a response can be replayed here
//! with `survey::order`), the same on reload, Back, resume and language switch, anchored and
//! exclusive choices in place, stored and exported; a first page without a welcome page carries
//! its seed in the form until the response exists.

use reqwest::StatusCode;

use super::*;
use fieldwork::survey::order;

fn survey() -> fieldwork::survey::model::SurveyDefinition {
    fieldwork::survey::file::from_toml(METHODS).unwrap().definition
}

/// The order the response with `seed` is shown MOTIV's choices in, drawn as the server draws it.
fn motiv_order(seed: u64) -> Vec<String> {
    let definition = survey();
    order::choices(definition.question("MOTIV").unwrap(), seed).into_iter().map(|c| c.code.clone()).collect()
}

/// The order of the page "rate"'s questions for `seed`.
fn rate_order(seed: u64) -> Vec<String> {
    order::questions(&survey().pages[2], seed).into_iter().map(|q| q.code.clone()).collect()
}

#[tokio::test]
async fn a_response_sees_its_own_order_everywhere_and_the_order_is_stored_and_exported() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    let mut r = Respondent::new(&app, "methods");
    r.start().await;
    let seed = seed_of_only_response(&app);
    r.next(0, &[("q.ROLE", "dev")]).await;

    let expected = motiv_order(seed);
    let shown = shown_choices(&r.html, "MOTIV");
    assert_eq!(shown, expected, "replayed from the response's seed");
    assert_eq!(&shown[6..], ["none", "dont_know"], "the exclusive and the anchored choice keep their place");
    assert!(r.html.find("q-MOTIV-dont_know").unwrap() < r.html.find("id=\"q-MOTIV-other\"").unwrap(), "Other last");

    assert_eq!(shown_choices(&r.page(1).await.html, "MOTIV"), expected, "on reload");
    let switched = r.submit(1, &[("switch_lang", "es"), ("q.MOTIV", "job")]).await;
    assert!(switched.html.contains("Mi trabajo"));
    assert_eq!(shown_choices(&switched.html, "MOTIV"), expected, "in another language");
    r.submit(1, &[("switch_lang", "en"), ("q.MOTIV", "job")]).await;
    r.next(1, &[("q.MOTIV", "job")]).await;
    let questions = question_codes(&r.html);
    assert_eq!(questions, rate_order(seed), "the page's questions, replayed");
    assert_eq!(questions[0], "INTRO", "a display text keeps its place");
    r.next(2, &[("action", "back")]).await;
    assert_eq!(shown_choices(&r.html, "MOTIV"), expected, "after Back");
    r.next(1, &[("q.MOTIV", "job")]).await;

    // Resumed in another browser, by the resume link.
    let link = unescape(r.html.split("class=\"resume-link\">").nth(1).unwrap().split('<').next().unwrap());
    let path = link.split_once("/s/").map(|(_, rest)| format!("/s/{rest}")).unwrap();
    let other = app.other_client();
    let mut elsewhere = Respondent::new(&other, "methods");
    let resumed = elsewhere.resume_by_link(&path).await;
    assert_eq!(resumed.status, StatusCode::SEE_OTHER);
    elsewhere.get(&resumed.location).await;
    assert_eq!(question_codes(&elsewhere.html), rate_order(seed), "on resuming");

    let orders = shown_orders(&app);
    assert_eq!(orders, [("MOTIV".to_string(), expected.join(" ")), ("rate".to_string(), rate_order(seed).join(" "))]);
    let rows = export(&app, "methods", "responses", &["--include-partial"]);
    assert_eq!(cell(&rows, 1, "order_MOTIV"), expected.join(" "));
    assert_eq!(cell(&rows, 1, "order_rate"), rate_order(seed).join(" "));
}

#[tokio::test]
async fn responses_draw_their_own_seeds() {
    let app = TestApp::spawn().await;
    open_methods(&app, false);
    for _ in 0..3 {
        let client = app.other_client();
        Respondent::new(&client, "methods").start().await;
    }
    assert_eq!(app.query_i64("SELECT COUNT(DISTINCT order_seed) FROM responses"), 3);
}

/// The methods survey without a welcome page (nor consent), its first page randomised.
fn direct() -> String {
    METHODS
        .replace("consent = { en = \"I agree to take part.\", es = \"Acepto participar.\" }", "welcome_page = false")
        .replace("code = \"about\"\n", "code = \"about\"\nrandomize = true\n")
}

#[tokio::test]
async fn a_first_page_shown_before_the_response_exists_carries_its_seed_into_it() {
    let app = TestApp::spawn().await;
    add_survey(&app, &direct(), fieldwork::survey::store::Status::Open);
    let mut r = Respondent::new(&app, "methods");
    let entry = r.welcome("").await;
    let seed: u64 = hidden(&entry.html, "seed").expect("the seed travels in the form").parse().unwrap();
    let definition = fieldwork::survey::file::from_toml(&direct()).unwrap().definition;
    let expected: Vec<String> = order::questions(&definition.pages[0], seed)
        .into_iter()
        .filter(|q| q.code != "LEAD_WHY")
        .map(|q| q.code.clone())
        .collect();
    assert_eq!(question_codes(&entry.html), expected);
    let again = r.welcome("").await;
    assert_ne!(hidden(&again.html, "seed"), Some(seed.to_string()), "each visitor draws their own");

    // A mistake brings the page back in the same order; the save begins the response with the seed.
    r.html = entry.html.clone();
    let refused = r.submit(0, &[("q.YEARS", "60")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(question_codes(&refused.html), expected);
    assert_eq!(hidden(&refused.html, "seed"), Some(seed.to_string()));
    assert_eq!(app.query_i64("SELECT COUNT(*) FROM responses"), 0);
    let saved = r.submit(0, &[("q.YEARS", "6")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", errors_in(&saved.html));
    assert_eq!(seed_of_only_response(&app), seed);
    assert_eq!(shown_orders(&app), [("about".to_string(), expected.join(" "))]);
}
