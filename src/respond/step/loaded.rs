//! What a respondent's request finds before `step` decides: the survey, the respondent's response,
//! their personal link, and what says whether a new response may begin now.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::distribute::access::{self, Schedule};
use crate::distribute::participants::Participant;
use crate::respond::answers::{AnswerSet, Limits};
use crate::respond::limiter::Reservation;
use crate::respond::store::ResponseRow;
use crate::survey::cache::SurveyMeta;
use crate::survey::validate::CompiledSurvey;

/// What a respondent's request finds: the survey, the respondent's response, their personal link,
/// and what decides whether a new response may begin now.
pub struct Loaded {
    pub meta: SurveyMeta,
    pub survey: Arc<CompiledSurvey>,
    /// The response the browser's resume cookie (or, failing that, the form's token) names.
    pub response: Option<Found>,
    /// The personal link the request carries (posted, else kept in a cookie).
    pub link: Link,
    pub now: OffsetDateTime,
    /// Complete responses, counted only when the survey has a response limit and the request no
    /// response (else 0).
    pub complete: i64,
    /// A place held for a new response from this client, or None when it is over the per-client
    /// limit (only looked at when a response would begin).
    pub new_response: Option<Reservation>,
    pub limits: Limits,
}

/// The respondent's response, with the token that found it and its stored answers (when asked for).
pub struct Found {
    pub resume: String,
    pub row: ResponseRow,
    pub answers: AnswerSet,
}

/// A personal link, as looked up.
#[derive(Debug, Clone)]
pub enum Link {
    None,
    /// Boxed: a participant is much larger than the other variants.
    Valid {
        token: String,
        participant: Box<Participant>,
    },
    /// A token that names no participant (mistyped, cut short, or replaced by a new one).
    Invalid,
}

impl Link {
    pub fn token(&self) -> Option<&str> {
        match self {
            Link::Valid { token, .. } => Some(token),
            _ => None,
        }
    }

    pub fn participant(&self) -> Option<&Participant> {
        match self {
            Link::Valid { participant, .. } => Some(participant),
            _ => None,
        }
    }
}

impl Loaded {
    /// The survey's schedule: status, dates and distribution settings.
    fn schedule(&self) -> Schedule<'_> {
        let d = &self.survey.definition;
        Schedule {
            status: self.meta.status,
            opens_at: d.opens_at.as_deref(),
            closes_at: d.closes_at.as_deref(),
            distribution: &self.meta.distribution,
        }
    }

    /// Why a new response may not begin now, as the status page's message keys.
    pub fn refuses_new(&self) -> Option<(&'static str, &'static str)> {
        self.schedule().refuses_new(self.now, || self.complete).map(refusal_keys)
    }

    /// Why a respondent mid-way may not go on: not while open, or closed less than the grace
    /// period ago.
    pub fn refuses_continuing(&self) -> Option<(&'static str, &'static str)> {
        self.schedule().refuses_continuing(self.now).map(refusal_keys)
    }
}

/// The status page's message keys for a refusal.
fn refusal_keys(refusal: access::Refusal) -> (&'static str, &'static str) {
    match refusal {
        access::Refusal::NotOpenYet => ("not_open_title", "not_open_body"),
        access::Refusal::Closed => ("closed_title", "closed_body"),
        access::Refusal::Full => ("full_title", "full_body"),
    }
}
