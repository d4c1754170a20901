//! The machine coder: a classifier per code trained on a codebook version's consensus answers,
//! measured against the consensus by cross-validation with the same agreement statistics as a
//! human coder, and allowed to suggest only the codes where that agreement is proven.
//! See docs/machine-coder.md.

pub mod classifier;
pub mod cli;
pub mod evaluate;
pub mod features;
pub mod jobs;
pub mod model;
pub mod report;
pub mod run;
pub mod store;
pub mod synthetic;
pub mod train;
pub mod web;

#[cfg(test)]
mod tests;

pub use evaluate::{CodeFigures, Settings};
pub use model::Model;
pub use model::Params;
pub use train::{Trained, TrainingSet, train};
