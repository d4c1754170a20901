//! fieldwork: self-hosted surveys and qualitative coding. The binary in `main.rs` is a thin shell
//! over this library, which the integration tests drive directly.

pub mod accounts;
pub mod agreement;
pub mod analysis;
pub mod answer;
pub mod api;
pub mod app;
pub mod audit;
pub mod backup;
pub mod codebook;
pub mod coding;
pub mod config;
pub mod csv_out;
pub mod dashboard;
pub mod db;
pub mod distribute;
pub mod error;
pub mod export;
pub mod limesurvey;
pub mod logging;
pub mod paradata;
pub mod report;
pub mod respond;
#[cfg(test)]
mod shared_folder;
pub mod study_kit;
pub mod suggest;
pub mod survey;
pub mod terminal;
pub mod text;
pub mod web;
pub mod webhooks;
pub mod xlsform;
