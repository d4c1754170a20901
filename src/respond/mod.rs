//! Answering a survey: the respondent's pages, saving each page as they move on, resuming, and
//! submitting. Answers are plain data (`answers`, `flow`), stored long (`store`); what a request
//! carries (`visit`) and finds decide in `step` what it does, `write` does it, `web` serves it.

pub mod answers;
pub mod flow;
pub mod limiter;
pub mod recent;
pub mod resume;
pub mod step;
pub mod store;
pub mod texts;
pub mod visit;
pub mod web;
pub mod write;

pub use step::step;
