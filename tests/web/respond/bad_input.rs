//! Bad input from respondents, and tampered forms and addresses: each is refused with a message on
//! the page (never a 500) and stores nothing; text in any script is kept byte for byte and shown
//! back escaped.

use fieldwork::survey::store::Status;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::respondent::*;

/// One page with a question of every kind, then a last page.
const CHECKS_SURVEY: &str = r#"
format = 1
slug = "checks"
default_language = "en"
languages = ["en"]
title = { en = "Checks" }

[[pages]]
code = "all_kinds"
[[pages.questions]]
code = "NOTE"
type = "display"
text = { en = "Please answer." }
[[pages.questions]]
code = "NAME"
type = "short_text"
text = { en = "Name" }
[[pages.questions]]
code = "STORY"
type = "long_text"
text = { en = "Story" }
[[pages.questions]]
code = "AGE"
type = "number"
min = 18
max = 99
text = { en = "Age" }
[[pages.questions]]
code = "SHARE"
type = "number"
number_kind = "decimal"
text = { en = "Share" }
[[pages.questions]]
code = "WHEN"
type = "date"
text = { en = "When" }
[[pages.questions]]
code = "PICK"
type = "single_choice"
other = true
text = { en = "Pick" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "MANY"
type = "multiple_choice"
other = true
text = { en = "Many" }
choices = [{ code = "a", label = { en = "A" } }, { code = "b", label = { en = "B" } }]
[[pages.questions]]
code = "GRID"
type = "matrix"
text = { en = "Grid" }
rows = [{ code = "r1", label = { en = "Row 1" } }, { code = "r2", label = { en = "Row 2" } }]
choices = [{ code = "lo", label = { en = "Low" } }, { code = "hi", label = { en = "High" } }]
[[pages.questions]]
code = "RANK"
type = "ranking"
text = { en = "Rank" }
choices = [{ code = "x", label = { en = "X" } }, { code = "y", label = { en = "Y" } }]

[[pages]]
code = "last"
[[pages.questions]]
code = "LATER"
type = "short_text"
required = true
text = { en = "Later" }
"#;

const CHOOSE: &str = "Choose one of the options shown.";

#[tokio::test]
async fn every_kind_of_bad_answer_is_refused_with_a_message_by_its_field() {
    let app = TestApp::spawn_with(&["--max-answer-chars", "100"]).await;
    add_survey(&app, CHECKS_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "checks");
    r.start().await;
    let long = "x".repeat(101);
    let long_accented = "é".repeat(101);
    let too_long = "Please shorten this to at most 100 characters (it has 101).";

    // (what is sent, the question refused, its message)
    type Case<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);
    let cases: Vec<Case> = vec![
        (vec![("q.NAME", &long)], "NAME", too_long),
        (vec![("q.STORY", &long_accented)], "STORY", too_long),
        (vec![("q.PICK", "other"), ("q.PICK.other", &long)], "PICK", too_long),
        (vec![("q.AGE", "12a")], "AGE", "Enter a whole number, such as 12."),
        (vec![("q.AGE", "4.5")], "AGE", "Enter a whole number, such as 12."),
        (vec![("q.AGE", "1e3")], "AGE", "Enter a whole number, such as 12."),
        (vec![("q.AGE", "17")], "AGE", "Enter 18 or more."),
        (vec![("q.AGE", "100")], "AGE", "Enter 99 or less."),
        (vec![("q.SHARE", "1.2.3")], "SHARE", "Enter a number, such as 12 or 3.5."),
        (vec![("q.SHARE", "NaN")], "SHARE", "Enter a number, such as 12 or 3.5."),
        (vec![("q.WHEN", "2026-02-30")], "WHEN", "Enter a date as year-month-day, such as 2026-03-31."),
        (vec![("q.WHEN", "31/12/2026")], "WHEN", "Enter a date as year-month-day, such as 2026-03-31."),
        (vec![("q.PICK", "zzz")], "PICK", CHOOSE),
        (vec![("q.PICK", "a"), ("q.PICK.bogus", "x")], "PICK", CHOOSE),
        (vec![("q.PICK", "other")], "PICK", "Please say what \"Other\" is."),
        (vec![("q.MANY", "nope")], "MANY", CHOOSE),
        (vec![("q.MANY.a", "<tampered>")], "MANY", CHOOSE),
        (vec![("q.MANY", "a"), ("q.MANY", "other")], "MANY", "Please say what \"Other\" is."),
        (vec![("q.GRID.r9", "lo")], "GRID", CHOOSE),
        (vec![("q.GRID.r1", "mid")], "GRID", CHOOSE),
        (vec![("q.GRID", "lo")], "GRID", CHOOSE),
        (vec![("q.RANK.x", "9")], "RANK", CHOOSE),
        (vec![("q.RANK.x", "first")], "RANK", CHOOSE),
        (vec![("q.RANK.zz", "1")], "RANK", CHOOSE),
        (vec![("q.RANK.x", "1"), ("q.RANK.y", "1")], "RANK", "Give each option a different rank."),
        (vec![("q.NAME.extra", "hi")], "NAME", CHOOSE),
    ];
    for (fields, code, message) in &cases {
        let reply = r.submit(0, fields).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {}", reply.html);
        assert!(reply.html.contains("Please correct the following"), "{fields:?}");
        let shown = element_text(&reply.html, &format!("q-{code}-error"));
        assert_eq!(shown.as_deref(), Some(*message), "{fields:?}");
        assert!(answers(&app).is_empty(), "{fields:?}: nothing saved");
    }
    assert_eq!(only_response(&app).page_index, 0);
}

#[tokio::test]
async fn a_tampered_form_stores_nothing_for_display_texts_or_questions_of_other_pages() {
    let app = TestApp::spawn().await;
    add_survey(&app, CHECKS_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "checks");
    r.start().await;

    let next = r.next(0, &[("q.NAME", "Ana"), ("q.NOTE", "sneaky"), ("q.LATER", "skipped ahead")]).await;
    assert_eq!(next, "/s/checks/p/1");
    assert_eq!(answer(&app, "NAME", "").as_deref(), Some("Ana"));
    assert!(answer_items(&app, "NOTE").is_empty(), "a display text takes no answer");
    assert!(answer_items(&app, "LATER").is_empty(), "a page saves only its own questions");
}

#[tokio::test]
async fn an_over_large_request_is_refused_with_a_clear_page() {
    let app = TestApp::spawn_with(&["--max-body-bytes", "2048"]).await;
    add_survey(&app, CHECKS_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "checks");
    r.start().await;

    let huge = "x".repeat(4096);
    let reply = r.submit(0, &[("q.STORY", &huge)]).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(reply.html.contains("larger than this server accepts"), "{}", reply.html);
    assert!(answers(&app).is_empty());

    let mut newcomer = Respondent::new(&app, "checks");
    newcomer.welcome("").await;
    let start = newcomer.post_start(&[("website", &huge)]).await;
    assert_eq!(start.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(responses(&app).len(), 1);
}

/// A required question on the first page guards the last.
const TWO_PAGES: &str = r#"
format = 1
slug = "two-pages"
default_language = "en"
languages = ["en"]
title = { en = "Two pages" }

[[pages]]
code = "first"
[[pages.questions]]
code = "NEEDED"
type = "short_text"
required = true
text = { en = "Needed" }

[[pages]]
code = "second"
[[pages.questions]]
code = "EXTRA"
type = "short_text"
text = { en = "Extra" }
"#;

#[tokio::test]
async fn a_tampered_page_address_never_skips_a_page_or_breaks_the_server() {
    let app = TestApp::spawn().await;
    add_survey(&app, TWO_PAGES, Status::Open);
    let mut r = Respondent::new(&app, "two-pages");
    r.start().await;
    let first_page = r.html.clone();

    // (method, path, expected status, where a redirect goes or what the page says)
    let cases = [
        ("GET", "/s/two-pages/p/99", StatusCode::SEE_OTHER, "/s/two-pages/p/0"),
        ("POST", "/s/two-pages/p/99", StatusCode::NOT_FOUND, "There is nothing at this address."),
        ("GET", "/s/two-pages/p/abc", StatusCode::BAD_REQUEST, "Bad request"),
        ("POST", "/s/two-pages/p/-1", StatusCode::BAD_REQUEST, "Bad request"),
        ("GET", "/s/two-pages/p/99999999999999999999999", StatusCode::BAD_REQUEST, "Bad request"),
        // Page 1 is not reachable while page 0's required question is unanswered.
        ("GET", "/s/two-pages/p/1", StatusCode::SEE_OTHER, "/s/two-pages/p/0"),
        ("POST", "/s/two-pages/p/1", StatusCode::SEE_OTHER, "/s/two-pages/p/0"),
        ("GET", "/s/no-such-survey", StatusCode::NOT_FOUND, "There is nothing at this address."),
    ];
    for (method, path, status, expected) in cases {
        r.html = first_page.clone();
        let reply = match method {
            "GET" => r.get(path).await,
            _ => {
                let form = r.form(&[("q.EXTRA", "jumped"), ("q.NEEDED", "")]);
                r.post(path, &form).await
            }
        };
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.html);
        if status.is_redirection() {
            assert_eq!(reply.location, expected, "{method} {path}");
        } else {
            assert!(reply.html.contains(expected), "{method} {path}: {}", reply.html);
        }
    }
    let response = only_response(&app);
    assert_eq!((response.status.as_str(), response.page_index), ("partial", 0));
    assert!(answers(&app).is_empty(), "nothing saved from a page not reached");
}

#[tokio::test]
async fn a_garbage_resume_token_changes_nothing() {
    let app = TestApp::spawn().await;
    add_survey(&app, TWO_PAGES, Status::Open);
    let mut r = Respondent::new(&app, "two-pages");
    r.start().await;
    let mut form = r.form(&[("q.NEEDED", "mine")]);

    let stranger = app.other_client();
    let mut other = Respondent::new(&stranger, "two-pages");
    for garbage in ["garbage", "", "%00'; DROP TABLE responses; --", &"z".repeat(5000)] {
        form.retain(|(name, _)| name != "r");
        form.push(("r".into(), garbage.into()));
        let reply = other.post_page(0, &form).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{garbage}");
        assert_eq!(reply.location, "/s/two-pages", "{garbage}: back to the welcome page");
    }
    let resume = other.get("/s/two-pages/resume/garbage").await;
    assert_eq!(resume.status, StatusCode::NOT_FOUND);
    assert!(resume.html.contains("There is nothing at this address."));
    assert_eq!(responses(&app).len(), 1);
    assert!(answers(&app).is_empty());
}

/// Right-to-left scripts with a direction mark, CJK, emoji built with zero-width joiners and
/// skin-tone modifiers, a decomposed accent, and surrounding spaces and a line break.
const ANY_SCRIPT: [(&str, &str); 3] = [
    ("q.NAME", " مرحبا بالعالم \u{200f}— שלום עולם "),
    (
        "q.STORY",
        "你好，世界。日本語のテキスト、한국어\n👩\u{200d}👩\u{200d}👧\u{200d}👦 🏳\u{fe0f}\u{200d}🌈 👍🏽\nCafe\u{301} e\u{301}",
    ),
    ("q.PICK.other", "Zoë 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ﷺ"),
];

#[tokio::test]
async fn text_in_any_script_is_stored_and_shown_back_byte_for_byte() {
    let app = TestApp::spawn().await;
    add_survey(&app, CHECKS_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "checks");
    r.start().await;

    let mut fields = ANY_SCRIPT.to_vec();
    fields.push(("q.PICK", "other"));
    r.next(0, &fields).await;
    assert_eq!(answer(&app, "NAME", "").as_deref(), Some(ANY_SCRIPT[0].1));
    assert_eq!(answer(&app, "STORY", "").as_deref(), Some(ANY_SCRIPT[1].1));
    assert_eq!(answer(&app, "PICK", "other").as_deref(), Some(ANY_SCRIPT[2].1));

    let shown = r.page(0).await.html;
    assert_eq!(field_value(&shown, "q-NAME").as_deref(), Some(ANY_SCRIPT[0].1));
    assert_eq!(field_value(&shown, "q-STORY").as_deref(), Some(ANY_SCRIPT[1].1));
    assert_eq!(field_value(&shown, "q-PICK-other-text").as_deref(), Some(ANY_SCRIPT[2].1));
    assert!(is_checked(&shown, "q-PICK-other"));
}

#[tokio::test]
async fn html_typed_into_an_answer_is_shown_escaped_never_as_markup() {
    let app = TestApp::spawn().await;
    add_survey(&app, CHECKS_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "checks");
    r.start().await;
    let typed = [
        ("q.NAME", "<script>alert(1)</script>"),
        ("q.STORY", "</textarea><script>alert(2)</script>"),
        ("q.PICK", "other"),
        ("q.PICK.other", "\"><img src=x onerror=alert(3)>"),
    ];
    let mut invalid = typed.to_vec();
    invalid.push(("q.AGE", "young"));

    let refused = r.submit(0, &invalid).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    r.next(0, &typed).await;
    let shown_again = r.page(0).await;
    for (when, html) in [("re-shown with an error", &refused.html), ("shown again later", &shown_again.html)] {
        assert!(!html.contains("<script>alert"), "{when}: {html}");
        assert!(!html.contains("<img src=x"), "{when}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "{when}");
        assert_eq!(field_value(html, "q-NAME").as_deref(), Some(typed[0].1), "{when}");
        assert_eq!(field_value(html, "q-STORY").as_deref(), Some(typed[1].1), "{when}");
        assert_eq!(field_value(html, "q-PICK-other-text").as_deref(), Some(typed[3].1), "{when}");
    }
    assert_eq!(answer(&app, "NAME", "").as_deref(), Some(typed[0].1));
}

#[tokio::test]
async fn line_breaks_are_stored_as_lf_and_a_control_character_is_refused_with_the_answer_kept() {
    let app = TestApp::spawn().await;
    add_survey(&app, CHECKS_SURVEY, Status::Open);
    let mut r = Respondent::new(&app, "checks");
    r.start().await;

    // A control character (here ESC, pasted from a terminal) in the story or in an Other text:
    // refused on that question, with where it is, the typed answer shown back, nothing stored.
    let story = "First line\r\nsecond \u{1b}[31mred";
    for (fields, code) in
        [(vec![("q.STORY", story)], "STORY"), (vec![("q.PICK", "other"), ("q.PICK.other", "bell\u{7}")], "PICK")]
    {
        let reply = r.submit(0, &fields).await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}: {}", reply.html);
        let shown = element_text(&reply.html, &format!("q-{code}-error")).unwrap_or_default();
        assert!(shown.contains("invisible control character (character"), "{fields:?}: {shown}");
        assert!(answers(&app).is_empty(), "{fields:?}: nothing saved");
    }
    let reply = r.submit(0, &[("q.STORY", story)]).await;
    let shown = element_text(&reply.html, "q-STORY-error").unwrap();
    assert!(shown.contains("(character 19)"), "counted as the respondent sees it, one per line break: {shown}");
    assert_eq!(field_value(&reply.html, "q-STORY").as_deref(), Some("First line\nsecond \u{1b}[31mred"));

    // Line breaks as a browser sends them (CR LF), or a lone CR, are stored as LF.
    r.next(0, &[("q.STORY", "One\r\n\r\nTwo\rThree\n"), ("q.PICK", "other"), ("q.PICK.other", "a\r\nb")]).await;
    assert_eq!(answer(&app, "STORY", "").as_deref(), Some("One\n\nTwo\nThree\n"));
    assert_eq!(answer(&app, "PICK", "other").as_deref(), Some("a\nb"));
}
