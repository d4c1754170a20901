//! Editing a codebook's closed-answer mappings (`[[closed]]`) on its page "Closed answers": per
//! mapped closed question, a choice for each code and the open questions whose coding counts.
//! Saved into the draft like every other edit (`edit::save`), so they are versioned with it.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::edit::save;
use crate::answer::{Naming, OTHER};
use crate::app::AppState;
use crate::codebook::closed::{ClosedMapping, is_closed};
use crate::codebook::model::{CodeKind, CodebookError};
use crate::codebook::store::StoredCodebook;
use crate::codebook::tree::Tree;
use crate::error::Result;
use crate::survey::model::SurveyDefinition;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};

#[derive(Deserialize, Default)]
pub struct Shown {
    /// A closed question to map (not mapped yet): its form is shown.
    #[serde(default)]
    question: String,
}

/// One mapping's form as the page shows it.
#[derive(Serialize)]
struct MappingForm {
    question: String,
    question_text: String,
    multiple: bool,
    /// Not saved yet.
    new: bool,
    /// (choice code, label) the codes may stand for.
    choices: Vec<(String, String)>,
    /// (code id, path, choice it stands for or "").
    codes: Vec<(String, String, String)>,
    /// (open question, its text, whether its coding counts).
    open: Vec<(String, String, bool)>,
}

impl MappingForm {
    fn of(mapping: &ClosedMapping, new: bool, survey: &SurveyDefinition, codebook: &StoredCodebook) -> MappingForm {
        let naming = Naming::default_labels(survey);
        let question = survey.question(&mapping.question);
        let mut choices: Vec<(String, String)> = question
            .map(|q| {
                let listed = q.choices.iter().map(|c| (c.code.clone(), naming.choice(q, &c.code).into_owned()));
                listed.chain(q.other.then(|| (OTHER.to_string(), naming.other().into_owned()))).collect()
            })
            .unwrap_or_default();
        // A choice the question no longer has stays selectable, so that saving keeps what is there.
        for choice in mapping.codes.values() {
            if !choices.iter().any(|(code, _)| code == choice) {
                choices.push((choice.clone(), format!("{choice} (not a choice of the question)")));
            }
        }
        let tree = Tree::new(&codebook.draft);
        let codes = codebook
            .draft
            .tree()
            .into_iter()
            .map(|(_, entry)| entry)
            .filter(|e| e.kind == CodeKind::Code && (!e.retired || mapping.codes.contains_key(&e.id)))
            .map(|e| (e.id.clone(), tree.path(&e.id), mapping.codes.get(&e.id).cloned().unwrap_or_default()))
            .collect();
        let open = survey
            .questions()
            .map(|(_, q)| q)
            .filter(|q| q.kind.is_open())
            .map(|q| {
                let text = survey.text(&q.text, &survey.default_language).to_string();
                (q.code.clone(), text, mapping.open_questions.contains(&q.code))
            })
            .collect();
        MappingForm {
            question: mapping.question.clone(),
            question_text: question
                .map(|q| survey.text(&q.text, &survey.default_language).to_string())
                .unwrap_or_default(),
            multiple: question.is_some_and(|q| q.kind == crate::survey::model::QuestionType::MultipleChoice),
            new,
            choices,
            codes,
            open,
        }
    }
}

/// Renders the page: the saved mappings (the one being saved as typed, `typed`), a new one for
/// `question` when asked, and the closed questions still unmapped.
fn render(
    page: &Page,
    CodebookScope { codebook, survey, .. }: &CodebookScope,
    question: &str,
    typed: Option<&ClosedMapping>,
    errors: &[CodebookError],
    status: StatusCode,
) -> Result<Response> {
    let definition = &survey.definition;
    let mut mappings: Vec<MappingForm> = codebook
        .draft
        .closed
        .iter()
        .map(|saved| {
            let shown = typed.filter(|t| t.question == saved.question).unwrap_or(saved);
            MappingForm::of(shown, false, definition, codebook)
        })
        .collect();
    let is_mapped = |code: &str| codebook.draft.closed.iter().any(|m| m.question == code);
    let asked = typed.map_or(question, |t| t.question.as_str());
    if definition.question(asked).is_some_and(is_closed) && !is_mapped(asked) {
        let fresh = ClosedMapping { question: asked.to_string(), ..ClosedMapping::default() };
        mappings.push(MappingForm::of(typed.unwrap_or(&fresh), true, definition, codebook));
    }
    let unmapped: Vec<(String, String)> = definition
        .questions()
        .map(|(_, q)| q)
        .filter(|q| is_closed(q) && !is_mapped(&q.code) && q.code != asked)
        .map(|q| (q.code.clone(), format!("{} — {}", q.code, definition.text(&q.text, &definition.default_language))))
        .collect();
    let own = context! {
        codebook, survey, mappings, unmapped, errors, revision => codebook.draft_revision,
    };
    Ok(page.render_with_status(status, "codebook/closed.html", own)?.into_response())
}

/// `GET /codebooks/{id}/closed[?question=Q]`
pub async fn closed_form(
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Query(shown): Query<Shown>,
) -> Result<Response> {
    render(&page, &scope, &shown.question, None, &[], StatusCode::OK)
}

/// `POST /codebooks/{id}/closed`: fields `revision`, `question`, `action` (`save` or `remove`),
/// `code.ID` = the choice the code stands for (empty: none), `open` = an open question whose
/// coding counts (repeated).
pub async fn save_closed(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim().to_string());
    let question = field("question").unwrap_or_default();
    let revision = field("revision").and_then(|r| r.parse().ok()).unwrap_or(-1);
    let typed = ClosedMapping {
        question: question.clone(),
        open_questions: fields.iter().filter(|(n, _)| n == "open").map(|(_, v)| v.clone()).collect(),
        codes: fields
            .iter()
            .filter_map(|(name, choice)| Some((name.strip_prefix("code.")?.to_string(), choice.trim().to_string())))
            .filter(|(_, choice)| !choice.is_empty())
            .collect(),
    };
    let mut draft = scope.codebook.draft.clone();
    let at = draft.closed.iter().position(|m| m.question == question);
    let removing = field("action").as_deref() == Some("remove");
    let done = match (removing, at) {
        (true, Some(at)) => {
            draft.closed.remove(at);
            "Mapping removed from the draft."
        }
        (false, Some(at)) => {
            draft.closed[at] = typed.clone();
            "Mapping saved in the draft."
        }
        (false, None) if scope.survey.definition.question(&question).is_some_and(is_closed) => {
            draft.closed.push(typed.clone());
            "Mapping saved in the draft."
        }
        _ => {
            let message = format!("the survey has no closed question {question:?} to map");
            let errors = [CodebookError { path: "question".into(), message }];
            return render(&page, &scope, "", None, &errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
    };
    let id = scope.codebook.id;
    match save(&state, &scope.user, id, revision, draft).await? {
        Ok(()) => {
            flash(&page.session, "success", done).await;
            Ok(Redirect::to(&format!("/codebooks/{id}/closed")).into_response())
        }
        Err(errors) => {
            let typed = (!removing).then_some(&typed);
            render(&page, &scope, &question, typed, &errors, StatusCode::UNPROCESSABLE_ENTITY)
        }
    }
}
