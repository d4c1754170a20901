//! Exports of a survey's data and coding to files other tools read. `stream/` is how every export
//! runs (request, file specs, checks, writing); the files' writers are `responses`, `dictionary`,
//! `codings`, `tables` (the analysis tables), `qdpx/` and `statistics` (SPSS, Stata and R, by
//! the format writers of `labelled/`); `reasons` says why a cell is empty; `store.rs` holds their
//! SQL.

pub mod cli;
pub mod codings;
pub mod dictionary;
pub mod fields;
pub mod labelled;
pub mod qdpx;
pub mod reasons;
pub mod responses;
pub mod statistics;
pub mod store;
pub mod stream;
pub mod tables;
pub mod web;
