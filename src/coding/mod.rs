//! Coding: coders apply codes to answers (whole answers, and passages as evidence), mark answers
//! done, write memos; answers are shared out with a double-coded sample, coded blind, and
//! disagreements reconciled into a consensus layer.

pub mod assign;
pub mod blind;
pub mod layers;
pub mod questions;
pub mod store;
pub mod unit_page;
pub mod units;
pub mod web;
