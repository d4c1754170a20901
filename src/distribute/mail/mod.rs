//! Invitations and reminders by email: message templates per survey language (`message`), their
//! storage with mailings and deliveries (`store`), the SMTP connection (`smtp`), the background
//! sender (`worker`), and the researcher's mail page and the respondent's opt-out (`web`).
//!
//! Each message is sent at most once: a delivery is committed as `sending` before the SMTP
//! transaction and as `sent` after it; one found `sending` at start-up (a crash or a kill in
//! between) is marked failed for a person to retry, never sent again on its own.

mod defaults;
mod fill;
pub mod message;
pub mod smtp;
pub mod store;
#[cfg(test)]
mod store_tests;
mod web;
pub mod worker;

use serde::Serialize;

pub use smtp::Mailer;
pub use web::{opt_out_router, router};

/// A message's subject and body, as minijinja sources: a survey's own (`store`) or a built-in
/// one (`defaults`), which `message` chooses between and renders.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Template {
    pub subject: String,
    pub body: String,
    /// True when the survey has its own; false for a built-in one.
    pub custom: bool,
}

impl Template {
    fn built_in((subject, body): (&str, &str)) -> Template {
        Template { subject: subject.to_string(), body: body.to_string(), custom: false }
    }
}

/// What a message is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Invitation,
    Reminder,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Invitation, Kind::Reminder];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Invitation => "invitation",
            Kind::Reminder => "reminder",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}
