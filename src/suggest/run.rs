//! A training run from start to end, as the page and `fieldwork suggest train` do it: read the
//! consensus answers, train and evaluate (long: never on a request's path), store the model.

use rusqlite::Connection;

use super::evaluate::{CodeFigures, Settings, evaluate};
use super::model::Params;
use super::store::{self, NoTrainingSet};
use super::train::{NotTrainable, Trained, TrainingSet, train};
use crate::agreement::{AgreementError, Bootstrap};
use crate::codebook::model::CodebookFile;
use crate::db::DbError;

/// Why a training run stopped.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    NoTrainingSet(#[from] NoTrainingSet),
    #[error(transparent)]
    NotTrainable(#[from] NotTrainable),
    #[error("evaluating the model: {0}")]
    Agreement(#[from] AgreementError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What a run reads before it trains.
pub struct Prepared {
    pub set: TrainingSet,
    pub codebook: CodebookFile,
    pub settings: Settings,
}

/// What a run computed, to store.
pub struct Computed {
    pub trained: Trained,
    pub figures: Vec<CodeFigures>,
    pub answers: usize,
}

/// Reads the training set of `version` (the published version when `None`) and the settings.
pub fn prepare(
    conn: &Connection,
    codebook_id: i64,
    survey_id: i64,
    published: i64,
    version: Option<i64>,
) -> Result<Prepared, TrainError> {
    let set = store::training_set(conn, codebook_id, survey_id, version.unwrap_or(published))?;
    let codebook = crate::codebook::store::version(conn, codebook_id, set.version)?
        .ok_or(NoTrainingSet::NoVersion(set.version))?;
    let settings = store::settings(conn, codebook_id)?;
    Ok(Prepared { set, codebook, settings })
}

/// Trains and evaluates (seconds to minutes: on a blocking thread or the command line).
pub fn compute(
    prepared: &Prepared,
    params: &Params,
    seed: u64,
    progress: &dyn Fn(usize, usize),
) -> Result<Computed, TrainError> {
    let trained = train(&prepared.set, params, seed, progress)?;
    // The bootstrap's own seed follows the model's, so that a model's figures are its own.
    let bootstrap = Bootstrap { seed, ..Bootstrap::default() };
    let figures = evaluate(&prepared.set, &trained, &prepared.codebook, &prepared.settings, bootstrap)?;
    Ok(Computed { trained, figures, answers: prepared.set.answers.len() })
}

/// Stores what was computed; returns the model's id.
pub fn save(conn: &Connection, codebook_id: i64, computed: &Computed, user: Option<i64>) -> Result<i64, DbError> {
    store::save_model(conn, codebook_id, &computed.trained, computed.answers, &computed.figures, user)
}
