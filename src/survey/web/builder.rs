//! The questionnaire builder: the outline of pages and questions with add, edit, move and delete,
//! a form per question (texts in every language, validation, logic, choices), a form per page,
//! and the survey's settings. Every change goes through the same whole-definition check as an
//! import, and an edit based on an outdated copy is refused rather than silently applied.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use super::find;
use crate::accounts::User;
use crate::accounts::auth::Researcher;
use crate::app::AppState;
use crate::audit;
use crate::error::{AppError, Result};
use crate::survey::model::{
    Choice, ChoiceDisplay, NumberKind, Page as SurveyPage, Question, QuestionType, SurveyDefinition, Text,
};
use crate::survey::store::StoredSurvey;
use crate::survey::validate::{CompiledSurvey, DefinitionError};
use crate::survey::{ImportError, SurveyDefinitionInput, update};
use crate::web::page::flash;
use crate::web::{Page, time_zone};

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

/// `GET /surveys/{slug}/build`
pub async fn outline(
    State(state): State<AppState>,
    _user: Researcher,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let types: Vec<&str> = QUESTION_TYPES.iter().map(|t| t.as_str()).collect();
    Ok(page.render("survey/build.html", context! { survey => &survey, types })?.into_response())
}

const QUESTION_TYPES: [QuestionType; 9] = [
    QuestionType::ShortText,
    QuestionType::LongText,
    QuestionType::SingleChoice,
    QuestionType::MultipleChoice,
    QuestionType::Matrix,
    QuestionType::Number,
    QuestionType::Date,
    QuestionType::Ranking,
    QuestionType::Display,
];

fn parse_type(text: &str) -> Option<QuestionType> {
    QUESTION_TYPES.into_iter().find(|t| t.as_str() == text)
}

/// Where a question is: (page index, position on the page).
fn locate(d: &SurveyDefinition, code: &str) -> Option<(usize, usize)> {
    d.pages.iter().enumerate().find_map(|(p, page)| page.questions.iter().position(|q| q.code == code).map(|i| (p, i)))
}

/// `POST /surveys/{slug}/build/pages`: adds a page at the end.
pub async fn add_page(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path(slug): Path<String>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let code = field(&fields, "code").trim().to_string();
    let result = apply(&state, &user, survey, &fields, &format!("added page {code}"), |d| {
        d.pages.push(SurveyPage { code: code.clone(), title: Text::new(), relevant: None, questions: Vec::new() });
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Added page {code}.")).await)
}

/// `POST /surveys/{slug}/build/pages/{code}/questions`: adds a question and opens its form.
pub async fn add_question(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path((slug, page_code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let code = field(&fields, "code").trim().to_string();
    let Some(kind) = parse_type(field(&fields, "type")) else { return Err(AppError::NotFound) };
    let default_language = survey.definition.default_language.clone();
    let result = apply(&state, &user, survey, &fields, &format!("added question {code}"), |d| {
        let Some(target) = d.pages.iter_mut().find(|p| p.code == page_code) else {
            return Err(problem("page", "that page no longer exists"));
        };
        let mut question = blank_question(&code, kind, &default_language);
        if matches!(
            kind,
            QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking | QuestionType::Matrix
        ) {
            question.choices = vec![
                placeholder_choice("a", "Option A", &default_language),
                placeholder_choice("b", "Option B", &default_language),
            ];
        }
        if kind == QuestionType::Matrix {
            question.rows = vec![placeholder_choice("r1", "Statement 1", &default_language)];
        }
        target.questions.push(question);
        Ok(())
    })
    .await?;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/surveys/{slug}/build/questions/{code}")).into_response()),
        Err(errors) => Ok(outcome(&page, &slug, Err(errors), "").await),
    }
}

fn placeholder_choice(code: &str, label: &str, language: &str) -> Choice {
    Choice { code: code.into(), label: Text::from([(language.to_string(), label.to_string())]) }
}

fn blank_question(code: &str, kind: QuestionType, language: &str) -> Question {
    Question {
        code: code.into(),
        kind,
        text: Text::from([(language.to_string(), format!("New question {code}"))]),
        help: Text::new(),
        required: false,
        relevant: None,
        min_length: None,
        max_length: None,
        pattern: None,
        pattern_message: Text::new(),
        number_kind: None,
        min: None,
        max: None,
        display: None,
        other: false,
        min_selected: None,
        max_selected: None,
        choices: Vec::new(),
        rows: Vec::new(),
    }
}

/// `POST /surveys/{slug}/build/questions/{code}/move` with `direction=up|down`: within its page,
/// or across to the neighbouring page at the edge.
pub async fn move_question(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let up = field(&fields, "direction") == "up";
    let result = apply(&state, &user, survey, &fields, &format!("moved {code}"), |d| {
        let Some((p, i)) = locate(d, &code) else { return Err(problem("question", "that question no longer exists")) };
        match (up, i) {
            (true, 0) if p > 0 => {
                let q = d.pages[p].questions.remove(0);
                d.pages[p - 1].questions.push(q);
            }
            (true, i) if i > 0 => d.pages[p].questions.swap(i, i - 1),
            (false, i) if i + 1 < d.pages[p].questions.len() => d.pages[p].questions.swap(i, i + 1),
            (false, _) if p + 1 < d.pages.len() => {
                let q = d.pages[p].questions.remove(i);
                d.pages[p + 1].questions.insert(0, q);
            }
            _ => {}
        }
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Moved {code}.")).await)
}

/// `POST /surveys/{slug}/build/questions/{code}/delete`
pub async fn delete_question(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let result = apply(&state, &user, survey, &fields, &format!("deleted {code}"), |d| {
        for p in &mut d.pages {
            p.questions.retain(|q| q.code != code);
        }
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Deleted {code}.")).await)
}

/// `POST /surveys/{slug}/build/pages/{code}/move` and `/delete`
pub async fn page_action(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path((slug, code, action)): Path<(String, String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let up = field(&fields, "direction") == "up";
    let result = apply(&state, &user, survey, &fields, &format!("{action} page {code}"), |d| {
        let Some(p) = d.pages.iter().position(|page| page.code == code) else {
            return Err(problem("page", "that page no longer exists"));
        };
        match action.as_str() {
            "move" if up && p > 0 => d.pages.swap(p, p - 1),
            "move" if !up && p + 1 < d.pages.len() => d.pages.swap(p, p + 1),
            "delete" if !d.pages[p].questions.is_empty() => {
                return Err(problem("page", "move or delete its questions first"));
            }
            "delete" => {
                d.pages.remove(p);
            }
            _ => {}
        }
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Page {code}: done.")).await)
}

/// A question's form, with the submitted values and problems when it is shown again.
fn render_question_form(
    page: &Page,
    survey: &StoredSurvey,
    question: &Question,
    errors: &[DefinitionError],
    status: StatusCode,
) -> Result<Response> {
    let types: Vec<&str> = QUESTION_TYPES.iter().map(|t| t.as_str()).collect();
    let blank = placeholder_choice("", "", "");
    // Three empty lines to add choices and rows without JavaScript.
    let choices: Vec<&Choice> = question.choices.iter().chain(std::iter::repeat_n(&blank, 3)).collect();
    let rows: Vec<&Choice> = question.rows.iter().chain(std::iter::repeat_n(&blank, 3)).collect();
    let own = context! { survey, question, types, choices, rows, errors, based_on => &survey.updated_at };
    Ok(page.render_with_status(status, "survey/question_form.html", own)?.into_response())
}

/// `GET /surveys/{slug}/build/questions/{code}`
pub async fn question_form(
    State(state): State<AppState>,
    _user: Researcher,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let question = survey.definition.question(&code).ok_or(AppError::NotFound)?.clone();
    render_question_form(&page, &survey, &question, &[], StatusCode::OK)
}

/// `POST /surveys/{slug}/build/questions/{code}`
pub async fn save_question(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let original = survey.definition.question(&code).ok_or(AppError::NotFound)?.clone();
    let (edited, mut errors) = question_from_form(&original, &survey.definition, &fields);
    if errors.is_empty() {
        let replacement = edited.clone();
        let result = apply(&state, &user, survey.clone(), &fields, &format!("edited {code}"), |d| {
            let Some((p, i)) = locate(d, &code) else {
                return Err(problem("question", "that question no longer exists"));
            };
            d.pages[p].questions[i] = replacement;
            Ok(())
        })
        .await?;
        match result {
            Ok(()) => {
                flash(&page.session, "success", format!("Saved {}.", edited.code)).await;
                return Ok(Redirect::to(&format!("/surveys/{slug}/build#question-{}", edited.code)).into_response());
            }
            Err(found) => errors = found,
        }
    }
    render_question_form(&page, &survey, &edited, &errors, StatusCode::UNPROCESSABLE_ENTITY)
}

/// Reads a question from its form; numbers that do not parse are reported by field.
fn question_from_form(original: &Question, d: &SurveyDefinition, fields: &Fields) -> (Question, Vec<DefinitionError>) {
    let mut errors = Vec::new();
    let text_of = |prefix: &str| -> Text {
        d.languages
            .iter()
            .filter_map(|l| {
                let value = field(fields, &format!("{prefix}.{l}"));
                (!value.trim().is_empty()).then(|| (l.clone(), value.to_string()))
            })
            .collect()
    };
    let mut number = |name: &str| -> Option<f64> {
        let raw = field(fields, name).trim().replace(',', ".");
        if raw.is_empty() {
            return None;
        }
        raw.parse::<f64>().ok().filter(|n| n.is_finite()).or_else(|| {
            errors.push(DefinitionError { path: name.into(), message: format!("\"{raw}\" is not a number") });
            None
        })
    };
    let min = number("min");
    let max = number("max");
    let whole = |n: Option<f64>| n.map(|n| n.max(0.0) as u32);
    let (min_length, max_length) = (whole(number("min_length")), whole(number("max_length")));
    let (min_selected, max_selected) = (whole(number("min_selected")), whole(number("max_selected")));
    let kind = parse_type(field(fields, "type")).unwrap_or(original.kind);
    let optional = |name: &str| Some(field(fields, name).trim().to_string()).filter(|v| !v.is_empty());
    let question = Question {
        code: field(fields, "code").trim().to_string(),
        kind,
        text: text_of("text"),
        help: text_of("help"),
        required: field(fields, "required") == "on",
        relevant: optional("relevant"),
        min_length,
        max_length,
        pattern: optional("pattern"),
        pattern_message: text_of("pattern_message"),
        number_kind: (kind == QuestionType::Number)
            .then(|| if field(fields, "number_kind") == "decimal" { NumberKind::Decimal } else { NumberKind::Integer }),
        min,
        max,
        display: (kind == QuestionType::SingleChoice && field(fields, "display") == "dropdown")
            .then_some(ChoiceDisplay::Dropdown),
        other: field(fields, "other") == "on",
        min_selected,
        max_selected,
        choices: options_from_form(d, fields, "choice"),
        rows: options_from_form(d, fields, "row"),
    };
    (question, errors)
}

/// Choices (or rows) from numbered fields `choice.N.code`, `choice.N.label.LANG`,
/// `choice.N.position`; a line with an empty code is dropped.
fn options_from_form(d: &SurveyDefinition, fields: &Fields, prefix: &str) -> Vec<Choice> {
    let mut lines: BTreeMap<usize, (f64, Choice)> = BTreeMap::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix(&format!("{prefix}.")) else { continue };
        let Some((n, key)) = rest.split_once('.') else { continue };
        let Ok(n) = n.parse::<usize>() else { continue };
        let line = lines.entry(n).or_insert_with(|| (n as f64, Choice { code: String::new(), label: Text::new() }));
        match key.split_once('.') {
            Some(("label", language)) if d.languages.iter().any(|l| l == language) && !value.trim().is_empty() => {
                line.1.label.insert(language.to_string(), value.clone());
            }
            None if key == "code" => line.1.code = value.trim().to_string(),
            None if key == "position" => line.0 = value.trim().parse().unwrap_or(n as f64),
            _ => {}
        }
    }
    let mut kept: Vec<(f64, Choice)> = lines.into_values().filter(|(_, c)| !c.code.is_empty()).collect();
    kept.sort_by(|a, b| a.0.total_cmp(&b.0));
    kept.into_iter().map(|(_, c)| c).collect()
}

/// `GET /surveys/{slug}/build/pages/{code}` and the page settings form.
pub async fn page_form(
    State(state): State<AppState>,
    _user: Researcher,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let survey_page = survey.definition.pages.iter().find(|p| p.code == code).ok_or(AppError::NotFound)?.clone();
    let own = context! { survey => &survey, survey_page, errors => Vec::<DefinitionError>::new(), based_on => &survey.updated_at };
    Ok(page.render("survey/page_form.html", own)?.into_response())
}

/// `POST /surveys/{slug}/build/pages/{code}`: code, title per language, display logic.
pub async fn save_page(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
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

/// `GET /surveys/{slug}/build/settings`
pub async fn settings_form(
    State(state): State<AppState>,
    Researcher(user): Researcher,
    page: Page,
    Path(slug): Path<String>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
    let d = &survey.definition;
    let local = |utc: &Option<String>| utc.as_deref().map(|t| time_zone::to_local(t, &user.time_zone));
    let own = context! {
        // Serialised, `d` leaves out a welcome page that is on (the file format's default).
        survey => &survey, d, welcome_page => d.welcome_page, errors => Vec::<DefinitionError>::new(), based_on => &survey.updated_at,
        opens_local => local(&d.opens_at), closes_local => local(&d.closes_at), time_zone => &user.time_zone,
    };
    Ok(page.render("survey/settings.html", own)?.into_response())
}

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
    Researcher(user): Researcher,
    page: Page,
    Path(slug): Path<String>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let survey = find(&state, &slug).await?;
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
    let mut time_errors = Vec::new();
    for (name, slot) in [("opens_at", &mut edited.opens_at), ("closes_at", &mut edited.closes_at)] {
        match typed_time(&fields, name, &user.time_zone) {
            Ok(time) => *slot = time,
            Err(error) => time_errors.push(error),
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
        if !time_errors.is_empty() {
            // Report the other problems of the form too, not only the times.
            let mut all = time_errors;
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
            };
            Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "survey/settings.html", own)?.into_response())
        }
    }
}
