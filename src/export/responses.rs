//! The wide `responses` file: one row per response, its own columns, then one column per answer
//! in survey order. Answers are stored long and pivoted here while they stream out of SQLite: the
//! rows (`store::RESPONSES`) come ordered by response, and a row is written each time the
//! response changes.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;

use rusqlite::Connection;

use super::store;
use super::stream::{CsvExportError, Plan};
use crate::csv_out::CsvWriter;
use crate::respond::answers::OTHER;
use crate::survey::messages;
use crate::survey::model::{Question, QuestionType, SurveyDefinition};
use crate::survey::store::StoredSurvey;

/// The response's own columns, first in every row.
pub const RESPONSE_COLUMNS: [&str; 7] =
    ["response_id", "status", "survey_version", "language", "started_at", "submitted_at", "duration_s"];

/// Where a column's cells come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// One of `RESPONSE_COLUMNS`, by position.
    Response(usize),
    /// A detail of the participant whose personal link gave the response (see `participant_columns`).
    Participant(String),
    /// A single-valued question's answer (text, number, date, a single choice's code).
    Value,
    /// A multiple choice's ticked codes, space-separated, in the question's order.
    Ticked,
    /// 1 when this choice of a multiple choice is ticked, else 0 (empty when unanswered).
    Choice(String),
    /// A matrix row (its scale choice), a ranked choice (its rank), or an Other text.
    Item(String),
}

/// One column of the wide file.
#[derive(Debug, Clone)]
pub struct Column<'a> {
    pub name: String,
    pub question: Option<&'a Question>,
    pub source: Source,
}

/// The participant columns exported between the response's columns and the answers: email,
/// name, language and every custom attribute, in a non-anonymous survey with participants. An
/// anonymous survey links no response to a participant, so it has none.
pub fn participant_columns(conn: &Connection, survey: &StoredSurvey) -> Result<Vec<String>, CsvExportError> {
    if survey.definition.anonymous {
        return Ok(Vec::new());
    }
    if !store::has_participants(conn, survey.id)? {
        return Ok(Vec::new());
    }
    let attributes = crate::distribute::participants::attribute_names(conn, survey.id)?;
    let mut columns: Vec<String> = PARTICIPANT_COLUMNS.iter().map(|c| (*c).to_string()).collect();
    columns.extend(attributes.into_iter().map(|attribute| format!("participant_{attribute}")));
    Ok(columns)
}

/// The participant's own details, before their custom attributes.
const PARTICIPANT_COLUMNS: [&str; 3] = ["participant_email", "participant_name", "participant_language"];

/// The participant columns' values for the participant `id`.
fn participant_values(conn: &Connection, id: i64) -> Result<BTreeMap<String, String>, CsvExportError> {
    let Some((email, name, language, attributes)) = store::participant(conn, id)? else { return Ok(BTreeMap::new()) };
    let mut values: BTreeMap<String, String> =
        PARTICIPANT_COLUMNS.iter().map(|c| (*c).to_string()).zip([email, name, language]).collect();
    let attributes: BTreeMap<String, String> = serde_json::from_str(&attributes).unwrap_or_default();
    values.extend(attributes.into_iter().map(|(k, v)| (format!("participant_{k}"), v)));
    Ok(values)
}

/// Every column, in a stable order: the response's own, participant attributes, then each
/// question in survey order (display questions have none).
pub fn columns<'a>(definition: &'a SurveyDefinition, participant: &[String]) -> Vec<Column<'a>> {
    let mut columns: Vec<Column> = RESPONSE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, name)| Column { name: (*name).to_string(), question: None, source: Source::Response(i) })
        .collect();
    columns.extend(participant.iter().map(|a| Column {
        name: a.clone(),
        question: None,
        source: Source::Participant(a.clone()),
    }));
    for (_, q) in definition.questions() {
        let column = |name: String, source: Source| Column { name, question: Some(q), source };
        let item = |item: &str| column(format!("{}/{item}", q.code), Source::Item(item.to_string()));
        match q.kind {
            QuestionType::Display => {}
            QuestionType::ShortText
            | QuestionType::LongText
            | QuestionType::Number
            | QuestionType::Date
            | QuestionType::SingleChoice => columns.push(column(q.code.clone(), Source::Value)),
            QuestionType::MultipleChoice => {
                columns.push(column(q.code.clone(), Source::Ticked));
                for c in &q.choices {
                    columns.push(column(format!("{}/{}", q.code, c.code), Source::Choice(c.code.clone())));
                }
            }
            QuestionType::Matrix => columns.extend(q.rows.iter().map(|r| item(&r.code))),
            QuestionType::Ranking => columns.extend(q.choices.iter().map(|c| item(&c.code))),
        }
        if q.other && matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) {
            columns.push(item(OTHER));
        }
    }
    columns
}

/// A response as read: its own columns, then its answers by question and item.
struct Row {
    own: [String; RESPONSE_COLUMNS.len()],
    participant: BTreeMap<String, String>,
    answers: BTreeMap<String, BTreeMap<String, String>>,
}

/// Turns stored values into cells: codes as stored, or labels in the chosen language.
struct Cells<'a> {
    definition: &'a SurveyDefinition,
    language: Option<&'a str>,
    other_label: String,
}

impl Cells<'_> {
    fn cell<'r>(&self, column: &Column, row: &'r Row) -> Cow<'r, str> {
        let Some(q) = column.question else {
            return match &column.source {
                Source::Response(i) => Cow::Borrowed(row.own[*i].as_str()),
                Source::Participant(name) => row.participant.get(name).map_or(Cow::Borrowed(""), |v| Cow::Borrowed(v)),
                _ => Cow::Borrowed(""),
            };
        };
        let Some(items) = row.answers.get(&q.code) else { return Cow::Borrowed("") };
        match &column.source {
            Source::Value => {
                let value = items.get("").map(String::as_str);
                // Text typed under Other without ticking it counts as choosing Other.
                let value = value
                    .or_else(|| (q.kind == QuestionType::SingleChoice && items.contains_key(OTHER)).then_some(OTHER));
                match value {
                    Some(code) if q.kind == QuestionType::SingleChoice => self.choice(q, code),
                    Some(v) => Cow::Borrowed(v),
                    None => Cow::Borrowed(""),
                }
            }
            Source::Ticked => {
                let known =
                    q.choices.iter().filter(|c| items.get(&c.code).is_some_and(|v| v == "1")).map(|c| c.code.as_str());
                // Codes of choices no longer in the definition are kept, after the known ones.
                let unknown =
                    items.keys().filter(|k| !k.is_empty() && *k != OTHER && q.choice(k).is_none()).map(String::as_str);
                let other = items.contains_key(OTHER).then_some(OTHER);
                Cow::Owned(known.chain(unknown).chain(other).collect::<Vec<_>>().join(" "))
            }
            Source::Choice(code) => Cow::Borrowed(if items.get(code).is_some_and(|v| v == "1") { "1" } else { "0" }),
            Source::Item(item) => match items.get(item) {
                Some(code) if q.kind == QuestionType::Matrix => self.choice(q, code),
                Some(value) => Cow::Borrowed(value.as_str()),
                None => Cow::Borrowed(""),
            },
            Source::Response(_) | Source::Participant(_) => Cow::Borrowed(""),
        }
    }

    /// A choice's code, or its label when labels were asked for (a code no longer defined stays).
    fn choice<'r>(&self, q: &Question, code: &'r str) -> Cow<'r, str> {
        let Some(language) = self.language else { return Cow::Borrowed(code) };
        if code == OTHER && q.other {
            return Cow::Owned(self.other_label.clone());
        }
        match q.choice(code) {
            Some(choice) => Cow::Owned(self.definition.text(&choice.label, language).to_string()),
            None => Cow::Borrowed(code),
        }
    }
}

/// Writes the header and one row per response, each as soon as its last answer has been read.
pub fn write<W: Write>(conn: &Connection, plan: &Plan, w: &mut CsvWriter<W>) -> Result<(), CsvExportError> {
    let definition = &plan.survey.definition;
    let participant = participant_columns(conn, &plan.survey)?;
    let columns = columns(definition, &participant);
    w.record(columns.iter().map(|c| c.name.as_str()))?;
    let language = plan.labels.as_deref();
    let other_label = language.map(|l| messages::message(definition, "other_specify", l)).unwrap_or_default();
    let cells = Cells { definition, language, other_label };
    let mut emit = |row: &Row| w.record(columns.iter().map(|c| cells.cell(c, row)));

    let mut stmt = conn.prepare(&store::RESPONSES)?;
    let params = store::responses_params(plan.survey.id, &plan.filter);
    let mut rows = stmt.query(&*params.named())?;
    let mut current: Option<(i64, Row)> = None;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if current.as_ref().is_none_or(|(at, _)| *at != id) {
            if let Some((_, done)) = current.take() {
                emit(&done)?;
            }
            let text = |i: usize| -> rusqlite::Result<String> {
                Ok(match r.get_ref(i)? {
                    rusqlite::types::ValueRef::Null => String::new(),
                    rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                    other => other.as_str().map(str::to_string).unwrap_or_default(),
                })
            };
            let own = [text(0)?, text(1)?, text(2)?, text(3)?, text(4)?, text(5)?, text(6)?];
            let participant = match r.get::<_, Option<i64>>(10)? {
                Some(participant_id) if !participant.is_empty() => participant_values(conn, participant_id)?,
                _ => BTreeMap::new(),
            };
            current = Some((id, Row { own, participant, answers: BTreeMap::new() }));
        }
        if let (Some((_, row)), Some(question)) = (current.as_mut(), r.get::<_, Option<String>>(7)?) {
            row.answers.entry(question).or_default().insert(r.get(8)?, r.get(9)?);
        }
    }
    if let Some((_, done)) = current {
        emit(&done)?;
    }
    Ok(())
}
