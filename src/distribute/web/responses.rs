//! `/surveys/{slug}/responses`: the list with filters and a count, one response whole, deleting
//! to the trash (one, or every partial response older than a date), and restoring.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{change_audited, title};
use crate::answer::{Answer, Naming};
use crate::app::AppState;
use crate::audit;
use crate::distribute::participants::{self, STATUSES};
use crate::distribute::responses::{self as managed, ResponseFilter, ResponseSummary, TRASH_DAYS};
use crate::error::{AppError, Result};
use crate::respond::answers::AnswerSet;
use crate::respond::store as answers_store;
use crate::survey::model::SurveyDefinition;
use crate::survey::store::{self, StoredSurvey};
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;
use crate::web::{Page, time_zone};

const PER_PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: ResponseFilter,
    #[serde(default)]
    page: Option<i64>,
}

/// A response row with its times in the researcher's zone.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    response: ResponseSummary,
    started: String,
    submitted: Option<String>,
    deleted: Option<String>,
    duration: Option<String>,
}

/// A duration for people: seconds under two minutes, minutes under two hours, else hours.
fn duration(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} seconds"),
        s if s < 7200 => format!("{} minutes", s / 60),
        s => format!("{:.1} hours", s as f64 / 3600.0),
    }
}

fn shown(response: ResponseSummary, zone: &str) -> Shown {
    Shown {
        started: time_zone::display(&response.started_at, zone),
        submitted: response.submitted_at.as_deref().map(|t| time_zone::display(t, zone)),
        deleted: response.deleted_at.as_deref().map(|t| time_zone::display(t, zone)),
        duration: response.duration_s.map(duration),
        response,
    }
}

/// A date filter must be a date: anything else would silently match nothing.
fn check_dates(filter: &ResponseFilter) -> BTreeMap<&'static str, String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let mut errors = BTreeMap::new();
    for (name, value) in [("from", &filter.from), ("to", &filter.to)] {
        if !value.is_empty() && time::Date::parse(value, format).is_err() {
            errors.insert(name, format!("\"{value}\" is not a date such as 2026-03-01"));
        }
    }
    errors
}

/// `GET /surveys/{slug}/responses`
pub async fn list(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let errors = check_dates(&query.filter);
    let mut filter = query.filter.clone();
    if !errors.is_empty() {
        filter.from.clear();
        filter.to.clear();
    }
    let page_number = query.page.unwrap_or(1).max(1);
    let (id, listed_filter, definition) = (survey.id, filter.clone(), survey.definition.clone());
    let (total, listed, breakoff) = state
        .db
        .read(move |conn| {
            let total = managed::count(conn, id, &listed_filter)?;
            let listed = managed::list(conn, id, &listed_filter, PER_PAGE + 1, (page_number - 1) * PER_PAGE)?;
            let breakoff = managed::breakoff(conn, &definition, id, &listed_filter)?;
            Ok((total, listed, breakoff))
        })
        .await?;
    let has_next = listed.len() as i64 > PER_PAGE;
    let rows: Vec<Shown> = listed.into_iter().take(PER_PAGE as usize).map(|r| shown(r, &user.time_zone)).collect();
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let own = context! {
        survey => &survey, title => title(&survey), listed => rows, total, filter => query.filter, errors,
        page_number, has_next, statuses => STATUSES, languages => &survey.definition.languages,
        anonymous => survey.definition.anonymous, trash_days => TRASH_DAYS, breakoff,
    };
    Ok(page.render_with_status(status, "distribute/responses.html", own)?.into_response())
}

/// An answer as the response page shows it: the question and the answer's lines.
#[derive(Serialize)]
struct AnswerShown {
    code: String,
    question: String,
    lines: Vec<String>,
}

/// Each answered question with its answer's parts in the default language (`answer::Answer::parts`).
fn answers_shown(d: &SurveyDefinition, answers: &AnswerSet) -> Vec<AnswerShown> {
    let naming = Naming::default_labels(d);
    d.questions()
        .filter_map(|(_, q)| {
            let answer = Answer::of(q, answers)?;
            Some(AnswerShown {
                code: q.code.clone(),
                question: d.text(&q.text, &d.default_language).to_string(),
                lines: answer.parts(q, naming),
            })
        })
        .collect()
}

async fn render_response(
    state: &AppState,
    page: &Page,
    survey: &StoredSurvey,
    response_id: i64,
    zone: &str,
    error: Option<&str>,
) -> Result<Response> {
    let survey_id = survey.id;
    let loaded = state
        .db
        .read(move |conn| {
            let Some(response) = managed::find(conn, survey_id, response_id)? else { return Ok(None) };
            let answers = answers_store::load_answers(conn, response_id)?;
            let definition = store::definition_at(conn, survey_id, response.survey_version)?;
            let participant = match response.participant_id {
                Some(id) => participants::find(conn, survey_id, id)?,
                None => None,
            };
            Ok(Some((response, answers, definition, participant)))
        })
        .await?;
    let Some((response, answers, definition, participant)) = loaded else { return Err(AppError::NotFound) };
    let d = definition.as_ref().unwrap_or(&survey.definition);
    let own = context! {
        survey, title => title(survey), response => shown(response, zone), answers => answers_shown(d, &answers),
        participant, anonymous => survey.definition.anonymous, error, trash_days => TRASH_DAYS,
    };
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(page.render_with_status(status, "distribute/response.html", own)?.into_response())
}

/// `GET /surveys/{slug}/responses/{id}`
pub async fn show(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response> {
    render_response(&state, &page, &survey, id, &user.time_zone, None).await
}

#[derive(Deserialize, Default)]
pub struct ConfirmForm {
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    before: String,
    #[serde(default)]
    id: Option<i64>,
}

/// `POST /surveys/{slug}/responses/{id}/delete`: to the trash, once confirmed.
pub async fn delete(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    if form.confirm != "yes" {
        let error = "Tick the box to confirm the deletion.";
        return render_response(&state, &page, &survey, id, &user.time_zone, Some(error)).await;
    }
    let (survey_id, user_id, target) = (survey.id, user.id, (slug.as_str(), format!("response {id}")));
    let deleted =
        change_audited(&state, &user, "response.delete", target, move |tx| managed::delete(tx, survey_id, id, user_id))
            .await?;
    if !deleted {
        return Err(AppError::NotFound);
    }
    flash(&page.session, "success", format!("Response {id} is in the trash for {TRASH_DAYS} days.")).await;
    Ok(Redirect::to(&format!("/surveys/{slug}/responses")).into_response())
}

/// `POST /surveys/{slug}/responses/delete-partial`: every partial response started before a date.
/// Without `confirm` it shows how many that is and asks again.
pub async fn delete_partial(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let before = form.before.trim().to_string();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(&before, format).is_err() {
        flash(&page.session, "error", format!("\"{before}\" is not a date such as 2026-03-01; nothing was deleted."))
            .await;
        return Ok(Redirect::to(&format!("/surveys/{slug}/responses")).into_response());
    }
    let survey_id = survey.id;
    if form.confirm != "yes" {
        let date = before.clone();
        let count = state.db.read(move |conn| managed::count_partial_before(conn, survey_id, &date)).await?;
        let own = context! { survey => &survey, title => title(&survey), before, count, trash_days => TRASH_DAYS };
        return Ok(page.render("distribute/delete_partial.html", own)?.into_response());
    }
    let target = slug.clone();
    let deleted = state
        .db
        .write(move |tx| {
            let deleted = managed::delete_partial_before(tx, survey_id, &before, user.id)?;
            let details = format!("{deleted} partial responses started before {before}");
            audit::record(tx, Some(&user), "responses.delete_partial", &target, &details)?;
            Ok(deleted)
        })
        .await?;
    flash(&page.session, "success", format!("{deleted} partial responses are in the trash for {TRASH_DAYS} days."))
        .await;
    Ok(Redirect::to(&format!("/surveys/{slug}/responses")).into_response())
}

/// `GET /surveys/{slug}/responses/trash`: what was deleted, each restorable until purged (the
/// purge of anything older than the trash period runs first).
pub async fn trash(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    purge(&state).await?;
    let survey_id = survey.id;
    let listed = state.db.read(move |conn| managed::trash(conn, survey_id)).await?;
    let rows: Vec<Shown> = listed.into_iter().map(|r| shown(r, &user.time_zone)).collect();
    let own = context! { survey => &survey, title => title(&survey), listed => rows, trash_days => TRASH_DAYS };
    Ok(page.render("distribute/trash.html", own)?.into_response())
}

/// `POST /surveys/{slug}/responses/trash`: restores the response `id`.
pub async fn restore(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let id = form.id.ok_or(AppError::NotFound)?;
    let (survey_id, target) = (survey.id, (slug.as_str(), format!("response {id}")));
    let restored =
        change_audited(&state, &user, "response.restore", target, move |tx| managed::restore(tx, survey_id, id))
            .await?;
    if !restored {
        return Err(AppError::NotFound);
    }
    flash(&page.session, "success", format!("Response {id} was restored.")).await;
    Ok(Redirect::to(&format!("/surveys/{slug}/responses/trash")).into_response())
}

/// Purges responses that have been in the trash long enough, recording it in the audit log.
pub async fn purge(state: &AppState) -> Result<usize> {
    let purged = state
        .db
        .write(|tx| {
            let purged = managed::purge(tx)?;
            if purged > 0 {
                let details = format!("{purged} responses deleted more than {TRASH_DAYS} days ago");
                audit::record(tx, None, "responses.purge", "", &details)?;
            }
            Ok(purged)
        })
        .await?;
    if purged > 0 {
        state.db.forget_deleted().await?;
    }
    Ok(purged)
}
