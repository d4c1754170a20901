//! Distribution: who is invited to a survey and how they get in (access mode, personal links,
//! participant lists), when it takes answers (dates, limit, grace period), and the researcher's
//! handling of what comes back (the responses page, trash, erasure).

pub mod access;
pub mod cli;
pub mod import;
pub mod links;
pub mod mail;
pub mod participants;
pub mod responses;
pub mod web;
