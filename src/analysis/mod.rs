//! Analysis: tallies of codes, cross-tabs by closed answers, co-occurrence and frequency tables,
//! filtered, in a chosen coding layer; shown as tables and SVG charts, downloadable as CSV.

pub mod csv;
pub mod data;
pub mod svg;
pub mod tables;
pub mod web;
