//! Everything a project file holds, read from the database and put in REFI-QDA's shape: guids
//! derived from ids, positions in code points, and a stable order (by id, then survey order).

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::rows::{self, Answers};
use super::sources::{self, Placed};
use super::variables::{self, Variable, VariableType};
use super::{ExportError, QdpxOptions, SourcePer};
use crate::codebook::model::CodebookFile;
use crate::codebook::qdc::derived_guid;
use crate::coding::layers::{self, Layer};
use crate::coding::units::{self, Unit};
use crate::db::DbError;
use crate::survey::model::SurveyDefinition;

/// A whole project, ready to be written.
#[derive(Debug)]
pub struct Project {
    pub name: String,
    pub created: Option<String>,
    /// The latest change to anything exported.
    pub modified: Option<OffsetDateTime>,
    pub description: String,
    pub users: Vec<User>,
    pub codebook: CodebookFile,
    /// Notes on codes, by code id.
    pub code_notes: BTreeMap<String, Vec<String>>,
    pub variables: Vec<Variable>,
    pub cases: Vec<Case>,
    pub sources: Vec<Source>,
    pub notes: Vec<Note>,
    /// Notes on the project as a whole (the journal).
    pub project_notes: Vec<String>,
}

#[derive(Debug)]
pub struct User {
    pub guid: String,
    pub name: String,
    pub email: String,
}

/// A complete response: its closed answers and its sources.
#[derive(Debug)]
pub struct Case {
    pub guid: String,
    pub name: String,
    /// (variable guid, its type, the value).
    pub values: Vec<(String, VariableType, String)>,
    pub sources: Vec<String>,
}

/// A text source: one answer, or one respondent's open answers.
#[derive(Debug)]
pub struct Source {
    pub guid: String,
    pub name: String,
    pub description: Option<String>,
    pub text: String,
    pub selections: Vec<Selection>,
    pub note_refs: Vec<String>,
}

/// A passage of a source with the code applied to it, or with notes on it.
#[derive(Debug)]
pub struct Selection {
    pub guid: String,
    pub start: usize,
    pub end: usize,
    pub user: Option<String>,
    pub created: Option<String>,
    pub coding: Option<CodingRef>,
    pub note_refs: Vec<String>,
}

#[derive(Debug)]
pub struct CodingRef {
    pub guid: String,
    pub code_key: String,
}

/// A memo.
#[derive(Debug)]
pub struct Note {
    pub guid: String,
    pub name: String,
    pub user: Option<String>,
    pub created: Option<String>,
    pub text: String,
}

fn user_guid(id: i64) -> String {
    derived_guid("fieldwork-user", &id.to_string())
}

/// A stored RFC 3339 time; `None` for anything else, such as an anonymous response's date alone.
fn parse_time(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// A stored RFC 3339 time as an `xsd:dateTime` in UTC, to the second.
fn date_time(text: &str) -> Option<String> {
    parse_time(text).map(crate::db::rfc3339)
}

/// Reads the survey, the codebook (published version, else draft) and their coding.
pub fn load(
    conn: &Connection,
    survey_id: i64,
    codebook_id: i64,
    options: &QdpxOptions,
) -> Result<Project, ExportError> {
    let survey = rows::find_survey(conn, survey_id)?.ok_or(ExportError::SurveyNotFound(survey_id))?;
    let codebook = crate::codebook::store::find(conn, codebook_id)?
        .filter(|c| c.survey_id == survey_id)
        .ok_or(ExportError::CodebookNotFound { survey_id, codebook_id })?;
    let published = match codebook.published_version {
        0 => None,
        version => crate::codebook::store::version(conn, codebook_id, version)?.map(|file| (file, version)),
    };
    let (file, version) = match published {
        Some((file, version)) => (file, Some(version)),
        None => (codebook.draft, None),
    };
    let definition = &survey.definition;
    let answers = rows::complete_answers(conn, survey_id)?;
    let mut parts = Parts { times: vec![survey.updated_at.clone()], ..Parts::default() };
    parts.add_sources(conn, survey_id, definition, &answers, options.source_per)?;
    parts.add_codings(conn, codebook_id, &file, options)?;
    parts.add_memos(conn, codebook_id, &file, options.source_per)?;
    for source in &mut parts.sources {
        source.selections.sort_by_key(|s| (s.start, s.end));
    }
    let variables = variables::variables(survey_id, definition);
    let cases = parts.cases(conn, survey_id, definition, &variables, &answers)?;
    let title = definition.text(&definition.title, &definition.default_language).trim();
    Ok(Project {
        name: if title.is_empty() { survey.slug.clone() } else { title.to_string() },
        created: date_time(&survey.created_at),
        modified: parts.times.iter().filter_map(|t| parse_time(t)).max(),
        description: description(definition, &file, version, options.layer),
        users: users(conn, &parts.user_ids)?,
        codebook: file,
        code_notes: parts.code_notes,
        variables,
        cases,
        sources: parts.sources,
        notes: parts.notes,
        project_notes: parts.project_notes,
    })
}

/// The project as it is put together.
#[derive(Default)]
struct Parts {
    sources: Vec<Source>,
    /// Where each exported answer lies: its source's index and its place in it.
    placed: BTreeMap<Unit, (usize, Placed)>,
    /// The answers exported, by response.
    by_response: BTreeMap<i64, Vec<Unit>>,
    notes: Vec<Note>,
    code_notes: BTreeMap<String, Vec<String>>,
    project_notes: Vec<String>,
    /// Everyone who made a selection or wrote a note.
    user_ids: BTreeSet<i64>,
    /// When each exported thing last changed (RFC 3339).
    times: Vec<String>,
}

impl Parts {
    /// A source per answer to an open question of a complete response, or per respondent.
    fn add_sources(
        &mut self,
        conn: &Connection,
        survey_id: i64,
        definition: &SurveyDefinition,
        answers: &Answers,
        per: SourcePer,
    ) -> Result<(), DbError> {
        let open: Vec<String> =
            definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.clone()).collect();
        for unit in units::all_units(conn, survey_id, &open, None)? {
            self.by_response.entry(unit.response_id).or_default().push(unit);
        }
        let text_of = |unit: &Unit| -> &str {
            let items = answers.get(&unit.response_id).and_then(|a| a.get(&unit.question));
            items.and_then(|i| i.get("")).map_or("", String::as_str)
        };
        let heading = |code: &str| match definition.question(code) {
            Some(q) => format!("{code}: {}", definition.text(&q.text, &definition.default_language)),
            None => code.to_string(),
        };
        for (response_id, units) in &self.by_response {
            let groups: Vec<&[Unit]> = match per {
                SourcePer::Answer => units.chunks(1).collect(),
                SourcePer::Respondent => vec![units.as_slice()],
            };
            for group in groups {
                let (layout, key, name, description) = match (per, group) {
                    (SourcePer::Answer, [unit]) => (
                        sources::single(text_of(unit)),
                        format!("answer:{response_id}:{}", unit.question),
                        format!("Response {response_id}: {}", unit.question),
                        Some(heading(&unit.question)),
                    ),
                    _ => (
                        sources::with_headings(
                            &group.iter().map(|u| (heading(&u.question), text_of(u))).collect::<Vec<_>>(),
                        ),
                        format!("respondent:{response_id}"),
                        format!("Response {response_id}"),
                        None,
                    ),
                };
                for (unit, at) in group.iter().zip(&layout.placed) {
                    self.placed.insert(unit.clone(), (self.sources.len(), *at));
                }
                self.sources.push(Source {
                    guid: derived_guid("fieldwork-source", &key),
                    name,
                    description,
                    text: layout.text,
                    selections: Vec::new(),
                    note_refs: Vec::new(),
                });
            }
        }
        Ok(())
    }

    /// A coded selection per coding of the chosen layer on an exported answer.
    fn add_codings(
        &mut self,
        conn: &Connection,
        codebook_id: i64,
        file: &CodebookFile,
        options: &QdpxOptions,
    ) -> Result<(), DbError> {
        // Codes by answer for the layers that are more than a filter on the rows.
        let kept = match options.layer {
            Layer::Consensus | Layer::Intersection => Some(layers::codes_by_unit(conn, codebook_id, options.layer)?),
            _ => None,
        };
        let mode = match options.source_per {
            SourcePer::Answer => "answer",
            SourcePer::Respondent => "respondent",
        };
        for row in rows::codings(conn, codebook_id)? {
            let in_layer = match options.layer {
                Layer::Default => true,
                Layer::Coder(id) => !row.consensus && row.coder_id == id,
                Layer::Union | Layer::Intersection => !row.consensus,
                Layer::Consensus => row.consensus,
            };
            let kept =
                kept.as_ref().is_none_or(|k| k.get(&row.unit).is_some_and(|codes| codes.contains(&row.code_key)));
            let Some(&(source, at)) = self.placed.get(&row.unit) else { continue };
            if !in_layer || !kept || file.entry(&row.code_key).is_none() {
                continue;
            }
            let Some((start, end)) = at.span(row.passage) else {
                tracing::warn!(coding = row.id, "a passage outside its answer was left out of the .qdpx export");
                continue;
            };
            self.user_ids.insert(row.coder_id);
            self.sources[source].selections.push(Selection {
                guid: derived_guid("fieldwork-selection", &format!("{mode}:{}", row.id)),
                start,
                end,
                user: Some(user_guid(row.coder_id)),
                created: date_time(&row.created_at),
                coding: Some(CodingRef {
                    guid: derived_guid("fieldwork-coding", &row.id.to_string()),
                    code_key: row.code_key,
                }),
                note_refs: Vec::new(),
            });
            self.times.push(row.created_at);
        }
        Ok(())
    }

    /// A note per memo: one on an answer is referenced from its source (per respondent, from a
    /// selection of the whole answer), one on a code from the code, the journal from the project.
    fn add_memos(
        &mut self,
        conn: &Connection,
        codebook_id: i64,
        file: &CodebookFile,
        per: SourcePer,
    ) -> Result<(), DbError> {
        for memo in rows::memos(conn, codebook_id)? {
            let guid = derived_guid("fieldwork-memo", &memo.id.to_string());
            let name = match (memo.kind.as_str(), &memo.unit, &memo.code_key) {
                ("answer", Some(unit), _) => {
                    if let Some(&(source, at)) = self.placed.get(unit) {
                        let source = &mut self.sources[source];
                        match per {
                            SourcePer::Answer => source.note_refs.push(guid.clone()),
                            SourcePer::Respondent => {
                                let (start, end) = at.span(None).unwrap_or((at.offset, at.offset));
                                source.selections.push(Selection {
                                    guid: derived_guid("fieldwork-memo-selection", &memo.id.to_string()),
                                    start,
                                    end,
                                    user: Some(user_guid(memo.author_id)),
                                    created: date_time(&memo.created_at),
                                    coding: None,
                                    note_refs: vec![guid.clone()],
                                });
                            }
                        }
                    }
                    format!("Memo on response {}: {}", unit.response_id, unit.question)
                }
                ("code", _, Some(key)) => match file.entry(key) {
                    Some(code) => {
                        self.code_notes.entry(key.clone()).or_default().push(guid.clone());
                        format!("Memo on code {}", code.name)
                    }
                    None => format!("Memo on code {key}"),
                },
                _ => {
                    self.project_notes.push(guid.clone());
                    "Journal".to_string()
                }
            };
            self.user_ids.insert(memo.author_id);
            let (user, created) = (Some(user_guid(memo.author_id)), date_time(&memo.created_at));
            self.notes.push(Note { guid, name, user, created, text: memo.body });
            self.times.push(memo.created_at);
        }
        Ok(())
    }

    /// A case per complete response, with its closed answers and its sources.
    fn cases(
        &mut self,
        conn: &Connection,
        survey_id: i64,
        definition: &SurveyDefinition,
        variables: &[Variable],
        answers: &Answers,
    ) -> Result<Vec<Case>, DbError> {
        let mut cases = Vec::new();
        let none = BTreeMap::new();
        for (response_id, updated_at) in rows::complete_responses(conn, survey_id)? {
            let given = answers.get(&response_id).unwrap_or(&none);
            let values = variables
                .iter()
                .filter_map(|v| Some((v.guid.clone(), v.kind, variables::value(v, definition, given)?)))
                .collect();
            let mut sources: Vec<String> = Vec::new();
            for unit in self.by_response.get(&response_id).into_iter().flatten() {
                if let Some(&(source, _)) = self.placed.get(unit)
                    && !sources.contains(&self.sources[source].guid)
                {
                    sources.push(self.sources[source].guid.clone());
                }
            }
            let guid = derived_guid("fieldwork-case", &response_id.to_string());
            cases.push(Case { guid, name: format!("Response {response_id}"), values, sources });
            self.times.push(updated_at);
        }
        Ok(cases)
    }
}

/// The project's description: the survey's, then which codebook and codings it holds.
fn description(definition: &SurveyDefinition, file: &CodebookFile, version: Option<i64>, layer: Layer) -> String {
    let survey = definition.text(&definition.description, &definition.default_language).trim();
    let version = version.map_or("its draft (never published)".to_string(), |v| format!("version {v}"));
    let codings = match layer {
        Layer::Default => "every coder's codings and the consensus".to_string(),
        Layer::Consensus => "the consensus codings".to_string(),
        Layer::Coder(id) => format!("the codings of coder {id}"),
        Layer::Union => "every coder's codings".to_string(),
        Layer::Intersection => "the codings of codes every coder applied".to_string(),
    };
    let about = format!("Codebook \"{}\", {version}; coded selections: {codings}.", file.name);
    if survey.is_empty() { about } else { format!("{survey}\n\n{about}") }
}

fn users(conn: &Connection, ids: &BTreeSet<i64>) -> Result<Vec<User>, DbError> {
    let found = rows::users(conn, ids)?.into_iter().map(|(id, email, name)| {
        let name = if name.trim().is_empty() { email.clone() } else { name };
        User { guid: user_guid(id), name, email }
    });
    Ok(found.collect())
}
