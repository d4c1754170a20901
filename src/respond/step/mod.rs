//! Where a respondent's POST is decided: `step` looks at what the request found (`Loaded`), what
//! it carries (`Visit`) and what its form says (`Posted`), and returns the one thing to do — go
//! elsewhere, show the form again, refuse, begin a response, or save a page. It reads and writes
//! nothing, so every rule is unit-tested here (`tests.rs`); `web/execute.rs` does what it says.
//!
//! The Start button of the welcome page and the first page of a survey without one both begin a
//! response, and pass the same checks in the same order: the personal link (or the public link's
//! admission), the survey's dates and response limit, the form token, the form's own problems,
//! the honeypot, and the per-client limit on new responses.

mod loaded;
mod page;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::BTreeMap;

use axum::http::StatusCode;

pub use loaded::{Found, Link, Loaded};
pub use page::Checked;

use crate::respond::answers::{AnswerSet, Problem};
use crate::respond::flow;
use crate::respond::store::ResponseRow;
use crate::respond::visit::Visit;
use crate::respond::write::{Saving, Seen};

/// Which form the respondent sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// The welcome page's Start.
    Welcome,
    /// A page of questions.
    Page(usize),
}

/// A respondent's form as posted: which form, and its fields.
#[derive(Debug, Clone)]
pub struct Posted {
    pub form: Form,
    pub fields: Vec<(String, String)>,
}

impl Posted {
    /// A field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The resume token the page carries (the `r` field), for a browser that lost its cookie.
    pub fn resume_token(&self) -> Option<&str> {
        self.field("r").filter(|t| !t.is_empty())
    }

    /// The personal link's token carried in a form that begins a response.
    pub fn invite_token(&self) -> Option<&str> {
        self.field("invite").filter(|t| !t.is_empty())
    }

    /// The language asked for: a switch, else the language the page was shown in.
    fn language_asked(&self) -> Option<&str> {
        self.field("switch_lang").or(self.field("lang"))
    }

    /// The field hidden from people, which naive bots fill in.
    fn honeypot_filled(&self) -> bool {
        self.field("website").is_some_and(|w| !w.is_empty())
    }

    /// The seed a first page was shown with (before a response exists), when it draws an order.
    pub fn seed(&self) -> Option<u64> {
        self.field("seed").and_then(|s| s.trim().parse().ok())
    }

    /// When the page was shown (the `shown` field, seconds since 1970) as RFC 3339: not after
    /// `now`, and not more than 30 days before (a form kept that long, or altered, says nothing).
    pub fn shown_at(&self, now: time::OffsetDateTime) -> Option<String> {
        let seconds: i64 = self.field("shown")?.trim().parse().ok()?;
        let shown = time::OffsetDateTime::from_unix_timestamp(seconds).ok()?;
        if shown > now || now - shown > time::Duration::days(30) {
            return None;
        }
        shown.format(&time::format_description::well_known::Rfc3339).ok()
    }
}

/// What to do with a respondent's POST.
#[derive(Debug)]
pub enum Step {
    /// Go to another address; nothing is written.
    Redirect(String),
    /// The form again, with what was typed.
    Reshow(Again),
    /// A page saying why not, in `language`.
    Refuse { why: Refusal, language: String },
    /// Begin a response, with the first page stored in it when a page was posted.
    Begin(Begin),
    /// Store a page of the respondent's response (or, for a language switch, where they are).
    Save(Save),
}

/// The form as it comes back.
#[derive(Debug, Clone, PartialEq)]
pub struct Again {
    pub form: Form,
    pub status: StatusCode,
    /// A message key shown above the form.
    pub notice: Option<&'static str>,
    /// What is wrong, by question code.
    pub problems: BTreeMap<String, Problem>,
    /// The answers as typed, merged with those stored before.
    pub answers: AnswerSet,
    pub language: String,
    /// The response's resume token ("" before a response exists).
    pub resume: String,
    /// The personal link's token, carried in a form that begins a response.
    pub invite: Option<String>,
    /// The seed the page's order is drawn from.
    pub seed: u64,
}

impl Again {
    /// The same form with another status and notice.
    pub fn with(self, status: StatusCode, notice: &'static str) -> Again {
        Again { status, notice: Some(notice), ..self }
    }
}

/// Why a respondent is turned away.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// The status page with these message keys (title, body).
    Status { keys: (&'static str, &'static str), status: StatusCode },
    /// A personal link that names no participant.
    InvalidLink,
    /// No such page.
    NotFound,
}

/// A response to begin.
#[derive(Debug)]
pub struct Begin {
    pub language: String,
    /// Whether the respondent agreed to the consent text (Start on a welcome page that has one).
    pub consented: bool,
    /// The participant whose personal link begins it.
    pub participant_id: Option<i64>,
    /// The personal link's token, to show what it leads to if it began a response meanwhile.
    pub invite: Option<String>,
    /// What is stored with it: the first page, or only that the respondent is on it.
    pub saving: Saving,
    /// The seed of its randomised orders, when the first page was shown with one.
    pub seed: Option<u64>,
    /// The form again, should it not be stored.
    pub again: Again,
}

/// A page to store in the respondent's response.
#[derive(Debug)]
pub struct Save {
    pub response_id: i64,
    pub saving: Saving,
    /// The participant to mark completed with the response (anonymous surveys: see `Write`).
    pub completes_participant: Option<i64>,
    /// The resume token to set in the cookie again: the form's token found the response because
    /// the browser had lost its cookie.
    pub remember: Option<String>,
    /// After storing: on to the next page, or (a language switch) the page again.
    pub then: Then,
    /// The form again, should it not be stored (and after a language switch).
    pub again: Again,
}

/// Where a stored page leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Then {
    GoOn,
    ShowAgain,
}

/// Decides what to do with a respondent's POST.
pub fn step(loaded: &Loaded, visit: &Visit, posted: &Posted) -> Step {
    match (posted.form, &loaded.response) {
        (Form::Welcome, _) => start(loaded, visit, posted),
        (Form::Page(index), None) => first_page(loaded, visit, posted, index),
        (Form::Page(index), Some(found)) => page(loaded, visit, posted, index, found),
    }
}

/// Where the respondent was in `response`, in `lang` if given.
pub fn resume_target(slug: &str, response: &ResponseRow, lang: Option<&str>) -> String {
    let query = lang.map(|l| format!("?lang={}", crate::error::urlencode(l))).unwrap_or_default();
    if response.complete {
        format!("/s/{slug}/done{query}")
    } else {
        format!("/s/{slug}/p/{}{query}", response.page_index)
    }
}

/// Start on the welcome page.
fn start(loaded: &Loaded, visit: &Visit, posted: &Posted) -> Step {
    let (d, slug) = (&loaded.survey.definition, &loaded.meta.slug);
    if !d.welcome_page {
        // No welcome page to start from (the setting changed while it was open): the first page.
        return Step::Redirect(format!("/s/{slug}"));
    }
    if let Some(found) = &loaded.response {
        // A reload or a second click: carry on with the same response.
        return Step::Redirect(resume_target(slug, &found.row, None));
    }
    let language = visit.language(&loaded.survey, posted.language_asked(), None);
    let again = Again {
        form: Form::Welcome,
        status: StatusCode::OK,
        notice: None,
        problems: BTreeMap::new(),
        answers: AnswerSet::new(),
        language: language.clone(),
        resume: String::new(),
        invite: loaded.link.token().map(str::to_string),
        seed: 0,
    };
    let needs_consent = !d.consent.is_empty();
    let own_problem = (needs_consent && posted.field("consent") != Some("yes"))
        .then(|| again.clone().with(StatusCode::UNPROCESSABLE_ENTITY, "error_consent"));
    let first = flow::first_page(&loaded.survey, &AnswerSet::new());
    let saving = Saving::position(&loaded.survey, loaded.meta.version, first, &language);
    begin(loaded, visit, posted, again, own_problem, saving, needs_consent)
}

/// A page posted with no response yet: in a survey without a welcome page the first page begins
/// the response and is stored with it; until it is valid nothing is stored.
fn first_page(loaded: &Loaded, visit: &Visit, posted: &Posted, index: usize) -> Step {
    let (survey, slug) = (&loaded.survey, &loaded.meta.slug);
    let empty = AnswerSet::new();
    if survey.definition.welcome_page || index != flow::first_page(survey, &empty) {
        // Only the first page of a survey without a welcome page begins a response.
        return Step::Redirect(format!("/s/{slug}"));
    }
    let language = visit.language(survey, posted.language_asked(), None);
    let checked = Checked::check(survey, index, &empty, &posted.fields, loaded.limits);
    let seen = Seen { seed: posted.seed().unwrap_or(0), shown_at: posted.shown_at(loaded.now) };
    let saving = Saving::new(survey, loaded.meta.version, (index, &seen), &checked, &language);
    let again = Again {
        form: Form::Page(index),
        status: StatusCode::OK,
        notice: None,
        problems: BTreeMap::new(),
        answers: checked.merged,
        language,
        resume: String::new(),
        invite: loaded.link.token().map(str::to_string),
        seed: seen.seed,
    };
    let own_problem = if posted.field("switch_lang").is_some() || checked.going_back {
        // Nothing to save yet, and nowhere to go back to: the page again, as typed.
        Some(again.clone())
    } else if !checked.problems.is_empty() {
        Some(Again { status: StatusCode::UNPROCESSABLE_ENTITY, problems: checked.problems, ..again.clone() })
    } else {
        None
    };
    begin(loaded, visit, posted, again, own_problem, saving, false)
}

/// The checks every form that begins a response passes, in this order: the personal link and
/// admission, the survey's dates and limit, the form token, the form's own problems
/// (`own_problem`), the honeypot, the per-client limit. A filled honeypot shows the form again,
/// as typed, with the hidden field empty: real answers may be there (a password manager filling
/// the hidden field), and a person's second send goes through.
fn begin(
    loaded: &Loaded,
    visit: &Visit,
    posted: &Posted,
    again: Again,
    own_problem: Option<Again>,
    saving: Saving,
    consented: bool,
) -> Step {
    let language = again.language.clone();
    let refuse = |why| Step::Refuse { why, language: language.clone() };
    if matches!(loaded.link, Link::Invalid) {
        return refuse(Refusal::InvalidLink);
    }
    let participant = loaded.link.participant();
    if participant.is_none() && !loaded.meta.distribution.access.admits_public() {
        let keys = ("invitation_only_title", "invitation_only_body");
        return refuse(Refusal::Status { keys, status: StatusCode::FORBIDDEN });
    }
    if let Some(keys) = loaded.refuses_new() {
        return refuse(Refusal::Status { keys, status: StatusCode::OK });
    }
    if !visit.form_token_matches(posted.field("form_token")) {
        return Step::Reshow(again.with(StatusCode::UNPROCESSABLE_ENTITY, "error_resubmit"));
    }
    if let Some(again) = own_problem {
        return Step::Reshow(again);
    }
    if posted.honeypot_filled() {
        return Step::Reshow(again.with(StatusCode::UNPROCESSABLE_ENTITY, "error_resubmit"));
    }
    if participant.is_none() && loaded.new_response.is_none() {
        return Step::Reshow(again.with(StatusCode::TOO_MANY_REQUESTS, "too_many"));
    }
    Step::Begin(Begin {
        language,
        consented,
        participant_id: participant.map(|p| p.id),
        invite: loaded.link.token().map(str::to_string),
        saving,
        seed: posted.seed(),
        again,
    })
}

/// A page of the respondent's response: Next, Back, Submit or a language switch.
fn page(loaded: &Loaded, visit: &Visit, posted: &Posted, index: usize, found: &Found) -> Step {
    let (survey, slug) = (&loaded.survey, &loaded.meta.slug);
    if found.row.complete {
        // A second click on Submit, or the Back button after submitting: one response, kept.
        return Step::Redirect(format!("/s/{slug}/done"));
    }
    let language = visit.language(survey, posted.language_asked(), Some(&found.row.language));
    if let Some(keys) = loaded.refuses_continuing() {
        return Step::Refuse { why: Refusal::Status { keys, status: StatusCode::OK }, language };
    }
    if index >= survey.definition.pages.len() {
        return Step::Refuse { why: Refusal::NotFound, language };
    }
    if let Some(unfinished) = flow::first_unfinished_page(survey, index, &found.answers) {
        // A typed address skips no page: nothing is saved from a page not reached yet.
        return Step::Redirect(format!("/s/{slug}/p/{unfinished}"));
    }
    let checked = Checked::check(survey, index, &found.answers, &posted.fields, loaded.limits);
    let version = loaded.meta.version;
    let switching = posted.field("switch_lang").is_some();
    let seen = Seen { seed: found.row.seed, shown_at: posted.shown_at(loaded.now) };
    let saving = if switching {
        Saving::position(survey, version, index, &language)
    } else {
        Saving::new(survey, version, (index, &seen), &checked, &language)
    };
    let again = Again {
        form: Form::Page(index),
        status: StatusCode::OK,
        notice: None,
        problems: BTreeMap::new(),
        answers: checked.merged,
        language,
        resume: found.resume.clone(),
        invite: None,
        seed: found.row.seed,
    };
    if !visit.form_token_matches(posted.field("form_token")) {
        return Step::Reshow(again.with(StatusCode::UNPROCESSABLE_ENTITY, "error_resubmit"));
    }
    if !switching && !checked.problems.is_empty() && !checked.going_back {
        return Step::Reshow(Again { status: StatusCode::UNPROCESSABLE_ENTITY, problems: checked.problems, ..again });
    }
    let anonymous = survey.definition.anonymous;
    Step::Save(Save {
        response_id: found.row.id,
        saving,
        // In an anonymous survey only the personal link knows whose response this is.
        completes_participant: loaded.link.participant().map(|p| p.id).filter(|_| anonymous),
        remember: (visit.resume_cookie(loaded.meta.id) != Some(found.resume.as_str())).then(|| found.resume.clone()),
        then: if switching { Then::ShowAgain } else { Then::GoOn },
        again,
    })
}
