//! The machine coder: a classifier per code trained on a codebook version's consensus answers,
//! measured against the consensus by cross-validation with the same agreement statistics as a
//! human coder, and allowed to suggest only the codes where that agreement is proven.
//! See docs/machine-coder.md.

pub mod classifier;
pub mod evaluate;
pub mod features;
pub mod model;
pub mod synthetic;
pub mod train;

#[cfg(test)]
mod tests;

pub use evaluate::{CodeFigures, Settings};
pub use model::Model;
pub use train::{Params, Trained, TrainingSet, train};
