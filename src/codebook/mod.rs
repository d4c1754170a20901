//! Codebooks: trees of categories and codes with their definitions, versioned, as TOML and as
//! REFI-QDA files, and the operations that keep every coding (rename, move, merge, split, retire).

pub mod model;
