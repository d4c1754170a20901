//! Who may answer a survey and when: the access mode (public link, personal links, or both), the
//! open and close dates, a limit on complete responses, and the grace period in which respondents
//! who are mid-way may finish after the survey closes. The settings are stored beside the survey
//! (`access/store.rs`).

mod store;

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

pub use self::store::{COLUMNS, complete_responses, from_row, load, set_access, set_limits};
use crate::survey::store::Status;

/// How respondents reach a survey.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Anyone with the survey's address.
    #[default]
    Public,
    /// Only someone with a personal link.
    Invitation,
    /// The public address and personal links alike.
    Both,
}

impl Access {
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::Invitation => "invitation",
            Access::Both => "both",
        }
    }

    pub fn parse(text: &str) -> Option<Access> {
        match text {
            "public" => Some(Access::Public),
            "invitation" => Some(Access::Invitation),
            "both" => Some(Access::Both),
            _ => None,
        }
    }

    /// Whether someone without a personal link may start a response.
    pub fn admits_public(self) -> bool {
        self != Access::Invitation
    }
}

/// A survey's distribution settings, as stored beside its definition.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Distribution {
    pub access: Access,
    pub response_limit: Option<i64>,
    pub grace_hours: i64,
    /// When the survey was last closed by hand.
    pub closed_at: Option<String>,
}

/// Why a survey takes no answers from someone, or nothing when it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotOpenYet,
    Closed,
    Full,
}

/// The moments that decide whether a survey takes answers.
#[derive(Debug, Clone)]
pub struct Schedule<'a> {
    pub status: Status,
    pub opens_at: Option<&'a str>,
    pub closes_at: Option<&'a str>,
    pub distribution: &'a Distribution,
}

fn parse(text: Option<&str>) -> Option<OffsetDateTime> {
    text.and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok())
}

impl Schedule<'_> {
    /// When the survey closed (by hand or at its close date), if it has.
    fn closed_since(&self, now: OffsetDateTime) -> Option<OffsetDateTime> {
        match self.status {
            Status::Closed => Some(parse(self.distribution.closed_at.as_deref()).unwrap_or(now)),
            _ => parse(self.closes_at).filter(|t| now >= *t),
        }
    }

    /// Whether a new response may start now; `complete` is the number of complete responses.
    pub fn refuses_new(&self, now: OffsetDateTime, complete: impl FnOnce() -> i64) -> Option<Refusal> {
        if self.status == Status::Draft || parse(self.opens_at).is_some_and(|t| now < t) {
            return Some(Refusal::NotOpenYet);
        }
        if self.closed_since(now).is_some() {
            return Some(Refusal::Closed);
        }
        if self.distribution.response_limit.is_some_and(|limit| complete() >= limit) {
            return Some(Refusal::Full);
        }
        None
    }

    /// Whether a respondent who started before may go on: while open, and for the grace period
    /// after closing. A full survey lets those mid-way finish.
    pub fn refuses_continuing(&self, now: OffsetDateTime) -> Option<Refusal> {
        if self.status == Status::Draft {
            return Some(Refusal::NotOpenYet);
        }
        let grace = time::Duration::hours(self.distribution.grace_hours);
        match self.closed_since(now) {
            Some(closed) if now >= closed + grace => Some(Refusal::Closed),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).unwrap()
    }

    #[test]
    fn dates_limit_and_grace_decide_who_may_answer() {
        let distribution = Distribution { grace_hours: 24, response_limit: Some(2), ..Default::default() };
        let schedule = Schedule {
            status: Status::Open,
            opens_at: Some("2026-01-01T00:00:00Z"),
            closes_at: Some("2026-02-01T00:00:00Z"),
            distribution: &distribution,
        };
        assert_eq!(schedule.refuses_new(at("2025-12-31T23:00:00Z"), || 0), Some(Refusal::NotOpenYet));
        assert_eq!(schedule.refuses_new(at("2026-01-10T00:00:00Z"), || 1), None);
        assert_eq!(schedule.refuses_new(at("2026-01-10T00:00:00Z"), || 2), Some(Refusal::Full));
        assert_eq!(schedule.refuses_continuing(at("2026-01-10T00:00:00Z")), None, "a full survey lets them finish");
        assert_eq!(schedule.refuses_new(at("2026-02-01T00:00:00Z"), || 0), Some(Refusal::Closed));
        assert_eq!(schedule.refuses_continuing(at("2026-02-01T23:59:00Z")), None, "within the grace period");
        assert_eq!(schedule.refuses_continuing(at("2026-02-02T00:00:00Z")), Some(Refusal::Closed));
    }

    #[test]
    fn closing_by_hand_starts_the_grace_period_and_reopening_ends_it() {
        let distribution =
            Distribution { grace_hours: 1, closed_at: Some("2026-03-01T12:00:00Z".into()), ..Default::default() };
        let closed = Schedule { status: Status::Closed, opens_at: None, closes_at: None, distribution: &distribution };
        assert_eq!(closed.refuses_new(at("2026-03-01T12:30:00Z"), || 0), Some(Refusal::Closed));
        assert_eq!(closed.refuses_continuing(at("2026-03-01T12:30:00Z")), None);
        assert_eq!(closed.refuses_continuing(at("2026-03-01T13:00:00Z")), Some(Refusal::Closed));
        let reopened = Schedule { status: Status::Open, ..closed };
        assert_eq!(reopened.refuses_new(at("2026-03-02T00:00:00Z"), || 0), None);
    }
}
