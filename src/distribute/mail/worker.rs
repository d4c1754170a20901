//! The background sender: one task that takes pending deliveries in order, at the configured pace,
//! and records each outcome. It wakes when a mailing is made or retried, resumes pending work at
//! start-up, and stops between two messages when the server shuts down.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;
use tokio::time::Instant;

use super::message::{self, Fields};
use super::smtp::{self, Envelope};
use super::store::{self, Next};
use crate::app::AppState;
use crate::audit;
use crate::db::DbError;
use crate::distribute::links::{self, LinkKey};
use crate::distribute::participants;

/// How long the sender sleeps when idle before looking again, in case a wake-up was missed (work
/// queued by another process, say).
const IDLE_RECHECK: Duration = Duration::from_secs(300);
/// The pause after a database error before trying again.
const ERROR_PAUSE: Duration = Duration::from_secs(5);

/// The pause before the sender is started again after it ended by itself.
const RESTART_PAUSE: Duration = Duration::from_secs(5);

/// Runs until `stop` turns true (or its sender is dropped), when mail is configured. A message
/// being sent when the stop comes is finished and recorded first. Should the sender ever end
/// before that (a panic), it is logged and started again, so that later mailings do not wait for
/// a restart of the server.
pub async fn run(state: AppState, stop: watch::Receiver<bool>) {
    // Without a server, queued messages wait (rather than all failing) until one is configured.
    if !state.mail.enabled() {
        return;
    }
    let restart = stop.clone();
    keep_running("mail sender", restart, RESTART_PAUSE, move || send_until_stopped(state.clone(), stop.clone())).await;
}

/// Runs the task `start` makes, and a new one whenever it ends (after `pause`, with an error in
/// the log), until `stop` turns true or its sender is dropped.
async fn keep_running<F, T>(what: &'static str, mut stop: watch::Receiver<bool>, pause: Duration, start: F)
where
    F: Fn() -> T,
    T: Future<Output = ()> + Send + 'static,
{
    loop {
        let ended = tokio::spawn(start()).await;
        if *stop.borrow() || stop.has_changed().is_err() {
            return;
        }
        match ended {
            Ok(()) => tracing::error!(task = what, "the task ended by itself; starting it again"),
            Err(err) => tracing::error!(task = what, error = %err, "the task failed; starting it again"),
        }
        if !until_stopped(tokio::time::sleep(pause), &mut stop).await {
            return;
        }
    }
}

/// The sender itself: marks interrupted deliveries failed, then sends until `stop`.
async fn send_until_stopped(state: AppState, mut stop: watch::Receiver<bool>) {
    if let Err(err) = recover(&state).await {
        tracing::error!(error = %err, "could not check for interrupted mail at start-up");
    }
    let mut next_slot = Instant::now();
    loop {
        if !until_stopped(tokio::time::sleep_until(next_slot), &mut stop).await {
            break;
        }
        match send_next(&state).await {
            Ok(true) => next_slot = Instant::now() + state.mail.interval(),
            Ok(false) => {
                let idle = async {
                    tokio::select! {
                        () = state.mail.woken() => {},
                        () = tokio::time::sleep(IDLE_RECHECK) => {},
                    }
                };
                if !until_stopped(idle, &mut stop).await {
                    break;
                }
            }
            Err(err) => {
                tracing::error!(error = %err, "mail sender: database error; trying again shortly");
                next_slot = Instant::now() + ERROR_PAUSE;
            }
        }
    }
}

/// Waits for `future`; false when the stop signal came first.
async fn until_stopped(future: impl Future<Output = ()>, stop: &mut watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return false;
    }
    tokio::select! {
        () = future => !*stop.borrow(),
        changed = stop.changed() => changed.is_ok() && !*stop.borrow(),
    }
}

/// Marks deliveries cut off by a crash as failed, with an audit entry per mailing.
async fn recover(state: &AppState) -> Result<(), DbError> {
    let affected = state
        .db
        .write(|tx| {
            let affected = store::fail_interrupted(tx)?;
            for (mailing, survey, count) in &affected {
                let slug = crate::survey::store::slug_of(tx, *survey)?;
                let details = format!("mailing {mailing}: {count} message(s) may or may not have been delivered");
                audit::record(tx, None, "mail.interrupted", &slug, &details)?;
            }
            Ok(affected)
        })
        .await?;
    for (mailing, _, count) in affected {
        tracing::warn!(mailing, count, "deliveries interrupted by a stop were marked failed; retry them by hand");
    }
    Ok(())
}

/// A message committed as `sending`, ready for the SMTP server.
struct Outgoing {
    next: Next,
    envelope: Envelope,
}

/// Sends the next pending message, if any; true when one was attempted.
async fn send_next(state: &AppState) -> Result<bool, DbError> {
    let (key, base_url) = (state.link_key.clone(), state.base_url());
    let claimed = state.db.write(move |tx| claim(tx, &key, &base_url)).await?;
    let outgoing = match claimed {
        Claim::Nothing => return Ok(false),
        Claim::Unsendable => return Ok(true),
        Claim::Ready(outgoing) => outgoing,
    };
    let Outgoing { next, envelope } = *outgoing;
    let mail = state.mail.clone();
    let outcome = contained(async move { mail.send(&envelope).await }).await;
    if let Err(error) = &outcome {
        tracing::warn!(mailing = next.mailing_id, participant = next.participant_id, %error, "mail not sent");
    }
    record(state, next, outcome).await;
    Ok(true)
}

/// The outcome of one send, run as a task of its own: should it panic (inside the mail library,
/// say), the message is recorded as failed with the reason rather than left `sending` by a dead
/// sender.
async fn contained(send: impl Future<Output = Result<(), String>> + Send + 'static) -> Result<(), String> {
    tokio::spawn(send).await.unwrap_or_else(|err| Err(format!("the message could not be sent: {err}")))
}

enum Claim {
    Nothing,
    /// The message could not be made (a broken template, a deleted survey): recorded as failed.
    Unsendable,
    Ready(Box<Outgoing>),
}

/// In one transaction: the next pending delivery, its message filled in, and its mark as
/// `sending`. The commit happens before anything goes to the SMTP server.
fn claim(conn: &Connection, key: &LinkKey, base_url: &str) -> Result<Claim, DbError> {
    let Some(next) = store::next_pending(conn)? else { return Ok(Claim::Nothing) };
    match compose(conn, &next, key, base_url)? {
        Ok(outgoing) => {
            store::mark_sending(conn, &next)?;
            Ok(Claim::Ready(Box::new(outgoing)))
        }
        Err(problem) => {
            store::mark_failed(conn, &next, &problem)?;
            Ok(Claim::Unsendable)
        }
    }
}

/// The participant's message: their language, the survey's template, their links.
fn compose(conn: &Connection, next: &Next, key: &LinkKey, base_url: &str) -> Result<Result<Outgoing, String>, DbError> {
    let Some(participant) = participants::find(conn, next.survey_id, next.participant_id)? else {
        return Ok(Err("the participant was removed".into()));
    };
    let slug = crate::survey::store::slug_of(conn, next.survey_id)?;
    let Some(survey) = crate::survey::store::find_by_slug(conn, &slug)? else {
        return Ok(Err("the survey was removed".into()));
    };
    let d = &survey.definition;
    let language = message::language_for(d, &participant.language);
    let template = message::choose(conn, survey.id, d, next.kind, &language)?;
    let link = links::personal_link(base_url, &slug, &key.token(&participant.token_salt));
    let opt_out_token = participants::opt_out_token(conn, key, participant.id)?;
    let opt_out_link = links::opt_out_link(base_url, &slug, &opt_out_token);
    let fields = Fields {
        survey_title: d.text(&d.title, &language),
        name: &participant.name,
        email: &participant.email,
        link: &link,
        opt_out_link: &opt_out_link,
        attributes: &participant.attributes,
    };
    let to = match smtp::recipient(&participant.email, &participant.name) {
        Ok(to) => to,
        Err(problem) => return Ok(Err(problem)),
    };
    Ok(match message::render(&template, &fields) {
        Ok(message) => Ok(Outgoing { next: next.clone(), envelope: Envelope { to, message, opt_out_link } }),
        Err(err) => Err(format!("the {} template could not be filled in: {err}", next.kind.as_str())),
    })
}

/// Records a send's outcome. The message has gone (or not): the record is retried for a while
/// rather than given up, since a delivery left `sending` would count as interrupted later.
async fn record(state: &AppState, next: Next, outcome: Result<(), String>) {
    let outcome = Arc::new(outcome);
    for attempt in 1..=5 {
        let (next, outcome) = (next.clone(), outcome.clone());
        let written = state
            .db
            .write(move |tx| match outcome.as_ref() {
                Ok(()) => store::mark_sent(tx, &next),
                Err(error) => store::mark_failed(tx, &next, error),
            })
            .await;
        match written {
            Ok(()) => return,
            Err(err) => {
                tracing::error!(error = %err, attempt, "could not record a mail delivery; trying again");
                tokio::time::sleep(Duration::from_secs(attempt)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_task_that_panics_or_ends_is_started_again_until_the_stop() {
        let (stop_sender, stop) = watch::channel(false);
        let runs = Arc::new(AtomicUsize::new(0));
        let (counted, waiting) = (runs.clone(), stop.clone());
        let supervisor = tokio::spawn(keep_running("test task", stop, RESTART_PAUSE, move || {
            let (runs, mut stop) = (counted.clone(), waiting.clone());
            async move {
                match runs.fetch_add(1, Ordering::SeqCst) {
                    0 => panic!("a bug in the task"),
                    1 => {}
                    _ => while stop.changed().await.is_ok() && !*stop.borrow() {},
                }
            }
        }));
        while runs.load(Ordering::SeqCst) < 3 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        assert!(!supervisor.is_finished(), "the third run goes on");
        stop_sender.send(true).unwrap();
        supervisor.await.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 3, "not started again after the stop");
    }

    #[tokio::test]
    async fn a_send_that_panics_is_a_failure_with_its_reason() {
        let outcome = contained(async { panic!("header broke") }).await;
        let error = outcome.unwrap_err();
        assert!(error.contains("could not be sent") && error.contains("panic"), "{error}");
        assert_eq!(contained(async { Ok(()) }).await, Ok(()));
    }
}
