//! The background sender: one task that takes pending deliveries in order, at the configured pace,
//! and records each outcome. It wakes when a mailing is made or retried, resumes pending work at
//! start-up, and stops between two messages when the server shuts down.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;
use tokio::sync::watch;
use tokio::time::Instant;

use super::message::{self, Fields, Rendered};
use super::smtp::Envelope;
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

/// Runs until `stop` turns true (or its sender is dropped), when mail is configured. A message
/// being sent when the stop comes is finished and recorded first.
pub async fn run(state: AppState, mut stop: watch::Receiver<bool>) {
    // Without a server, queued messages wait (rather than all failing) until one is configured.
    if !state.mail.enabled() {
        return;
    }
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
                let slug = survey_slug(tx, *survey)?;
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

fn survey_slug(conn: &Connection, survey_id: i64) -> Result<String, DbError> {
    Ok(conn.query_row("SELECT slug FROM surveys WHERE id = ?1", [survey_id], |r| r.get(0))?)
}

/// A message committed as `sending`, ready for the SMTP server.
struct Outgoing {
    next: Next,
    email: String,
    name: String,
    message: Rendered,
    opt_out_link: String,
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
    let envelope = Envelope {
        email: &outgoing.email,
        name: &outgoing.name,
        message: &outgoing.message,
        opt_out_link: &outgoing.opt_out_link,
    };
    let outcome = state.mail.send(&envelope).await;
    if let Err(error) = &outcome {
        tracing::warn!(mailing = outgoing.next.mailing_id, participant = outgoing.next.participant_id, %error, "mail not sent");
    }
    record(state, outgoing.next, outcome).await;
    Ok(true)
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
    let slug = survey_slug(conn, next.survey_id)?;
    let Some(survey) = crate::survey::store::find_by_slug(conn, &slug)? else {
        return Ok(Err("the survey was removed".into()));
    };
    let d = &survey.definition;
    let language = message::language_for(d, &participant.language);
    let template = message::choose(conn, survey.id, d, next.kind, &language)?;
    let token = key.token(&participant.token_salt);
    let link = links::personal_link(base_url, &slug, &token);
    let opt_out_link = links::opt_out_link(base_url, &slug, &token);
    let fields = Fields {
        survey_title: d.text(&d.title, &language),
        name: &participant.name,
        email: &participant.email,
        link: &link,
        opt_out_link: &opt_out_link,
        attributes: &participant.attributes,
    };
    Ok(match message::render(&template, &fields) {
        Ok(message) => Ok(Outgoing {
            next: next.clone(),
            email: participant.email.clone(),
            name: participant.name.clone(),
            message,
            opt_out_link,
        }),
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
