//! The webhook sender: one task, started by `app::serve`, that takes the due deliveries from the
//! queue, POSTs each (signed) and records the outcome — delivered on a 2xx answer, otherwise
//! tried again later (`retry_at`) or given up. A delivery leaves the queue only once its receiver
//! has answered 2xx and that is committed, so a crash or a restart in between sends it again: at
//! least once. It wakes when an event is queued from a page (`AppState::webhooks`), when the next
//! delivery is due, and once a second for completions queued by respondents.

use std::time::Duration;

use tokio::sync::watch;

use super::send::{self, Signed};
use super::store::{self, Due, Outcome};
use super::{now_ms, retry_at, sign, url};
use crate::app::AppState;

/// The longest the sender sleeps before looking at the queue again.
const POLL: Duration = Duration::from_secs(1);
/// Deliveries taken from the queue at a time.
const BATCH: i64 = 20;

/// Runs until `stop` turns true (or its sender is dropped); an attempt under way is finished and
/// recorded first.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    loop {
        if *stop.borrow() {
            return;
        }
        // One indexed read a second while nothing is due.
        let wait = match state.db.read(store::next_due).await {
            Ok(Some(due)) if due <= now_ms() => match deliver_due(&state).await {
                Ok(()) => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "webhooks: could not read or record deliveries");
                    POLL
                }
            },
            Ok(Some(due)) => Duration::from_millis(u64::try_from(due - now_ms()).unwrap_or(0)).min(POLL),
            Ok(None) => POLL,
            Err(err) => {
                tracing::warn!(error = %err, "webhooks: could not read the queue");
                POLL
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = state.webhooks.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// Sends every delivery due now, one after another.
async fn deliver_due(state: &AppState) -> Result<(), crate::db::DbError> {
    let due = state.db.read(|conn| store::due(conn, now_ms(), BATCH)).await?;
    for delivery in due {
        let outcome = attempt(state, &delivery).await;
        match &outcome {
            Outcome::Delivered { .. } => tracing::info!(delivery = delivery.id, "webhook delivered"),
            Outcome::Failed { error, .. } => tracing::warn!(delivery = delivery.id, %error, "webhook attempt failed"),
        }
        let id = delivery.id;
        state.db.write(move |tx| store::record(tx, id, &outcome)).await?;
    }
    Ok(())
}

/// One attempt at `delivery`, and what it came to.
async fn attempt(state: &AppState, delivery: &Due) -> Outcome {
    let allow_private = state.config.allow_private_webhooks;
    let failed = |status: Option<u16>, error: String| Outcome::Failed {
        status,
        error,
        retry_at: retry_at(now_ms(), delivery.attempts + 1, state.config.webhook_retry_ms),
    };
    let target = match url::parse(&delivery.url, allow_private) {
        Ok(target) => target,
        Err(why) => return failed(None, why),
    };
    let timestamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let signed = Signed {
        event: &delivery.event,
        delivery_id: delivery.id,
        signature: sign::signature(&delivery.secret, timestamp, delivery.payload.as_bytes()),
    };
    match send::post(&target, &signed, delivery.payload.clone(), allow_private).await {
        Ok(status) if (200..300).contains(&status) => Outcome::Delivered { status },
        Ok(status) => failed(Some(status), format!("the receiver answered {status}")),
        Err(error) => failed(None, error),
    }
}
