//! Durability and faults: a server killed mid-load keeps every response it acknowledged; a full
//! disk, database files that cannot be written and a write held by another connection never
//! lose an answer and heal by themselves; slow, idle and oversized requests are cut off while
//! respondents keep getting through; an export killed halfway leaves no half-written file.
//! (A restart during an email send belongs with the distribution feature's tests.)

mod backup;
mod crash;
mod export_restart;
mod faults;
mod login_memory;
mod slow_clients;
mod storage;
mod unwritable;

// The load generator's respondent and server process, so that the crash test drives the server
// exactly as `cargo bench --bench loadgen` does.
#[path = "../../benches/loadgen/respondent.rs"]
#[expect(dead_code, reason = "shared with the load generator, which uses all of it")]
mod load_respondent;
#[path = "../../benches/loadgen/server.rs"]
#[expect(dead_code, reason = "shared with the load generator, which uses all of it")]
mod load_server;
