//! The analysis tables as plain functions over `Data`: code tallies with category roll-ups,
//! cross-tabs of codes by a closed answer or language, code co-occurrence, and frequency tables
//! of the closed questions. Respondents are counted once however many answers carry a code.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::data::{Data, gave};
use crate::codebook::model::{CodeKind, CodebookFile};
use crate::survey::model::{QuestionType, SurveyDefinition};

/// Which open questions a table covers: one, or all.
fn in_scope(question: Option<&str>, unit_question: &str) -> bool {
    question.is_none_or(|q| q == unit_question)
}

/// Respondents (of the included) who answered the question, or any open question.
pub fn answered(data: &Data, question: Option<&str>) -> BTreeSet<i64> {
    match question {
        Some(q) => data.answered.get(q).cloned().unwrap_or_default(),
        None => data.answered.values().flatten().copied().collect(),
    }
}

/// The codes an entry stands for: itself, or every code under a category.
fn members<'a>(file: &'a CodebookFile, id: &str) -> BTreeSet<&'a str> {
    let mut found = BTreeSet::new();
    for entry in &file.codes {
        let mut current = Some(entry);
        for _ in 0..=file.codes.len() {
            match current {
                Some(e) if e.id == id => {
                    if entry.kind == CodeKind::Code {
                        found.insert(entry.id.as_str());
                    }
                    break;
                }
                Some(e) => current = e.parent.as_deref().and_then(|p| file.entry(p)),
                None => break,
            }
        }
    }
    found
}

/// A row of the tally table: a code or a category (rolled up).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TallyRow {
    pub key: String,
    pub name: String,
    pub depth: usize,
    pub category: bool,
    /// Answers carrying the code (for a category: any of its codes), each once.
    pub answers: usize,
    /// Distinct respondents among them.
    pub respondents: usize,
    /// Respondents with the code as a share of those who answered.
    pub share: Option<f64>,
}

/// Tallies per code and category, in codebook order; the number of respondents who answered.
pub fn tallies(data: &Data, file: &CodebookFile, question: Option<&str>) -> (Vec<TallyRow>, usize) {
    let base = answered(data, question).len();
    let rows = file
        .tree()
        .into_iter()
        .map(|(depth, entry)| {
            let codes = members(file, &entry.id);
            let units: Vec<_> = data
                .codes
                .iter()
                .filter(|(u, set)| in_scope(question, &u.question) && set.iter().any(|c| codes.contains(c.as_str())))
                .map(|(u, _)| u)
                .collect();
            let respondents: BTreeSet<i64> = units.iter().map(|u| u.response_id).collect();
            TallyRow {
                key: entry.id.clone(),
                name: entry.name.clone(),
                depth,
                category: entry.kind == CodeKind::Category,
                answers: units.len(),
                respondents: respondents.len(),
                share: (base > 0).then(|| respondents.len() as f64 / base as f64),
            }
        })
        .collect();
    (rows, base)
}

/// What to split respondents by in a cross-tab.
#[derive(Debug, Clone, PartialEq)]
pub enum GroupBy {
    /// A closed (choice) question: each choice is a group; a respondent who ticked several
    /// choices is in several groups.
    Question(String),
    Language,
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    /// Respondents in the group who answered the open question(s): the column total.
    pub total: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CrossRow {
    pub key: String,
    pub name: String,
    pub depth: usize,
    pub category: bool,
    pub counts: Vec<usize>,
    /// Column percentages, 0–100.
    pub percents: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Crosstab {
    pub groups: Vec<Group>,
    pub rows: Vec<CrossRow>,
}

/// The groups of a cross-tab and each respondent's membership.
fn groups(data: &Data, definition: &SurveyDefinition, by: &GroupBy) -> Vec<(String, String, BTreeSet<i64>)> {
    match by {
        GroupBy::Language => definition
            .languages
            .iter()
            .map(|l| {
                (l.clone(), l.clone(), data.language.iter().filter(|(_, lang)| *lang == l).map(|(r, _)| *r).collect())
            })
            .collect(),
        GroupBy::Question(code) => {
            let Some(question) = definition.question(code) else { return Vec::new() };
            let language = &definition.default_language;
            let mut out: Vec<(String, String, BTreeSet<i64>)> = question
                .choices
                .iter()
                .map(|c| {
                    (
                        c.code.clone(),
                        definition.text(&c.label, language).to_string(),
                        data.responses.iter().copied().filter(|r| gave(data, *r, code, &c.code)).collect(),
                    )
                })
                .collect();
            if question.other {
                let other = data
                    .responses
                    .iter()
                    .copied()
                    .filter(|r| {
                        gave(data, *r, code, "other")
                            || data.closed.get(r).and_then(|q| q.get(code)).is_some_and(|i| i.contains_key("other"))
                    })
                    .collect();
                out.push(("other".into(), "Other".into(), other));
            }
            out
        }
    }
}

/// Codes × groups: respondents in each group with each code, and column percentages.
pub fn crosstab(
    data: &Data,
    definition: &SurveyDefinition,
    file: &CodebookFile,
    question: Option<&str>,
    by: &GroupBy,
) -> Crosstab {
    let base = answered(data, question);
    let groups: Vec<(String, String, BTreeSet<i64>)> = groups(data, definition, by)
        .into_iter()
        .map(|(k, l, members)| (k, l, members.intersection(&base).copied().collect()))
        .collect();
    let rows = file
        .tree()
        .into_iter()
        .map(|(depth, entry)| {
            let codes = members(file, &entry.id);
            let with: BTreeSet<i64> = data
                .codes
                .iter()
                .filter(|(u, set)| in_scope(question, &u.question) && set.iter().any(|c| codes.contains(c.as_str())))
                .map(|(u, _)| u.response_id)
                .collect();
            let counts: Vec<usize> = groups.iter().map(|(_, _, m)| m.intersection(&with).count()).collect();
            let percents = counts
                .iter()
                .zip(&groups)
                .map(|(n, (_, _, m))| (!m.is_empty()).then(|| 100.0 * *n as f64 / m.len() as f64))
                .collect();
            CrossRow {
                key: entry.id.clone(),
                name: entry.name.clone(),
                depth,
                category: entry.kind == CodeKind::Category,
                counts,
                percents,
            }
        })
        .collect();
    Crosstab { groups: groups.into_iter().map(|(key, label, m)| Group { key, label, total: m.len() }).collect(), rows }
}

#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    /// (id, name) of each code, in codebook order.
    pub codes: Vec<(String, String)>,
    /// Answers where both codes apply (the diagonal: answers with the code).
    pub answers: Vec<Vec<usize>>,
    /// Respondents with both codes (on any of their answers in scope).
    pub respondents: Vec<Vec<usize>>,
    /// The c-coefficient n12 / (n1 + n2 − n12), over answers.
    pub c: Vec<Vec<Option<f64>>>,
}

/// Code × code co-occurrence over answers and over respondents.
pub fn cooccurrence(data: &Data, file: &CodebookFile, question: Option<&str>) -> Cooccurrence {
    let codes: Vec<(String, String)> = file
        .tree()
        .into_iter()
        .filter(|(_, e)| e.kind == CodeKind::Code)
        .map(|(_, e)| (e.id.clone(), e.name.clone()))
        .collect();
    let index: BTreeMap<&str, usize> = codes.iter().enumerate().map(|(i, (k, _))| (k.as_str(), i)).collect();
    let n = codes.len();
    let mut answers = vec![vec![0usize; n]; n];
    let mut by_respondent: BTreeMap<i64, BTreeSet<usize>> = BTreeMap::new();
    for (unit, set) in data.codes.iter().filter(|(u, _)| in_scope(question, &u.question)) {
        let present: Vec<usize> = set.iter().filter_map(|c| index.get(c.as_str()).copied()).collect();
        for &a in &present {
            for &b in &present {
                answers[a][b] += 1;
            }
        }
        by_respondent.entry(unit.response_id).or_default().extend(present);
    }
    let mut respondents = vec![vec![0usize; n]; n];
    for present in by_respondent.values() {
        for &a in present {
            for &b in present {
                respondents[a][b] += 1;
            }
        }
    }
    let c = (0..n)
        .map(|a| {
            (0..n)
                .map(|b| {
                    let (n1, n2, n12) = (answers[a][a], answers[b][b], answers[a][b]);
                    let denominator = n1 + n2 - n12;
                    (denominator > 0).then(|| n12 as f64 / denominator as f64)
                })
                .collect()
        })
        .collect();
    Cooccurrence { codes, answers, respondents, c }
}

#[derive(Debug, Clone, Serialize)]
pub struct FrequencyRow {
    pub key: String,
    pub label: String,
    pub count: usize,
    /// Of the respondents who answered the question, 0–100.
    pub percent: Option<f64>,
}

/// A closed question's (or a matrix row's) frequency table.
#[derive(Debug, Clone, Serialize)]
pub struct Frequency {
    /// The question code, or `Q/row` for a matrix row.
    pub key: String,
    pub text: String,
    pub answered: usize,
    pub rows: Vec<FrequencyRow>,
    pub other_texts: Vec<String>,
}

/// Frequency tables of every choice, matrix and ranking (first place) question.
pub fn frequencies(data: &Data, definition: &SurveyDefinition) -> Vec<Frequency> {
    let language = &definition.default_language;
    let label = |t| definition.text(t, language).to_string();
    let mut out = Vec::new();
    for (_, q) in definition.questions() {
        let answers: Vec<&BTreeMap<String, String>> = data.closed.values().filter_map(|qs| qs.get(&q.code)).collect();
        let table = |key: String,
                     text: String,
                     count: &dyn Fn(&str) -> usize,
                     answered: usize,
                     extra: Vec<(String, String)>| {
            let rows = q
                .choices
                .iter()
                .map(|c| (c.code.clone(), label(&c.label)))
                .chain(extra)
                .map(|(k, l)| {
                    let n = count(&k);
                    FrequencyRow {
                        percent: (answered > 0).then(|| 100.0 * n as f64 / answered as f64),
                        key: k,
                        label: l,
                        count: n,
                    }
                })
                .collect();
            Frequency { key, text, answered, rows, other_texts: Vec::new() }
        };
        let other = if q.other { vec![("other".to_string(), "Other".to_string())] } else { Vec::new() };
        match q.kind {
            QuestionType::SingleChoice => {
                let count = |k: &str| answers.iter().filter(|i| i.get("").is_some_and(|v| v == k)).count();
                let mut f = table(q.code.clone(), label(&q.text), &count, answers.len(), other);
                f.other_texts = answers.iter().filter_map(|i| i.get("other").cloned()).collect();
                out.push(f);
            }
            QuestionType::MultipleChoice => {
                let count = |k: &str| answers.iter().filter(|i| i.contains_key(k)).count();
                let mut f = table(q.code.clone(), label(&q.text), &count, answers.len(), other);
                f.other_texts = answers.iter().filter_map(|i| i.get("other").cloned()).collect();
                out.push(f);
            }
            QuestionType::Matrix => {
                for row in &q.rows {
                    let in_row: Vec<&String> = answers.iter().filter_map(|i| i.get(&row.code)).collect();
                    let count = |k: &str| in_row.iter().filter(|v| v.as_str() == k).count();
                    out.push(table(
                        format!("{}/{}", q.code, row.code),
                        format!("{} — {}", label(&q.text), label(&row.label)),
                        &count,
                        in_row.len(),
                        Vec::new(),
                    ));
                }
            }
            QuestionType::Ranking => {
                let count = |k: &str| answers.iter().filter(|i| i.get(k).is_some_and(|r| r == "1")).count();
                out.push(table(
                    q.code.clone(),
                    format!("{} (ranked first)", label(&q.text)),
                    &count,
                    answers.len(),
                    Vec::new(),
                ));
            }
            _ => {}
        }
    }
    out
}
