//! The token API (issue 20): personal access tokens (`tokens.rs`, their SQL in `store.rs`, the
//! `fieldwork token` command in `cli.rs`), the extractors that say who a request comes from and
//! which survey it may reach (`auth.rs`), JSON errors (`error.rs`), the endpoints under
//! `/api/v1` (`web/`), and the OpenAPI document generated from them (`openapi.rs`).

pub mod auth;
pub mod cli;
pub mod error;
pub mod lines;
pub mod openapi;
pub mod store;
pub mod tokens;
pub mod web;
