//! The data an analysis works on, loaded once per request: which responses pass the filters,
//! what each included respondent answered to the closed questions, who answered which open
//! question, and the codes of every coded answer in the chosen layer.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, params};

use crate::coding::layers::{self, Layer};
use crate::coding::units::Unit;
use crate::db::DbError;
use crate::survey::model::{QuestionType, SurveyDefinition};

/// Which responses count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Partial responses too (default: complete only).
    pub include_partial: bool,
    pub language: Option<String>,
    /// Started on or after this date (YYYY-MM-DD).
    pub from: Option<String>,
    /// Started on or before this date (YYYY-MM-DD).
    pub to: Option<String>,
    /// Only respondents who gave this answer: (question code, choice code).
    pub answer: Option<(String, String)>,
}

/// Everything the tables are computed from.
#[derive(Debug, Default)]
pub struct Data {
    /// The included responses.
    pub responses: BTreeSet<i64>,
    pub language: BTreeMap<i64, String>,
    /// Closed answers of included responses: response → question → item → value.
    pub closed: BTreeMap<i64, BTreeMap<String, BTreeMap<String, String>>>,
    /// Who (of the included) gave a non-empty answer to each open question.
    pub answered: BTreeMap<String, BTreeSet<i64>>,
    /// Codes of each coded answer of an included response, in the layer.
    pub codes: BTreeMap<Unit, BTreeSet<String>>,
}

/// Loads the data for a survey, optionally a codebook and layer, under a filter.
pub fn load(
    conn: &Connection,
    survey_id: i64,
    definition: &SurveyDefinition,
    codebook: Option<(i64, Layer)>,
    filter: &Filter,
) -> Result<Data, DbError> {
    let mut data = Data::default();
    let mut stmt = conn.prepare(
        "SELECT id, language FROM responses WHERE survey_id = ?1 AND (?2 OR status = 'complete') AND (?3 IS NULL OR language = ?3) \
         AND (?4 IS NULL OR substr(started_at, 1, 10) >= ?4) AND (?5 IS NULL OR substr(started_at, 1, 10) <= ?5)",
    )?;
    let rows = stmt
        .query_map(params![survey_id, filter.include_partial, filter.language, filter.from, filter.to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
    for row in rows {
        let (id, language) = row?;
        data.responses.insert(id);
        data.language.insert(id, language);
    }
    let open: BTreeSet<&str> =
        definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect();
    let closed: BTreeSet<&str> = definition
        .questions()
        .filter(|(_, q)| !q.kind.is_open() && q.kind != QuestionType::Display)
        .map(|(_, q)| q.code.as_str())
        .collect();
    let mut stmt = conn.prepare(
        "SELECT a.response_id, a.question, a.item, a.value FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.survey_id = ?1",
    )?;
    let rows = stmt.query_map([survey_id], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
    })?;
    for row in rows {
        let (response, question, item, value) = row?;
        if !data.responses.contains(&response) {
            continue;
        }
        if open.contains(question.as_str()) && item.is_empty() && !value.trim().is_empty() {
            data.answered.entry(question).or_default().insert(response);
        } else if closed.contains(question.as_str()) {
            data.closed.entry(response).or_default().entry(question).or_default().insert(item, value);
        }
    }
    if let Some((question, choice)) = &filter.answer {
        let keep: BTreeSet<i64> =
            data.responses.iter().copied().filter(|r| gave(&data, *r, question, choice)).collect();
        data.responses = keep;
        data.closed.retain(|r, _| data.responses.contains(r));
        for respondents in data.answered.values_mut() {
            respondents.retain(|r| data.responses.contains(r));
        }
    }
    if let Some((codebook_id, layer)) = codebook {
        let mut codes = layers::codes_by_unit(conn, codebook_id, layer)?;
        codes.retain(|unit, set| {
            data.responses.contains(&unit.response_id) && open.contains(unit.question.as_str()) && !set.is_empty()
        });
        data.codes = codes;
    }
    Ok(data)
}

/// Whether a respondent gave `choice` to `question` (a single choice's value, a ticked box).
pub fn gave(data: &Data, response: i64, question: &str, choice: &str) -> bool {
    data.closed
        .get(&response)
        .and_then(|q| q.get(question))
        .is_some_and(|items| items.get("").is_some_and(|v| v == choice) || items.get(choice).is_some_and(|v| v == "1"))
}
