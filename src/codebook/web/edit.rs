//! Editing a codebook's draft: all of it as TOML, one code at a time, adding, merging and
//! splitting codes, and reassigning the codings a split left for review. Every form carries the
//! draft's revision, so an edit made on an outdated copy is refused instead of undoing another.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::accounts::User;
use crate::app::AppState;
use crate::codebook::model::{CodeEntry, CodeKind, CodebookError, CodebookFile, from_toml, to_toml};
use crate::codebook::{ops, store};
use crate::error::{AppError, Result};
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};
use crate::web::{Page, off_workers};

/// Saves `new` as the draft, or returns the problems.
pub(super) async fn save(
    state: &AppState,
    user: &User,
    id: i64,
    revision: i64,
    new: CodebookFile,
) -> Result<std::result::Result<(), Vec<CodebookError>>> {
    let (actor, user) = (user.email.clone(), user.clone());
    Ok(state
        .db
        .write(move |tx| {
            let outcome = ops::save_draft(tx, id, revision, &actor, &new)?;
            if outcome.is_ok() {
                crate::audit::record(
                    tx,
                    Some(&user),
                    "codebook.edit",
                    &new.name,
                    &crate::audit::about_codebook(id, ""),
                )?;
            }
            Ok(outcome)
        })
        .await?)
}

async fn back_to_overview(
    page: &Page,
    id: i64,
    outcome: std::result::Result<(), Vec<CodebookError>>,
    done: &str,
) -> Response {
    match outcome {
        Ok(()) => flash(&page.session, "success", done).await,
        Err(errors) => {
            let message = errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
            flash(&page.session, "error", format!("Not changed: {message}")).await;
        }
    }
    Redirect::to(&format!("/codebooks/{id}")).into_response()
}

/// `GET /codebooks/{id}/draft`
pub async fn draft_form(
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let text = to_toml(&codebook.draft).map_err(|e| anyhow::anyhow!("serialising a codebook: {e}"))?;
    let own = context! { codebook => &codebook, survey => &survey, text, revision => codebook.draft_revision };
    Ok(page.render("codebook/draft.html", own)?.into_response())
}

#[derive(Deserialize, Default)]
pub struct DraftForm {
    #[serde(default)]
    text: String,
    #[serde(default)]
    revision: i64,
}

/// `POST /codebooks/{id}/draft`
pub async fn save_draft(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, survey, .. }): ManagedCodebook,
    page: Page,
    Form(form): Form<DraftForm>,
) -> Result<Response> {
    let id = codebook.id;
    let text = form.text.replace("\r\n", "\n");
    let outcome = match off_workers(move || from_toml(&text)).await? {
        Ok(file) => save(&state, &user, id, form.revision, file).await?,
        Err(errors) => Err(errors),
    };
    match outcome {
        Ok(()) => {
            flash(&page.session, "success", "Draft saved. Publish it to make it the version coders use.").await;
            Ok(Redirect::to(&format!("/codebooks/{id}")).into_response())
        }
        Err(errors) => {
            let own = context! { codebook => &codebook, survey => &survey, text => form.text, revision => form.revision, errors };
            Ok(page.render_with_status(StatusCode::UNPROCESSABLE_ENTITY, "codebook/draft.html", own)?.into_response())
        }
    }
}

fn categories(file: &CodebookFile, except: &str) -> Vec<(String, String)> {
    let tree = crate::codebook::tree::Tree::new(file);
    file.codes
        .iter()
        .filter(|c| c.kind == CodeKind::Category && c.id != except)
        .map(|c| (c.id.clone(), tree.path(&c.id)))
        .collect()
}

fn render_code_form(
    page: &Page,
    codebook: &crate::codebook::store::StoredCodebook,
    entry: &CodeEntry,
    errors: &[CodebookError],
    status: StatusCode,
) -> Result<Response> {
    let own = context! {
        codebook, entry, errors, revision => codebook.draft_revision,
        categories => categories(&codebook.draft, &entry.id), path => codebook.draft.path(&entry.id),
    };
    Ok(page.render_with_status(status, "codebook/code.html", own)?.into_response())
}

/// `GET /codebooks/{id}/codes/{key}`
pub async fn code_form(
    ManagedCodebook(CodebookScope { codebook, .. }): ManagedCodebook,
    page: Page,
    Path((_, key)): Path<(i64, String)>,
) -> Result<Response> {
    let entry = codebook.draft.entry(&key).ok_or(AppError::NotFound)?.clone();
    render_code_form(&page, &codebook, &entry, &[], StatusCode::OK)
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    short_definition: String,
    #[serde(default)]
    definition: String,
    #[serde(default)]
    when_to_use: String,
    #[serde(default)]
    when_not_to_use: String,
    #[serde(default)]
    example: String,
    #[serde(default)]
    near_miss: String,
    #[serde(default)]
    colour: String,
    /// A colour input always sends a colour; this box says there is none.
    #[serde(default)]
    no_colour: String,
    #[serde(default)]
    shortcut: String,
    #[serde(default)]
    mutually_exclusive: String,
    #[serde(default)]
    retired: String,
}

impl CodeForm {
    fn apply_to(&self, entry: &mut CodeEntry) {
        let text = |s: &str| crate::text::normalize_line_breaks(s).trim().to_string();
        let optional = |s: &str| Some(s.trim().to_string()).filter(|v| !v.is_empty());
        entry.name = text(&self.name);
        entry.parent = optional(&self.parent);
        entry.kind = if self.kind == "category" { CodeKind::Category } else { CodeKind::Code };
        entry.short_definition = text(&self.short_definition);
        entry.definition = text(&self.definition);
        entry.when_to_use = text(&self.when_to_use);
        entry.when_not_to_use = text(&self.when_not_to_use);
        entry.example = text(&self.example);
        entry.near_miss = text(&self.near_miss);
        entry.colour = if self.no_colour == "on" { None } else { optional(&self.colour) };
        entry.shortcut = optional(&self.shortcut);
        entry.mutually_exclusive = self.mutually_exclusive == "on";
        entry.retired = self.retired == "on";
    }
}

/// `POST /codebooks/{id}/codes/{key}`: rename, redefine, move, retire.
pub async fn save_code(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
    Path((_, key)): Path<(i64, String)>,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let id = codebook.id;
    let mut draft = codebook.draft.clone();
    let Some(entry) = draft.codes.iter_mut().find(|c| c.id == key) else { return Err(AppError::NotFound) };
    form.apply_to(entry);
    let edited = entry.clone();
    match save(&state, &user, id, form.revision, draft).await? {
        Ok(()) => {
            flash(
                &page.session,
                "success",
                format!("Saved {}. Publish the draft to make it the version coders use.", edited.name),
            )
            .await;
            Ok(Redirect::to(&format!("/codebooks/{id}")).into_response())
        }
        Err(errors) => render_code_form(&page, &codebook, &edited, &errors, StatusCode::UNPROCESSABLE_ENTITY),
    }
}

#[derive(Deserialize, Default)]
pub struct NewCodeForm {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    kind: String,
}

/// `POST /codebooks/{id}/codes`: adds a code or category, then opens its form.
pub async fn add_code(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
    Form(form): Form<NewCodeForm>,
) -> Result<Response> {
    let id = codebook.id;
    let mut draft = codebook.draft.clone();
    let key = form.id.trim().to_string();
    draft.codes.push(CodeEntry {
        id: key.clone(),
        name: form.name.trim().to_string(),
        parent: Some(form.parent.trim().to_string()).filter(|p| !p.is_empty()),
        kind: if form.kind == "category" { CodeKind::Category } else { CodeKind::Code },
        ..CodeEntry::default()
    });
    match save(&state, &user, id, form.revision, draft).await? {
        Ok(()) => Ok(Redirect::to(&format!("/codebooks/{id}/codes/{key}")).into_response()),
        Err(errors) => Ok(back_to_overview(&page, id, Err(errors), "").await),
    }
}

#[derive(Deserialize, Default)]
pub struct MergeForm {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    from: String,
    #[serde(default)]
    into: String,
}

/// `POST /codebooks/{id}/merge`
pub async fn merge(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
    Form(form): Form<MergeForm>,
) -> Result<Response> {
    let id = codebook.id;
    let (from, into, revision, actor) = (form.from.clone(), form.into.clone(), form.revision, user.email.clone());
    let outcome = state
        .db
        .write(move |tx| {
            let outcome = ops::merge(tx, id, revision, &actor, &from, &into)?;
            if outcome.is_ok() {
                let details = crate::audit::about_codebook(id, &format!("into {into}"));
                crate::audit::record(tx, Some(&user), "codebook.merge", &from, &details)?;
            }
            Ok(outcome)
        })
        .await?;
    if outcome.is_ok() {
        let (from, into) = (form.from.clone(), form.into.clone());
        state
            .db
            .write_in_batches(move |tx| store::move_codings_batch(tx, id, &from, &into, ops::CODINGS_PER_WRITE))
            .await?;
    }
    Ok(back_to_overview(
        &page,
        id,
        outcome,
        &format!("Merged {} into {}; its codings moved with it.", form.from, form.into),
    )
    .await)
}

#[derive(Deserialize, Default)]
pub struct SplitForm {
    #[serde(default)]
    revision: i64,
    #[serde(default)]
    key: String,
    /// One new code per line: `ID Name of the code`.
    #[serde(default)]
    into: String,
}

/// `POST /codebooks/{id}/split`
pub async fn split(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
    Form(form): Form<SplitForm>,
) -> Result<Response> {
    let id = codebook.id;
    let new_codes: Vec<CodeEntry> = form
        .into
        .lines()
        .filter_map(|line| {
            let (key, name) = line.trim().split_once(char::is_whitespace)?;
            Some(CodeEntry { id: key.trim().to_string(), name: name.trim().to_string(), ..CodeEntry::default() })
        })
        .collect();
    let (key, revision, actor) = (form.key.clone(), form.revision, user.email.clone());
    let outcome = state
        .db
        .write(move |tx| {
            let outcome = ops::split(tx, id, revision, &actor, &key, new_codes)?;
            if outcome.is_ok() {
                crate::audit::record(tx, Some(&user), "codebook.split", &key, &crate::audit::about_codebook(id, ""))?;
            }
            Ok(outcome)
        })
        .await?;
    if outcome.is_ok() {
        let key = form.key.clone();
        state.db.write_in_batches(move |tx| store::flag_for_review_batch(tx, id, &key, ops::CODINGS_PER_WRITE)).await?;
    }
    Ok(back_to_overview(&page, id, outcome, &format!("Split {}; its codings are waiting for review.", form.key)).await)
}

/// `GET /codebooks/{id}/review`
pub async fn review(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let id = codebook.id;
    let flagged = state.db.read(move |conn| store::flagged(conn, id)).await?;
    let codes: Vec<_> = codebook.draft.codes.iter().filter(|c| c.kind == CodeKind::Code && !c.retired).collect();
    Ok(page
        .render(
            "codebook/review.html",
            context! { codebook => &codebook, survey => &survey, flagged_codings => flagged, codes },
        )?
        .into_response())
}

/// `POST /codebooks/{id}/review`: fields `coding.{id}` = the code to give it.
pub async fn resolve_review(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let id = codebook.id;
    let choices: Vec<(i64, String)> = fields
        .into_iter()
        .filter_map(|(name, code)| Some((name.strip_prefix("coding.")?.parse().ok()?, code)))
        .filter(|(_, code)| codebook.draft.entry(code).is_some_and(|e| e.kind == CodeKind::Code))
        .collect();
    let resolved = state
        .db
        .write(move |tx| {
            let mut resolved = 0;
            for (coding, code) in &choices {
                if store::resolve_review(tx, id, *coding, code)? {
                    resolved += 1;
                }
            }
            let details = crate::audit::about_codebook(id, &format!("{resolved} codings reassigned"));
            crate::audit::record(tx, Some(&user), "codebook.review", "", &details)?;
            Ok(resolved)
        })
        .await?;
    flash(&page.session, "success", format!("{resolved} coding(s) reassigned.")).await;
    Ok(Redirect::to(&format!("/codebooks/{id}/review")).into_response())
}
