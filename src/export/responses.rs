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
use crate::answer::{Answer, Naming, OTHER, Rows};
use crate::csv_out::CsvWriter;
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
    answers: Rows,
}

/// Turns a response's answers into cells: each question's answer decoded once (`answer::Answer`),
/// its choices named as codes or as labels in the chosen language (`answer::Naming`).
struct Cells<'a> {
    naming: Naming<'a>,
}

impl Cells<'_> {
    fn record<'r>(&self, columns: &'r [Column], row: &'r Row) -> Vec<Cow<'r, str>> {
        let mut decoded: Option<(&str, Option<Answer<'r>>)> = None;
        let mut cells = Vec::with_capacity(columns.len());
        for column in columns {
            let Some(q) = column.question else {
                cells.push(match &column.source {
                    Source::Response(i) => Cow::Borrowed(row.own[*i].as_str()),
                    Source::Participant(name) => {
                        row.participant.get(name).map_or(Cow::Borrowed(""), |v| Cow::Borrowed(v))
                    }
                    _ => Cow::Borrowed(""),
                });
                continue;
            };
            // A question's columns are side by side: its answer is decoded at the first of them.
            if decoded.as_ref().is_none_or(|(code, _)| *code != q.code) {
                decoded = Some((q.code.as_str(), Answer::of(q, &row.answers)));
            }
            let answer = decoded.as_ref().and_then(|(_, answer)| answer.as_ref());
            cells.push(answer.map_or(Cow::Borrowed(""), |answer| self.cell(column, q, answer)));
        }
        cells
    }

    fn cell<'r>(&self, column: &Column, q: &'r Question, answer: &Answer<'r>) -> Cow<'r, str> {
        match &column.source {
            Source::Value => match answer {
                Answer::Single { choice, .. } => self.naming.choice(q, choice),
                _ => Cow::Borrowed(answer.value().unwrap_or_default()),
            },
            // Always codes: the column is for programs (`selected()` in XLSForm's terms).
            Source::Ticked => Cow::Owned(answer.codes().join(" ")),
            Source::Choice(code) => Cow::Borrowed(if answer.is_ticked(code) { "1" } else { "0" }),
            Source::Item(item) => match answer {
                Answer::Matrix(_) => answer.row(item).map_or(Cow::Borrowed(""), |choice| self.naming.choice(q, choice)),
                Answer::Ranking(_) => Cow::Borrowed(answer.rank_of(item).unwrap_or_default()),
                _ if item == OTHER => Cow::Borrowed(answer.other_text().unwrap_or_default()),
                _ => Cow::Borrowed(""),
            },
            Source::Response(_) | Source::Participant(_) => Cow::Borrowed(""),
        }
    }
}

/// Writes the header and one row per response, each as soon as its last answer has been read.
pub fn write<W: Write>(conn: &Connection, plan: &Plan, w: &mut CsvWriter<W>) -> Result<(), CsvExportError> {
    let definition = &plan.survey.definition;
    let participant = participant_columns(conn, &plan.survey)?;
    let columns = columns(definition, &participant);
    w.record(columns.iter().map(|c| c.name.as_str()))?;
    let naming = match plan.labels.as_deref() {
        Some(language) => Naming::labels(definition, language),
        None => Naming::Codes,
    };
    let cells = Cells { naming };
    let mut emit = |row: &Row| w.record(cells.record(&columns, row));

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
