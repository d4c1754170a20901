//! Answering a survey: the respondent's pages, saving each page as they move on, resuming, and
//! submitting. Answers are plain data (`answers`), stored long (`store`), served by `web`.

pub mod answers;
