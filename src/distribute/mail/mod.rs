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
