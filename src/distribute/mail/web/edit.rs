//! Editing one message template (a kind in one of the survey's languages), with a preview filled
//! in with sample values; a template that does not render is shown again with the problem (422).

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::title;
use crate::app::AppState;
use crate::audit;
use crate::distribute::links;
use crate::distribute::mail::Template;
use crate::distribute::mail::message::{self, Fields};
use crate::distribute::mail::{Kind, store};
use crate::distribute::participants::Attributes;
use crate::error::{AppError, Result};
use crate::respond::web::view::language_name;
use crate::survey::store::StoredSurvey;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;
use crate::web::{Page, off_workers};

/// The kind and language named in the address; 404 unless the survey offers the language.
fn slot(survey: StoredSurvey, kind: &str, language: &str) -> Result<(StoredSurvey, Kind)> {
    let kind = Kind::parse(kind).ok_or(AppError::NotFound)?;
    if !survey.definition.languages.iter().any(|l| l == language) {
        return Err(AppError::NotFound);
    }
    Ok((survey, kind))
}

/// The template filled in with sample values, to show what a participant would get.
fn preview(state: &AppState, survey: &StoredSurvey, language: &str, template: &Template) -> Option<message::Rendered> {
    let d = &survey.definition;
    let link = links::personal_link(&state.base_url(), &survey.slug, "PERSONAL-TOKEN");
    let opt_out_link = links::opt_out_link(&state.base_url(), &survey.slug, "OPT-OUT-TOKEN");
    let attributes = Attributes::new();
    let fields = Fields {
        survey_title: d.text(&d.title, language),
        name: "Ada Lovelace",
        email: "ada@example.org",
        link: &link,
        opt_out_link: &opt_out_link,
        attributes: &attributes,
    };
    message::render(template, &fields).ok()
}

fn render_form(
    state: &AppState,
    page: &Page,
    survey: &StoredSurvey,
    kind: Kind,
    language: &str,
    template: &Template,
    errors: BTreeMap<&str, String>,
) -> Result<Response> {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let own = context! {
        survey => survey,
        title => title(survey),
        kind => kind.as_str(),
        language,
        language_name => language_name(language),
        template,
        preview => errors.is_empty().then(|| preview(state, survey, language, template)).flatten(),
        errors,
    };
    Ok(page.render_with_status(status, "distribute/mail_template.html", own)?.into_response())
}

/// `GET /surveys/{slug}/mail/templates/{kind}/{language}`
pub async fn form(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, kind, language)): Path<(String, String, String)>,
) -> Result<Response> {
    let (survey, kind) = slot(survey, &kind, &language)?;
    let (id, lang) = (survey.id, language.clone());
    let template = state.db.read(move |conn| message::for_editing(conn, id, kind, &lang)).await?;
    render_form(&state, &page, &survey, kind, &language, &template, BTreeMap::new())
}

#[derive(Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    subject: String,
    #[serde(default)]
    body: String,
}

/// `POST /surveys/{slug}/mail/templates/{kind}/{language}`
pub async fn save(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, kind, language)): Path<(String, String, String)>,
    Form(form): Form<TemplateForm>,
) -> Result<Response> {
    let (survey, kind) = slot(survey, &kind, &language)?;
    // Browsers send textarea lines with CRLF; the message is stored with plain newlines.
    let body = form.body.replace("\r\n", "\n");
    let subject = form.subject.trim().to_string();
    let (checked_subject, checked_body) = (subject.clone(), body.clone());
    let problems = off_workers(move || message::check(&checked_subject, &checked_body)).await?;
    if !problems.is_empty() {
        let template = Template { subject, body, custom: true };
        let errors = problems.into_iter().collect();
        return render_form(&state, &page, &survey, kind, &language, &template, errors);
    }
    let (id, lang, target) = (survey.id, language.clone(), slug.clone());
    state
        .db
        .write(move |tx| {
            store::save_template(tx, id, kind, &lang, &subject, &body)?;
            audit::record(tx, Some(&user), "mail.templates", &target, &format!("{} {lang}", kind.as_str()))
        })
        .await?;
    let what = format!("Saved the {} in {}.", kind.as_str(), language_name(&language));
    flash(&page.session, "success", what).await;
    Ok(Redirect::to(&format!("/surveys/{slug}/mail")).into_response())
}

/// `POST /surveys/{slug}/mail/templates/{kind}/{language}/reset`: back to the built-in text.
pub async fn reset(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, kind, language)): Path<(String, String, String)>,
) -> Result<Response> {
    let (survey, kind) = slot(survey, &kind, &language)?;
    let (id, lang, target) = (survey.id, language.clone(), slug.clone());
    let deleted = state
        .db
        .write(move |tx| {
            let deleted = store::delete_template(tx, id, kind, &lang)?;
            if deleted {
                let details = format!("{} {lang}: back to the built-in text", kind.as_str());
                audit::record(tx, Some(&user), "mail.templates", &target, &details)?;
            }
            Ok(deleted)
        })
        .await?;
    if deleted {
        let what = format!("The {} in {} is the built-in text again.", kind.as_str(), language_name(&language));
        flash(&page.session, "success", what).await;
    }
    Ok(Redirect::to(&format!("/surveys/{slug}/mail")).into_response())
}
