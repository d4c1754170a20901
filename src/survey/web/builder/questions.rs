//! Questions in the builder: add, move, delete, and the form per question (texts in every
//! language, validation, logic, choices).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;

use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::model::{Choice, ChoiceDisplay, NumberKind, Question, QuestionType, SurveyDefinition, Text};
use crate::survey::store::StoredSurvey;
use crate::survey::validate::DefinitionError;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

use super::deleting::Removal;
use super::*;

fn parse_type(text: &str) -> Option<QuestionType> {
    QuestionType::ALL.into_iter().find(|t| t.as_str() == text)
}

/// Where a question is: (page index, position on the page).
fn locate(d: &SurveyDefinition, code: &str) -> Option<(usize, usize)> {
    d.pages.iter().enumerate().find_map(|(p, page)| page.questions.iter().position(|q| q.code == code).map(|i| (p, i)))
}

/// `POST /surveys/{slug}/build/pages/{code}/questions`: adds a question and opens its form.
pub async fn add_question(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, page_code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
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
    Choice::new(code, language, label)
}

fn blank_question(code: &str, kind: QuestionType, language: &str) -> Question {
    Question::new(code, kind, language, &format!("New question {code}"))
}

/// `POST /surveys/{slug}/build/questions/{code}/move` with `direction=up|down`: within its page,
/// or across to the neighbouring page at the edge.
pub async fn move_question(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
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

/// What a question's form shows besides the question: its problems, and the choices and rows it
/// would remove, with whether that was confirmed.
#[derive(Default)]
struct Shown<'a> {
    errors: &'a [DefinitionError],
    removals: &'a [Removal],
    confirmed: bool,
}

/// A question's form, showing the settings its type takes, with the submitted values and
/// problems when it is shown again.
fn render_question_form(
    page: &Page,
    survey: &StoredSurvey,
    question: &Question,
    shown: Shown<'_>,
    status: StatusCode,
) -> Result<Response> {
    let blank = placeholder_choice("", "", "");
    // Three empty lines to add choices and rows without JavaScript.
    let choices: Vec<&Choice> = question.choices.iter().chain(std::iter::repeat_n(&blank, 3)).collect();
    let rows: Vec<&Choice> = question.rows.iter().chain(std::iter::repeat_n(&blank, 3)).collect();
    let own = context! {
        survey, question, types => super::type_choices(), type_label => question.kind.label(),
        uses => question.kind.settings(), choices, rows, errors => shown.errors,
        removals => shown.removals, confirmed => shown.confirmed, based_on => &survey.updated_at,
    };
    Ok(page.render_with_status(status, "survey/question_form.html", own)?.into_response())
}

/// `GET /surveys/{slug}/build/questions/{code}`
pub async fn question_form(
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, code)): Path<(String, String)>,
) -> Result<Response> {
    let question = survey.definition.question(&code).ok_or(AppError::NotFound)?.clone();
    render_question_form(&page, &survey, &question, Shown::default(), StatusCode::OK)
}

/// `POST /surveys/{slug}/build/questions/{code}`
pub async fn save_question(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    let original = survey.definition.question(&code).ok_or(AppError::NotFound)?.clone();
    let (edited, mut errors) = question_from_form(&original, &survey.definition, &fields);
    let answered = super::deleting::answered(&state, survey.id).await?;
    let removals = super::deleting::removals(&survey.definition, &answered, &original, &edited);
    // A removal that would lose nothing is asked about; one of an answered choice is refused
    // below anyway, with the reason.
    let confirmed = removals.iter().all(|r| r.answered) || field(&fields, "confirm_removal") == "on";
    if errors.is_empty() && !confirmed {
        let shown = Shown { errors: &[], removals: &removals, confirmed };
        return render_question_form(&page, &survey, &edited, shown, StatusCode::UNPROCESSABLE_ENTITY);
    }
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
            // A new type takes other settings: its form again, to set them.
            Ok(()) if edited.kind != original.kind => {
                let message = format!(
                    "Saved {}, now a question of the type {}: its settings are below.",
                    edited.code,
                    edited.kind.label()
                );
                flash(&page.session, "success", message).await;
                return Ok(Redirect::to(&format!("/surveys/{slug}/build/questions/{}", edited.code)).into_response());
            }
            Ok(()) => {
                flash(&page.session, "success", format!("Saved {}.", edited.code)).await;
                return Ok(Redirect::to(&format!("/surveys/{slug}/build#question-{}", edited.code)).into_response());
            }
            Err(found) => errors = found,
        }
    }
    let shown = Shown { errors: &errors, removals: &removals, confirmed };
    render_question_form(&page, &survey, &edited, shown, StatusCode::UNPROCESSABLE_ENTITY)
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
    let mut question = Question {
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
        constraint: optional("constraint"),
        constraint_message: text_of("constraint_message"),
        randomize: field(fields, "randomize") == "on",
        order_group: optional("order_group"),
        choices: options_from_form(d, fields, "choice"),
        rows: options_from_form(d, fields, "row"),
    };
    question.clear_settings_its_type_does_not_take();
    (question, errors)
}

/// Choices (or rows) from numbered fields `choice.N.code`, `choice.N.label.LANG`,
/// `choice.N.position`, `choice.N.anchor` and `choice.N.exclusive` (ticked boxes); a line with an
/// empty code is dropped.
fn options_from_form(d: &SurveyDefinition, fields: &Fields, prefix: &str) -> Vec<Choice> {
    let mut lines: BTreeMap<usize, (f64, Choice)> = BTreeMap::new();
    for (name, value) in fields {
        let Some(rest) = name.strip_prefix(&format!("{prefix}.")) else { continue };
        let Some((n, key)) = rest.split_once('.') else { continue };
        let Ok(n) = n.parse::<usize>() else { continue };
        let line = lines.entry(n).or_insert_with(|| {
            let mut blank = Choice::new("", "", "");
            blank.label.clear();
            (n as f64, blank)
        });
        match key.split_once('.') {
            Some(("label", language)) if d.languages.iter().any(|l| l == language) && !value.trim().is_empty() => {
                line.1.label.insert(language.to_string(), value.clone());
            }
            None if key == "code" => line.1.code = value.trim().to_string(),
            None if key == "anchor" => line.1.anchor = value == "on",
            None if key == "exclusive" => line.1.exclusive = value == "on",
            None if key == "relevant" => line.1.relevant = Some(value.trim().to_string()).filter(|v| !v.is_empty()),
            None if key == "position" => line.0 = value.trim().parse().unwrap_or(n as f64),
            _ => {}
        }
    }
    let mut kept: Vec<(f64, Choice)> = lines.into_values().filter(|(_, c)| !c.code.is_empty()).collect();
    kept.sort_by(|a, b| a.0.total_cmp(&b.0));
    kept.into_iter().map(|(_, c)| c).collect()
}
