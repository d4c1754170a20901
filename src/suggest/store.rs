//! The machine coder's tables (`suggest_models`, `suggest_model_codes`, `suggest_settings`) and
//! what it reads of the coding: the consensus answers it learns from and the answers nobody coded.

use std::collections::BTreeSet;

use rusqlite::{Connection, OptionalExtension, params};

use super::evaluate::{CodeFigures, Settings, decide};
use super::model::Model;
use super::model::Params;
use super::train::{Answer, Trained, TrainingSet};
use crate::codebook::model::CodeKind;
use crate::coding::layers::{Layer, UnitCodings, UnitStatements};
use crate::coding::units::Unit;
use crate::db::{DbError, now_rfc3339};

/// The codes an answer has in the consensus layer the machine learns from: the consensus where it
/// was reconciled, else the codes of the default layer when at least two coders count and agree
/// (`UnitCodings::counted_coders`); an answer only one coder coded is not in it.
pub fn consensus_codes(unit: &UnitCodings) -> Option<BTreeSet<String>> {
    let agreed_by_several = unit.consensus.is_some() || unit.counted_coders().len() >= 2;
    unit.codes(Layer::Default).filter(|_| agreed_by_several)
}

/// Why no training set could be read.
#[derive(Debug, thiserror::Error)]
pub enum NoTrainingSet {
    #[error("the codebook has no published version {0}")]
    NoVersion(i64),
    #[error("publish the codebook first: the machine learns from a published version")]
    Unpublished,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The training set of a codebook version: its codes (not retired) and every answer of the
/// consensus layer (complete responses only) with its text.
pub fn training_set(
    conn: &Connection,
    codebook_id: i64,
    survey_id: i64,
    version: i64,
) -> Result<TrainingSet, NoTrainingSet> {
    if version < 1 {
        return Err(NoTrainingSet::Unpublished);
    }
    let file = crate::codebook::store::version(conn, codebook_id, version)?.ok_or(NoTrainingSet::NoVersion(version))?;
    let codes: Vec<String> =
        file.codes.iter().filter(|c| c.kind == CodeKind::Code && !c.retired).map(|c| c.id.clone()).collect();
    let known: BTreeSet<&str> = codes.iter().map(String::as_str).collect();
    let mut texts = conn
        .prepare_cached(
            "SELECT a.response_id, a.question, a.value FROM complete_answers a \
         WHERE a.survey_id = ?2 AND a.item = '' AND (a.response_id, a.question) IN \
           (SELECT response_id, question FROM coding_done WHERE codebook_id = ?1 \
            UNION SELECT response_id, question FROM codings WHERE codebook_id = ?1) \
         ORDER BY a.response_id, a.question",
        )
        .map_err(DbError::from)?;
    let rows: Vec<(i64, String, String)> = texts
        .query_map(params![codebook_id, survey_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .and_then(|rows| rows.collect())
        .map_err(DbError::from)?;
    let mut statements = UnitStatements::prepare(conn, codebook_id)?;
    let mut reader = statements.reader()?;
    let mut answers = Vec::new();
    let mut at = 0;
    while at < rows.len() {
        let response_id = rows[at].0;
        let mut units = reader.response(response_id)?;
        while at < rows.len() && rows[at].0 == response_id {
            let (_, question, text) = &rows[at];
            if let Some(codes) = units.remove(question).as_ref().and_then(consensus_codes) {
                let codes = codes.into_iter().filter(|c| known.contains(c.as_str())).collect();
                answers.push(Answer {
                    unit: Unit { response_id, question: question.clone() },
                    text: text.clone(),
                    codes,
                });
            }
            at += 1;
        }
    }
    Ok(TrainingSet { version, codes, answers })
}

/// The answers to `questions` (complete responses) that nobody has coded or marked done in the
/// codebook, with their text, in response order.
pub fn uncoded(
    conn: &Connection,
    codebook_id: i64,
    survey_id: i64,
    questions: &[String],
) -> Result<Vec<(Unit, String)>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT a.response_id, a.question, a.value FROM complete_answers a \
         WHERE a.survey_id = ?2 AND a.item = '' AND trim(a.value) != '' AND (a.response_id, a.question) NOT IN \
           (SELECT response_id, question FROM coding_done WHERE codebook_id = ?1 \
            UNION SELECT response_id, question FROM codings WHERE codebook_id = ?1) \
         ORDER BY a.response_id, a.question",
    )?;
    let rows = stmt.query_map(params![codebook_id, survey_id], |r| {
        Ok((Unit { response_id: r.get(0)?, question: r.get(1)? }, r.get::<_, String>(2)?))
    })?;
    let mut found = Vec::new();
    for row in rows {
        let (unit, text) = row?;
        if questions.contains(&unit.question) {
            found.push((unit, text));
        }
    }
    Ok(found)
}

/// A codebook's settings (the defaults until saved).
pub fn settings(conn: &Connection, codebook_id: i64) -> Result<Settings, DbError> {
    let found = conn
        .query_row(
            "SELECT threshold, min_positives, suggestions FROM suggest_settings WHERE codebook_id = ?1",
            [codebook_id],
            |r| Ok(Settings { threshold: r.get(0)?, min_positives: r.get(1)?, suggestions: r.get(2)? }),
        )
        .optional()?;
    Ok(found.unwrap_or_default())
}

/// Saves a codebook's settings and decides again which codes of its models are eligible.
pub fn save_settings(conn: &Connection, codebook_id: i64, settings: &Settings) -> Result<(), DbError> {
    conn.execute(
        "INSERT INTO suggest_settings (codebook_id, threshold, min_positives, suggestions) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (codebook_id) DO UPDATE SET threshold = ?2, min_positives = ?3, suggestions = ?4",
        params![codebook_id, settings.threshold, settings.min_positives, settings.suggestions],
    )?;
    let models: Vec<i64> = conn
        .prepare("SELECT id FROM suggest_models WHERE codebook_id = ?1")?
        .query_map([codebook_id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for model in models {
        for mut figures in code_figures(conn, model)? {
            decide(&mut figures, settings);
            conn.execute(
                "UPDATE suggest_model_codes SET eligible = ?3, reason = ?4 WHERE model_id = ?1 AND code_key = ?2",
                params![model, figures.code, figures.eligible, figures.reason],
            )?;
        }
    }
    Ok(())
}

/// A stored model's description and figures (its weights stay in the table: `load`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredModel {
    pub id: i64,
    pub hash: String,
    pub version: i64,
    pub params: Params,
    pub seed: u64,
    pub answers: i64,
    pub trained_at: String,
    pub figures: Vec<CodeFigures>,
}

/// Stores a trained model with its figures (replacing one of the same hash: the same model,
/// trained again) and returns its id.
pub fn save_model(
    conn: &Connection,
    codebook_id: i64,
    trained: &Trained,
    answers: usize,
    figures: &[CodeFigures],
    trained_by: Option<i64>,
) -> Result<i64, DbError> {
    let model = &trained.model;
    let weights =
        model.weights_bytes().map_err(|e| DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(e.into())))?;
    let parameters = serde_json::to_string(&model.params)
        .map_err(|e| DbError::Sqlite(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    conn.execute("DELETE FROM suggest_models WHERE codebook_id = ?1 AND hash = ?2", params![codebook_id, model.hash])?;
    conn.execute(
        "INSERT INTO suggest_models (codebook_id, hash, codebook_version, parameters, seed, answers, trained_at, trained_by, weights) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            codebook_id,
            model.hash,
            model.version,
            parameters,
            // SQLite integers are signed: the seed's bits are kept as they are.
            model.seed as i64,
            answers as i64,
            now_rfc3339(),
            trained_by,
            weights
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut insert = conn.prepare(
        "INSERT INTO suggest_model_codes (model_id, position, code_key, positives, predicted, both, alpha, alpha_low, \
         alpha_high, cohen_kappa, percent_agreement, precision, recall, eligible, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    for (position, f) in figures.iter().enumerate() {
        insert.execute(params![
            id,
            position as i64,
            f.code,
            f.positives as i64,
            f.predicted as i64,
            f.both as i64,
            f.alpha,
            f.alpha_low,
            f.alpha_high,
            f.cohen_kappa,
            f.percent_agreement,
            f.precision,
            f.recall,
            f.eligible,
            f.reason
        ])?;
    }
    Ok(id)
}

const MODEL_COLUMNS: &str = "id, hash, codebook_version, parameters, seed, answers, trained_at";

fn model_from_row(r: &rusqlite::Row) -> rusqlite::Result<StoredModel> {
    let parameters: String = r.get(3)?;
    let params = serde_json::from_str(&parameters)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(3, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(StoredModel {
        id: r.get(0)?,
        hash: r.get(1)?,
        version: r.get(2)?,
        params,
        seed: r.get::<_, i64>(4)? as u64,
        answers: r.get(5)?,
        trained_at: r.get(6)?,
        figures: Vec::new(),
    })
}

/// The codebook's latest model, with its figures.
pub fn latest(conn: &Connection, codebook_id: i64) -> Result<Option<StoredModel>, DbError> {
    let sql = format!("SELECT {MODEL_COLUMNS} FROM suggest_models WHERE codebook_id = ?1 ORDER BY id DESC LIMIT 1");
    let Some(mut model) = conn.query_row(&sql, [codebook_id], model_from_row).optional()? else { return Ok(None) };
    model.figures = code_figures(conn, model.id)?;
    Ok(Some(model))
}

/// A stored model ready to score answers.
pub fn load(conn: &Connection, stored: &StoredModel) -> Result<Model, DbError> {
    let weights: Vec<u8> =
        conn.query_row("SELECT weights FROM suggest_models WHERE id = ?1", [stored.id], |r| r.get(0))?;
    Model::from_stored(stored.hash.clone(), stored.params, stored.seed, stored.version, &weights).map_err(|e| {
        DbError::Sqlite(rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, e.into()))
    })
}

/// A model's figures, code by code in codebook order.
fn code_figures(conn: &Connection, model_id: i64) -> Result<Vec<CodeFigures>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT code_key, positives, predicted, both, alpha, alpha_low, alpha_high, cohen_kappa, percent_agreement, \
         precision, recall, eligible, reason FROM suggest_model_codes WHERE model_id = ?1 ORDER BY position",
    )?;
    let rows = stmt.query_map([model_id], |r| {
        Ok(CodeFigures {
            code: r.get(0)?,
            positives: r.get::<_, i64>(1)? as u64,
            predicted: r.get::<_, i64>(2)? as u64,
            both: r.get::<_, i64>(3)? as u64,
            alpha: r.get(4)?,
            alpha_low: r.get(5)?,
            alpha_high: r.get(6)?,
            cohen_kappa: r.get(7)?,
            percent_agreement: r.get(8)?,
            precision: r.get(9)?,
            recall: r.get(10)?,
            eligible: r.get(11)?,
            reason: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
