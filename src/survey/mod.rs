//! Surveys: the definition (pages, questions, choices, texts per language), its TOML file format,
//! checking and display logic, storage with versions, and the researcher's screens.

pub mod file;
pub mod logic;
pub mod messages;
pub mod model;
pub mod validate;
