//! The survey's settings in the builder: address, languages, anonymity, the welcome page, dates
//! (typed in the researcher's time zone), the missing-data codes and the survey's own texts.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use crate::app::AppState;
use crate::error::Result;
use crate::survey::model::{Reason, Text};
use crate::survey::validate::{CompiledSurvey, DefinitionError};
use crate::web::page::flash;
use crate::web::{Page, time_zone};

use super::*;

/// `GET /surveys/{slug}/build/settings`
pub async fn settings_form(ManagedSurvey { user, survey, .. }: ManagedSurvey, page: Page) -> Result<Response> {
    let d = &survey.definition;
    let local = |utc: &Option<String>| utc.as_deref().map(|t| time_zone::to_local(t, &user.time_zone));
    let own = context! {
        // Serialised, `d` leaves out a welcome page that is on (the file format's default).
        survey => &survey, d, welcome_page => d.welcome_page, errors => Vec::<DefinitionError>::new(), based_on => &survey.updated_at,
        opens_local => local(&d.opens_at), closes_local => local(&d.closes_at), time_zone => &user.time_zone,
        missing => MISSING_FIELDS.map(|(name, reason)| (name, d.missing_codes.code(reason).to_string())).into_iter().collect::<BTreeMap<_, _>>(),
    };
    Ok(page.render("survey/settings.html", own)?.into_response())
}

/// The missing-data code fields, `missing.NAME`, and the reason each gives the code of.
const MISSING_FIELDS: [(&str, Reason); 3] =
    [("not_shown", Reason::NotShown), ("not_reached", Reason::NotReached), ("skipped", Reason::Skipped)];

/// A date-time typed in the researcher's time zone as stored UTC; empty is none.
fn typed_time(fields: &Fields, name: &str, zone: &str) -> Result<Option<String>, DefinitionError> {
    let typed = field(fields, name).trim();
    if typed.is_empty() {
        return Ok(None);
    }
    time_zone::from_local(typed, zone).map(Some).map_err(|message| DefinitionError { path: name.into(), message })
}

/// `POST /surveys/{slug}/build/settings`: address, languages, anonymity, dates and the survey's
/// own texts.
pub async fn save_settings(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let mut edited = survey.definition.clone();
    edited.slug = field(&fields, "slug").trim().to_string();
    edited.languages = field(&fields, "languages")
        .split([',', ' '])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    edited.default_language = field(&fields, "default_language").trim().to_string();
    edited.anonymous = field(&fields, "anonymous") == "on";
    edited.welcome_page = field(&fields, "welcome_page") == "on";
    let mut form_errors = Vec::new();
    for (name, slot) in [("opens_at", &mut edited.opens_at), ("closes_at", &mut edited.closes_at)] {
        match typed_time(&fields, name, &user.time_zone) {
            Ok(time) => *slot = time,
            Err(error) => form_errors.push(error),
        }
    }
    let codes = &mut edited.missing_codes;
    for ((name, _), slot) in
        MISSING_FIELDS.into_iter().zip([&mut codes.not_shown, &mut codes.not_reached, &mut codes.skipped])
    {
        let typed = field(&fields, &format!("missing.{name}")).trim();
        match typed.parse() {
            Ok(code) => *slot = code,
            // An older form without the field keeps the code as it was.
            Err(_) if typed.is_empty() => {}
            Err(_) => form_errors.push(DefinitionError {
                path: format!("missing_codes.{name}"),
                message: format!("\"{typed}\" is not a whole number from {} to {}", i32::MIN, i32::MAX),
            }),
        }
    }
    let languages = edited.languages.clone();
    let text_of = |prefix: &str, old: &Text| -> Text {
        let mut text: Text =
            old.iter().filter(|(l, _)| !languages.contains(l)).map(|(l, t)| (l.clone(), t.clone())).collect();
        for l in &languages {
            let value = field(&fields, &format!("{prefix}.{l}"));
            if !value.trim().is_empty() {
                text.insert(l.clone(), value.to_string());
            }
        }
        text
    };
    edited.title = text_of("title", &survey.definition.title);
    edited.description = text_of("description", &survey.definition.description);
    edited.consent = text_of("consent", &survey.definition.consent);
    edited.thank_you = text_of("thank_you", &survey.definition.thank_you);
    // A language taken off the list takes its translations with it.
    edited.drop_unlisted_languages();
    let replacement = edited.clone();
    let result = apply(&state, &user, survey.clone(), &fields, "edited settings", |d| {
        if !form_errors.is_empty() {
            // Report the other problems of the form too, not only the times and codes typed.
            let mut all = form_errors;
            if let Err(more) = CompiledSurvey::compile(replacement) {
                all.extend(more);
            }
            return Err(all);
        }
        *d = replacement;
        Ok(())
    })
    .await?;
    match result {
        Ok(()) => {
            flash(&page.session, "success", "Settings saved.").await;
            Ok(Redirect::to(&format!("/surveys/{}", edited.slug)).into_response())
        }
        Err(errors) => {
            let own = context! {
                survey => &survey, welcome_page => edited.welcome_page, d => edited, errors, based_on => &survey.updated_at,
                opens_local => field(&fields, "opens_at"), closes_local => field(&fields, "closes_at"),
                time_zone => &user.time_zone,
                missing => MISSING_FIELDS.map(|(name, _)| (name, field(&fields, &format!("missing.{name}")))).into_iter().collect::<BTreeMap<_, _>>(),
            };
            Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "survey/settings.html", own)?.into_response())
        }
    }
}
