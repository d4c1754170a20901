//! The data an analysis works on, gathered in one pass over the database in response order:
//! responses, their answers and the codes of their answers are read side by side, one response
//! at a time, and only counts are kept — so memory depends on the codebook and the questions,
//! not on the number of responses.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::LazyLock;

use rusqlite::{Connection, OptionalExtension, params};

pub use super::store::Filter;
use super::store::{FILTERED, Params};
use crate::answer::{Answer, OTHER, Rows};
use crate::codebook::model::{CodeKind, CodebookFile};
use crate::codebook::tree::Tree;
use crate::coding::layers::{Layer, UnitStatements};
use crate::db::{DbError, take_rows_for};
use crate::survey::model::{Question, QuestionType, SurveyDefinition};

/// The scope of a count: one open question, or (the empty string) all of them.
pub const ALL_QUESTIONS: &str = "";

/// A closed question's counts: respondents who answered, per choice, and the "Other" texts.
#[derive(Debug, Default)]
pub struct ClosedCounts {
    pub answered: usize,
    pub choices: HashMap<String, usize>,
    pub other_texts: Vec<String>,
}

/// The counts every table is read from. Scopes, codebook entries and cross-tab groups are
/// numbered once, so counting a response allocates nothing per code.
#[derive(Debug, Default)]
pub struct Data {
    /// Responses that passed the filters.
    pub included: usize,
    /// Scope 0 is all open questions; then each open question in survey order.
    scopes: Vec<String>,
    /// Codebook entries (codes and categories) in tree order.
    entries: Vec<String>,
    /// Cross-tab groups: languages and the choices of the closed questions.
    groups: Vec<String>,
    /// Where each entry and group is in the lists above, so a lookup is not a scan.
    entry_at: HashMap<String, usize>,
    group_at: HashMap<String, usize>,
    /// The codes (not categories) in codebook order, indexing the pair matrices.
    pub codes: Vec<String>,
    answered: Vec<usize>,
    /// [scope][entry] → (answers carrying it, respondents).
    entry_counts: Vec<(usize, usize)>,
    /// [scope][group] → respondents in the group who answered in the scope.
    group_totals: Vec<usize>,
    /// [scope][entry][group] → respondents in the group with the entry.
    cross: Vec<usize>,
    /// [scope] → answers left out of the layer while their coders' disagreement awaits
    /// reconciliation (default layer only).
    awaiting: Vec<usize>,
    /// [scope] → (a, b), indices into `codes` with a ≤ b → (answers, respondents) with both
    /// codes (a = b: with the code). Only pairs that occur are kept, so memory follows the
    /// codings, not the square of the codebook.
    pairs: Vec<HashMap<(usize, usize), Pair>>,
    /// Per closed question (a matrix row as `Q/row`).
    pub closed: HashMap<String, ClosedCounts>,
}

/// How often two codes (or, for a code with itself, one code) apply together.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pair {
    /// Answers with both codes.
    pub answers: usize,
    /// Respondents with both codes (on any of their answers in the scope).
    pub respondents: usize,
}

/// A cross-tab group of a respondent: by language, or by a choice of a closed question.
pub fn language_group(language: &str) -> String {
    format!("language:{language}")
}

pub fn choice_group(question: &str, choice: &str) -> String {
    format!("{question}:{choice}")
}

/// The group of respondents whose participant has `value` for the attribute `name`.
pub fn attribute_group(name: &str, value: &str) -> String {
    format!("attribute:{name}={value}")
}

/// The values a participant attribute takes in a survey, sorted: the groups of a cross-tab by it.
fn attribute_values(conn: &Connection, survey_id: i64, name: &str) -> Result<Vec<String>, DbError> {
    let mut stmt = conn.prepare(
        "SELECT DISTINCT CAST(j.value AS TEXT) FROM participants p, json_each(p.attributes) j \
         WHERE p.survey_id = ?1 AND j.key = ?2 ORDER BY 1",
    )?;
    let values = stmt.query_map(params![survey_id, name], |r| r.get::<_, String>(0))?;
    Ok(values.collect::<Result<_, _>>()?)
}

fn position(list: &[String], key: &str) -> Option<usize> {
    list.iter().position(|k| k == key)
}

/// Everything needed while scanning, fixed before the scan.
struct Plan<'a> {
    /// Open question code → its scope number.
    open: HashMap<&'a str, usize>,
    /// Code → (its index in `codes`, the entries it counts for: itself and its categories).
    code_entries: HashMap<String, (usize, Vec<usize>)>,
    /// Language → its group.
    languages: HashMap<&'a str, usize>,
    /// Every closed question (one with choices), each with the group of each of its choices (a
    /// single or multiple choice's; none for a ranking or a matrix).
    closed: Vec<(&'a Question, Vec<(String, usize)>)>,
    /// The attribute grouped by, and the group of each of its values.
    attribute: Option<(String, HashMap<String, usize>)>,
}

impl Data {
    fn new<'a>(
        definition: &'a SurveyDefinition,
        file: Option<&CodebookFile>,
        attribute: Option<(&str, Vec<String>)>,
    ) -> (Data, Plan<'a>) {
        let open: Vec<&str> =
            definition.questions().filter(|(_, q)| q.kind.is_open()).map(|(_, q)| q.code.as_str()).collect();
        let scopes: Vec<String> =
            std::iter::once(ALL_QUESTIONS).chain(open.iter().copied()).map(str::to_string).collect();
        let tree = file.map(Tree::new);
        let order = tree.as_ref().map(Tree::entries).unwrap_or_default();
        let entries: Vec<String> = order.iter().map(|(_, e)| e.id.clone()).collect();
        let entry_at: HashMap<String, usize> = entries.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
        let codes: Vec<String> =
            order.iter().filter(|(_, e)| e.kind == CodeKind::Code).map(|(_, e)| e.id.clone()).collect();
        let mut code_entries = HashMap::new();
        if let Some(tree) = &tree {
            for (index, code) in codes.iter().enumerate() {
                let chain = std::iter::once(code.as_str()).chain(tree.ancestors(code).map(|e| e.id.as_str()));
                code_entries.insert(code.clone(), (index, chain.filter_map(|id| entry_at.get(id).copied()).collect()));
            }
        }
        let mut groups: Vec<String> = definition.languages.iter().map(|l| language_group(l)).collect();
        let languages = definition.languages.iter().enumerate().map(|(i, l)| (l.as_str(), i)).collect();
        let mut closed = Vec::new();
        for (_, q) in definition.questions().filter(|(_, q)| q.takes_choices()) {
            let mut choice_groups = Vec::new();
            if matches!(q.kind, QuestionType::SingleChoice | QuestionType::MultipleChoice) {
                let other = q.other.then(|| OTHER.to_string());
                for choice in q.choices.iter().map(|c| c.code.clone()).chain(other) {
                    groups.push(choice_group(&q.code, &choice));
                    choice_groups.push((choice, groups.len() - 1));
                }
            }
            closed.push((q, choice_groups));
        }
        let attribute = attribute.map(|(name, values)| {
            let mut of_value = HashMap::new();
            for value in values {
                groups.push(attribute_group(name, &value));
                of_value.insert(value, groups.len() - 1);
            }
            (name.to_string(), of_value)
        });
        let group_at = groups.iter().enumerate().map(|(i, group)| (group.clone(), i)).collect();
        let (s, e, g) = (scopes.len(), entries.len(), groups.len());
        let data = Data {
            included: 0,
            answered: vec![0; s],
            awaiting: vec![0; s],
            entry_counts: vec![(0, 0); s * e],
            group_totals: vec![0; s * g],
            cross: vec![0; s * e * g],
            pairs: vec![HashMap::new(); s],
            scopes,
            entries,
            groups,
            entry_at,
            group_at,
            codes,
            closed: HashMap::new(),
        };
        let plan = Plan {
            open: open.into_iter().enumerate().map(|(i, q)| (q, i + 1)).collect(),
            code_entries,
            languages,
            closed,
            attribute,
        };
        (data, plan)
    }

    /// The values of the attribute grouped by, in order, as (group key, value).
    pub fn attribute_groups(&self, name: &str) -> Vec<(String, String)> {
        let prefix = attribute_group(name, "");
        self.groups.iter().filter_map(|g| Some((g.clone(), g.strip_prefix(&prefix)?.to_string()))).collect()
    }

    fn scope(&self, question: Option<&str>) -> Option<usize> {
        position(&self.scopes, question.unwrap_or(ALL_QUESTIONS))
    }

    /// Respondents who answered the question (or any open question).
    pub fn answered(&self, question: Option<&str>) -> usize {
        self.scope(question).map_or(0, |s| self.answered[s])
    }

    /// Answers in the scope that the layer leaves out until their coders' disagreement is
    /// reconciled (only the default layer leaves answers out).
    pub fn awaiting_reconciliation(&self, question: Option<&str>) -> usize {
        self.scope(question).map_or(0, |s| self.awaiting[s])
    }

    /// (answers, respondents) carrying a codebook entry in the scope.
    pub fn entry(&self, question: Option<&str>, entry: &str) -> (usize, usize) {
        match (self.scope(question), self.entry_at.get(entry)) {
            (Some(s), Some(&e)) => self.entry_counts[s * self.entries.len() + e],
            _ => (0, 0),
        }
    }

    /// Respondents of a group who answered in the scope.
    pub fn group_total(&self, question: Option<&str>, group: &str) -> usize {
        match (self.scope(question), self.group_at.get(group)) {
            (Some(s), Some(&g)) => self.group_totals[s * self.groups.len() + g],
            _ => 0,
        }
    }

    /// Respondents of a group with a codebook entry in the scope.
    pub fn cross(&self, question: Option<&str>, entry: &str, group: &str) -> usize {
        match (self.scope(question), self.entry_at.get(entry), self.group_at.get(group)) {
            (Some(s), Some(&e), Some(&g)) => self.cross[(s * self.entries.len() + e) * self.groups.len() + g],
            _ => 0,
        }
    }

    /// Answers and respondents with both codes `a` and `b` (indices into `codes`) in the scope.
    pub fn pair(&self, question: Option<&str>, a: usize, b: usize) -> Pair {
        let key = (a.min(b), a.max(b));
        self.scope(question).and_then(|s| self.pairs[s].get(&key)).copied().unwrap_or_default()
    }

    /// Every pair of codes that occurs together in the scope (and each code that occurs, as
    /// (a, a)), in no particular order.
    pub fn pairs(&self, question: Option<&str>) -> impl Iterator<Item = ((usize, usize), Pair)> + '_ {
        self.scope(question).into_iter().flat_map(|s| self.pairs[s].iter().map(|(k, v)| (*k, *v)))
    }
}

/// The responses that count, in id order, under a filter (`store::FILTERED`, with its named
/// parameters and `:survey`): `+survey_id` keeps SQLite from reading them through the survey's
/// index, so they come in rowid order and SQLite never sorts (memory stays flat).
pub static RESPONSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT r.id, r.language, r.participant_id FROM live_responses r \
         WHERE +r.survey_id = :survey AND {FILTERED} ORDER BY r.id"
    )
});

/// Their answers, read beside them in the same order (each response's from the answers' primary
/// key; the LEFT JOIN keeps the responses the outer loop, and a response without answers gives
/// one row of NULLs).
pub const ANSWERS: &str = "SELECT r.id, a.question, a.item, a.value FROM live_responses r \
     LEFT JOIN answers a ON a.response_id = r.id WHERE +r.survey_id = ?1 AND (?2 OR r.is_complete) ORDER BY r.id";

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
    // Anonymous surveys link no response to a participant: there is nothing to group by.
    let attribute = match filter.group_attribute.as_deref().filter(|_| !definition.anonymous) {
        Some(name) => Some((name, attribute_values(conn, survey_id, name)?)),
        None => None,
    };
    let (mut data, plan) = Data::new(definition, file.as_ref(), attribute);
    let mut attribute_of = conn.prepare(
        "SELECT CAST(j.value AS TEXT) FROM participants p, json_each(p.attributes) j WHERE p.id = ?1 AND j.key = ?2",
    )?;

    let mut responses = conn.prepare(&RESPONSES)?;
    let mut answers = conn.prepare(ANSWERS)?;
    let mut answer_rows = answers
        .query_map(params![survey_id, filter.include_partial], |r| {
            let answer: (Option<String>, Option<String>, Option<String>) = (r.get(1)?, r.get(2)?, r.get(3)?);
            Ok((r.get::<_, i64>(0)?, answer))
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
    let filtered = Params::of(filter).with(":survey", survey_id);
    let rows = responses.query_map(&*filtered.named(), |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<i64>>(2)?))
    })?;
    for row in rows {
        let (response, language, participant) = row?;
        let mut given = Rows::new();
        for (_, answer) in take_rows_for(&mut answer_rows, response, |r| r.0)? {
            if let (Some(question), Some(item), Some(value)) = answer {
                given.entry(question).or_default().insert(item, value);
            }
        }
        let mut coded: Vec<(usize, BTreeSet<String>)> = Vec::new();
        if let (Some(reader), Some((_, layer))) = (units.as_mut(), codebook) {
            for (question, unit) in reader.response(response)? {
                let Some(&scope) = plan.open.get(question.as_str()) else { continue };
                match unit.codes(layer) {
                    Some(codes) if !codes.is_empty() => coded.push((scope, codes)),
                    Some(_) => {}
                    None if layer == Layer::Default && unit.awaiting_reconciliation() => {
                        data.awaiting[scope] += 1;
                        data.awaiting[0] += 1;
                    }
                    None => {}
                }
            }
        }
        let attribute_group = match (&plan.attribute, participant) {
            (Some((name, of_value)), Some(participant)) => {
                let value: Option<String> =
                    attribute_of.query_row(params![participant, name], |r| r.get(0)).optional()?;
                value.and_then(|v| of_value.get(&v).copied())
            }
            _ => None,
        };
        data.add_response(&plan, &language, attribute_group, &given, &coded);
    }
    Ok(data)
}

impl Data {
    /// Counts one included respondent.
    fn add_response(
        &mut self,
        plan: &Plan,
        language: &str,
        attribute_group: Option<usize>,
        given: &Rows,
        coded: &[(usize, BTreeSet<String>)],
    ) {
        self.included += 1;
        let mut scopes: Vec<usize> = plan
            .open
            .iter()
            .filter(|(q, _)| given.get(**q).and_then(|items| items.get("")).is_some_and(|v| !v.trim().is_empty()))
            .map(|(_, s)| *s)
            .collect();
        if !scopes.is_empty() {
            scopes.push(0);
        }
        let mut groups: Vec<usize> = plan.languages.get(language).copied().into_iter().collect();
        // Each closed answer decoded once, for the groups and the counts.
        let closed: Vec<Option<Answer>> = plan.closed.iter().map(|(q, _)| Answer::of(q, given)).collect();
        for ((_, choices), answer) in plan.closed.iter().zip(&closed) {
            let Some(answer) = answer else { continue };
            groups.extend(choices.iter().filter(|(choice, _)| answer.gave(choice)).map(|(_, g)| *g));
        }
        groups.extend(attribute_group);
        let g_len = self.groups.len();
        for &s in &scopes {
            self.answered[s] += 1;
            for &g in &groups {
                self.group_totals[s * g_len + g] += 1;
            }
        }
        self.add_codes(plan, coded, &scopes, &groups);
        self.add_closed(plan, &closed);
    }

    fn add_codes(&mut self, plan: &Plan, coded: &[(usize, BTreeSet<String>)], scopes: &[usize], groups: &[usize]) {
        let (e_len, g_len) = (self.entries.len(), self.groups.len());
        // What this respondent has, per scope: entries and codes (each counted once below).
        let mut has: BTreeMap<usize, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (scope, codes) in coded {
            let found: Vec<&(usize, Vec<usize>)> = codes.iter().filter_map(|c| plan.code_entries.get(c)).collect();
            let mut entries: Vec<usize> = found.iter().flat_map(|(_, entries)| entries.iter().copied()).collect();
            entries.sort_unstable();
            entries.dedup();
            let mut indices: Vec<usize> = found.iter().map(|(index, _)| *index).collect();
            indices.sort_unstable();
            for s in [*scope, 0] {
                for &e in &entries {
                    self.entry_counts[s * e_len + e].0 += 1;
                }
                for (n, &a) in indices.iter().enumerate() {
                    for &b in &indices[n..] {
                        self.pairs[s].entry((a, b)).or_default().answers += 1;
                    }
                }
                let (has_entries, has_codes) = has.entry(s).or_default();
                has_entries.extend(&entries);
                has_codes.extend(&indices);
            }
        }
        for (s, (mut entries, mut codes)) in has {
            entries.sort_unstable();
            entries.dedup();
            codes.sort_unstable();
            codes.dedup();
            let answered = scopes.contains(&s);
            for e in entries {
                self.entry_counts[s * e_len + e].1 += 1;
                if answered {
                    for &g in groups {
                        self.cross[(s * e_len + e) * g_len + g] += 1;
                    }
                }
            }
            for (n, &a) in codes.iter().enumerate() {
                for &b in &codes[n..] {
                    self.pairs[s].entry((a, b)).or_default().respondents += 1;
                }
            }
        }
    }

    /// Counts one respondent's closed answers (`closed` in the order of `plan.closed`): each
    /// choice given (the choice ranked first, for a ranking), each matrix row's choice, and the
    /// texts typed under Other.
    fn add_closed(&mut self, plan: &Plan, closed: &[Option<Answer>]) {
        for ((q, _), answer) in plan.closed.iter().zip(closed) {
            let Some(answer) = answer else { continue };
            if let Answer::Matrix(rows) = answer {
                for (row, choice) in rows.iter().filter(|(row, _)| q.rows.iter().any(|r| r.code == *row)) {
                    let counts = self.closed.entry(format!("{}/{row}", q.code)).or_default();
                    counts.answered += 1;
                    *counts.choices.entry((*choice).to_string()).or_default() += 1;
                }
                continue;
            }
            let counts = self.closed.entry(q.code.clone()).or_default();
            counts.answered += 1;
            let given = answer.codes().into_iter().chain(answer.ranked_first());
            for choice in given {
                match counts.choices.get_mut(choice) {
                    Some(n) => *n += 1,
                    None => {
                        counts.choices.insert(choice.to_string(), 1);
                    }
                }
            }
            if let Some(text) = answer.other_text() {
                counts.other_texts.push(text.to_string());
            }
        }
    }
}
