//! Answering a survey: the respondent's pages, saving each page as they move on, resuming, and
//! submitting. Answers are plain data (`answers`, `flow`), stored long (`store`), served by `web`.

pub mod answers;
pub mod flow;
pub mod limiter;
pub mod recent;
pub mod store;
pub mod web;
