//! The survey's methods pack page (`/surveys/{slug}/report`): the disclosure check's settings
//! (which closed questions are quasi-identifiers, and k), saved with CSRF like every form, the
//! check's current result, and the download: the pack as a zip of the same files the command
//! writes, recorded in the audit log.

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use minijinja::context;

use super::{ReportError, Request, disclosure, store};
use crate::app::AppState;
use crate::error::Result;
use crate::survey::store::StoredSurvey;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::routes::Routes;
use crate::web::scope::ManagedSurvey;

pub fn router() -> Routes {
    Routes::new()
        .route("/surveys/{slug}/report", get(page).post(save))
        .route("/surveys/{slug}/report/methods-pack.zip", get(download))
}

/// `GET /surveys/{slug}/report`
pub async fn page(
    State(state): State<AppState>,
    ManagedSurvey { survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    let id = survey.id;
    let settings = state.db.read(move |conn| store::settings(conn, id)).await?;
    render(&state, &page, &survey, StatusCode::OK, settings, None).await
}

/// `POST /surveys/{slug}/report`: the quasi-identifiers (`qi`, one per ticked question) and `k`.
pub async fn save(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let quasi_identifiers: Vec<String> =
        fields.iter().filter(|(name, _)| name == "qi").map(|(_, code)| code.clone()).collect();
    let typed_k = fields.iter().find(|(name, _)| name == "k").map(|(_, k)| k.trim().to_string()).unwrap_or_default();
    let k = typed_k.parse::<i64>().ok().filter(|k| (2..=1_000_000).contains(k));
    let problem = match (k, disclosure::checked(&survey.definition, &quasi_identifiers)) {
        (None, _) => Some(("k", format!("Give a whole number of at least 2 (got \u{201c}{typed_k}\u{201d})."))),
        (_, Err(why)) => Some(("qi", why.to_string())),
        (Some(_), Ok(_)) => None,
    };
    if let Some((field, message)) = problem {
        // The typed k is kept as typed; a bad one is shown with its message.
        let settings = store::StoredSettings { quasi_identifiers, k: k.unwrap_or(super::DEFAULT_K) };
        let error = context! { field, message, typed_k };
        return render(&state, &page, &survey, StatusCode::UNPROCESSABLE_ENTITY, settings, Some(error)).await;
    }
    let settings = store::StoredSettings { quasi_identifiers, k: k.unwrap_or(super::DEFAULT_K) };
    let (id, slug) = (survey.id, survey.slug.clone());
    let details = format!("quasi-identifiers: {}; k = {}", settings.quasi_identifiers.join(", "), settings.k);
    state
        .db
        .write(move |tx| {
            store::save_settings(tx, id, &settings)?;
            crate::audit::record(tx, Some(&user), "report.settings", &slug, &details)
        })
        .await?;
    flash(&page.session, "success", "Saved: the disclosure check uses these questions and k.").await;
    Ok(Redirect::to(&format!("/surveys/{}/report", survey.slug)).into_response())
}

/// `GET /surveys/{slug}/report/methods-pack.zip`: the pack, made now, as a zip. Settings that no
/// longer fit the survey (a marked question since removed) bring the page back with the reason.
pub async fn download(
    State(state): State<AppState>,
    ManagedSurvey { user, survey, .. }: ManagedSurvey,
    page: Page,
) -> Result<Response> {
    let templates = state.templates.clone();
    let request = Request { slug: survey.slug.clone(), ..Request::default() };
    let made = state.db.read_apart(move |conn| Ok(super::build(conn, &templates, &request))).await?;
    let files = match made {
        Ok(files) => files,
        Err(why @ (ReportError::QuasiIdentifier(_) | ReportError::BadK(_))) => {
            let message =
                format!("The disclosure check's settings no longer fit the survey ({why}): change them here.");
            flash(&page.session, "error", message).await;
            return Ok(Redirect::to(&format!("/surveys/{}/report", survey.slug)).into_response());
        }
        Err(why) => return Err(anyhow::anyhow!("methods pack: {why}").into()),
    };
    let zip = super::write_zip(&files).map_err(|e| anyhow::anyhow!("methods pack: {e}"))?;
    let (slug, details) = (survey.slug.clone(), format!("{} files", files.len()));
    state.db.write(move |tx| crate::audit::record(tx, Some(&user), "report.download", &slug, &details)).await?;
    let name = super::zip_name(&survey.slug);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or(HeaderValue::from_static("attachment"));
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static("application/zip")),
        (header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, zip).into_response())
}

async fn render(
    state: &AppState,
    page: &Page,
    survey: &StoredSurvey,
    status: StatusCode,
    settings: store::StoredSettings,
    error: Option<minijinja::Value>,
) -> Result<Response> {
    let candidates: Vec<(String, String, bool)> = disclosure::candidates(&survey.definition)
        .into_iter()
        .map(|q| {
            let text = survey.definition.text(&q.text, &survey.definition.default_language).to_string();
            let ticked = settings.quasi_identifiers.contains(&q.code);
            (q.code.clone(), text, ticked)
        })
        .collect();
    // The check as it stands, when every marked question is still a closed question of the survey.
    let check = match disclosure::checked(&survey.definition, &settings.quasi_identifiers) {
        Ok(_) if !settings.quasi_identifiers.is_empty() => {
            let (templates, slug, k) = (state.templates.clone(), survey.slug.clone(), settings.k);
            let request = Request { slug, quasi_identifiers: Some(settings.quasi_identifiers.clone()), k: Some(k) };
            state.db.read_apart(move |conn| Ok(super::check_only(conn, &templates, &request).ok())).await?
        }
        _ => None,
    };
    let own = context! {
        survey, candidates, k => settings.k, error, check, default_k => super::DEFAULT_K,
    };
    Ok(page.render_with_status(status, "report/page.html", own)?.into_response())
}
