//! One participant: edit, a new personal link, remove (before they respond) and erase (a
//! data-protection request: the participant, their link and their response, for good).

use std::collections::{BTreeMap, HashSet};

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{change_audited, title};
use crate::app::AppState;
use crate::audit;
use crate::distribute::import::{check_attribute, check_email, check_name};
use crate::distribute::links::personal_link;
use crate::distribute::participants::{self, Attributes, NewParticipant, Participant};
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::ManagedSurvey;

/// The participant form as typed: attributes one `name: value` per line.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct ParticipantFields {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub attributes: String,
}

impl ParticipantFields {
    fn of(p: &Participant) -> ParticipantFields {
        let attributes = p.attributes.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join("\n");
        ParticipantFields { email: p.email.clone(), name: p.name.clone(), language: p.language.clone(), attributes }
    }
}

/// The typed fields as a participant, or a message per field. `taken` holds the survey's emails
/// (lower-cased); `own` is the participant's current email when editing.
pub fn read_fields(
    fields: &ParticipantFields,
    languages: &[String],
    taken: &HashSet<String>,
    own: Option<&str>,
) -> Result<NewParticipant, BTreeMap<&'static str, String>> {
    let mut errors = BTreeMap::new();
    let email = fields.email.trim().to_string();
    if let Err(message) = check_email(&email) {
        errors.insert("email", message);
    } else if taken.contains(&email.to_lowercase()) && own.is_none_or(|own| !own.eq_ignore_ascii_case(&email)) {
        errors.insert("email", format!("{email} is already a participant of this survey"));
    }
    let language = fields.language.trim().to_string();
    if !language.is_empty() && !languages.contains(&language) {
        errors.insert("language", format!("choose one of this survey's languages ({})", languages.join(", ")));
    }
    let mut attributes = Attributes::new();
    for (number, line) in fields.attributes.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        match line.split_once(':') {
            Some((key, value)) if !key.trim().is_empty() && !["email", "name", "language"].contains(&key.trim()) => {
                if let Err(message) = check_attribute(key.trim(), value.trim()) {
                    errors.insert("attributes", format!("line {}: {message}", number + 1));
                }
                attributes.insert(key.trim().to_string(), value.trim().to_string());
            }
            _ => {
                errors.insert(
                    "attributes",
                    format!("line {} should read \"name: value\", such as \"role: maintainer\"", number + 1),
                );
            }
        }
    }
    let name = fields.name.trim().to_string();
    if let Err(message) = check_name(&name) {
        errors.insert("name", message);
    }
    if errors.is_empty() { Ok(NewParticipant { email, name, language, attributes }) } else { Err(errors) }
}

async fn find_participant(state: &AppState, survey: &StoredSurvey, id: i64) -> Result<Participant> {
    let survey_id = survey.id;
    state.db.read(move |conn| participants::find(conn, survey_id, id)).await?.ok_or(AppError::NotFound)
}

fn render(
    state: &AppState,
    page: &Page,
    survey: &StoredSurvey,
    participant: &Participant,
    form: &ParticipantFields,
    errors: BTreeMap<&'static str, String>,
    status: StatusCode,
) -> Result<Response> {
    let link = personal_link(&state.base_url(), &survey.slug, &state.link_key.token(&participant.token_salt));
    let own = context! {
        survey, title => title(survey), participant, form, errors, link,
        languages => &survey.definition.languages,
    };
    Ok(page.render_with_status(status, "distribute/participant.html", own)?.into_response())
}

/// `GET /surveys/{slug}/participants/{id}`
pub async fn form(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response> {
    let participant = find_participant(&state, &survey, id).await?;
    let fields = ParticipantFields::of(&participant);
    render(&state, &page, &survey, &participant, &fields, BTreeMap::new(), StatusCode::OK)
}

/// `POST /surveys/{slug}/participants/{id}`: new email, name, language or attributes.
pub async fn save(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, id)): Path<(String, i64)>,
    Form(fields): Form<ParticipantFields>,
) -> Result<Response> {
    let participant = find_participant(&state, &survey, id).await?;
    let (survey_id, languages, own) = (survey.id, survey.definition.languages.clone(), participant.email.clone());
    let (typed, target) = (fields.clone(), slug.clone());
    let outcome = state
        .db
        .write(move |tx| {
            let taken = participants::emails(tx, survey_id)?;
            let new = match read_fields(&typed, &languages, &taken, Some(&own)) {
                Ok(new) => new,
                Err(errors) => return Ok(Err(errors)),
            };
            participants::update(tx, survey_id, id, &new)?;
            audit::record(tx, Some(&user), "participant.edit", &target, &format!("participant {id}"))?;
            Ok(Ok(()))
        })
        .await?;
    match outcome {
        Ok(()) => {
            flash(&page.session, "success", "Participant saved.").await;
            Ok(Redirect::to(&format!("/surveys/{slug}/participants/{id}")).into_response())
        }
        Err(errors) => render(&state, &page, &survey, &participant, &fields, errors, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

/// `POST /surveys/{slug}/participants/{id}/new-link`: the old link stops working.
pub async fn new_link(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response> {
    let (survey_id, key) = (survey.id, state.link_key.clone());
    let target = (slug.as_str(), format!("participant {id}"));
    let changed = change_audited(&state, &user, "participant.new_link", target, move |tx| {
        participants::reissue_link(tx, &key, survey_id, id)
    })
    .await?;
    if !changed {
        return Err(AppError::NotFound);
    }
    flash(&page.session, "success", "A new personal link was made; the old one no longer works.").await;
    Ok(Redirect::to(&format!("/surveys/{slug}/participants/{id}")).into_response())
}

/// `POST /surveys/{slug}/participants/{id}/remove`: only before they have responded.
pub async fn remove(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, id)): Path<(String, i64)>,
) -> Result<Response> {
    let participant = find_participant(&state, &survey, id).await?;
    let (survey_id, target) = (survey.id, (slug.as_str(), format!("participant {id}")));
    let removed =
        change_audited(&state, &user, "participant.remove", target, move |tx| participants::remove(tx, survey_id, id))
            .await?;
    if removed {
        flash(&page.session, "success", format!("Removed {}.", participant.email)).await;
        return Ok(Redirect::to(&format!("/surveys/{slug}/participants")).into_response());
    }
    let mut errors = BTreeMap::new();
    errors.insert(
        "remove",
        "This participant has begun a response, so removing them would lose it. To delete them and their response \
         for good, erase them below."
            .to_string(),
    );
    let fields = ParticipantFields::of(&participant);
    render(&state, &page, &survey, &participant, &fields, errors, StatusCode::CONFLICT)
}

#[derive(Deserialize, Default)]
pub struct EraseForm {
    #[serde(default)]
    confirm: String,
}

/// `POST /surveys/{slug}/participants/{id}/erase`: the participant, their link, their response
/// and everything coded on it, for good; the audit log keeps that it happened, not what it was.
pub async fn erase(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Path((slug, id)): Path<(String, i64)>,
    Form(form): Form<EraseForm>,
) -> Result<Response> {
    let participant = find_participant(&state, &survey, id).await?;
    if form.confirm != "erase" {
        let mut errors = BTreeMap::new();
        errors.insert("confirm", "Tick the box to confirm that this cannot be undone.".to_string());
        let fields = ParticipantFields::of(&participant);
        return render(&state, &page, &survey, &participant, &fields, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (survey_id, target) = (survey.id, (slug.as_str(), format!("participant {id}")));
    change_audited(&state, &user, "participant.erase", target, move |tx| participants::erase(tx, survey_id, id))
        .await?;
    state.db.forget_deleted().await?;
    flash(&page.session, "success", "The participant, their link and their response were erased.").await;
    Ok(Redirect::to(&format!("/surveys/{slug}/participants")).into_response())
}
