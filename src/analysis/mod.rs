//! Analysis: tallies of codes, cross-tabs by closed answers, co-occurrence and frequency tables,
//! filtered, in a chosen coding layer; shown as tables and SVG charts on the analysis page, and
//! written as CSV by the export writers (`export::tables`).

pub mod charts;
pub mod csv;
pub mod data;
pub mod seriation;
pub mod store;
pub mod svg;
pub mod tables;
pub mod view;
pub mod web;
