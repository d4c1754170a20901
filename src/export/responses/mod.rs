//! The wide `responses` file: one row per response, its own columns, its paradata (consent, the
//! device class, the furthest page reached, the seconds spent on each page, the orders randomised
//! elements were shown in), then one column per answer in survey order. Answers are stored long
//! and pivoted here while they stream out of SQLite: the rows (`store::RESPONSES`) come ordered by
//! response, and a row is written each time the response changes. `cells.rs` turns a response
//! into its cells, with a code in every empty answer cell that says why it is empty when
//! missing-data codes are asked for.

mod cells;

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use rusqlite::Connection;

use super::store;
use super::stream::{CsvExportError, Plan};
use crate::answer::{Naming, OTHER, Rows};
use crate::csv_out::CsvWriter;
use crate::paradata::{self, trail::Trail};
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
    /// What is known of how the response was given.
    Paradata(Paradata),
    /// A single-valued question's answer (text, number, date, a single choice's code).
    Value,
    /// A multiple choice's ticked codes, space-separated, in the question's order.
    Ticked,
    /// 1 when this choice of a multiple choice is ticked, else 0 (empty when unanswered).
    Choice(String),
    /// A matrix row (its scale choice), a ranked choice (its rank), or an Other text.
    Item(String),
}

/// A paradata column's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Paradata {
    /// The survey version whose consent text was accepted.
    ConsentVersion,
    /// When it was accepted (the date only in an anonymous survey).
    ConsentAt,
    /// Phone, tablet or desktop (not in anonymous surveys).
    Device,
    /// The code of the furthest page reached.
    LastPage,
    /// Seconds spent on the page with this index, summed over its visits (not in anonymous surveys).
    Time(usize),
    /// The order a randomised element was first shown in: a page's questions (`question` None) or
    /// a question's choices or rows; `page` is where it is.
    Order { element: String, page: usize, question: Option<String> },
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

/// Every column, in a stable order: the response's own, participant attributes, paradata, then
/// each question in survey order (display questions have none).
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
    columns.extend(paradata_columns(definition).into_iter().map(|(name, source)| Column {
        name,
        question: None,
        source: Source::Paradata(source),
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

/// The paradata columns of `definition`: consent, device (not in an anonymous survey, which keeps
/// no device class), the furthest page, the time on each page (not in an anonymous survey, which
/// keeps no durations), and the order of each randomised element.
fn paradata_columns(definition: &SurveyDefinition) -> Vec<(String, Paradata)> {
    let anonymous = definition.anonymous;
    let mut columns = vec![
        (paradata::CONSENT_VERSION.to_string(), Paradata::ConsentVersion),
        (paradata::CONSENT_AT.to_string(), Paradata::ConsentAt),
    ];
    if !anonymous {
        columns.push((paradata::DEVICE.to_string(), Paradata::Device));
    }
    columns.push((paradata::LAST_PAGE.to_string(), Paradata::LastPage));
    if !anonymous {
        columns.extend(
            definition.pages.iter().enumerate().map(|(i, p)| (paradata::time_column(&p.code), Paradata::Time(i))),
        );
    }
    for (p, page) in definition.pages.iter().enumerate() {
        if page.randomize {
            let order = Paradata::Order { element: page.code.clone(), page: p, question: None };
            columns.push((paradata::order_column(&page.code), order));
        }
        for question in page.questions.iter().filter(|q| q.randomize) {
            let order =
                Paradata::Order { element: question.code.clone(), page: p, question: Some(question.code.clone()) };
            columns.push((paradata::order_column(&question.code), order));
        }
    }
    columns
}

/// A response as read: its own columns, its paradata, then its answers by question and item.
struct Row {
    own: [String; RESPONSE_COLUMNS.len()],
    participant: BTreeMap<String, String>,
    paradata: RowParadata,
    answers: Rows,
}

/// What is known of how a response was given.
struct RowParadata {
    complete: bool,
    consent_version: String,
    consent_at: String,
    device: String,
    trail: Trail,
    /// The orders shown, by element code.
    orders: HashMap<String, String>,
}

/// A nullable column as text ('' for NULL).
fn text_at(r: &rusqlite::Row, i: usize) -> rusqlite::Result<String> {
    Ok(match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => String::new(),
        rusqlite::types::ValueRef::Integer(n) => n.to_string(),
        other => other.as_str().map(str::to_string).unwrap_or_default(),
    })
}

/// The paradata of the response `id` read in `r` (a row of `store::RESPONSES`), with its visits and orders.
fn row_paradata(
    conn: &Connection,
    definition: &SurveyDefinition,
    r: &rusqlite::Row,
    id: i64,
) -> Result<RowParadata, CsvExportError> {
    let visits = store::visits(conn, id)?;
    let orders = if paradata::randomised(definition).is_empty() { HashMap::new() } else { store::orders(conn, id)? };
    let position = r.get::<_, i64>(14)?.max(0) as usize;
    Ok(RowParadata {
        complete: r.get::<_, String>(1)? == "complete",
        consent_version: text_at(r, 11)?,
        consent_at: text_at(r, 12)?,
        device: text_at(r, 13)?,
        trail: Trail::new(definition, &visits, position),
        orders,
    })
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
    // Display logic decides which empty cells were hidden: the definition is compiled once.
    let survey = super::reasons::compiled(definition)?;
    let missing = plan.missing_codes.then_some(definition.missing_codes);
    let cells = cells::Cells { naming, survey: &survey, missing };
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
            let text = |i: usize| text_at(r, i);
            let own = [text(0)?, text(1)?, text(2)?, text(3)?, text(4)?, text(5)?, text(6)?];
            let participant = match r.get::<_, Option<i64>>(10)? {
                Some(participant_id) if !participant.is_empty() => participant_values(conn, participant_id)?,
                _ => BTreeMap::new(),
            };
            let paradata = row_paradata(conn, definition, r, id)?;
            current = Some((id, Row { own, participant, paradata, answers: BTreeMap::new() }));
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
