//! Deleting in the builder asks first, without JavaScript: a page, or a question, has a page of
//! its own that says what happens to the answers and whether it can go at all; the POST deletes
//! only with that page's `confirm=yes`, and without it leads there. Choices and matrix rows are
//! removed from the question's form, which asks for a tick first (`removals`).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Serialize;

use super::{Fields, apply, field, outcome, problem};
use crate::app::AppState;
use crate::error::{AppError, Result};
use crate::survey::changes::Answered;
use crate::survey::model::{Question, SurveyDefinition};
use crate::web::Page;
use crate::web::scope::ManagedSurvey;

/// What deleting something does, in the researcher's words, and whether it may go.
#[derive(Debug, Serialize)]
pub(super) struct Consequences {
    pub can: bool,
    pub lines: Vec<String>,
}

/// The pages, questions and choices whose display logic names the question `code`.
fn used_in_logic(d: &SurveyDefinition, code: &str) -> Vec<String> {
    let mention = format!("${{{code}}}");
    let names = |condition: &Option<String>| condition.as_deref().is_some_and(|r| r.contains(&mention));
    let pages = d.pages.iter().filter(|p| names(&p.relevant)).map(|p| format!("page {}", p.code));
    let questions = d.questions().map(|(_, q)| q).filter(|q| names(&q.relevant)).map(|q| q.code.clone());
    let choices = d.questions().flat_map(|(_, q)| {
        q.choices.iter().filter(|c| names(&c.relevant)).map(move |c| format!("the choice {} of {}", c.code, q.code))
    });
    pages.chain(questions).chain(choices).collect()
}

fn question_consequences(d: &SurveyDefinition, answered: &Answered, question: &Question) -> Consequences {
    let code = &question.code;
    if answered.has_answers(code) {
        let lines = vec![
            format!("{code} has answers: it cannot be deleted, because they would lose their question."),
            format!("To stop asking it, hide it with display logic (“Show only when” on its form)."),
        ];
        return Consequences { can: false, lines };
    }
    let users = used_in_logic(d, code);
    if !users.is_empty() {
        let lines = vec![format!("The display logic of {} uses {code}: change it first.", users.join(", "))];
        return Consequences { can: false, lines };
    }
    let mut lines = vec![format!(
        "Nobody has answered {code} yet, so no answer is lost: the question, its texts in {} and its settings go.",
        d.languages.join(", ")
    )];
    if question.kind.is_open() {
        lines.push("Coders will no longer be given its answers.".into());
    }
    Consequences { can: true, lines }
}

fn page_consequences(d: &SurveyDefinition, code: &str) -> Option<Consequences> {
    let page = d.pages.iter().find(|p| p.code == code)?;
    Some(match page.questions.len() {
        0 => Consequences { can: true, lines: vec!["The page has no questions: no answer is lost.".into()] },
        n => Consequences {
            can: false,
            lines: vec![format!(
                "The page holds {n} question{}: move them to another page or delete them first.",
                if n == 1 { "" } else { "s" }
            )],
        },
    })
}

/// The survey's answered questions and choices.
pub(super) async fn answered(state: &AppState, survey_id: i64) -> Result<Answered> {
    Ok(state.db.read(move |conn| Answered::load(conn, survey_id)).await?)
}

/// Without the confirmation page's `confirm=yes`, the way to that page.
fn unconfirmed(fields: &Fields, confirmation: String) -> Option<Response> {
    (field(fields, "confirm") != "yes").then(|| Redirect::to(&confirmation).into_response())
}

fn render_confirmation(
    page: &Page,
    scope: &ManagedSurvey,
    what: String,
    action: String,
    c: Consequences,
) -> Result<Response> {
    let survey = &scope.survey;
    let own = context! { survey, what, action, can => c.can, lines => c.lines, based_on => &survey.updated_at };
    Ok(page.render("survey/confirm_delete.html", own)?.into_response())
}

/// `GET /surveys/{slug}/build/questions/{code}/delete`: what deleting the question does.
pub async fn confirm_delete_question(
    State(state): State<AppState>,
    scope: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
) -> Result<Response> {
    let d = &scope.survey.definition;
    let question = d.question(&code).ok_or(AppError::NotFound)?;
    let consequences = question_consequences(d, &answered(&state, scope.survey.id).await?, question);
    let action = format!("/surveys/{slug}/build/questions/{code}/delete");
    render_confirmation(&page, &scope, format!("the question {code}"), action, consequences)
}

/// `POST /surveys/{slug}/build/questions/{code}/delete`, with `confirm=yes` from the page above.
pub async fn delete_question(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    if let Some(ask) = unconfirmed(&fields, format!("/surveys/{slug}/build/questions/{code}/delete")) {
        return Ok(ask);
    }
    let result = apply(&state, &user, survey, &fields, &format!("deleted {code}"), |d| {
        if d.question(&code).is_none() {
            return Err(problem("question", "that question no longer exists"));
        }
        for p in &mut d.pages {
            p.questions.retain(|q| q.code != code);
        }
        Ok(())
    })
    .await?;
    Ok(outcome(&page, &slug, result, &format!("Deleted {code}.")).await)
}

/// `GET /surveys/{slug}/build/pages/{code}/delete`: what deleting the page does.
pub async fn confirm_delete_page(
    scope: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
) -> Result<Response> {
    let consequences = page_consequences(&scope.survey.definition, &code).ok_or(AppError::NotFound)?;
    let action = format!("/surveys/{slug}/build/pages/{code}/delete");
    render_confirmation(&page, &scope, format!("the page {code}"), action, consequences)
}

/// `POST /surveys/{slug}/build/pages/{code}/delete`, with `confirm=yes` from the page above.
pub async fn delete_page(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, code)): Path<(String, String)>,
    axum::Form(fields): axum::Form<Fields>,
) -> Result<Response> {
    if let Some(ask) = unconfirmed(&fields, format!("/surveys/{slug}/build/pages/{code}/delete")) {
        return Ok(ask);
    }
    let result =
        apply(&state, &user, survey, &fields, &format!("deleted page {code}"), |d| match page_consequences(d, &code) {
            None => Err(problem("page", "that page no longer exists")),
            Some(c) if !c.can => Err(problem("page", "move or delete its questions first")),
            Some(_) => {
                d.pages.retain(|p| p.code != code);
                Ok(())
            }
        })
        .await?;
    Ok(outcome(&page, &slug, result, &format!("Deleted page {code}.")).await)
}

/// A choice or matrix row that a question's form would remove.
#[derive(Debug, Serialize)]
pub(super) struct Removal {
    pub kind: &'static str,
    pub code: String,
    pub label: String,
    /// Whether a stored answer chose it (then the save is refused).
    pub answered: bool,
}

/// The choices and rows of `original` that `edited` no longer has.
pub(super) fn removals(
    d: &SurveyDefinition,
    answered: &Answered,
    original: &Question,
    edited: &Question,
) -> Vec<Removal> {
    let label = |text: &crate::survey::model::Text| d.text(text, &d.default_language).to_string();
    let choices = original.choices.iter().filter(|c| edited.choice(&c.code).is_none()).map(|c| Removal {
        kind: "choice",
        code: c.code.clone(),
        label: label(&c.label),
        answered: answered.chose(original, &c.code),
    });
    let rows = original.rows.iter().filter(|r| !edited.rows.iter().any(|e| e.code == r.code)).map(|r| Removal {
        kind: "row",
        code: r.code.clone(),
        label: label(&r.label),
        answered: answered.answered_row(original, &r.code),
    });
    choices.chain(rows).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn survey() -> SurveyDefinition {
        let toml = include_str!("../../../../questionnaires/open-llm-governance.toml");
        crate::survey::file::from_toml(toml).unwrap().definition
    }

    #[test]
    fn a_question_without_answers_goes_unless_display_logic_names_it() {
        let d = survey();
        let (_, used) = d
            .questions()
            .find(|(_, q)| !used_in_logic(&d, &q.code).is_empty())
            .expect("the kit's logic names a question");
        let refused = question_consequences(&d, &Answered::default(), used);
        assert!(!refused.can && refused.lines[0].contains("uses"), "{refused:?}");
        let (_, free) = d.questions().find(|(_, q)| used_in_logic(&d, &q.code).is_empty()).unwrap();
        let allowed = question_consequences(&d, &Answered::default(), free);
        assert!(allowed.can && allowed.lines[0].contains("no answer is lost"), "{allowed:?}");
    }

    #[test]
    fn a_question_a_choice_condition_reads_does_not_go() {
        let d = survey();
        // BARRIER_SECRECY is named by the kit's page condition and by BARRIER_RANK's first choice.
        let users = used_in_logic(&d, "BARRIER_SECRECY");
        assert!(users.contains(&"the choice secrecy of BARRIER_RANK".to_string()), "{users:?}");
    }

    #[test]
    fn a_page_goes_only_once_empty() {
        let mut d = survey();
        let code = d.pages[0].code.clone();
        assert!(!page_consequences(&d, &code).unwrap().can);
        d.pages[0].questions.clear();
        assert!(page_consequences(&d, &code).unwrap().can);
        assert!(page_consequences(&d, "nope").is_none());
    }
}
