//! The data an analysis works on, gathered in one pass over the database in response order:
//! responses, their answers and the codes of their answers are read side by side, one response
//! at a time, and only counts are kept — so memory depends on the codebook and the questions,
//! not on the number of responses.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::{Connection, params};

use crate::codebook::model::{CodeKind, CodebookFile};
use crate::coding::layers::{Layer, UnitStatements};
use crate::db::{DbError, take_rows_for};
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

/// The scope of a count: one open question, or (the empty string) all of them.
pub const ALL_QUESTIONS: &str = "";

/// A closed question's counts: respondents who answered, per choice, and the "Other" texts.
#[derive(Debug, Default)]
pub struct ClosedCounts {
    pub answered: usize,
    pub choices: HashMap<String, usize>,
    pub other_texts: Vec<String>,
}

/// The counts every table is read from.
#[derive(Debug, Default)]
pub struct Data {
    /// Responses that passed the filters.
    pub included: usize,
    /// Respondents who answered, per scope.
    pub answered: HashMap<String, usize>,
    /// (scope, codebook entry) → (answers carrying it, respondents).
    pub entries: HashMap<(String, String), (usize, usize)>,
    /// (scope, group) → respondents in the group who answered in the scope.
    pub group_totals: HashMap<(String, String), usize>,
    /// (scope, entry, group) → respondents in the group with the entry.
    pub cross: HashMap<(String, String, String), usize>,
    /// The codes (not categories) in codebook order, indexing the pair matrices.
    pub codes: Vec<String>,
    /// Per scope: answers and respondents with both codes of a pair.
    pub pair_answers: HashMap<String, Vec<Vec<usize>>>,
    pub pair_respondents: HashMap<String, Vec<Vec<usize>>>,
    /// Per closed question (a matrix row as `Q/row`).
    pub closed: HashMap<String, ClosedCounts>,
}

/// A cross-tab group of a respondent: by language, or by a choice of a closed question.
pub fn language_group(language: &str) -> String {
    format!("language:{language}")
}

pub fn choice_group(question: &str, choice: &str) -> String {
    format!("{question}:{choice}")
}

/// One response's answers: question → item → value.
type Answers = BTreeMap<String, BTreeMap<String, String>>;

/// Whether a respondent gave `choice` to `question` (a single choice's value, a ticked box, or
/// for `other` an Other text).
fn gave(answers: &Answers, question: &str, choice: &str) -> bool {
    answers.get(question).is_some_and(|items| {
        items.get("").is_some_and(|v| v == choice) || items.get(choice).is_some_and(|v| v == "1" || choice == "other")
    })
}

/// Everything needed while scanning, fixed before the scan.
struct Plan<'a> {
    definition: &'a SurveyDefinition,
    open: BTreeSet<&'a str>,
    /// Each code's entries: itself and every category above it.
    entries_of: HashMap<String, Vec<String>>,
    code_index: HashMap<String, usize>,
}

impl<'a> Plan<'a> {
    fn new(definition: &'a SurveyDefinition, file: Option<&CodebookFile>) -> Plan<'a> {
        let open = definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect();
        let mut entries_of = HashMap::new();
        let mut code_index = HashMap::new();
        if let Some(file) = file {
            for (_, entry) in file.tree() {
                if entry.kind != CodeKind::Code {
                    continue;
                }
                let mut chain = vec![entry.id.clone()];
                let mut parent = entry.parent.as_deref();
                while let Some(p) = parent.filter(|_| chain.len() <= file.codes.len()) {
                    chain.push(p.to_string());
                    parent = file.entry(p).and_then(|e| e.parent.as_deref());
                }
                code_index.insert(entry.id.clone(), code_index.len());
                entries_of.insert(entry.id.clone(), chain);
            }
        }
        Plan { definition, open, entries_of, code_index }
    }

    /// The cross-tab groups a respondent is in.
    fn groups(&self, language: &str, answers: &Answers) -> Vec<String> {
        let mut groups = vec![language_group(language)];
        for (_, q) in self.definition.questions() {
            if !matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) {
                continue;
            }
            let other = q.other.then_some("other");
            for choice in q.choices.iter().map(|c| c.code.as_str()).chain(other) {
                if gave(answers, &q.code, choice) {
                    groups.push(choice_group(&q.code, choice));
                }
            }
        }
        groups
    }
}

/// Loads the counts for a survey, optionally a codebook and layer, under a filter.
pub fn load(
    conn: &Connection,
    survey_id: i64,
    definition: &SurveyDefinition,
    codebook: Option<(i64, Layer)>,
    filter: &Filter,
) -> Result<Data, DbError> {
    let file = match codebook {
        Some((id, _)) => crate::codebook::store::find(conn, id)?.map(|c| c.draft),
        None => None,
    };
    let plan = Plan::new(definition, file.as_ref());
    let mut data = Data {
        codes: file.as_ref().map_or_else(Vec::new, |f| {
            f.tree().into_iter().filter(|(_, e)| e.kind == CodeKind::Code).map(|(_, e)| e.id.clone()).collect()
        }),
        ..Data::default()
    };

    let mut responses = conn.prepare(
        // NOT INDEXED: read in rowid order, so SQLite never sorts (memory stays flat).
        "SELECT id, language FROM responses NOT INDEXED WHERE survey_id = ?1 AND (?2 OR status = 'complete') AND (?3 IS NULL OR language = ?3) \
         AND (?4 IS NULL OR substr(started_at, 1, 10) >= ?4) AND (?5 IS NULL OR substr(started_at, 1, 10) <= ?5) ORDER BY id",
    )?;
    let mut answers = conn.prepare(
        "SELECT a.response_id, a.question, a.item, a.value FROM responses r NOT INDEXED JOIN answers a ON a.response_id = r.id \
         WHERE r.survey_id = ?1 ORDER BY r.id",
    )?;
    let mut answer_rows = answers
        .query_map([survey_id], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, String>(3)?))
        })?
        .peekable();
    let mut unit_statements = match codebook {
        Some((id, _)) => Some(UnitStatements::prepare(conn, id)?),
        None => None,
    };
    let mut units = match unit_statements.as_mut() {
        Some(statements) => Some(statements.reader()?),
        None => None,
    };
    let rows = responses
        .query_map(params![survey_id, filter.include_partial, filter.language, filter.from, filter.to], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
    for row in rows {
        let (response, language) = row?;
        let mut given = Answers::new();
        for (_, question, item, value) in take_rows_for(&mut answer_rows, response, |r| r.0)? {
            given.entry(question).or_default().insert(item, value);
        }
        if let Some((question, choice)) = &filter.answer
            && !gave(&given, question, choice)
        {
            continue;
        }
        let coded = match (units.as_mut(), codebook) {
            (Some(reader), Some((_, layer))) => reader
                .response(response)?
                .into_iter()
                .filter(|(q, _)| plan.open.contains(q.as_str()))
                .filter_map(|(q, unit)| unit.codes(layer).filter(|c| !c.is_empty()).map(|c| (q, c)))
                .collect(),
            _ => Vec::new(),
        };
        data.add_response(&plan, &language, &given, &coded);
    }
    Ok(data)
}

impl Data {
    /// Counts one included respondent.
    fn add_response(&mut self, plan: &Plan, language: &str, given: &Answers, coded: &[(String, BTreeSet<String>)]) {
        self.included += 1;
        let answered_open: Vec<&str> = plan
            .open
            .iter()
            .copied()
            .filter(|q| given.get(*q).and_then(|items| items.get("")).is_some_and(|v| !v.trim().is_empty()))
            .collect();
        let mut scopes: Vec<&str> = answered_open.clone();
        if !answered_open.is_empty() {
            scopes.push(ALL_QUESTIONS);
        }
        let groups = plan.groups(language, given);
        for scope in &scopes {
            *self.answered.entry((*scope).to_string()).or_default() += 1;
            for group in &groups {
                *self.group_totals.entry(((*scope).to_string(), group.clone())).or_default() += 1;
            }
        }
        self.add_codes(plan, coded, &scopes, &groups);
        self.add_closed(plan.definition, given);
    }

    fn add_codes(&mut self, plan: &Plan, coded: &[(String, BTreeSet<String>)], scopes: &[&str], groups: &[String]) {
        let n = self.codes.len();
        let mut respondent_entries: BTreeMap<&str, BTreeSet<&String>> = BTreeMap::new();
        let mut respondent_codes: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
        for (question, codes) in coded {
            let entries: BTreeSet<&String> = codes.iter().filter_map(|c| plan.entries_of.get(c)).flatten().collect();
            let indices: Vec<usize> = codes.iter().filter_map(|c| plan.code_index.get(c).copied()).collect();
            for scope in [question.as_str(), ALL_QUESTIONS] {
                for entry in &entries {
                    self.entries.entry((scope.to_string(), (*entry).clone())).or_default().0 += 1;
                }
                let pairs = self.pair_answers.entry(scope.to_string()).or_insert_with(|| vec![vec![0; n]; n]);
                for &a in &indices {
                    for &b in &indices {
                        pairs[a][b] += 1;
                    }
                }
                respondent_entries.entry(scope).or_default().extend(entries.iter().copied());
                respondent_codes.entry(scope).or_default().extend(indices.iter().copied());
            }
        }
        for (scope, entries) in &respondent_entries {
            let answered = scopes.contains(scope);
            for entry in entries {
                self.entries.entry((scope.to_string(), (*entry).clone())).or_default().1 += 1;
                if answered {
                    for group in groups {
                        *self.cross.entry((scope.to_string(), (*entry).clone(), group.clone())).or_default() += 1;
                    }
                }
            }
        }
        for (scope, indices) in &respondent_codes {
            let pairs = self.pair_respondents.entry(scope.to_string()).or_insert_with(|| vec![vec![0; n]; n]);
            for &a in indices {
                for &b in indices {
                    pairs[a][b] += 1;
                }
            }
        }
    }

    fn add_closed(&mut self, definition: &SurveyDefinition, given: &Answers) {
        for (_, q) in definition.questions() {
            let Some(items) = given.get(&q.code) else { continue };
            match q.kind {
                QuestionType::SingleChoice | QuestionType::MultipleChoice | QuestionType::Ranking => {
                    let counts = self.closed.entry(q.code.clone()).or_default();
                    counts.answered += 1;
                    let chosen: Vec<String> = match q.kind {
                        QuestionType::SingleChoice => items.get("").cloned().into_iter().collect(),
                        QuestionType::Ranking => {
                            items.iter().filter(|(_, rank)| rank.as_str() == "1").map(|(k, _)| k.clone()).collect()
                        }
                        _ => items.keys().filter(|k| !k.is_empty()).cloned().collect(),
                    };
                    for choice in chosen {
                        *counts.choices.entry(choice).or_default() += 1;
                    }
                    if q.kind != QuestionType::Ranking
                        && let Some(text) = items.get("other")
                    {
                        counts.other_texts.push(text.clone());
                    }
                }
                QuestionType::Matrix => {
                    for row in &q.rows {
                        if let Some(value) = items.get(&row.code) {
                            let counts = self.closed.entry(format!("{}/{}", q.code, row.code)).or_default();
                            counts.answered += 1;
                            *counts.choices.entry(value.clone()).or_default() += 1;
                        }
                    }
                }
                _ => {}
            }
        }
    }
}
