//! The mail page: who invitations and reminders would go to now, the templates per language, each
//! mailing's progress, failures with the server's message, and the buttons that send and retry.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::title;
use crate::app::AppState;
use crate::audit;
use crate::distribute::mail::{Kind, store};
use crate::distribute::participants;
use crate::error::{AppError, Result};
use crate::respond::web::view::language_name;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

/// Failures listed on the page at most (the newest).
const FAILURES_SHOWN: i64 = 200;
/// Seconds between automatic refreshes while a mailing is under way.
const REFRESH_SECS: u32 = 5;

/// One template slot on the page: a kind in a language, the survey's own or built in.
#[derive(Serialize)]
struct TemplateSlot {
    kind: &'static str,
    language: String,
    language_name: String,
    custom: bool,
}

/// `GET /surveys/{slug}/mail`
pub async fn show(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    let id = survey.id;
    let (invitations, reminders, participant_count, customised, mailings, failures) = state
        .db
        .read(move |conn| {
            Ok((
                store::recipient_count(conn, id, Kind::Invitation)?,
                store::recipient_count(conn, id, Kind::Reminder)?,
                participants::counts(conn, id)?.total,
                store::customised(conn, id)?,
                store::mailings(conn, id)?,
                store::failures(conn, id, FAILURES_SHOWN)?,
            ))
        })
        .await?;
    let templates: Vec<TemplateSlot> = Kind::ALL
        .iter()
        .flat_map(|kind| survey.definition.languages.iter().map(move |language| (*kind, language)))
        .map(|(kind, language)| TemplateSlot {
            kind: kind.as_str(),
            language: language.clone(),
            language_name: language_name(language),
            custom: customised.iter().any(|(k, l)| k == kind.as_str() && l == language),
        })
        .collect();
    let under_way = mailings.iter().any(|m| m.remaining > 0);
    let server = state.mail.describe();
    let own = context! {
        survey => &survey,
        title => title(&survey),
        mail_enabled => state.mail.enabled(),
        server => server.as_ref().map(|(s, _)| s),
        from => server.as_ref().map(|(_, f)| f),
        per_minute => state.mail.per_minute(),
        invitations, reminders, participant_count, templates, mailings, failures,
        refresh => under_way.then_some(REFRESH_SECS),
    };
    Ok(page.render("distribute/mail.html", own)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct SendForm {
    #[serde(default)]
    kind: String,
}

/// `POST /surveys/{slug}/mail/send`: a mailing of invitations or reminders to everyone it is due to.
pub async fn send(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(form): Form<SendForm>,
) -> Result<Response> {
    let kind = Kind::parse(&form.kind).ok_or(AppError::NotFound)?;
    let back = Redirect::to(&format!("/surveys/{slug}/mail")).into_response();
    if !state.mail.enabled() {
        flash(&page.session, "error", "Nothing sent: mail is not configured on this server.").await;
        return Ok(back);
    }
    let (id, target) = (survey.id, slug.clone());
    let created = state
        .db
        .write(move |tx| {
            let created = store::create_mailing(tx, id, kind, Some(user.id))?;
            if let Some((mailing, count)) = created {
                let action = match kind {
                    Kind::Invitation => "invitations.send",
                    Kind::Reminder => "reminders.send",
                };
                audit::record(tx, Some(&user), action, &target, &format!("mailing {mailing}: {count} participants"))?;
            }
            Ok(created)
        })
        .await?;
    let message = match (created, kind) {
        (Some((_, count)), Kind::Invitation) => format!("Sending {count} invitation{}.", plural(count)),
        (Some((_, count)), Kind::Reminder) => format!("Sending {count} reminder{}.", plural(count)),
        (None, Kind::Invitation) => "Nobody to invite: every participant has been invited or opted out.".into(),
        (None, Kind::Reminder) => "Nobody to remind: everyone invited has completed or opted out.".into(),
    };
    if created.is_some() {
        state.mail.wake();
    }
    flash(&page.session, if created.is_some() { "success" } else { "error" }, message).await;
    Ok(back)
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// `POST /surveys/{slug}/mail/{mailing}/retry`: the mailing's failed messages, queued again.
pub async fn retry(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, mailing)): Path<(String, i64)>,
) -> Result<Response> {
    // Another survey's mailing is not found under this one.
    let survey_id = survey.id;
    if !state.db.read(move |conn| store::mailings(conn, survey_id)).await?.iter().any(|m| m.id == mailing) {
        return Err(AppError::NotFound);
    }
    if !state.mail.enabled() {
        flash(&page.session, "error", "Nothing sent: mail is not configured on this server.").await;
        return Ok(Redirect::to(&format!("/surveys/{slug}/mail")).into_response());
    }
    let (id, target) = (survey.id, slug.clone());
    let retried = state
        .db
        .write(move |tx| {
            let retried = store::retry_failed(tx, id, mailing)?;
            if retried > 0 {
                audit::record(
                    tx,
                    Some(&user),
                    "mail.retry",
                    &target,
                    &format!("mailing {mailing}: {retried} messages"),
                )?;
            }
            Ok(retried)
        })
        .await?;
    if retried > 0 {
        state.mail.wake();
        flash(&page.session, "success", format!("Trying {retried} message{} again.", plural(retried))).await;
    } else {
        flash(&page.session, "error", "No failed messages to retry in that mailing.").await;
    }
    Ok(Redirect::to(&format!("/surveys/{slug}/mail")).into_response())
}
