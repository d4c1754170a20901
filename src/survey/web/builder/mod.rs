//! The questionnaire builder: the outline of pages and questions, one line each, with add, edit,
//! move and delete (which asks first: `deleting`), a form per question showing the settings its
//! type takes (texts in every language, validation, logic, choices), a form per page, and the
//! survey's settings. Every change goes through the same whole-definition check as an import, and
//! an edit based on an outdated copy is refused rather than silently applied.

mod deleting;
mod questions;
mod settings;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use crate::accounts::User;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, Result};
use crate::survey::model::{Page as SurveyPage, QuestionType, SurveyDefinition};
use crate::survey::store::StoredSurvey;
use crate::survey::validate::DefinitionError;
use crate::survey::{ImportError, SurveyDefinitionInput, update};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

pub use deleting::{confirm_delete_page, confirm_delete_question, delete_page, delete_question};
pub use questions::{add_question, move_question, question_form, save_question};
pub use settings::{save_settings, settings_form};

/// Submitted form fields, in order (repeated names allowed).
type Fields = Vec<(String, String)>;

fn field<'a>(fields: &'a Fields, name: &str) -> &'a str {
    fields.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
}

/// Applies `edit` to the current definition and saves it, unless the form was based on an older
/// copy (`based_on` = the survey's `updated_at` when the form was shown).
async fn apply(
    state: &AppState,
    user: &User,
    survey: StoredSurvey,
    fields: &Fields,
    what: &str,
    edit: impl FnOnce(&mut SurveyDefinition) -> Result<(), Vec<DefinitionError>>,
) -> Result<Result<(), Vec<DefinitionError>>> {
    if field(fields, "based_on") != survey.updated_at {
        let message =
            "someone saved this survey after you opened this form; reload it and make your change again".to_string();
        return Ok(Err(vec![DefinitionError { path: String::new(), message }]));
    }
    let mut definition = survey.definition.clone();
    if let Err(errors) = edit(&mut definition) {
        return Ok(Err(errors));
    }
    let (actor, what) = (user.clone(), what.to_string());
    Ok(state
        .db
        .write(move |tx| match update(tx, &survey, SurveyDefinitionInput::Definition(Box::new(definition))) {
            Ok(version) => {
                audit::record(tx, Some(&actor), "survey.edit", &survey.slug, &format!("{what}; version {version}"))?;
                Ok(Ok(()))
            }
            Err(ImportError::Invalid(errors)) => Ok(Err(errors)),
            Err(ImportError::Db(err)) => Err(err),
        })
        .await?)
}

fn problem(path: &str, message: impl Into<String>) -> Vec<DefinitionError> {
    vec![DefinitionError { path: path.into(), message: message.into() }]
}

/// Redirects to the outline with a message, or back to it with the problems listed.
async fn outcome(page: &Page, slug: &str, result: Result<(), Vec<DefinitionError>>, done: &str) -> Response {
    match result {
        Ok(()) => flash(&page.session, "success", done).await,
        Err(errors) => {
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            flash(&page.session, "error", format!("Not changed: {message}")).await;
        }
    }
    Redirect::to(&format!("/surveys/{slug}/build")).into_response()
}

/// The question types as (value, what a person calls it), for a select.
fn type_choices() -> Vec<(&'static str, &'static str)> {
    QuestionType::ALL.iter().map(|t| (t.as_str(), t.label())).collect()
}

/// `GET /surveys/{slug}/build`: every page with its questions, one line each.
pub async fn outline(ManagedSurvey { survey, .. }: ManagedSurvey, page: Page) -> Result<Response> {
    let d = &survey.definition;
    let outline: Vec<_> = d
        .pages
        .iter()
        .map(|p| {
            let questions: Vec<_> = p
                .questions
                .iter()
                .map(|q| {
                    context! {
                        code => &q.code, type_label => q.kind.label(), required => q.required,
                        relevant => &q.relevant, text => d.text(&q.text, &d.default_language),
                    }
                })
                .collect();
            context! { code => &p.code, title => d.text(&p.title, &d.default_language), relevant => &p.relevant, questions }
        })
        .collect();
    let own = context! { survey => &survey, outline, types => type_choices() };
    Ok(page.render("survey/build.html", own)?.into_response())
}

/// `POST /surveys/{slug}/build/pages`: adds a page at the end.
pub async fn add_page(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path(slug): Path<String>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let code = field(&fields, "code").trim().to_string();
    let result = apply(&state, &user, survey, &fields, &format!("added page {code}"), |d| {
        d.pages.push(SurveyPage::new(&code));
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Added page {code}.")).await)
}

/// `POST /surveys/{slug}/build/pages/{code}/move` with `direction=up|down`.
pub async fn move_page(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let up = field(&fields, "direction") == "up";
    let result = apply(&state, &user, survey, &fields, &format!("moved page {code}"), |d| {
        let Some(p) = d.pages.iter().position(|page| page.code == code) else {
            return Err(problem("page", "that page no longer exists"));
        };
        match up {
            true if p > 0 => d.pages.swap(p, p - 1),
            false if p + 1 < d.pages.len() => d.pages.swap(p, p + 1),
            _ => {}
        }
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Moved page {code}.")).await)
}

/// `GET /surveys/{slug}/build/pages/{code}` and the page settings form.
pub async fn page_form(
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, code)): Path<(String, String)>,
) -> Result<Response> {
    let survey_page = survey.definition.pages.iter().find(|p| p.code == code).ok_or(AppError::NotFound)?.clone();
    let own = context! { survey => &survey, survey_page, errors => Vec::<DefinitionError>::new(), based_on => &survey.updated_at };
    Ok(page.render("survey/page_form.html", own)?.into_response())
}

/// `POST /surveys/{slug}/build/pages/{code}`: code, title per language, display logic.
pub async fn save_page(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let mut edited = survey.definition.pages.iter().find(|p| p.code == code).ok_or(AppError::NotFound)?.clone();
    edited.code = field(&fields, "code").trim().to_string();
    edited.title = survey
        .definition
        .languages
        .iter()
        .filter_map(|l| {
            let value = field(&fields, &format!("title.{l}"));
            (!value.trim().is_empty()).then(|| (l.clone(), value.to_string()))
        })
        .collect();
    edited.relevant = Some(field(&fields, "relevant").trim().to_string()).filter(|v| !v.is_empty());
    edited.randomize = field(&fields, "randomize") == "on";
    let replacement = edited.clone();
    let result = apply(&state, &user, survey.clone(), &fields, &format!("edited page {code}"), |d| {
        let Some(target) = d.pages.iter_mut().find(|p| p.code == code) else {
            return Err(problem("page", "that page no longer exists"));
        };
        *target = replacement;
        Ok(())
    })
    .await?;
    match result {
        Ok(()) => {
            flash(&page.session, "success", format!("Saved page {}.", edited.code)).await;
            Ok(Redirect::to(&format!("/surveys/{slug}/build")).into_response())
        }
        Err(errors) => {
            let own = context! { survey => &survey, survey_page => edited, errors, based_on => &survey.updated_at };
            Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "survey/page_form.html", own)?.into_response())
        }
    }
}
