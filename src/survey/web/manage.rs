//! The survey list (the surveys one may manage), import and export, the overview, opening and
//! closing, and duplication.

use axum::Form;
use std::collections::BTreeMap;

use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use super::members::MemberForm;
use crate::accounts::User;
use crate::accounts::auth::Researcher;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, Result};
use crate::survey::members::{self, MemberRole, Need};
use crate::survey::store::{self, Status};
use crate::survey::validate::DefinitionError;
use crate::survey::{ImportError, file, import_toml, overview, translations};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

/// A survey with its response counts, for lists.
#[derive(serde::Serialize)]
pub(crate) struct SurveyRow {
    slug: String,
    title: String,
    status: Status,
    version: i64,
    complete: i64,
    partial: i64,
    languages: Vec<String>,
}

/// The surveys `user` may manage (every one for an admin), with their counts.
pub(crate) async fn survey_rows(state: &AppState, user: &User) -> Result<Vec<SurveyRow>> {
    let (user_id, account) = (user.id, user.role);
    Ok(state
        .db
        .read(move |conn| {
            members::store::surveys_with_membership(conn, user_id)?
                .into_iter()
                .filter(|(_, member)| members::decide(account, *member, Need::Manage, false).is_ok())
                .map(|(s, _)| {
                    let (complete, partial) = store::response_counts(conn, s.id)?;
                    let d = &s.definition;
                    Ok(SurveyRow {
                        title: d.text(&d.title, &d.default_language).to_string(),
                        slug: s.slug,
                        status: s.status,
                        version: s.version,
                        complete,
                        partial,
                        languages: d.languages.clone(),
                    })
                })
                .collect()
        })
        .await?)
}

/// `GET /surveys`
pub async fn list(State(state): State<AppState>, Researcher(user): Researcher, page: Page) -> Result<Response> {
    let surveys = survey_rows(&state, &user).await?;
    Ok(page.render("survey/list.html", context! { surveys, pasted => "" })?.into_response())
}

/// An uploaded questionnaire as TOML, with what was left out of it: an XLSForm (a zip) or a
/// LimeSurvey `.lss` read as the TOML it stands for (their problems listed with their place),
/// anything else as UTF-8 text.
async fn read_upload(
    uploaded: Vec<u8>,
    file_name: &str,
    skip: bool,
) -> Result<(std::result::Result<String, Vec<DefinitionError>>, Vec<String>)> {
    let place = |path: String, message: String| DefinitionError { path, message };
    let read = if uploaded.starts_with(b"PK\x03\x04") {
        crate::web::off_workers(move || crate::xlsform::read::read(&uploaded, skip))
            .await?
            .map(|r| (r.definition, r.skipped.iter().map(ToString::to_string).collect()))
            .map_err(|rows| {
                rows.into_iter().map(|row| place(format!("sheet {}, row {}", row.sheet, row.row), row.what)).collect()
            })
    } else if file_name.to_ascii_lowercase().ends_with(".lss") {
        crate::web::off_workers(move || crate::limesurvey::read(&uploaded, skip))
            .await?
            .map(|r| (r.definition, r.skipped.iter().map(ToString::to_string).collect()))
            .map_err(|refused| {
                refused.problems().iter().map(|p| place(format!("line {}", p.line), p.what.clone())).collect()
            })
    } else {
        let text =
            String::from_utf8(uploaded).map_err(|_| vec![place(String::new(), "the file is not UTF-8 text".into())]);
        return Ok((text, Vec::new()));
    };
    Ok(match read {
        Ok((definition, skipped)) => {
            let text = file::to_toml(&definition).map_err(|e| anyhow::anyhow!("serialising a definition: {e}"))?;
            (Ok(text), skipped)
        }
        Err(errors) => (Err(errors), Vec::new()),
    })
}

/// `POST /surveys/import` (multipart: a `file` upload or a pasted `toml` text).
pub async fn import(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    mut multipart: Multipart,
) -> Result<Response> {
    let mut uploaded = Vec::new();
    let mut file_name = String::new();
    let mut pasted = String::new();
    let mut skip_unsupported = false;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("file") => {
                file_name = field.file_name().unwrap_or_default().to_string();
                uploaded = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
            }
            Some("toml") => pasted = field.text().await.unwrap_or_default(),
            Some("skip_unsupported") => skip_unsupported = true,
            _ => {}
        }
    }
    let (text, skipped) = if uploaded.is_empty() {
        (Ok(pasted.clone()), Vec::new())
    } else {
        read_upload(uploaded, &file_name, skip_unsupported).await?
    };
    let outcome = match text {
        Ok(text) if text.trim().is_empty() => {
            Err(vec![DefinitionError { path: String::new(), message: "choose a file or paste a questionnaire".into() }])
        }
        Ok(text) => {
            let actor = user.clone();
            state
                .db
                .write(move |tx| match import_toml(tx, &text, Some(actor.id)) {
                    Ok((_, slug)) => {
                        audit::record(tx, Some(&actor), "survey.import", &slug, "")?;
                        Ok(Ok(slug))
                    }
                    Err(ImportError::Invalid(errors)) => Ok(Err(errors)),
                    Err(ImportError::Db(err)) => Err(err),
                })
                .await?
        }
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(slug) => {
            let left_out =
                if skipped.is_empty() { String::new() } else { format!(" Left out: {}.", skipped.join("; ")) };
            flash(&page.session, "success", format!("Imported {slug} as a draft.{left_out}")).await;
            Ok(Redirect::to(&format!("/surveys/{slug}")).into_response())
        }
        Err(import_errors) => {
            let surveys = survey_rows(&state, &user).await?;
            let own = context! { surveys, pasted, import_errors };
            Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "survey/list.html", own)?.into_response())
        }
    }
}

/// `GET /surveys/{slug}`
pub async fn overview(State(state): State<AppState>, scope: ManagedSurvey, page: Page) -> Result<Response> {
    render_overview(&state, &page, &scope, &MemberForm::default(), BTreeMap::new(), StatusCode::OK).await
}

/// The overview, with the members' form as typed and its problems.
pub(super) async fn render_overview(
    state: &AppState,
    page: &Page,
    scope: &ManagedSurvey,
    member_form: &MemberForm,
    member_errors: BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Result<Response> {
    let survey = &scope.survey;
    let (id, definition) = (survey.id, survey.definition.clone());
    let (progress, distribution, texts, members) = state
        .db
        .read(move |conn| {
            Ok((
                overview::progress(conn, id)?,
                crate::distribute::access::load(conn, id)?,
                translations::status(conn, id, &definition)?,
                members::store::list(conn, id)?,
            ))
        })
        .await?;
    let d = &survey.definition;
    let own = context! {
        survey => survey,
        title => d.text(&d.title, &d.default_language),
        questions => d.questions().count(),
        pages => d.pages.len(),
        next_steps => overview::next_steps(&survey.slug, survey.status, distribution.access, &progress),
        coded => progress.coded(), awaiting => progress.awaiting(), progress,
        access => distribution.access,
        public_link => distribution.access.admits_public().then(|| format!("{}/s/{}", state.base_url(), survey.slug)),
        translation_gaps => translations::summarise(&texts, d),
        missing_translations => translations::missing(&texts),
        members, member_roles => MemberRole::ALL, member_form, member_errors,
    };
    Ok(page.render_with_status(status, "survey/overview.html", own)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /surveys/{slug}/status`: open, close or reopen.
pub async fn set_status(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Form(form): Form<StatusForm>,
) -> Result<Response> {
    let slug = survey.slug.clone();
    let status = match form.status.as_str() {
        "open" => Status::Open,
        "closed" => Status::Closed,
        _ => return Err(AppError::NotFound),
    };
    let id = survey.id;
    let target = slug.clone();
    state
        .db
        .write(move |tx| {
            store::set_status(tx, id, status)?;
            let action = if status == Status::Open { "survey.publish" } else { "survey.close" };
            audit::record(tx, Some(&user), action, &target, "")
        })
        .await?;
    let what = if status == Status::Open { "open: respondents can answer" } else { "closed: it takes no new answers" };
    let untranslated = if status == Status::Open { untranslated(&state, &survey).await? } else { None };
    let placeholders =
        if status == Status::Open { crate::survey::placeholders::summary(&survey.definition) } else { None };
    let warnings: Vec<String> = untranslated.into_iter().chain(placeholders).collect();
    let warning = (!warnings.is_empty()).then(|| warnings.join(" "));
    match warning {
        Some(warning) => flash(&page.session, "warning", format!("The survey is {what}. {warning}")).await,
        None => flash(&page.session, "success", format!("The survey is {what}.")).await,
    }
    Ok(Redirect::to(&format!("/surveys/{slug}")).into_response())
}

/// What opening a survey with missing translations warns of, if anything.
async fn untranslated(state: &AppState, survey: &crate::survey::store::StoredSurvey) -> Result<Option<String>> {
    let (id, definition) = (survey.id, survey.definition.clone());
    let texts = state.db.read(move |conn| translations::status(conn, id, &definition)).await?;
    let missing = translations::missing(&texts);
    if missing.is_empty() {
        return Ok(None);
    }
    let lines = missing.iter().map(|m| m.summary(5)).collect::<Vec<_>>().join("; ");
    let language = &survey.definition.default_language;
    Ok(Some(format!("Not translated yet (respondents who choose these languages see the {language} text): {lines}.")))
}

#[derive(Deserialize, Default)]
pub struct DuplicateForm {
    #[serde(default)]
    new_slug: String,
}

/// `POST /surveys/{slug}/duplicate`: a draft copy under a new address, titled "… (copy)", whose
/// researcher is the person who copied it.
pub async fn duplicate(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Form(form): Form<DuplicateForm>,
) -> Result<Response> {
    let slug = survey.slug.clone();
    let mut definition = survey.definition.clone();
    definition.slug = form.new_slug.trim().to_string();
    // The copy's title tells it from the original in every list.
    let language = definition.default_language.clone();
    definition.title.entry(language).and_modify(|title| title.push_str(" (copy)"));
    let text = file::to_toml(&definition).map_err(|e| anyhow::anyhow!("serialising a definition: {e}"))?;
    let outcome = state
        .db
        .write(move |tx| match import_toml(tx, &text, Some(user.id)) {
            Ok((_, new_slug)) => {
                audit::record(tx, Some(&user), "survey.duplicate", &new_slug, &format!("from {slug}"))?;
                Ok(Ok(new_slug))
            }
            Err(ImportError::Invalid(errors)) => Ok(Err(errors)),
            Err(ImportError::Db(err)) => Err(err),
        })
        .await?;
    match outcome {
        Ok(new_slug) => {
            flash(&page.session, "success", format!("Copied to {new_slug}, a draft.")).await;
            Ok(Redirect::to(&format!("/surveys/{new_slug}")).into_response())
        }
        Err(errors) => {
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            flash(&page.session, "error", format!("Not copied: {message}")).await;
            Ok(Redirect::to(&format!("/surveys/{}", survey.slug)).into_response())
        }
    }
}

/// `GET /surveys/{slug}/export.toml`
pub async fn export(ManagedSurvey { survey, .. }: ManagedSurvey) -> Result<Response> {
    let text = file::to_toml(&survey.definition).map_err(|e| anyhow::anyhow!("serialising a definition: {e}"))?;
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}.toml\"", survey.slug))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("application/toml; charset=utf-8")),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        text,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct NewSurveyForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    language: String,
}

/// `POST /surveys/new`: an empty draft with one page, to fill in with the builder.
pub async fn create(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Form(form): Form<NewSurveyForm>,
) -> Result<Response> {
    let language = if form.language.trim().is_empty() { "en".to_string() } else { form.language.trim().to_string() };
    let definition = crate::survey::model::SurveyDefinition::blank(form.slug.trim(), &language, form.title.trim());
    let text = file::to_toml(&definition).map_err(|e| anyhow::anyhow!("serialising a definition: {e}"))?;
    let actor = user.clone();
    let outcome = state
        .db
        .write(move |tx| match import_toml(tx, &text, Some(actor.id)) {
            Ok((_, slug)) => {
                audit::record(tx, Some(&actor), "survey.create", &slug, "")?;
                Ok(Ok(slug))
            }
            Err(ImportError::Invalid(errors)) => Ok(Err(errors)),
            Err(ImportError::Db(err)) => Err(err),
        })
        .await?;
    match outcome {
        Ok(slug) => {
            flash(&page.session, "success", "Survey created. Add pages and questions below.").await;
            Ok(Redirect::to(&format!("/surveys/{slug}/build")).into_response())
        }
        Err(create_errors) => {
            let surveys = survey_rows(&state, &user).await?;
            let own = context! { surveys, pasted => "", create_errors, new => context! { title => form.title, slug => form.slug, language } };
            Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "survey/list.html", own)?.into_response())
        }
    }
}
