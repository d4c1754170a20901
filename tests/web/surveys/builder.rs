//! The questionnaire builder: pages, questions of every kind, the question form, moving and
//! deleting, display logic errors, edits based on an outdated copy, and the survey's settings.

use fieldwork::accounts::Role;
use fieldwork::survey::model::QuestionType;
use reqwest::StatusCode;

use super::{
    SMALL, SMALL_SLUG, add_survey, based_on, follow, form_fields, listed_errors, page, set, signed_in_researcher,
    stored, submit, value_of,
};
use crate::helpers::{PASSWORD, TestApp, location};

const KINDS: [(&str, QuestionType); 9] = [
    ("short_text", QuestionType::ShortText),
    ("long_text", QuestionType::LongText),
    ("single_choice", QuestionType::SingleChoice),
    ("multiple_choice", QuestionType::MultipleChoice),
    ("matrix", QuestionType::Matrix),
    ("number", QuestionType::Number),
    ("date", QuestionType::Date),
    ("ranking", QuestionType::Ranking),
    ("display", QuestionType::Display),
];

fn build_path() -> String {
    format!("/surveys/{SMALL_SLUG}/build")
}

/// The `based_on` stamp of the builder's outline as it is now.
async fn fresh_based_on(app: &TestApp) -> String {
    based_on(&page(app, &build_path()).await)
}

/// Question codes per page, as stored.
fn outline(app: &TestApp) -> Vec<(String, Vec<String>)> {
    stored(app, SMALL_SLUG)
        .definition
        .pages
        .iter()
        .map(|p| (p.code.clone(), p.questions.iter().map(|q| q.code.clone()).collect()))
        .collect()
}

/// Pages and their question codes, as written in a test.
type Outline<'a> = &'a [(&'a str, &'a [&'a str])];

fn pages(list: Outline) -> Vec<(String, Vec<String>)> {
    list.iter().map(|(p, qs)| (p.to_string(), qs.iter().map(|q| q.to_string()).collect())).collect()
}

/// The question form of `code`: its path and fields as shown.
async fn question_form(app: &TestApp, code: &str) -> (String, Vec<(String, String)>) {
    let path = format!("/surveys/{SMALL_SLUG}/build/questions/{code}");
    let fields = form_fields(&page(app, &path).await, &path);
    (path, fields)
}

#[tokio::test]
async fn the_builder_adds_a_page_and_a_question_of_each_kind_to_it() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);

    let added = app
        .post_form(&format!("{}/pages", build_path()), &[("based_on", &fresh_based_on(&app).await), ("code", "extra")])
        .await;

    assert_eq!(location(&added), build_path());
    assert!(follow(&app, added).await.contains("Added page extra."));
    for (kind, _) in KINDS {
        let code = format!("NEW_{kind}");
        let path = format!("{}/pages/extra/questions", build_path());

        let response =
            app.post_form(&path, &[("based_on", &fresh_based_on(&app).await), ("type", kind), ("code", &code)]).await;

        assert_eq!(location(&response), format!("{}/questions/{code}", build_path()), "{kind}");
        let form = follow(&app, response).await;
        assert!(form.contains(&format!("<option value=\"{kind}\" selected>")), "{kind}: {form}");
    }
    let definition = stored(&app, SMALL_SLUG).definition;
    let extra = definition.pages.iter().find(|p| p.code == "extra").expect("the new page");
    assert_eq!(definition.pages.len(), 3);
    let kinds: Vec<_> = extra.questions.iter().map(|q| (q.code.clone(), q.kind)).collect();
    let expected: Vec<_> = KINDS.iter().map(|(kind, t)| (format!("NEW_{kind}"), *t)).collect();
    assert_eq!(kinds, expected);
    let outline_html = page(&app, &build_path()).await;
    for (kind, _) in KINDS {
        assert!(outline_html.contains(&format!("id=\"question-NEW_{kind}\"")), "{kind} in the outline");
    }
}

#[tokio::test]
async fn the_question_form_saves_code_type_texts_required_logic_and_choices() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let added = app
        .post_form(
            &format!("{}/pages/p2/questions", build_path()),
            &[("based_on", &fresh_based_on(&app).await), ("type", "short_text"), ("code", "DRAFTQ")],
        )
        .await;
    assert_eq!(added.status(), StatusCode::SEE_OTHER);
    let (path, mut fields) = question_form(&app, "DRAFTQ").await;
    for (name, value) in [
        ("code", "FAVOURITE"),
        ("type", "single_choice"),
        ("text.en", "Which tool do you like best?"),
        ("text.es", "¿Qué herramienta prefiere?"),
        ("help.en", "Only one."),
        ("required", "on"),
        ("relevant", "selected(${TOOLS}, 'git')"),
        ("choice.1.code", "emacs"),
        ("choice.1.label.en", "Emacs"),
        ("choice.1.label.es", "Emacs"),
        ("choice.1.position", "2"),
        ("choice.2.code", "vim"),
        ("choice.2.label.en", "Vim"),
        ("choice.2.position", "1"),
        ("choice.3.code", "nano"),
        ("choice.3.label.en", "Nano"),
    ] {
        set(&mut fields, name, value);
    }

    let response = submit(&app, &path, &fields).await;

    // A new type takes other settings: its form comes back to show them.
    assert_eq!(location(&response), format!("{}/questions/FAVOURITE", build_path()));
    let definition = stored(&app, SMALL_SLUG).definition;
    assert!(definition.question("DRAFTQ").is_none(), "renamed");
    let q = definition.question("FAVOURITE").expect("the edited question");
    assert_eq!(q.kind, QuestionType::SingleChoice);
    assert_eq!(
        (q.text["en"].as_str(), q.text["es"].as_str()),
        ("Which tool do you like best?", "¿Qué herramienta prefiere?")
    );
    assert_eq!(q.help.get("en").map(String::as_str), Some("Only one."));
    assert!(q.required);
    assert_eq!(q.relevant.as_deref(), Some("selected(${TOOLS}, 'git')"));
    let choices: Vec<_> = q.choices.iter().map(|c| (c.code.as_str(), c.label["en"].as_str())).collect();
    assert_eq!(choices, [("vim", "Vim"), ("emacs", "Emacs"), ("nano", "Nano")]);
    assert_eq!(q.choices[1].label.get("es").map(String::as_str), Some("Emacs"));

    let (_, shown) = question_form(&app, "FAVOURITE").await;
    assert_eq!(value_of(&shown, "required"), Some("on"));
    assert_eq!(value_of(&shown, "relevant"), Some("selected(${TOOLS}, 'git')"));
    assert_eq!(value_of(&shown, "choice.1.code"), Some("vim"));
    assert_eq!(value_of(&shown, "choice.2.label.en"), Some("Emacs"), "each line's labels carry its number");
    assert_eq!(value_of(&shown, "choice.2.label.es"), Some("Emacs"));
    assert_eq!(value_of(&shown, "choice.3.label.es"), Some(""));
}

#[tokio::test]
async fn questions_move_up_and_down_across_pages_and_are_deleted() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let steps: [(&str, &str, Outline); 4] = [
        ("COMMENT/move", "up", &[("p1", &["ROLE", "TOOLS", "COMMENT"]), ("p2", &[])]),
        ("COMMENT/move", "up", &[("p1", &["ROLE", "COMMENT", "TOOLS"]), ("p2", &[])]),
        ("ROLE/move", "down", &[("p1", &["COMMENT", "ROLE", "TOOLS"]), ("p2", &[])]),
        ("TOOLS/move", "down", &[("p1", &["COMMENT", "ROLE"]), ("p2", &["TOOLS"])]),
    ];

    for (action, direction, expected) in steps {
        let path = format!("{}/questions/{action}", build_path());
        let based_on = fresh_based_on(&app).await;

        let response = app.post_form(&path, &[("based_on", &based_on), ("direction", direction)]).await;

        assert_eq!(location(&response), build_path(), "{action} {direction}");
        assert_eq!(outline(&app), pages(expected), "after {action} {direction}");
    }

    let deleted = app
        .post_form(
            &format!("{}/questions/ROLE/delete", build_path()),
            &[("based_on", &fresh_based_on(&app).await), ("confirm", "yes")],
        )
        .await;

    let shown = follow(&app, deleted).await;
    assert!(shown.contains("Deleted ROLE."));
    assert_eq!(outline(&app), pages(&[("p1", &["COMMENT"]), ("p2", &["TOOLS"])]));
    let order: Vec<_> =
        ["COMMENT", "TOOLS"].iter().map(|c| shown.find(&format!("id=\"question-{c}\"")).unwrap()).collect();
    assert!(order[0] < order[1], "the outline lists them in order");
    assert!(!shown.contains("id=\"question-ROLE\""));
}

#[tokio::test]
async fn a_condition_that_does_not_parse_is_refused_with_its_position_and_the_form_keeps_what_was_typed() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let before = stored(&app, SMALL_SLUG);
    let (path, mut fields) = question_form(&app, "COMMENT").await;
    set(&mut fields, "relevant", "${ROLE} = = 'dev'");
    set(&mut fields, "text.en", "Tell us <more> & \"quote\" us");
    set(&mut fields, "required", "on");

    let response = submit(&app, &path, &fields).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let errors = listed_errors(&html);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("pages[1].questions[0].relevant: at character 10: "), "{errors:#?}");
    let kept = form_fields(&html, &path);
    assert_eq!(value_of(&kept, "relevant"), Some("${ROLE} = = 'dev'"));
    assert_eq!(value_of(&kept, "text.en"), Some("Tell us <more> & \"quote\" us"));
    assert_eq!(value_of(&kept, "required"), Some("on"));
    let after = stored(&app, SMALL_SLUG);
    assert_eq!((&after.definition, &after.updated_at), (&before.definition, &before.updated_at));

    let mut fixed = kept;
    set(&mut fixed, "relevant", "${ROLE} = 'dev'");
    let resent = submit(&app, &path, &fixed).await;

    assert_eq!(resent.status(), StatusCode::SEE_OTHER, "the kept form saves once corrected");
    let comment = stored(&app, SMALL_SLUG).definition.question("COMMENT").unwrap().clone();
    assert_eq!(comment.relevant.as_deref(), Some("${ROLE} = 'dev'"));
    assert_eq!(comment.text["en"], "Tell us <more> & \"quote\" us");
}

#[tokio::test]
async fn a_change_based_on_an_outdated_copy_is_refused_and_changes_nothing() {
    let app = signed_in_researcher().await;
    let survey = add_survey(&app, SMALL);
    let colleague = app.other_client();
    colleague.add_user("bo@example.org", Role::Researcher);
    colleague.add_member(survey, "bo@example.org", fieldwork::survey::members::MemberRole::Researcher);
    colleague.login("bo@example.org", PASSWORD).await;
    let outline_before = page(&app, &build_path()).await;
    let (role_path, mut role_form) = question_form(&app, "ROLE").await;
    set(&mut role_form, "text.en", "Mine: what is your role?");

    let (comment_path, mut theirs) = question_form(&colleague, "COMMENT").await;
    set(&mut theirs, "text.en", "Theirs: anything else?");
    let saved = submit(&colleague, &comment_path, &theirs).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "the colleague's save goes through");
    let after_colleague = stored(&app, SMALL_SLUG);

    let stale_edit = submit(&app, &role_path, &role_form).await;
    let stale_delete = app
        .post_form(
            &format!("{}/questions/TOOLS/delete", build_path()),
            &[("based_on", &based_on(&outline_before)), ("confirm", "yes")],
        )
        .await;

    assert_eq!(stale_edit.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = stale_edit.text().await.unwrap();
    assert!(listed_errors(&html).iter().any(|e| e.contains("someone saved this survey after you opened this form")));
    assert_eq!(value_of(&form_fields(&html, &role_path), "text.en"), Some("Mine: what is your role?"));
    let (kind, message) = super::flash(&follow(&app, stale_delete).await).expect("a message");
    assert_eq!(kind, "error");
    assert!(message.contains("someone saved this survey after you opened this form"), "{message}");
    let now = stored(&app, SMALL_SLUG);
    assert_eq!(now.definition, after_colleague.definition, "neither stale change was applied");
    assert_eq!(now.definition.question("ROLE").unwrap().text["en"], "What is your role?");
    assert_eq!(now.definition.question("COMMENT").unwrap().text["en"], "Theirs: anything else?");
    assert!(now.definition.question("TOOLS").is_some());
}

#[tokio::test]
async fn the_settings_change_the_languages_and_the_title() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let path = format!("{}/settings", build_path());
    let mut fields = form_fields(&page(&app, &path).await, &path);
    assert_eq!(value_of(&fields, "languages"), Some("en, es"));
    set(&mut fields, "languages", "en, es, fr");
    set(&mut fields, "title.en", "Team survey 2025");
    set(&mut fields, "anonymous", "on");

    let response = submit(&app, &path, &fields).await;

    assert_eq!(location(&response), format!("/surveys/{SMALL_SLUG}"));
    let definition = stored(&app, SMALL_SLUG).definition;
    assert_eq!(definition.languages, ["en", "es", "fr"]);
    assert_eq!(definition.title["en"], "Team survey 2025");
    assert_eq!(definition.title["es"], "Encuesta del equipo");
    assert!(definition.anonymous);
    let overview = follow(&app, response).await;
    assert!(overview.contains("<h1>Team survey 2025</h1>"));
    assert!(overview.contains("<tr><td>fr</td>"), "French now has a row of missing texts: {overview}");
    let shown = form_fields(&page(&app, &path).await, &path);
    assert_eq!(value_of(&shown, "title.fr"), Some(""), "the settings form now has French fields");
}

#[tokio::test]
async fn settings_that_do_not_check_out_are_refused_and_the_form_keeps_what_was_typed() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let before = stored(&app, SMALL_SLUG);
    let path = format!("{}/settings", build_path());
    let mut fields = form_fields(&page(&app, &path).await, &path);
    set(&mut fields, "languages", "en, es, Spanish!");
    set(&mut fields, "closes_at", "next tuesday");
    // A missing-data code is a 32-bit number, as SPSS and Stata take it.
    set(&mut fields, "missing.skipped", "9999999999");

    let response = submit(&app, &path, &fields).await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    let errors = listed_errors(&html);
    assert!(errors.iter().any(|e| e.starts_with("languages[2]: ")), "{errors:#?}");
    assert!(errors.iter().any(|e| e.starts_with("closes_at: ")), "{errors:#?}");
    let too_big = "missing_codes.skipped: \"9999999999\" is not a whole number from -2147483648 to 2147483647";
    assert!(errors.iter().any(|e| e == too_big), "{errors:#?}");
    let kept = form_fields(&html, &path);
    assert_eq!(value_of(&kept, "languages"), Some("en, es, Spanish!"));
    assert_eq!(value_of(&kept, "closes_at"), Some("next tuesday"));
    assert_eq!(value_of(&kept, "missing.skipped"), Some("9999999999"));
    assert_eq!(stored(&app, SMALL_SLUG).definition, before.definition);
}

#[tokio::test]
async fn a_page_form_saves_code_titles_and_condition_and_only_an_empty_page_can_be_deleted() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let path = format!("{}/pages/p2", build_path());
    let mut fields = form_fields(&page(&app, &path).await, &path);
    set(&mut fields, "code", "closing");
    set(&mut fields, "title.en", "Last words");
    set(&mut fields, "title.es", "Últimas palabras");
    set(&mut fields, "relevant", "${ROLE} = 'dev'");

    let saved = submit(&app, &path, &fields).await;

    assert_eq!(location(&saved), build_path());
    let closing = stored(&app, SMALL_SLUG).definition.pages[1].clone();
    assert_eq!((closing.code.as_str(), closing.relevant.as_deref()), ("closing", Some("${ROLE} = 'dev'")));
    assert_eq!((closing.title["en"].as_str(), closing.title["es"].as_str()), ("Last words", "Últimas palabras"));

    let page_action = |action: &str| format!("{}/pages/closing/{action}", build_path());
    let delete =
        app.post_form(&page_action("delete"), &[("based_on", &fresh_based_on(&app).await), ("confirm", "yes")]).await;
    let (kind, message) = super::flash(&follow(&app, delete).await).expect("a message");
    assert_eq!(kind, "error");
    assert!(message.contains("move or delete its questions first"), "{message}");
    let up =
        app.post_form(&page_action("move"), &[("based_on", &fresh_based_on(&app).await), ("direction", "up")]).await;
    let (_, message) = super::flash(&follow(&app, up).await).expect("a message");
    assert!(message.contains("${ROLE} is not a question asked before this point"), "{message}");
    assert_eq!(outline(&app), pages(&[("p1", &["ROLE", "TOOLS"]), ("closing", &["COMMENT"])]));

    app.post_form(&format!("{}/pages", build_path()), &[("based_on", &fresh_based_on(&app).await), ("code", "spare")])
        .await;
    assert_eq!(stored(&app, SMALL_SLUG).definition.pages.len(), 3);
    let spare = format!("{}/pages/spare/delete", build_path());
    let unconfirmed = app.post_form(&spare, &[("based_on", &fresh_based_on(&app).await)]).await;
    assert_eq!(location(&unconfirmed), spare, "without the confirmation page's yes, it asks");
    assert_eq!(stored(&app, SMALL_SLUG).definition.pages.len(), 3);
    let deleted = app.post_form(&spare, &[("based_on", &fresh_based_on(&app).await), ("confirm", "yes")]).await;

    assert_eq!(super::flash(&follow(&app, deleted).await).map(|f| f.0).as_deref(), Some("success"));
    assert_eq!(outline(&app), pages(&[("p1", &["ROLE", "TOOLS"]), ("closing", &["COMMENT"])]));
}

#[tokio::test]
async fn the_builder_sets_randomised_order_constraints_exclusive_choices_and_missing_data_codes() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let page_path = format!("{}/pages/p1", build_path());
    let mut fields = form_fields(&page(&app, &page_path).await, &page_path);
    set(&mut fields, "randomize", "on");
    assert_eq!(location(&submit(&app, &page_path, &fields).await), build_path());

    let (path, mut fields) = question_form(&app, "TOOLS").await;
    for (name, value) in [
        ("randomize", "on"),
        ("order_group", "tools"),
        ("constraint", "count-selected(.) <= 2"),
        ("constraint_message.en", "Two at most."),
        ("constraint_message.es", "Dos como máximo."),
        ("choice.2.anchor", "on"),
        ("choice.3.code", "none"),
        ("choice.3.label.en", "None"),
        ("choice.3.label.es", "Ninguna"),
        ("choice.3.exclusive", "on"),
    ] {
        set(&mut fields, name, value);
    }
    let saved = submit(&app, &path, &fields).await;
    assert_eq!(location(&saved), format!("{}#question-TOOLS", build_path()), "{}", saved.text().await.unwrap());

    let definition = stored(&app, SMALL_SLUG).definition;
    assert!(definition.pages[0].randomize);
    let tools = definition.question("TOOLS").unwrap();
    assert!(tools.randomize);
    assert_eq!(tools.order_group.as_deref(), Some("tools"));
    assert_eq!(tools.constraint.as_deref(), Some("count-selected(.) <= 2"));
    assert_eq!(tools.constraint_message["es"], "Dos como máximo.");
    let marks: Vec<(&str, bool, bool)> =
        tools.choices.iter().map(|c| (c.code.as_str(), c.anchor, c.exclusive)).collect();
    assert_eq!(marks, [("git", false, false), ("hg", true, false), ("none", false, true)]);
    let (_, shown) = question_form(&app, "TOOLS").await;
    assert_eq!(value_of(&shown, "choice.3.exclusive"), Some("on"), "the form shows the marks again");

    // A choice offered only while a condition holds: one reading a question of the same page
    // (ROLE) is refused at its place, with the form as typed (the server decides a page's
    // choices when it shows it, from earlier pages' answers).
    let (path, mut fields) = question_form(&app, "TOOLS").await;
    set(&mut fields, "choice.1.relevant", "${ROLE} = 'dev'");
    let refused = submit(&app, &path, &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(listed_errors(&html).iter().any(|e| e.contains("choices[0].relevant")), "{:?}", listed_errors(&html));
    let typed = form_fields(&html, &path);
    assert_eq!(value_of(&typed, "choice.1.relevant"), Some("${ROLE} = 'dev'"), "kept as typed");
    assert!(stored(&app, SMALL_SLUG).definition.question("TOOLS").unwrap().choices[0].relevant.is_none());

    // A constraint that does not parse is refused at its place, with the form as typed.
    let (path, mut fields) = question_form(&app, "TOOLS").await;
    set(&mut fields, "constraint", "regex(., '(')");
    let refused = submit(&app, &path, &fields).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        listed_errors(&html).iter().any(|e| e.contains(".constraint: at character 9: not a valid regular expression")),
        "{:?}",
        listed_errors(&html)
    );
    assert_eq!(value_of(&form_fields(&html, &path), "constraint"), Some("regex(., '(')"));

    let settings = format!("{}/settings", build_path());
    let mut fields = form_fields(&page(&app, &settings).await, &settings);
    assert_eq!(value_of(&fields, "missing.not_reached"), Some("-77"));
    for (name, value) in [("missing.not_shown", "-1"), ("missing.not_reached", "-2"), ("missing.skipped", "-3")] {
        set(&mut fields, name, value);
    }
    assert_eq!(location(&submit(&app, &settings, &fields).await), format!("/surveys/{SMALL_SLUG}"));
    let codes = stored(&app, SMALL_SLUG).definition.missing_codes;
    assert_eq!((codes.not_shown, codes.not_reached, codes.skipped), (-1, -2, -3));

    let toml = page(&app, &format!("/surveys/{SMALL_SLUG}/export.toml")).await;
    for key in ["randomize = true", "order_group = \"tools\"", "exclusive = true", "anchor = true", "[missing_codes]"] {
        assert!(toml.contains(key), "{key} in {toml}");
    }

    // Another type drops the settings it does not take, sent by the form of the type before.
    let (path, mut fields) = question_form(&app, "TOOLS").await;
    set(&mut fields, "type", "display");
    // A display text has no choices: their removal is confirmed.
    set(&mut fields, "confirm_removal", "on");
    let saved = submit(&app, &path, &fields).await;
    assert_eq!(location(&saved), format!("{}/questions/TOOLS", build_path()), "{}", saved.text().await.unwrap());
    let definition = stored(&app, SMALL_SLUG).definition;
    let tools = definition.question("TOOLS").unwrap();
    assert!(!tools.randomize && tools.constraint.is_none() && tools.constraint_message.is_empty());
    assert_eq!(tools.order_group.as_deref(), Some("tools"), "its place in the page's order stays");
}
