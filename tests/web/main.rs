//! All integration tests, compiled into one binary: each module drives the real server.

mod helpers;
mod respondent;

mod accounts_admin;
mod agreement_crosscheck;
mod agreement_page;
mod agreement_three_ways;
mod analysis;
mod answers;
mod auth;
mod browser;
mod browser_coding;
mod browser_distribution;
mod browser_line_breaks;
mod browser_members;
mod browser_methods;
mod browser_respond;
mod browser_smoke;
mod cli;
mod coding;
mod database;
mod default_layer;
mod distribution;
mod durability;
mod export_qdpx;
mod exports;
mod layout;
mod login_flood;
mod mail;
mod methods;
mod respond;
mod scoping;
mod security;
mod streaming;
mod surveys;
