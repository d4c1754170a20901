//! `POST /surveys/{slug}/access`: the access mode, the response limit and the grace period.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::participants::{ListQuery, page_context};
use crate::app::AppState;
use crate::audit;
use crate::distribute::access::{self, Access};
use crate::error::Result;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

/// The longest grace period offered: a month.
const MAX_GRACE_HOURS: i64 = 24 * 31;

#[derive(Debug, Clone, Deserialize, Default, serde::Serialize)]
pub struct AccessForm {
    #[serde(default)]
    access: String,
    #[serde(default)]
    response_limit: String,
    #[serde(default)]
    grace_hours: String,
}

/// The settings as typed, or a message per field.
fn read(form: &AccessForm) -> Result<(Access, Option<i64>, i64), BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let access = Access::parse(&form.access).unwrap_or_else(|| {
        errors.insert("access", "choose who may answer".to_string());
        Access::Public
    });
    let limit = match form.response_limit.trim() {
        "" => None,
        typed => match typed.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                errors.insert(
                    "response_limit",
                    format!("\"{typed}\" is not a whole number above 0; leave it empty for no limit"),
                );
                None
            }
        },
    };
    let grace = match form.grace_hours.trim().parse::<i64>() {
        Ok(hours) if (0..=MAX_GRACE_HOURS).contains(&hours) => hours,
        _ => {
            errors.insert("grace_hours", format!("give a whole number of hours from 0 to {MAX_GRACE_HOURS}"));
            24
        }
    };
    if errors.is_empty() { Ok((access, limit, grace)) } else { Err(errors) }
}

/// `POST /surveys/{slug}/access`
pub async fn save(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    Form(form): Form<AccessForm>,
) -> Result<Response> {
    let (access_mode, limit, grace) = match read(&form) {
        Ok(settings) => settings,
        Err(access_errors) => {
            let base = page_context(&state, &survey, &user, &ListQuery::default()).await?;
            let own = context! { access_errors, access_form => form, ..base };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(page.render_with_status(status, "distribute/participants.html", own)?.into_response());
        }
    };
    let (id, target) = (survey.id, slug.clone());
    state
        .db
        .write(move |tx| {
            access::set_access(tx, id, access_mode)?;
            access::set_limits(tx, id, limit, grace)?;
            let limit = limit.map_or("none".to_string(), |n| n.to_string());
            let details = format!("access {}; response limit {limit}; grace {grace} h", access_mode.as_str());
            audit::record(tx, Some(&user), "survey.access", &target, &details)
        })
        .await?;
    flash(&page.session, "success", "Access settings saved.").await;
    Ok(Redirect::to(&format!("/surveys/{slug}/participants")).into_response())
}
