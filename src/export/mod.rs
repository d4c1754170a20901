//! Exports of a survey's data and coding to files other tools read.

pub mod cli;
pub mod codings;
pub mod dictionary;
pub mod labelled;
pub mod qdpx;
pub mod responses;
pub mod stream;
pub mod web;
