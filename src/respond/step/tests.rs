//! `step`, case by case: what each respondent POST leads to, without a server.

use std::sync::Arc;

use time::OffsetDateTime;

use super::*;
use crate::distribute::access::{Access, Distribution};
use crate::distribute::participants::Participant;
use crate::respond::answers::Limits;
use crate::respond::limiter::Reservation;
use crate::survey::cache::SurveyMeta;
use crate::survey::store::Status;

/// Two pages; the first has a required question and reveals a second one when answered `other`.
const SURVEY: &str = r#"
format = 1
slug = "sur"
default_language = "en"
languages = ["en", "es"]
title = { en = "S" }

[[pages]]
code = "first"
[[pages.questions]]
code = "ROLE"
type = "single_choice"
required = true
text = { en = "Role?" }
choices = [{ code = "dev", label = { en = "Developer" } }, { code = "else", label = { en = "Something else" } }]
[[pages.questions]]
code = "WHICH"
type = "short_text"
relevant = "${ROLE} = 'else'"
text = { en = "Which?" }

[[pages]]
code = "second"
[[pages.questions]]
code = "MORE"
type = "short_text"
text = { en = "More?" }
"#;

const FORM_TOKEN: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const RESUME: &str = "RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR";
const INVITE: &str = "IIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIIII";

/// The survey, changed by `edit` (e.g. `welcome_page = false`), open, public, nothing begun.
pub(crate) fn loaded_with(edit: &str) -> Loaded {
    let text = format!("{edit}\n{SURVEY}");
    let survey = crate::survey::file::from_toml(&text).expect("a valid survey");
    Loaded {
        meta: SurveyMeta {
            id: 7,
            slug: "sur".into(),
            status: Status::Open,
            version: 3,
            updated_at: String::new(),
            distribution: Distribution { grace_hours: 24, ..Distribution::default() },
        },
        survey: Arc::new(survey),
        response: None,
        link: Link::None,
        now: OffsetDateTime::now_utc(),
        complete: 0,
        new_response: Some(Reservation::unlimited()),
        limits: Limits { max_answer_chars: 100 },
    }
}

/// The survey with a welcome page and a consent text.
fn loaded() -> Loaded {
    loaded_with(r#"consent = { en = "I agree to take part." }"#)
}

/// The survey without a welcome page.
fn direct() -> Loaded {
    loaded_with("welcome_page = false")
}

/// `loaded` with a response on page `page_index`, holding `answers`, found by the resume cookie.
fn with_response(mut loaded: Loaded, page_index: usize, answers: &[(&str, &str)]) -> Loaded {
    let row = ResponseRow { id: 42, complete: false, language: "en".into(), page_index, seed: 42 };
    let answers = answers.iter().map(|(q, v)| (q.to_string(), BTreeMap::from([(String::new(), v.to_string())])));
    loaded.response = Some(Found { resume: RESUME.into(), row, answers: answers.collect() });
    loaded.new_response = None;
    loaded
}

/// A participant whose personal link the request carries.
pub(crate) fn participant(id: i64) -> Participant {
    Participant {
        id,
        survey_id: 7,
        email: "p@example.org".into(),
        name: String::new(),
        language: String::new(),
        attributes: Default::default(),
        token_salt: Vec::new(),
        status: "invited".into(),
        invited_at: None,
        reminded_at: None,
        reminders: 0,
        started_at: None,
        completed_at: None,
        opted_out_at: None,
        mail_error: None,
    }
}

fn with_link(mut loaded: Loaded, id: i64) -> Loaded {
    loaded.link = Link::Valid { token: INVITE.into(), participant: Box::new(participant(id)) };
    loaded
}

/// A browser that holds its form token and, if `resume`, the response's cookie.
pub(crate) fn browser(resume: bool) -> Visit {
    let mut visit = Visit { accept_language: "es;q=0.5, en".into(), ..Visit::default() };
    if resume {
        visit.resume.push((7, RESUME.into()));
    }
    visit.with_form_cookie(Some(FORM_TOKEN))
}

/// A form as a browser sends it: the form token, then `fields`.
fn posted(form: Form, fields: &[(&str, &str)]) -> Posted {
    let mut all = vec![("form_token".to_string(), FORM_TOKEN.to_string())];
    all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    Posted { form, fields: all }
}

fn start(fields: &[(&str, &str)]) -> Posted {
    posted(Form::Welcome, fields)
}

fn page(index: usize, fields: &[(&str, &str)]) -> Posted {
    posted(Form::Page(index), fields)
}

/// The form shown again: (status, notice).
fn reshown(step: &Step) -> (StatusCode, Option<&'static str>) {
    match step {
        Step::Reshow(again) => (again.status, again.notice),
        other => panic!("expected the form again, got {other:?}"),
    }
}

fn refused(step: &Step) -> &Refusal {
    match step {
        Step::Refuse { why, .. } => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn begun(step: Step) -> Begin {
    match step {
        Step::Begin(begin) => begin,
        other => panic!("expected a response to begin, got {other:?}"),
    }
}

fn saved(step: Step) -> Save {
    match step {
        Step::Save(save) => save,
        other => panic!("expected a page to save, got {other:?}"),
    }
}

fn redirect(step: &Step) -> &str {
    match step {
        Step::Redirect(to) => to,
        other => panic!("expected a redirect, got {other:?}"),
    }
}

const CLOSED: (&str, &str) = ("closed_title", "closed_body");

#[test]
fn start_with_consent_begins_a_response_on_the_first_page() {
    let begin = begun(step(&loaded(), &browser(false), &start(&[("consent", "yes")])));
    assert!(begin.consented);
    assert_eq!(begin.language, "en", "the browser's first choice");
    assert_eq!(begin.participant_id, None);
    assert_eq!(begin.saving.target("sur"), "/s/sur/p/0");
    assert!(begin.saving.rows().is_empty(), "nothing answered yet");
}

#[test]
fn start_without_consent_or_with_a_stale_form_token_shows_the_welcome_page_again() {
    let again = step(&loaded(), &browser(false), &start(&[]));
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, Some("error_consent")));

    let mut stale = start(&[("consent", "yes")]);
    stale.fields[0].1 = "B".repeat(43);
    let again = step(&loaded(), &browser(false), &stale);
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, Some("error_resubmit")));

    // A browser without the form cookie (lost, expired) cannot match any posted token.
    let cookieless = Visit::default().with_form_cookie(None);
    let again = step(&loaded(), &cookieless, &start(&[("consent", "yes")]));
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, Some("error_resubmit")));
}

#[test]
fn start_with_a_response_already_carries_on_with_it() {
    let loaded = with_response(loaded(), 1, &[("ROLE", "dev")]);
    let step = step(&loaded, &browser(true), &start(&[("consent", "yes")]));
    assert_eq!(redirect(&step), "/s/sur/p/1");
}

#[test]
fn start_on_a_survey_without_a_welcome_page_goes_to_its_first_page() {
    let step = step(&direct(), &browser(false), &start(&[("consent", "yes")]));
    assert_eq!(redirect(&step), "/s/sur");
}

#[test]
fn a_filled_honeypot_shows_either_form_again_as_typed_and_begins_nothing() {
    let bot = [("consent", "yes"), ("website", "https://spam.example")];
    let again = step(&loaded(), &browser(false), &start(&bot));
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, Some("error_resubmit")));

    let bot = [("q.ROLE", "dev"), ("website", "https://spam.example")];
    let again = step(&direct(), &browser(false), &page(0, &bot));
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, Some("error_resubmit")));
    let Step::Reshow(again) = again else { unreachable!() };
    assert_eq!(again.answers["ROLE"][""], "dev", "the answers come back");
}

#[test]
fn a_client_over_its_limit_is_told_so_on_either_form_unless_it_has_a_personal_link() {
    let mut over = loaded();
    over.new_response = None;
    let again = step(&over, &browser(false), &start(&[("consent", "yes")]));
    assert_eq!(reshown(&again), (StatusCode::TOO_MANY_REQUESTS, Some("too_many")));

    let mut over = direct();
    over.new_response = None;
    let again = step(&over, &browser(false), &page(0, &[("q.ROLE", "dev")]));
    assert_eq!(reshown(&again), (StatusCode::TOO_MANY_REQUESTS, Some("too_many")));

    let mut invited = with_link(direct(), 5);
    invited.new_response = None;
    let begin = begun(step(&invited, &browser(false), &page(0, &[("q.ROLE", "dev")])));
    assert_eq!(begin.participant_id, Some(5), "a personal link admits its one response anyway");
}

#[test]
fn a_closed_not_yet_open_or_full_survey_begins_nothing() {
    let mut closed = loaded();
    closed.meta.status = Status::Closed;
    let why = refused(&step(&closed, &browser(false), &start(&[("consent", "yes")]))).clone();
    assert_eq!(why, Refusal::Status { keys: CLOSED, status: StatusCode::OK });

    let mut draft = direct();
    draft.meta.status = Status::Draft;
    let why = refused(&step(&draft, &browser(false), &page(0, &[("q.ROLE", "dev")]))).clone();
    assert_eq!(why, Refusal::Status { keys: ("not_open_title", "not_open_body"), status: StatusCode::OK });

    let mut full = loaded();
    full.meta.distribution.response_limit = Some(2);
    full.complete = 2;
    let why = refused(&step(&full, &browser(false), &start(&[("consent", "yes")]))).clone();
    assert_eq!(why, Refusal::Status { keys: ("full_title", "full_body"), status: StatusCode::OK });
    full.complete = 1;
    begun(step(&full, &browser(false), &start(&[("consent", "yes")])));
}

#[test]
fn a_closed_survey_lets_a_respondent_mid_way_finish_within_the_grace_period_only() {
    let mut closed = with_response(loaded(), 0, &[]);
    closed.meta.status = Status::Closed;
    closed.meta.distribution.closed_at = Some(crate::db::now_rfc3339());
    let save = saved(step(&closed, &browser(true), &page(0, &[("q.ROLE", "dev")])));
    assert_eq!(save.saving.target("sur"), "/s/sur/p/1");

    closed.meta.distribution.grace_hours = 0;
    let why = refused(&step(&closed, &browser(true), &page(0, &[("q.ROLE", "dev")]))).clone();
    assert_eq!(why, Refusal::Status { keys: CLOSED, status: StatusCode::OK });
}

#[test]
fn personal_links_decide_who_may_begin_in_a_survey_by_invitation() {
    let mut by_invitation = loaded();
    by_invitation.meta.distribution.access = Access::Invitation;
    let why = refused(&step(&by_invitation, &browser(false), &start(&[("consent", "yes")]))).clone();
    let keys = ("invitation_only_title", "invitation_only_body");
    assert_eq!(why, Refusal::Status { keys, status: StatusCode::FORBIDDEN });

    let invited = with_link(by_invitation, 5);
    let begin = begun(step(&invited, &browser(false), &start(&[("consent", "yes"), ("invite", INVITE)])));
    assert_eq!((begin.participant_id, begin.invite.as_deref()), (Some(5), Some(INVITE)));

    let mut mistyped = invited;
    mistyped.link = Link::Invalid;
    let why = refused(&step(&mistyped, &browser(false), &start(&[("consent", "yes")]))).clone();
    assert_eq!(why, Refusal::InvalidLink);
}

#[test]
fn the_first_page_of_a_survey_without_a_welcome_page_begins_the_response_with_its_answers() {
    let begin = begun(step(&direct(), &browser(false), &page(0, &[("q.ROLE", "dev"), ("lang", "es")])));
    assert!(!begin.consented);
    assert_eq!(begin.language, "es", "the language the page was shown in");
    assert_eq!(begin.saving.rows(), [("ROLE".to_string(), String::new(), "dev".to_string())]);
    assert_eq!(begin.saving.target("sur"), "/s/sur/p/1");
}

#[test]
fn the_first_page_with_problems_a_switch_or_back_comes_back_as_typed_and_begins_nothing() {
    let problems = step(&direct(), &browser(false), &page(0, &[("q.WHICH", "typed")]));
    assert_eq!(reshown(&problems), (StatusCode::UNPROCESSABLE_ENTITY, None));
    let Step::Reshow(again) = problems else { unreachable!() };
    assert_eq!(again.problems.keys().collect::<Vec<_>>(), ["ROLE"]);

    for fields in [[("switch_lang", "es"), ("q.ROLE", "dev")], [("action", "back"), ("q.ROLE", "dev")]] {
        let again = step(&direct(), &browser(false), &page(0, &fields));
        assert_eq!(reshown(&again), (StatusCode::OK, None), "{fields:?}");
    }
    let switched = step(&direct(), &browser(false), &page(0, &[("switch_lang", "es")]));
    let Step::Reshow(again) = switched else { unreachable!() };
    assert_eq!(again.language, "es");
}

#[test]
fn only_the_first_page_of_a_survey_without_a_welcome_page_can_begin_a_response() {
    let later = step(&direct(), &browser(false), &page(1, &[("q.MORE", "skip ahead")]));
    assert_eq!(redirect(&later), "/s/sur");
    let with_welcome = step(&loaded(), &browser(false), &page(0, &[("q.ROLE", "dev")]));
    assert_eq!(redirect(&with_welcome), "/s/sur");
}

#[test]
fn a_page_of_a_response_is_saved_and_leads_on() {
    let loaded = with_response(loaded(), 0, &[]);
    let save = saved(step(&loaded, &browser(true), &page(0, &[("q.ROLE", "dev")])));
    assert_eq!((save.response_id, save.then, save.remember.as_deref()), (42, Then::GoOn, None));
    assert_eq!(save.saving.target("sur"), "/s/sur/p/1");
    let last = saved(step(&with_response(self::loaded(), 1, &[("ROLE", "dev")]), &browser(true), &page(1, &[])));
    assert_eq!(last.saving.target("sur"), "/s/sur/done");
}

#[test]
fn an_answer_revealing_a_question_on_its_page_brings_the_page_back_once() {
    let loaded = with_response(loaded(), 0, &[]);
    let save = saved(step(&loaded, &browser(true), &page(0, &[("q.ROLE", "else")])));
    assert_eq!(save.saving.target("sur"), "/s/sur/p/0?more=1");
}

#[test]
fn a_page_with_problems_comes_back_but_going_back_saves_what_is_valid() {
    let loaded = with_response(loaded(), 0, &[]);
    let again = step(&loaded, &browser(true), &page(0, &[("q.WHICH", "typed")]));
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, None));
    let Step::Reshow(again) = again else { unreachable!() };
    assert_eq!((again.resume.as_str(), again.answers["WHICH"][""].as_str()), (RESUME, "typed"));

    let back = with_response(self::loaded(), 1, &[("ROLE", "dev")]);
    let save =
        saved(step(&back, &browser(true), &page(1, &[("action", "back"), ("q.MORE", "x".repeat(101).as_str())])));
    assert_eq!(save.saving.target("sur"), "/s/sur/p/0");
    assert!(save.saving.rows().is_empty(), "the answer past the limit is let go");
}

#[test]
fn a_language_switch_records_the_language_and_shows_the_page_again() {
    let loaded = with_response(loaded(), 0, &[]);
    let save = saved(step(&loaded, &browser(true), &page(0, &[("switch_lang", "es"), ("q.WHICH", "typed")])));
    assert_eq!((save.then, save.again.language.as_str()), (Then::ShowAgain, "es"));
    assert!(save.saving.rows().is_empty(), "only the position is written");
    assert_eq!(save.again.answers["WHICH"][""], "typed", "the typed answers come back");
}

#[test]
fn a_page_with_a_stale_token_comes_back_with_the_answers_and_saves_nothing() {
    let loaded = with_response(loaded(), 0, &[]);
    let cookieless = Visit { resume: vec![(7, RESUME.into())], ..Visit::default() }.with_form_cookie(None);
    let again = step(&loaded, &cookieless, &page(0, &[("q.ROLE", "dev")]));
    assert_eq!(reshown(&again), (StatusCode::UNPROCESSABLE_ENTITY, Some("error_resubmit")));
}

#[test]
fn a_response_found_by_the_forms_token_alone_is_remembered_again() {
    let loaded = with_response(loaded(), 0, &[]);
    let save = saved(step(&loaded, &browser(false), &page(0, &[("q.ROLE", "dev"), ("r", RESUME)])));
    assert_eq!(save.remember.as_deref(), Some(RESUME));
}

#[test]
fn a_submitted_response_stays_as_it_is_and_a_typed_address_skips_no_page() {
    let mut done = with_response(loaded(), 1, &[("ROLE", "dev")]);
    if let Some(found) = &mut done.response {
        found.row.complete = true;
    }
    assert_eq!(redirect(&step(&done, &browser(true), &page(1, &[("q.MORE", "again")]))), "/s/sur/done");

    let skipping = with_response(loaded(), 0, &[]);
    assert_eq!(redirect(&step(&skipping, &browser(true), &page(1, &[("q.MORE", "ahead")]))), "/s/sur/p/0");
    let beyond = step(&skipping, &browser(true), &page(9, &[]));
    assert_eq!(refused(&beyond), &Refusal::NotFound);
}

#[test]
fn completing_an_anonymous_response_marks_the_personal_links_participant() {
    let anonymous =
        with_link(with_response(loaded_with("anonymous = true\nwelcome_page = true"), 1, &[("ROLE", "dev")]), 5);
    let save = saved(step(&anonymous, &browser(true), &page(1, &[])));
    assert_eq!(save.completes_participant, Some(5));
    let named = with_link(with_response(loaded(), 1, &[("ROLE", "dev")]), 5);
    let save = saved(step(&named, &browser(true), &page(1, &[])));
    assert_eq!(save.completes_participant, None, "a named response says whose it is itself");
}
