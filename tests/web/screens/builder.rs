//! Building and translating as a newcomer meets them: one line per question with its type's name
//! and badges, a question's form with only the settings its type takes, deleting that asks first
//! and says what happens to the answers, and translations filtered to what needs work.

use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use crate::helpers::{location, unescape};
use crate::surveys::{
    SHIPPED, SMALL, SMALL_SLUG, add_response, add_survey, form_action, form_fields, page, set_status,
    signed_in_researcher, stored,
};

fn at(rest: &str) -> String {
    format!("/surveys/{SMALL_SLUG}/build{rest}")
}

/// The text between `<li id="question-CODE"` and its `</li>`.
fn line_of<'h>(html: &'h str, code: &str) -> &'h str {
    let start = html.find(&format!("<li id=\"question-{code}\"")).unwrap_or_else(|| panic!("{code} in the outline"));
    let end = html[start..].find("</li>").expect("the end of the line") + start;
    &html[start..end]
}

#[tokio::test]
async fn the_outline_shows_each_question_on_one_line_with_its_type_named_for_people_and_its_badges() {
    let app = signed_in_researcher().await;
    add_survey(&app, SHIPPED);

    let html = unescape(&page(&app, "/surveys/open-llm-governance/build").await);

    let definition = fieldwork::survey::file::from_toml(SHIPPED).unwrap().definition;
    for (_, question) in definition.questions() {
        let line = line_of(&html, &question.code);
        assert!(line.contains(&format!("<span class=\"question-type\">{}</span>", question.kind.label())), "{line}");
        let machine_name = question.kind.as_str();
        assert!(!machine_name.contains('_') || !line.contains(machine_name), "not {machine_name}: {line}");
        assert_eq!(line.contains(">required</span>"), question.required, "{line}");
        assert_eq!(line.contains(">logic</span>"), question.relevant.is_some(), "{line}");
        // Editing is one question at a time, on its own form; deleting asks on a page of its own.
        assert!(line.contains(&format!("/build/questions/{}\"", question.code)), "{line}");
        assert!(line.contains(&format!("/build/questions/{}/delete\" class=\"delete-link\"", question.code)), "{line}");
        assert!(!line.contains("<textarea"), "{line}");
    }
    // The form to add a question names the types for people too.
    assert!(html.contains("<option value=\"short_text\">Short text</option>"), "the type menu");
}

#[tokio::test]
async fn a_questions_form_shows_only_the_settings_its_type_takes() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let form_of = async |code: &str| page(&app, &at(&format!("/questions/{code}"))).await;
    let has = |html: &str, name: &str| html.contains(&format!(" name=\"{name}\""));

    let role = form_of("ROLE").await; // single choice
    let comment = form_of("COMMENT").await; // long text

    assert!(has(&role, "display") && has(&role, "choice.1.code") && has(&role, "other"), "{role}");
    for other in ["min_length", "pattern", "min", "number_kind", "min_selected", "row.1.code"] {
        assert!(!has(&role, other), "{other} on a single choice");
    }
    assert!(has(&comment, "min_length") && has(&comment, "required"), "{comment}");
    for other in ["pattern", "display", "other", "choice.1.code", "min"] {
        assert!(!has(&comment, other), "{other} on a long text");
    }
}

#[tokio::test]
async fn deleting_a_question_asks_first_and_says_what_happens_to_its_answers() {
    let app = signed_in_researcher().await;
    let id = add_survey(&app, SMALL);
    set_status(&app, id, Status::Open);
    add_response(&app, id, "complete", &[("ROLE", "", "dev")]);

    // Unanswered: the page says nothing is lost, and its button deletes.
    let tools = unescape(&page(&app, &at("/questions/TOOLS/delete")).await);
    assert!(tools.contains("<h1>Delete the question TOOLS?</h1>"), "{tools}");
    assert!(tools.contains("Nobody has answered TOOLS yet, so no answer is lost"), "{tools}");
    let fields = form_fields(&tools, &at("/questions/TOOLS/delete"));
    assert!(fields.iter().any(|(n, v)| n == "confirm" && v == "yes"), "{fields:?}");
    // A POST without the page's yes (a stray form, a forged link) leads to the page.
    let stamp = fields.iter().find(|(n, _)| n == "based_on").map(|(_, v)| v.as_str()).unwrap();
    let unconfirmed = app.post_form(&at("/questions/TOOLS/delete"), &[("based_on", stamp)]).await;
    assert_eq!(location(&unconfirmed), at("/questions/TOOLS/delete"));
    assert!(stored(&app, SMALL_SLUG).definition.question("TOOLS").is_some());
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    let deleted = app.client.post(app.url(&at("/questions/TOOLS/delete"))).form(&borrowed).send().await.unwrap();
    assert_eq!(location(&deleted), at(""));
    assert!(stored(&app, SMALL_SLUG).definition.question("TOOLS").is_none());

    // Answered: the page says why it cannot go, and offers no button.
    let role = unescape(&page(&app, &at("/questions/ROLE/delete")).await);
    assert!(role.contains("ROLE has answers: it cannot be deleted"), "{role}");
    assert!(role.contains("hide it with display logic"), "{role}");
    assert_eq!(form_action(&role, &at("/questions/ROLE/delete")), None, "no delete button");

    // A page with questions cannot go either; the answer is on its page, not after a click.
    let p1 = unescape(&page(&app, &at("/pages/p1/delete")).await);
    assert!(p1.contains("The page holds 1 question: move them to another page or delete them first."), "{p1}");
    assert_eq!(app.get(&at("/questions/NOPE/delete")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_translations_page_filters_to_missing_or_out_of_date_texts_and_comes_back_to_the_filter() {
    let app = signed_in_researcher().await;
    add_survey(&app, SMALL);
    let translations = format!("/surveys/{SMALL_SLUG}/translations");
    // One Spanish text removed (missing), one English text changed (its Spanish out of date).
    let mut definition = stored(&app, SMALL_SLUG).definition;
    let survey = stored(&app, SMALL_SLUG);
    definition.pages[0].questions[0].help.remove("es");
    definition.pages[1].questions[0].text.insert("en".into(), "Anything else at all?".into());
    let conn = fieldwork::db::open(&app.db_path).unwrap();
    let input = fieldwork::survey::SurveyDefinitionInput::Definition(Box::new(definition));
    fieldwork::survey::update(&conn, &survey, input).unwrap();
    let shown = |html: &str| html.matches("class=\"translation-row\"").count();

    let all = page(&app, &translations).await;
    let missing = page(&app, &format!("{translations}?show=missing")).await;
    let outdated = page(&app, &format!("{translations}?show=out_of_date")).await;

    assert!(shown(&all) > 10, "every text");
    assert_eq!(shown(&missing), 1);
    assert!(missing.contains("name=\"t.es.questions.ROLE.help\""), "{missing}");
    assert_eq!(shown(&outdated), 1);
    assert!(outdated.contains("name=\"t.es.questions.COMMENT.text\""), "{outdated}");
    // The source and its translation share a row, side by side.
    let row = &outdated[outdated.find("class=\"translation-row\"").unwrap()..];
    let (source, field) = (row.find("class=\"source\"").unwrap(), row.find("<textarea").unwrap());
    assert!(source < field && row[source..field].contains("Anything else at all?"), "{row}");

    let mut fields = form_fields(&outdated, &translations);
    crate::surveys::set(&mut fields, "t.es.questions.COMMENT.text", "¿Algo más, lo que sea?");
    let saved = crate::surveys::submit(&app, &translations, &fields).await;

    assert_eq!(location(&saved), format!("{translations}?show=out_of_date"), "back to the same filter");
    let after = page(&app, &format!("{translations}?show=out_of_date")).await;
    assert_eq!(shown(&after), 0);
    assert!(after.contains("Nothing to show"), "{after}");
    assert_eq!(stored(&app, SMALL_SLUG).definition.pages[1].questions[0].text["es"], "¿Algo más, lo que sea?");
}
