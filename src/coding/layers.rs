//! Which codes an answer has, for tallies, agreement and exports: one coder's, the union or the
//! intersection of all coders', or the default — the consensus where the answer was reconciled,
//! and the coders' codes (their union) elsewhere.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, params};

use super::units::Unit;
use crate::db::DbError;

/// A coding layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// Consensus where reconciled, else every code any coder applied.
    Default,
    Consensus,
    Coder(i64),
    Union,
    /// Codes applied by every coder who marked the answer done.
    Intersection,
}

impl Layer {
    /// Parses `default`, `consensus`, `union`, `intersection` or `coder:ID`.
    pub fn parse(text: &str) -> Option<Layer> {
        match text {
            "" | "default" => Some(Layer::Default),
            "consensus" => Some(Layer::Consensus),
            "union" => Some(Layer::Union),
            "intersection" => Some(Layer::Intersection),
            other => other.strip_prefix("coder:").and_then(|id| id.parse().ok()).map(Layer::Coder),
        }
    }

    pub fn name(self) -> String {
        match self {
            Layer::Default => "default".into(),
            Layer::Consensus => "consensus".into(),
            Layer::Union => "union".into(),
            Layer::Intersection => "intersection".into(),
            Layer::Coder(id) => format!("coder:{id}"),
        }
    }
}

/// The codes of every coded answer in the chosen layer.
pub fn codes_by_unit(
    conn: &Connection,
    codebook_id: i64,
    layer: Layer,
) -> Result<BTreeMap<Unit, BTreeSet<String>>, DbError> {
    let mut by_coder: BTreeMap<Unit, BTreeMap<i64, BTreeSet<String>>> = BTreeMap::new();
    let mut consensus: BTreeMap<Unit, BTreeSet<String>> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT response_id, question, coder_id, layer, code_key FROM codings WHERE codebook_id = ?1",
    )?;
    let rows = stmt.query_map([codebook_id], |r| {
        Ok((
            Unit { response_id: r.get(0)?, question: r.get(1)? },
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
        ))
    })?;
    for row in rows {
        let (unit, coder, layer_name, code) = row?;
        if layer_name == "consensus" {
            consensus.entry(unit).or_default().insert(code);
        } else {
            by_coder.entry(unit).or_default().entry(coder).or_default().insert(code);
        }
    }
    let reconciled = reconciled_units(conn, codebook_id)?;
    let done = done_coders(conn, codebook_id)?;
    // A coder who marked an answer done without applying a code coded it as "no code applies":
    // the answer is in their layer, with no code, unlike one they have not coded.
    for (unit, coders) in &done {
        for coder in coders {
            by_coder.entry(unit.clone()).or_default().entry(*coder).or_default();
        }
    }
    let union = |coders: &BTreeMap<i64, BTreeSet<String>>| coders.values().flatten().cloned().collect::<BTreeSet<_>>();
    let mut result = BTreeMap::new();
    match layer {
        Layer::Consensus => {
            for unit in &reconciled {
                result.insert(unit.clone(), consensus.get(unit).cloned().unwrap_or_default());
            }
        }
        Layer::Coder(id) => {
            for (unit, coders) in &by_coder {
                if let Some(codes) = coders.get(&id) {
                    result.insert(unit.clone(), codes.clone());
                }
            }
        }
        Layer::Union => {
            for (unit, coders) in &by_coder {
                result.insert(unit.clone(), union(coders));
            }
        }
        Layer::Intersection => {
            for (unit, coders) in &by_coder {
                let who: Vec<i64> =
                    done.get(unit).map_or_else(|| coders.keys().copied().collect(), |d| d.iter().copied().collect());
                let mut sets = who.iter().map(|c| coders.get(c).cloned().unwrap_or_default());
                let first = sets.next().unwrap_or_default();
                result.insert(unit.clone(), sets.fold(first, |acc, s| acc.intersection(&s).cloned().collect()));
            }
        }
        Layer::Default => {
            for (unit, coders) in &by_coder {
                result.insert(unit.clone(), union(coders));
            }
            for unit in &reconciled {
                result.insert(unit.clone(), consensus.get(unit).cloned().unwrap_or_default());
            }
        }
    }
    Ok(result)
}

fn reconciled_units(conn: &Connection, codebook_id: i64) -> Result<BTreeSet<Unit>, DbError> {
    let mut stmt = conn.prepare_cached("SELECT response_id, question FROM reconciliations WHERE codebook_id = ?1")?;
    let rows = stmt.query_map(params![codebook_id], |r| Ok(Unit { response_id: r.get(0)?, question: r.get(1)? }))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Which coders marked each unit done.
pub fn done_coders(conn: &Connection, codebook_id: i64) -> Result<BTreeMap<Unit, BTreeSet<i64>>, DbError> {
    let mut stmt =
        conn.prepare_cached("SELECT response_id, question, coder_id FROM coding_done WHERE codebook_id = ?1")?;
    let mut done: BTreeMap<Unit, BTreeSet<i64>> = BTreeMap::new();
    let rows = stmt.query_map(params![codebook_id], |r| {
        Ok((Unit { response_id: r.get(0)?, question: r.get(1)? }, r.get::<_, i64>(2)?))
    })?;
    for row in rows {
        let (unit, coder) = row?;
        done.entry(unit).or_default().insert(coder);
    }
    Ok(done)
}

/// One coder's codes on one answer (coder layer).
pub fn codes_by_unit_for(
    conn: &Connection,
    codebook_id: i64,
    unit: &Unit,
    coder_id: i64,
) -> Result<BTreeSet<String>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT code_key FROM codings WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4 AND layer = 'coder'",
    )?;
    let rows = stmt.query_map(params![codebook_id, unit.response_id, unit.question, coder_id], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The codings agreement is computed from: for every answer a coder marked done, each code they
/// applied to it (whole answer or passage), or `None` when they applied none. Units are named
/// `response_id:question`; coders by email. `version` keeps only codings made under it.
pub fn agreement_codings(
    conn: &Connection,
    codebook_id: i64,
    question: Option<&str>,
    version: Option<i64>,
) -> Result<Vec<crate::agreement::Coding>, DbError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT d.response_id, d.question, u.email, c.code_key FROM coding_done d JOIN users u ON u.id = d.coder_id \
         LEFT JOIN codings c ON c.codebook_id = d.codebook_id AND c.response_id = d.response_id AND c.question = d.question \
             AND c.coder_id = d.coder_id AND c.layer = 'coder' AND (?3 IS NULL OR c.codebook_version = ?3) \
         WHERE d.codebook_id = ?1 AND (?2 IS NULL OR d.question = ?2) ORDER BY d.response_id, d.question, u.email",
    )?;
    let rows = stmt.query_map(params![codebook_id, question, version], |r| {
        let unit = format!("{}:{}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
        Ok(crate::agreement::Coding { unit, coder: r.get(2)?, code: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
