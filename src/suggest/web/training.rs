//! Starting a training from the page: the form is checked, the run goes to a task of its own
//! (reading, then training on a blocking thread, then storing) and the request returns at once;
//! the page shows the progress from `AppState::suggest_jobs`.

use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::accounts::User;
use crate::app::AppState;
use crate::audit;
use crate::error::Result;
use crate::suggest::model::Params;
use crate::suggest::model::short_hash;
use crate::suggest::run::{self, TrainError};
use crate::web::Page;
use crate::web::page::flash;
use crate::web::scope::{CodebookScope, ManagedCodebook};

#[derive(Debug, Default, Deserialize)]
pub struct TrainForm {
    #[serde(default)]
    seed: String,
    #[serde(default)]
    version: String,
}

/// `POST /codebooks/{id}/machine-coder/train`
pub async fn start(
    State(state): State<AppState>,
    ManagedCodebook(scope): ManagedCodebook,
    page: Page,
    Form(form): Form<TrainForm>,
) -> Result<Response> {
    let CodebookScope { user, survey, codebook, .. } = scope;
    let id = codebook.id;
    let back = Redirect::to(&format!("/codebooks/{id}/machine-coder"));
    let seed = match form.seed.trim() {
        "" => Ok(1),
        typed => {
            typed.parse::<u64>().map_err(|_| format!("Seed: \u{201c}{typed}\u{201d} is not a whole number from 0 up."))
        }
    };
    let version = match form.version.trim() {
        "" => Ok(None),
        typed => typed
            .parse::<i64>()
            .ok()
            .filter(|v| (1..=codebook.published_version).contains(v))
            .map(Some)
            .ok_or_else(|| format!("Codebook version: \u{201c}{typed}\u{201d} is not a published version.")),
    };
    let (seed, version) = match (seed, version) {
        (Ok(seed), Ok(version)) => (seed, version),
        (Err(why), _) | (_, Err(why)) => {
            flash(&page.session, "error", why).await;
            return Ok(back.into_response());
        }
    };
    if codebook.published_version < 1 {
        flash(&page.session, "error", "Publish the codebook first: the machine learns from a published version.").await;
        return Ok(back.into_response());
    }
    if !state.suggest_jobs.start(id) {
        flash(&page.session, "error", "A training is already running on this server; start this one when it ends.")
            .await;
        return Ok(back.into_response());
    }
    let run = Run {
        codebook: id,
        name: codebook.draft.name.clone(),
        survey: survey.id,
        published: codebook.published_version,
        version,
        seed,
        user,
    };
    let background = state.clone();
    tokio::spawn(async move {
        let outcome = run.go(&background).await.map_err(|e| e.to_string());
        if let Err(why) = &outcome {
            tracing::warn!(codebook = run.codebook, error = %why, "training the machine coder failed");
        }
        background.suggest_jobs.finish(run.codebook, outcome);
    });
    flash(&page.session, "success", "Training started.").await;
    Ok(back.into_response())
}

/// A training to run.
struct Run {
    codebook: i64,
    name: String,
    survey: i64,
    published: i64,
    version: Option<i64>,
    seed: u64,
    user: User,
}

impl Run {
    /// Reads, trains and stores; the model's hash.
    async fn go(&self, state: &AppState) -> std::result::Result<String, RunError> {
        let (codebook, survey, published, version) = (self.codebook, self.survey, self.published, self.version);
        let prepared =
            state.db.read(move |conn| Ok(run::prepare(conn, codebook, survey, published, version))).await??;
        let (jobs, seed) = (state.suggest_jobs.clone(), self.seed);
        let computed = tokio::task::spawn_blocking(move || {
            run::compute(&prepared, &Params::default(), seed, &|done, total| jobs.progress(codebook, done, total))
        })
        .await
        .map_err(|e| RunError::Stopped(e.to_string()))??;
        let hash = computed.trained.model.hash.clone();
        let (user, name) = (self.user.clone(), self.name.clone());
        let details = format!("model {}, seed {seed}, {} answers", short_hash(&hash), computed.answers);
        state
            .db
            .write(move |tx| {
                run::save(tx, codebook, &computed, Some(user.id))?;
                audit::record(tx, Some(&user), "suggest.train", &name, &audit::about_codebook(codebook, &details))
            })
            .await?;
        Ok(hash)
    }
}

#[derive(Debug, thiserror::Error)]
enum RunError {
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error("saving the model: {0}")]
    Db(#[from] crate::db::DbError),
    #[error("the training stopped: {0}")]
    Stopped(String),
}
