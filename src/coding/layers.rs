//! Which codes an answer has, for tallies, agreement and exports: one coder's, the union or the
//! intersection of all coders', or the default — the consensus where the answer was reconciled,
//! else the codes its coders agree on; an answer whose coders disagree is left out of the default
//! until it is reconciled (it is "awaiting reconciliation").

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, params};

use super::units::Unit;
use crate::db::DbError;

/// A coding layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    /// The consensus where reconciled; else the codes of the coders who count
    /// ([`UnitCodings::counted_coders`]) when they all applied the same codes (one coder's codes
    /// when one coded it); nothing (the answer is left out) while they disagree.
    Default,
    Consensus,
    Coder(i64),
    Union,
    /// Codes applied by every coder who marked the answer done.
    Intersection,
}

/// The layers the pages offer, by the name `Layer::parse` reads, with what each holds.
pub const CHOICES: [(&str, &str); 4] = [
    ("default", "Default: the consensus, else the codes the coders agree on"),
    ("union", "Union of coders"),
    ("intersection", "Intersection of coders"),
    ("consensus", "Consensus only"),
];

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

/// Everything recorded on one answer: each coder's codes (a coder who marked it done without a
/// code has an empty set: "no code applies"), the coders who marked it done, and the consensus if
/// it was reconciled.
#[derive(Debug, Default)]
pub struct UnitCodings {
    pub by_coder: BTreeMap<i64, BTreeSet<String>>,
    pub done: BTreeSet<i64>,
    pub consensus: Option<BTreeSet<String>>,
}

impl UnitCodings {
    /// The answer's codes in `layer`, or None when the layer does not cover it.
    pub fn codes(&self, layer: Layer) -> Option<BTreeSet<String>> {
        match layer {
            Layer::Consensus => self.consensus.clone(),
            Layer::Coder(id) => self.by_coder.get(&id).cloned(),
            Layer::Union => (!self.by_coder.is_empty()).then(|| self.by_coder.values().flatten().cloned().collect()),
            Layer::Intersection => {
                let mut sets = self.counted_sets();
                let first = sets.next()?;
                Some(sets.fold(first.clone(), |acc, s| acc.intersection(s).cloned().collect()))
            }
            Layer::Default => match &self.consensus {
                Some(consensus) => Some(consensus.clone()),
                None => self.agreed().cloned(),
            },
        }
    }

    /// Whether the answer is left out of the default layer until someone reconciles it: it has
    /// no consensus and the coders who count applied different codes.
    pub fn awaiting_reconciliation(&self) -> bool {
        self.consensus.is_none() && !self.by_coder.is_empty() && self.agreed().is_none()
    }

    /// The coders whose codes count: those who marked the answer done, or, while nobody has,
    /// those who coded it. A coder still working on an answer another finished does not count.
    pub fn counted_coders(&self) -> Vec<i64> {
        if self.done.is_empty() { self.by_coder.keys().copied().collect() } else { self.done.iter().copied().collect() }
    }

    /// The counted coders' sets of codes (empty for a coder with none).
    fn counted_sets(&self) -> impl Iterator<Item = &BTreeSet<String>> {
        static NONE: BTreeSet<String> = BTreeSet::new();
        self.counted_coders().into_iter().map(|coder| self.by_coder.get(&coder).unwrap_or(&NONE))
    }

    /// The codes every counted coder applied, when they all applied exactly the same ones.
    fn agreed(&self) -> Option<&BTreeSet<String>> {
        let mut sets = self.counted_sets();
        let first = sets.next()?;
        sets.all(|set| set == first).then_some(first)
    }
}

/// Reads a codebook's codings, done marks and reconciliations in answer order, one answer at a
/// time, so that memory does not grow with the number of answers.
pub struct UnitReader<'a> {
    codings: Rows<'a, CodingRow>,
    done: Rows<'a, DoneRow>,
    reconciled: Rows<'a, ReconciledRow>,
}

/// (response, question, coder, layer, code)
type CodingRow = (i64, String, i64, String, String);
/// (response, question, coder)
type DoneRow = (i64, String, i64);
/// (response, question)
type ReconciledRow = (i64, String);
type Rows<'a, T> = std::iter::Peekable<rusqlite::MappedRows<'a, fn(&rusqlite::Row) -> rusqlite::Result<T>>>;

/// The statements a `UnitReader` reads from; prepare them, then call `reader`.
pub struct UnitStatements<'c> {
    codings: rusqlite::Statement<'c>,
    done: rusqlite::Statement<'c>,
    reconciled: rusqlite::Statement<'c>,
    codebook_id: i64,
}

impl<'c> UnitStatements<'c> {
    pub fn prepare(conn: &'c Connection, codebook_id: i64) -> Result<Self, DbError> {
        Ok(UnitStatements {
            codings: conn.prepare(
                "SELECT response_id, question, coder_id, layer, code_key FROM codings WHERE codebook_id = ?1 ORDER BY response_id, question",
            )?,
            done: conn.prepare(
                "SELECT response_id, question, coder_id FROM coding_done WHERE codebook_id = ?1 ORDER BY response_id, question",
            )?,
            reconciled: conn.prepare(
                "SELECT response_id, question FROM reconciliations WHERE codebook_id = ?1 ORDER BY response_id, question",
            )?,
            codebook_id,
        })
    }

    pub fn reader(&mut self) -> Result<UnitReader<'_>, DbError> {
        let coding: fn(&rusqlite::Row) -> rusqlite::Result<CodingRow> =
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?));
        let done: fn(&rusqlite::Row) -> rusqlite::Result<DoneRow> = |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
        let reconciled: fn(&rusqlite::Row) -> rusqlite::Result<ReconciledRow> = |r| Ok((r.get(0)?, r.get(1)?));
        let id = self.codebook_id;
        Ok(UnitReader {
            codings: self.codings.query_map([id], coding)?.peekable(),
            done: self.done.query_map([id], done)?.peekable(),
            reconciled: self.reconciled.query_map([id], reconciled)?.peekable(),
        })
    }
}

impl UnitReader<'_> {
    /// Everything recorded on the answers of one response, by question. Responses must be asked
    /// for in increasing id order.
    pub fn response(&mut self, response: i64) -> Result<BTreeMap<String, UnitCodings>, DbError> {
        let mut units: BTreeMap<String, UnitCodings> = BTreeMap::new();
        for (_, question, coder, layer, code) in crate::db::take_rows_for(&mut self.codings, response, |r| r.0)? {
            let unit = units.entry(question).or_default();
            if layer == "consensus" {
                unit.consensus.get_or_insert_with(BTreeSet::new).insert(code);
            } else {
                unit.by_coder.entry(coder).or_default().insert(code);
            }
        }
        for (_, question, coder) in crate::db::take_rows_for(&mut self.done, response, |r| r.0)? {
            let unit = units.entry(question).or_default();
            unit.done.insert(coder);
            unit.by_coder.entry(coder).or_default();
        }
        for (_, question) in crate::db::take_rows_for(&mut self.reconciled, response, |r| r.0)? {
            units.entry(question).or_default().consensus.get_or_insert_with(BTreeSet::new);
        }
        Ok(units)
    }
}

/// The codes of every coded answer in the chosen layer (all in memory: for the code matrix and
/// reconciliation; tallies stream through `UnitReader` instead).
pub fn codes_by_unit(
    conn: &Connection,
    codebook_id: i64,
    layer: Layer,
) -> Result<BTreeMap<Unit, BTreeSet<String>>, DbError> {
    let responses: Vec<i64> = {
        let mut stmt = conn.prepare(
            "SELECT response_id FROM codings WHERE codebook_id = ?1 UNION SELECT response_id FROM coding_done WHERE codebook_id = ?1 \
             EXCEPT SELECT id FROM responses WHERE deleted_at IS NOT NULL ORDER BY 1",
        )?;
        stmt.query_map([codebook_id], |r| r.get(0))?.collect::<Result<_, _>>()?
    };
    let mut statements = UnitStatements::prepare(conn, codebook_id)?;
    let mut reader = statements.reader()?;
    let mut result = BTreeMap::new();
    for response_id in responses {
        for (question, unit) in reader.response(response_id)? {
            if let Some(codes) = unit.codes(layer) {
                result.insert(Unit { response_id, question }, codes);
            }
        }
    }
    Ok(result)
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
         WHERE d.codebook_id = ?1 AND (?2 IS NULL OR d.question = ?2) \
           AND d.response_id NOT IN (SELECT id FROM responses WHERE deleted_at IS NOT NULL) \
         ORDER BY d.response_id, d.question, u.email",
    )?;
    let rows = stmt.query_map(params![codebook_id, question, version], |r| {
        let unit = format!("{}:{}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
        Ok(crate::agreement::Coding { unit, coder: r.get(2)?, code: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|c| c.to_string()).collect()
    }

    /// An answer from (coder, codes, done) and an optional consensus, as `UnitReader` builds it.
    fn unit(coders: &[(i64, &[&str], bool)], consensus: Option<&[&str]>) -> UnitCodings {
        let mut unit = UnitCodings { consensus: consensus.map(codes), ..UnitCodings::default() };
        for (coder, applied, done) in coders {
            unit.by_coder.insert(*coder, codes(applied));
            if *done {
                unit.done.insert(*coder);
            }
        }
        unit
    }

    #[test]
    fn the_default_layer_takes_the_consensus_where_reconciled() {
        let reconciled = unit(&[(1, &["A"], true), (2, &["B"], true)], Some(&["B", "C"]));
        assert_eq!(reconciled.codes(Layer::Default), Some(codes(&["B", "C"])));
        assert!(!reconciled.awaiting_reconciliation());
        let to_nothing = unit(&[(1, &["A"], true), (2, &[], true)], Some(&[]));
        assert_eq!(to_nothing.codes(Layer::Default), Some(codes(&[])));
    }

    #[test]
    fn the_default_layer_takes_the_codes_when_every_coder_who_finished_agrees() {
        let agreed = unit(&[(1, &["A", "B"], true), (2, &["A", "B"], true), (3, &["A", "B"], true)], None);
        assert_eq!(agreed.codes(Layer::Default), Some(codes(&["A", "B"])));
        assert!(!agreed.awaiting_reconciliation());
        let none_applies = unit(&[(1, &[], true), (2, &[], true)], None);
        assert_eq!(none_applies.codes(Layer::Default), Some(codes(&[])), "both found no code applies");
        // Coder 3 is still working on it: their codes so far do not count.
        let one_unfinished = unit(&[(1, &["A"], true), (2, &["A"], true), (3, &["Z"], false)], None);
        assert_eq!(one_unfinished.codes(Layer::Default), Some(codes(&["A"])));
    }

    #[test]
    fn the_default_layer_takes_a_single_coders_codes() {
        let done = unit(&[(1, &["A", "B"], true)], None);
        assert_eq!(done.codes(Layer::Default), Some(codes(&["A", "B"])));
        let in_progress = unit(&[(1, &["A"], false)], None);
        assert_eq!(in_progress.codes(Layer::Default), Some(codes(&["A"])), "nobody finished it yet");
        let other_unfinished = unit(&[(1, &["A"], true), (2, &["B"], false)], None);
        assert_eq!(other_unfinished.codes(Layer::Default), Some(codes(&["A"])));
        assert!(!other_unfinished.awaiting_reconciliation());
    }

    #[test]
    fn the_default_layer_leaves_out_an_unreconciled_disagreement() {
        let cases = [
            unit(&[(1, &["A"], true), (2, &["A", "B"], true)], None),
            unit(&[(1, &["A"], true), (2, &[], true)], None),
            unit(&[(1, &["A"], false), (2, &["B"], false)], None),
        ];
        for disputed in cases {
            assert_eq!(disputed.codes(Layer::Default), None, "{disputed:?}");
            assert!(disputed.awaiting_reconciliation(), "{disputed:?}");
        }
        // The union and the intersection still cover it.
        let disputed = &unit(&[(1, &["A"], true), (2, &["A", "B"], true)], None);
        assert_eq!(disputed.codes(Layer::Union), Some(codes(&["A", "B"])));
        assert_eq!(disputed.codes(Layer::Intersection), Some(codes(&["A"])));
    }

    #[test]
    fn an_answer_nobody_coded_is_in_no_layer_and_awaits_nothing() {
        let empty = UnitCodings::default();
        for layer in [Layer::Default, Layer::Union, Layer::Intersection, Layer::Consensus, Layer::Coder(1)] {
            assert_eq!(empty.codes(layer), None, "{layer:?}");
        }
        assert!(!empty.awaiting_reconciliation());
    }
}
