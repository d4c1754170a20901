//! The machine coder's page of a codebook (researchers): its settings, a training started on a
//! background thread with its progress, each code's figures and eligibility with the reason, and
//! "find more like this"; and the figures as CSV for the agreement page.

mod more;
mod training;

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::evaluate::Settings;
use super::model::short_hash;
use super::store::{self, StoredModel};
use crate::app::AppState;
use crate::audit;
use crate::codebook::store::StoredCodebook;
use crate::codebook::tree::Tree;
use crate::error::Result;
use crate::web::Page;
use crate::web::page::flash;
use crate::web::routes::Routes;
use crate::web::scope::{CodebookScope, ManagedCodebook};

pub fn router() -> Routes {
    Routes::new()
        .route("/codebooks/{id}/machine-coder", get(page))
        .route("/codebooks/{id}/machine-coder/train", post(training::start))
        .route("/codebooks/{id}/machine-coder/settings", post(save_settings))
        .route("/codebooks/{id}/machine-coder/more", get(more::page))
        .route("/codebooks/{id}/agreement/machine.csv", get(csv))
}

/// The settings form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SettingsForm {
    #[serde(default)]
    threshold: String,
    #[serde(default)]
    min_positives: String,
    #[serde(default)]
    suggestions: String,
}

impl SettingsForm {
    fn of(settings: &Settings) -> SettingsForm {
        SettingsForm {
            threshold: format!("{:.3}", settings.threshold),
            min_positives: settings.min_positives.to_string(),
            suggestions: if settings.suggestions { "on".into() } else { String::new() },
        }
    }

    /// The settings, or a message per field.
    fn parse(&self) -> std::result::Result<Settings, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let threshold = self.threshold.trim().parse::<f64>().ok().filter(|t| *t > 0.0 && *t <= 1.0);
        if threshold.is_none() {
            problems.push((
                "threshold",
                format!(
                    "\u{201c}{}\u{201d} is not a number above 0 and at most 1, such as 0.800",
                    self.threshold.trim()
                ),
            ));
        }
        let min_positives = self.min_positives.trim().parse::<u32>().ok().filter(|n| (1..=1_000_000).contains(n));
        if min_positives.is_none() {
            problems.push((
                "min_positives",
                format!("\u{201c}{}\u{201d} is not a whole number from 1 to 1,000,000", self.min_positives.trim()),
            ));
        }
        match (threshold, min_positives) {
            (Some(threshold), Some(min_positives)) if problems.is_empty() => {
                Ok(Settings { threshold, min_positives, suggestions: self.suggestions == "on" })
            }
            _ => Err(problems),
        }
    }
}

/// What the page shows of a model.
#[derive(Serialize)]
struct ShownModel<'a> {
    model: &'a StoredModel,
    short: &'a str,
    coder: String,
    rows: Vec<ShownCode<'a>>,
    eligible: usize,
}

#[derive(Serialize)]
struct ShownCode<'a> {
    name: String,
    figures: &'a super::evaluate::CodeFigures,
}

impl<'a> ShownModel<'a> {
    fn of(model: &'a StoredModel, tree: &Tree) -> ShownModel<'a> {
        let rows = model.figures.iter().map(|figures| ShownCode { name: tree.path(&figures.code), figures }).collect();
        ShownModel {
            model,
            short: short_hash(&model.hash),
            coder: super::Model::coder_name(&model.hash),
            rows,
            eligible: model.figures.iter().filter(|f| f.eligible).count(),
        }
    }
}

/// The machine coder's section of the agreement page: the latest model's figures, as that page
/// shows them (kept apart from the human coders' table).
pub async fn agreement_section(state: &AppState, codebook: &StoredCodebook) -> Result<minijinja::Value> {
    let id = codebook.id;
    let latest = state.db.read(move |conn| store::latest(conn, id)).await?;
    let tree = Tree::new(&codebook.draft);
    Ok(minijinja::Value::from_serialize(latest.as_ref().map(|model| ShownModel::of(model, &tree))))
}

/// Renders the page, with the settings form as typed and its problems.
async fn render(
    state: &AppState,
    scope: &CodebookScope,
    page: &Page,
    form: Option<(SettingsForm, Vec<(&'static str, String)>)>,
    status: StatusCode,
) -> Result<Response> {
    let id = scope.codebook.id;
    let (settings, latest) =
        state.db.read(move |conn| Ok((store::settings(conn, id)?, store::latest(conn, id)?))).await?;
    let tree = Tree::new(&scope.codebook.draft);
    let shown = latest.as_ref().map(|model| ShownModel::of(model, &tree));
    let (form, problems) = form.unwrap_or_else(|| (SettingsForm::of(&settings), Vec::new()));
    let problems: std::collections::BTreeMap<&str, String> = problems.into_iter().collect();
    let job = state.suggest_jobs.get(id);
    let own = context! {
        codebook => &scope.codebook, survey => &scope.survey, form, problems,
        offered => settings.offers_suggestions(scope.codebook.blind), settings,
        percent => job.as_ref().map(|j| j.percent()), job,
        running => job.as_ref().is_some_and(|j| j.running()), latest => shown,
        versions => (1..=scope.codebook.published_version).rev().collect::<Vec<_>>(),
    };
    Ok(page.render_with_status(status, "suggest/page.html", own)?.into_response())
}

/// `GET /codebooks/{id}/machine-coder`
pub async fn page(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
) -> Result<Response> {
    render(&state, &scope, &page, None, StatusCode::OK).await
}

/// `POST /codebooks/{id}/machine-coder/settings`: threshold, minimum positives, suggestions on or
/// off; the stored models' codes are decided eligible or not again.
pub async fn save_settings(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    let settings = match form.parse() {
        Ok(settings) => settings,
        Err(problems) => {
            return render(&state, &scope, &page, Some((form, problems)), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let (id, name, user) = (scope.codebook.id, scope.codebook.draft.name.clone(), scope.user.clone());
    let details = format!(
        "threshold {:.3}, minimum positives {}, suggestions {}",
        settings.threshold, settings.min_positives, settings.suggestions
    );
    state
        .db
        .write(move |tx| {
            store::save_settings(tx, id, &settings)?;
            audit::record(tx, Some(&user), "suggest.settings", &name, &audit::about_codebook(id, &details))
        })
        .await?;
    flash(&page.session, "success", "Saved; each code's eligibility was decided again.").await;
    Ok(Redirect::to(&format!("/codebooks/{id}/machine-coder")).into_response())
}

/// `GET /codebooks/{id}/agreement/machine.csv`: the latest model's figures (the header alone
/// before any model).
pub async fn csv(State(state): State<AppState>, ManagedCodebook(scope): ManagedCodebook) -> Result<Response> {
    let id = scope.codebook.id;
    let latest = state.db.read(move |conn| store::latest(conn, id)).await?;
    let mut out = Vec::new();
    let (hash, figures) = latest.as_ref().map(|m| (Some(m.hash.as_str()), m.figures.as_slice())).unwrap_or_default();
    super::report::write_csv(hash, figures, &mut out)
        .map_err(|e| anyhow::anyhow!("writing the machine coder's CSV: {e}"))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"machine-coder.csv\"")),
        ],
        out,
    )
        .into_response())
}
