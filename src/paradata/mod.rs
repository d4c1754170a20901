//! Paradata: what is recorded about how a response was given, besides its answers — the pages
//! saved (when each was shown and saved, in which language), the order randomised elements were
//! shown in, and the class of device. `device.rs` classifies a browser; `trail.rs` reads a
//! response's visits back (the furthest page reached, the time spent on each page). Anonymous
//! surveys keep no time finer than the day, no durations and no device class.

pub mod device;
pub mod trail;

use crate::survey::model::SurveyDefinition;

/// The wide export's paradata columns that every survey has, before its questions.
pub const CONSENT_VERSION: &str = "consent_version";
pub const CONSENT_AT: &str = "consent_at";
pub const DEVICE: &str = "device";
pub const LAST_PAGE: &str = "last_page";

/// The column of the seconds spent on a page.
pub fn time_column(page: &str) -> String {
    format!("time_{page}")
}

/// The column of the order a randomised page's questions, or question's choices, were shown in.
pub fn order_column(code: &str) -> String {
    format!("order_{code}")
}

/// The codes of what `definition` randomises: pages (their questions' order) and questions (their
/// choices' or rows' order), in survey order.
pub fn randomised(definition: &SurveyDefinition) -> Vec<&str> {
    let mut codes = Vec::new();
    for page in &definition.pages {
        if page.randomize {
            codes.push(page.code.as_str());
        }
        codes.extend(page.questions.iter().filter(|q| q.randomize).map(|q| q.code.as_str()));
    }
    codes
}

/// Every paradata column the wide export may give `definition` (whether it is anonymous or not),
/// for the validator to keep question codes off them.
pub fn column_names(definition: &SurveyDefinition) -> Vec<String> {
    let mut names: Vec<String> = [CONSENT_VERSION, CONSENT_AT, DEVICE, LAST_PAGE].map(str::to_string).to_vec();
    names.extend(definition.pages.iter().map(|p| time_column(&p.code)));
    names.extend(randomised(definition).into_iter().map(order_column));
    names
}
