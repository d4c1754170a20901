//! `/surveys/{slug}/participants`: the list with status counts and filters, import from CSV,
//! adding one participant, and the personal links as CSV.

use axum::Form;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::{Value, context};
use serde::Deserialize;

use super::participant::{ParticipantFields, read_fields};
use super::title;
use crate::accounts::User;
use crate::app::AppState;
use crate::audit;
use crate::distribute::access;
use crate::distribute::import::{self, RowProblem};
use crate::distribute::participants::{self, LinkColumns, Participant, ParticipantFilter};
use crate::error::Result;
use crate::survey::store::StoredSurvey;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;
use crate::web::{Page, time_zone};

/// Participants shown per page of the list.
const PER_PAGE: i64 = 100;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

/// A participant as a row of the list.
#[derive(serde::Serialize)]
struct Row {
    id: i64,
    email: String,
    name: String,
    language: String,
    status: String,
    attributes: String,
    last_mail: Option<String>,
    mail_error: Option<String>,
}

fn row(p: Participant, zone: &str) -> Row {
    let last_mail = p.reminded_at.as_deref().or(p.invited_at.as_deref()).map(|t| time_zone::display(t, zone));
    let attributes = p.attributes.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| format!("{k}: {v}"));
    Row {
        id: p.id,
        email: p.email,
        name: p.name,
        language: p.language,
        status: p.status,
        attributes: attributes.collect::<Vec<_>>().join("; "),
        last_mail,
        mail_error: p.mail_error,
    }
}

/// Everything the participants page shows; forms that come back with problems add their own.
pub(super) async fn page_context(
    state: &AppState,
    survey: &StoredSurvey,
    user: &User,
    query: &ListQuery,
) -> Result<Value> {
    let filter = ParticipantFilter { status: query.status.clone(), search: query.q.trim().to_string() };
    let page_number = query.page.unwrap_or(1).max(1);
    let (id, list_filter) = (survey.id, filter.clone());
    let (counts, listed, distribution) = state
        .db
        .read(move |conn| {
            let counts = participants::counts(conn, id)?;
            let listed = participants::list(conn, id, &list_filter, PER_PAGE + 1, (page_number - 1) * PER_PAGE)?;
            Ok((counts, listed, access::load(conn, id)?))
        })
        .await?;
    let has_next = listed.len() as i64 > PER_PAGE;
    let rows: Vec<Row> = listed.into_iter().take(PER_PAGE as usize).map(|p| row(p, &user.time_zone)).collect();
    let d = &survey.definition;
    Ok(context! {
        survey => survey,
        title => title(survey),
        counts,
        participants => rows,
        filter => context! { status => filter.status, q => filter.search },
        page_number, has_next,
        distribution,
        statuses => participants::STATUSES,
        languages => &d.languages,
        public_link => format!("{}/s/{}", state.base_url(), survey.slug),
    })
}

/// `GET /surveys/{slug}/participants`
pub async fn list(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let own = page_context(&state, &survey, &user, &query).await?;
    Ok(page.render("distribute/participants.html", own)?.into_response())
}

/// `POST /surveys/{slug}/participants/import` (multipart: a `file` upload or a pasted `csv`).
pub async fn import(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    mut multipart: Multipart,
) -> Result<Response> {
    let (mut uploaded, mut pasted) = (Vec::new(), String::new());
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("file") => uploaded = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
            Some("csv") => pasted = field.text().await.unwrap_or_default(),
            _ => {}
        }
    }
    let bytes = if uploaded.is_empty() { pasted.clone().into_bytes() } else { uploaded };
    let outcome = import_bytes(&state, &survey, &user, bytes).await?;
    match outcome {
        Ok(count) => {
            flash(&page.session, "success", format!("Imported {count} participant{}.", plural(count))).await;
            Ok(Redirect::to(&format!("/surveys/{slug}/participants")).into_response())
        }
        Err(import_problems) => {
            let base = page_context(&state, &survey, &user, &ListQuery::default()).await?;
            let own = context! { import_problems, pasted, ..base };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page.render_with_status(status, "distribute/participants.html", own)?.into_response())
        }
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 { "" } else { "s" }
}

/// Checks every row, then stores all of them in one transaction, or none.
pub(super) async fn import_bytes(
    state: &AppState,
    survey: &StoredSurvey,
    user: &User,
    bytes: Vec<u8>,
) -> Result<Result<usize, Vec<RowProblem>>> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        let message = "choose a CSV file or paste its text".to_string();
        return Ok(Err(vec![RowProblem { line: 0, message }]));
    }
    let (id, languages, key, actor, slug) =
        (survey.id, survey.definition.languages.clone(), state.link_key.clone(), user.clone(), survey.slug.clone());
    Ok(state
        .db
        .write(move |tx| {
            let imported = import::import_csv(tx, &key, id, &languages, &bytes)?;
            if let Ok(count) = imported {
                audit::record(tx, Some(&actor), "participants.import", &slug, &format!("{count} participants"))?;
            }
            Ok(imported)
        })
        .await?)
}

/// `POST /surveys/{slug}/participants`: one participant added by hand.
pub async fn add(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(fields): Form<ParticipantFields>,
) -> Result<Response> {
    let (id, key, actor, target) = (survey.id, state.link_key.clone(), user.clone(), slug.clone());
    let languages = survey.definition.languages.clone();
    let outcome = state
        .db
        .write(move |tx| {
            let taken = participants::emails(tx, id)?;
            let new = match read_fields(&fields, &languages, &taken, None) {
                Ok(new) => new,
                Err(errors) => return Ok(Err((errors, fields))),
            };
            let added = participants::insert(tx, &key, id, &new)?;
            audit::record(tx, Some(&actor), "participant.add", &target, &format!("participant {added}"))?;
            Ok(Ok(new.email))
        })
        .await?;
    match outcome {
        Ok(email) => {
            flash(&page.session, "success", format!("Added {email}.")).await;
            Ok(Redirect::to(&format!("/surveys/{slug}/participants")).into_response())
        }
        Err((add_errors, add)) => {
            let base = page_context(&state, &survey, &user, &ListQuery::default()).await?;
            let own = context! { add_errors, add, ..base };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(page.render_with_status(status, "distribute/participants.html", own)?.into_response())
        }
    }
}

/// `GET /surveys/{slug}/participants/links.csv`: every personal link, for one's own mail tool.
pub async fn links_csv(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    Path(slug): Path<String>,
) -> Result<Response> {
    let (id, key, base_url, file_slug) = (survey.id, state.link_key.clone(), state.base_url(), slug.clone());
    let csv = state
        .db
        .read(move |conn| {
            let mut out = Vec::new();
            participants::write_links(conn, &key, &base_url, (id, &file_slug), LinkColumns::ForMailMerge, &mut out)?;
            Ok(out)
        })
        .await?;
    let target = slug.clone();
    state.db.write(move |tx| audit::record(tx, Some(&user), "participants.links", &target, "")).await?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{slug}-links.csv\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, csv).into_response())
}
