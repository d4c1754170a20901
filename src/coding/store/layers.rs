//! The codes recorded on answers, read for the layers (`coding::layers`): one answer at a time in
//! answer order (`UnitReader`, for tallies and exports that stream), all of a codebook's in memory
//! (the code matrix, reconciliation), and the codings agreement is computed from. The last two
//! leave out answers of responses in the trash (`trashed_responses`); the reader is asked for the
//! responses its caller reads.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, params};

use crate::coding::layers::{Layer, UnitCodings};
use crate::coding::units::Unit;
use crate::db::DbError;

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
            if layer == crate::coding::layers::CONSENSUS {
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
             EXCEPT SELECT id FROM trashed_responses ORDER BY 1",
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

/// One coder's codings of one answer (coder layer). Not DISTINCT (the set dedupes): see
/// `store::APPLIED_CODES`.
pub const CODER_CODES_ON_UNIT: &str = "SELECT code_key FROM codings \
     WHERE codebook_id = ?1 AND response_id = ?2 AND question = ?3 AND coder_id = ?4 AND layer = 'coder'";

/// One coder's codes on one answer (coder layer).
pub fn codes_by_unit_for(
    conn: &Connection,
    codebook_id: i64,
    unit: &Unit,
    coder_id: i64,
) -> Result<BTreeSet<String>, DbError> {
    let mut stmt = conn.prepare_cached(CODER_CODES_ON_UNIT)?;
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
           AND d.response_id NOT IN (SELECT id FROM trashed_responses) \
         ORDER BY d.response_id, d.question, u.email",
    )?;
    let rows = stmt.query_map(params![codebook_id, question, version], |r| {
        let unit = format!("{}:{}", r.get::<_, i64>(0)?, r.get::<_, String>(1)?);
        Ok(crate::agreement::Coding { unit, coder: r.get(2)?, code: r.get(3)? })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
