//! Codebooks of a survey: list, create, import (TOML or REFI-QDA), the overview, publishing,
//! blind and reconciliation modes, history and export.

use axum::Form;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;

use crate::app::AppState;
use crate::audit;
use crate::codebook::model::{CodebookError, CodebookFile, FORMAT, to_toml};
use crate::codebook::{qdc, store};
use crate::error::{AppError, Result};
use crate::survey::store::StoredSurvey;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, CodingCodebook, ManagedCodebook, ManagedSurvey};
use crate::web::{Page, off_workers};

async fn render_list(
    state: &AppState,
    page: &Page,
    survey: &StoredSurvey,
    import_errors: Vec<CodebookError>,
    status: StatusCode,
) -> Result<Response> {
    let id = survey.id;
    let codebooks = state.db.read(move |conn| store::for_survey(conn, id)).await?;
    let own = context! { survey, codebooks, import_errors };
    Ok(page.render_with_status(status, "codebook/list.html", own)?.into_response())
}

/// `GET /surveys/{slug}/codebooks`
pub async fn list(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    render_list(&state, &page, &survey, Vec::new(), StatusCode::OK).await
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
}

/// `POST /surveys/{slug}/codebooks`: an empty codebook to build up code by code.
pub async fn create(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Form(form): Form<CreateForm>,
) -> Result<Response> {
    let file = CodebookFile {
        format: FORMAT,
        name: form.name.trim().to_string(),
        description: String::new(),
        codes: Vec::new(),
        closed: Vec::new(),
    };
    let errors = file.check();
    if !errors.is_empty() {
        return render_list(&state, &page, &survey, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let survey_id = survey.id;
    let id = state
        .db
        .write(move |tx| {
            let id = store::insert(tx, survey_id, &file)?;
            audit::record(tx, Some(&user), "codebook.create", &file.name, &audit::about_codebook(id, ""))?;
            Ok(id)
        })
        .await?;
    Ok(Redirect::to(&format!("/codebooks/{id}")).into_response())
}

/// `POST /surveys/{slug}/codebooks/import` (multipart `file`), all or nothing.
pub async fn import(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    mut multipart: Multipart,
) -> Result<Response> {
    let (mut bytes, mut file_name) = (Vec::new(), String::new());
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            file_name = field.file_name().unwrap_or("").to_string();
            bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default();
        }
    }
    if bytes.is_empty() {
        let errors = vec![CodebookError { path: String::new(), message: "choose a .toml, .qdc or .csv file".into() }];
        return render_list(&state, &page, &survey, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let definition = survey.definition.clone();
    let parsed = off_workers(move || crate::codebook::parse_file_for(&bytes, &file_name, &definition));
    let (file, notes) = match parsed.await? {
        Ok(parsed) => parsed,
        Err(errors) => return render_list(&state, &page, &survey, errors, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let survey_id = survey.id;
    let id = state
        .db
        .write(move |tx| {
            let id = crate::codebook::import(tx, survey_id, &file, &user.email, Some(user.id))?;
            audit::record(tx, Some(&user), "codebook.import", &file.name, &audit::about_codebook(id, ""))?;
            Ok(id)
        })
        .await?;
    let message = if notes.is_empty() {
        "Imported and published as version 1.".to_string()
    } else {
        format!("Imported and published as version 1. Not taken over: {}", notes.join(" "))
    };
    flash(&page.session, if notes.is_empty() { "success" } else { "error" }, message).await;
    Ok(Redirect::to(&format!("/codebooks/{id}")).into_response())
}

/// A codebook entry with its depth, for showing the tree.
#[derive(serde::Serialize)]
struct TreeRow<'a> {
    depth: usize,
    entry: &'a crate::codebook::model::CodeEntry,
    codings: i64,
}

/// `GET /codebooks/{id}`
pub async fn overview(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let CodebookScope { codebook, survey, .. } = scope;
    let id = codebook.id;
    let (counts, pending, flagged) = state
        .db
        .read(move |conn| {
            Ok((store::answers_per_code(conn, id)?, store::pending_changes(conn, id)?, store::flagged_count(conn, id)?))
        })
        .await?;
    let rows: Vec<TreeRow> = codebook
        .draft
        .tree()
        .into_iter()
        .map(|(depth, entry)| TreeRow { depth, entry, codings: counts.get(&entry.id).copied().unwrap_or(0) })
        .collect();
    let codes: Vec<_> = codebook
        .draft
        .codes
        .iter()
        .filter(|c| c.kind == crate::codebook::model::CodeKind::Code && !c.retired)
        .collect();
    let own = context! { codebook => &codebook, survey => &survey, rows, codes, pending, flagged };
    Ok(page.render("codebook/overview.html", own)?.into_response())
}

/// `POST /codebooks/{id}/publish`
pub async fn publish(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let (id, name) = (codebook.id, codebook.draft.name.clone());
    let published = state
        .db
        .write(move |tx| {
            let version = store::publish(tx, id, Some(user.id))?;
            if let Some(version) = version {
                let details = audit::about_codebook(id, &format!("version {version}"));
                audit::record(tx, Some(&user), "codebook.publish", &name, &details)?;
            }
            Ok(version)
        })
        .await?;
    match published {
        Some(version) => {
            let message = format!("Published version {version}. New codings are made under it.");
            flash(&page.session, "success", message).await;
        }
        None => {
            let message = format!(
                "Nothing to publish: the draft is the same as version {}, which coders already use.",
                codebook.published_version
            );
            flash(&page.session, "error", message).await;
        }
    }
    Ok(Redirect::to(&format!("/codebooks/{id}")).into_response())
}

#[derive(Deserialize, Default)]
pub struct ModesForm {
    #[serde(default)]
    blind: String,
    #[serde(default)]
    reconciliation_open: String,
    #[serde(default)]
    coders_see_closed_answers: String,
}

/// `POST /codebooks/{id}/modes`: blind coding, whether reconciliation is open, and whether coders
/// see the respondent's closed answers.
pub async fn set_modes(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { user, codebook, .. }): ManagedCodebook,
    page: Page,
    Form(form): Form<ModesForm>,
) -> Result<Response> {
    let (blind, open) = (form.blind == "on", form.reconciliation_open == "on");
    let closed_answers = form.coders_see_closed_answers == "on";
    let (id, name) = (codebook.id, codebook.draft.name.clone());
    state
        .db
        .write(move |tx| {
            store::set_modes(tx, id, blind, open)?;
            store::set_coders_see_closed_answers(tx, id, closed_answers)?;
            audit::record(
                tx,
                Some(&user),
                "codebook.modes",
                &name,
                &audit::about_codebook(
                    id,
                    &format!("blind {blind}, reconciliation open {open}, coders see closed answers {closed_answers}"),
                ),
            )
        })
        .await?;
    flash(&page.session, "success", "Saved.").await;
    Ok(Redirect::to(&format!("/codebooks/{id}")).into_response())
}

/// `GET /codebooks/{id}/history`
pub async fn history(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, survey, .. }): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    let id = codebook.id;
    let changes = state.db.read(move |conn| store::changes(conn, id)).await?;
    Ok(page
        .render("codebook/history.html", context! { codebook => &codebook, survey => &survey, changes })?
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
    version: Option<i64>,
}

/// `GET /codebooks/{id}/export?format=toml|qdc|csv[&version=N]`: the draft, or a published version.
pub async fn export(
    State(state): State<AppState>,
    ManagedCodebook(CodebookScope { codebook, .. }): ManagedCodebook,
    Query(query): Query<ExportQuery>,
) -> Result<Response> {
    let id = codebook.id;
    let file = match query.version {
        Some(version) => {
            state.db.read(move |conn| store::version(conn, id, version)).await?.ok_or(AppError::NotFound)?
        }
        None => codebook.draft,
    };
    let stem: String = file.name.chars().map(|c| if c.is_alphanumeric() { c } else { '-' }).collect();
    let (body, content_type, extension) = if query.format == "qdc" {
        (qdc::to_qdc(&file), "application/xml; charset=utf-8", "qdc")
    } else if query.format == "csv" {
        let text = crate::codebook::csv::to_csv(&file).map_err(|e| anyhow::anyhow!("writing a codebook CSV: {e}"))?;
        (text, "text/csv; charset=utf-8", "csv")
    } else {
        (
            to_toml(&file).map_err(|e| anyhow::anyhow!("serialising a codebook: {e}"))?,
            "application/toml; charset=utf-8",
            "toml",
        )
    };
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{extension}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type)), (header::CONTENT_DISPOSITION, disposition)],
        body,
    )
        .into_response())
}

/// `GET /codebooks/{id}/colours.css`: each code's colour as classes, for swatches and highlights
/// (a stylesheet, because the Content-Security-Policy allows no inline styles).
pub async fn colours(CodingCodebook(CodebookScope { codebook, .. }): CodingCodebook) -> Result<Response> {
    // Only those who may code in the codebook see its codes (the extractor's rule).
    let mut css = String::new();
    for entry in &codebook.draft.codes {
        // Colours were checked to be #RRGGBB and ids to be [A-Za-z0-9_]: safe to write as CSS.
        if let Some(colour) = &entry.colour {
            css.push_str(&format!(
                ".code-colour-{id} {{ background: {colour}; }}\nmark.code-{id} {{ background: {colour}40; border-bottom: 3px solid {colour}; }}\n",
                id = entry.id
            ));
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/css; charset=utf-8")),
            (header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300")),
        ],
        css,
    )
        .into_response())
}
