//! Webhooks (issue 20; docs/api.md): a survey's researchers register URLs; each completed
//! response is queued for each of them in the transaction that completes it
//! (`response_completed`, called by `respond::write`), and the sender (`worker.rs`) POSTs it,
//! signed (`sign.rs`), at least once, with retries and exponential backoff (`retry_at`).
//! `store.rs` holds the SQL (the queue is also the delivery log), `url.rs` which addresses are
//! taken, `send.rs` the HTTP client, `web.rs` the survey's Webhooks page with its log and "send a
//! test event".

pub mod send;
pub mod sign;
pub mod store;
pub mod url;
pub mod web;
pub mod worker;

use rusqlite::Connection;
use serde_json::json;

use crate::api::lines::ResponseLine;
use crate::db::DbError;

/// Attempts before a delivery is given up (its log says so; "send a test event" checks a fixed
/// receiver).
pub const MAX_ATTEMPTS: i64 = 12;
/// The longest wait between two attempts, in milliseconds.
const MAX_WAIT_MS: i64 = 6 * 3600 * 1000;

/// The time now, in Unix milliseconds (the queue's clock).
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// When to try again after the `failed`-th failed attempt, given the first wait `base_ms`: each
/// wait twice the one before, at most six hours; None after `MAX_ATTEMPTS`.
pub fn retry_at(now_ms: i64, failed: i64, base_ms: u64) -> Option<i64> {
    if failed >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(failed.saturating_sub(1)).unwrap_or(0).min(30);
    let wait = i64::try_from(base_ms).unwrap_or(MAX_WAIT_MS).saturating_mul(1 << doublings).min(MAX_WAIT_MS);
    Some(now_ms + wait)
}

/// Queues the completed response for each of its survey's webhooks, in the transaction that
/// completes it. (Its place in the order of completion, the API's `since=`, a trigger records.)
pub fn response_completed(tx: &Connection, response_id: i64) -> Result<(), DbError> {
    // Most surveys have none: one indexed lookup, before reading the response.
    let hooks = store::of_response(tx, response_id)?;
    if hooks.is_empty() {
        return Ok(());
    }
    let Some(response) = crate::api::store::completed(tx, response_id)? else { return Ok(()) };
    let slug = crate::survey::store::slug_of(tx, response.survey_id)?;
    let Some(survey) = crate::survey::store::find_by_slug(tx, &slug)? else { return Ok(()) };
    let line = ResponseLine::of(response, &survey.definition);
    let payload = json!({ "event": "response.completed", "survey": slug, "response": line }).to_string();
    for hook in hooks {
        store::enqueue(tx, hook.id, "response.completed", Some(response_id), &payload, now_ms())?;
    }
    Ok(())
}

/// Queues a test event for the survey's webhook `hook_id`.
pub fn queue_test(tx: &Connection, hook_id: i64, slug: &str) -> Result<(), DbError> {
    let payload = json!({
        "event": "test",
        "survey": slug,
        "message": "A test event from fieldwork: the webhook is reachable and the signature can be checked.",
    });
    store::enqueue(tx, hook_id, "test", None, &payload.to_string(), now_ms())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_wait_doubles_up_to_six_hours_and_the_twelfth_failure_gives_up() {
        let waits: Vec<i64> = (1..=5).map(|failed| retry_at(0, failed, 30_000).unwrap()).collect();
        assert_eq!(waits, [30_000, 60_000, 120_000, 240_000, 480_000]);
        assert_eq!(retry_at(0, 11, 30_000), Some(MAX_WAIT_MS));
        assert_eq!(retry_at(0, MAX_ATTEMPTS, 30_000), None);
    }
}
