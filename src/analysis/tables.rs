//! The analysis tables as plain functions over `Data`: code tallies with category roll-ups,
//! cross-tabs of codes by a closed answer or language, code co-occurrence, and frequency tables
//! of the closed questions. Respondents are counted once however many answers carry a code.

use serde::Serialize;

use super::data::{Data, choice_group, language_group};
use super::seriation;
use crate::codebook::model::{CodeKind, CodebookFile};
use crate::survey::model::{QuestionType, SurveyDefinition};

/// Respondents (of the included) who answered the question, or any open question.
pub fn answered(data: &Data, question: Option<&str>) -> usize {
    data.answered(question)
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
    let base = answered(data, question);
    let rows = file
        .tree()
        .into_iter()
        .map(|(depth, entry)| {
            let (answers, respondents) = data.entry(question, &entry.id);
            TallyRow {
                key: entry.id.clone(),
                name: entry.name.clone(),
                depth,
                category: entry.kind == CodeKind::Category,
                answers,
                respondents,
                share: (base > 0).then(|| respondents as f64 / base as f64),
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
    /// A participant attribute (organisation, role, ...): each value is a group.
    Attribute(String),
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

/// The groups of a cross-tab: (key, label) in display order.
fn groups(data: &Data, definition: &SurveyDefinition, by: &GroupBy) -> Vec<(String, String)> {
    match by {
        GroupBy::Attribute(name) => data
            .attribute_groups(name)
            .into_iter()
            .map(|(key, value)| (key, if value.is_empty() { "(none)".to_string() } else { value }))
            .collect(),
        GroupBy::Language => definition.languages.iter().map(|l| (language_group(l), l.clone())).collect(),
        GroupBy::Question(code) => {
            let Some(question) = definition.question(code) else { return Vec::new() };
            let language = &definition.default_language;
            let mut out: Vec<(String, String)> = question
                .choices
                .iter()
                .map(|c| (choice_group(code, &c.code), definition.text(&c.label, language).to_string()))
                .collect();
            if question.other {
                out.push((choice_group(code, "other"), "Other".into()));
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
    let groups: Vec<Group> = groups(data, definition, by)
        .into_iter()
        .map(|(key, label)| Group { total: data.group_total(question, &key), key, label })
        .collect();
    let rows = file
        .tree()
        .into_iter()
        .map(|(depth, entry)| {
            let counts: Vec<usize> = groups.iter().map(|g| data.cross(question, &entry.id, &g.key)).collect();
            let percents = counts
                .iter()
                .zip(&groups)
                .map(|(n, g)| (g.total > 0).then(|| 100.0 * *n as f64 / g.total as f64))
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
    Crosstab { groups, rows }
}

/// At most this many codes in the co-occurrence matrix and heat map of the page: the most
/// frequent of those that occur. The CSV has every pair, however many codes there are.
pub const SHOWN_CODES: usize = 30;

/// At most this many of the strongest pairs are listed beside the heat map.
pub const STRONGEST_PAIRS: usize = 10;

#[derive(Debug, Clone, Serialize)]
pub struct Cooccurrence {
    /// (id, name) of the codes shown: those that occur in the scope (at most `SHOWN_CODES`, the
    /// most frequent), ordered so that codes that occur together sit together.
    pub codes: Vec<(String, String)>,
    /// Answers where both codes apply (the diagonal: answers with the code).
    pub answers: Vec<Vec<usize>>,
    /// Respondents with both codes (on any of their answers in scope).
    pub respondents: Vec<Vec<usize>>,
    /// The c-coefficient n12 / (n1 + n2 − n12), over answers.
    pub c: Vec<Vec<Option<f64>>>,
    /// How many codes occur in the scope: more than are shown when past `SHOWN_CODES`.
    pub occurring: usize,
    /// The pairs of different codes that occur together most strongly, by c-coefficient.
    pub strongest: Vec<StrongPair>,
}

/// Two codes that occur together, for the list beside the heat map.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StrongPair {
    pub a: String,
    pub b: String,
    pub answers: usize,
    pub respondents: usize,
    pub c: f64,
}

/// The c-coefficient of codes `a` and `b` (indices into `data.codes`): n12 / (n1 + n2 − n12)
/// over answers, undefined when neither occurs.
pub fn c_coefficient(data: &Data, question: Option<&str>, a: usize, b: usize) -> Option<f64> {
    let (n1, n2, n12) =
        (data.pair(question, a, a).answers, data.pair(question, b, b).answers, data.pair(question, a, b).answers);
    let denominator = n1 + n2 - n12;
    (denominator > 0).then(|| n12 as f64 / denominator as f64)
}

/// Code × code co-occurrence over answers and over respondents, of the codes that occur.
pub fn cooccurrence(data: &Data, file: &CodebookFile, question: Option<&str>) -> Cooccurrence {
    let name = |i: usize| {
        let id = &data.codes[i];
        (id.clone(), file.entry(id).map_or(id.clone(), |e| e.name.clone()))
    };
    // The codes that occur, the most frequent first, then in codebook order.
    let mut occurring: Vec<(usize, usize)> =
        data.pairs(question).filter(|((a, b), _)| a == b).map(|((a, _), pair)| (a, pair.answers)).collect();
    occurring.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let top: Vec<usize> = occurring.iter().take(SHOWN_CODES).map(|(code, _)| *code).collect();
    let order = seriation::order(top.len(), |i, j| c_coefficient(data, question, top[i], top[j]).unwrap_or(0.0));
    let shown: Vec<usize> = order.into_iter().map(|k| top[k]).collect();
    let matrix = |cell: &dyn Fn(usize, usize) -> usize| -> Vec<Vec<usize>> {
        shown.iter().map(|&a| shown.iter().map(|&b| cell(a, b)).collect()).collect()
    };
    let mut strongest: Vec<StrongPair> = data
        .pairs(question)
        .filter(|((a, b), pair)| a != b && pair.answers > 0)
        .map(|((a, b), pair)| StrongPair {
            a: name(a).1,
            b: name(b).1,
            answers: pair.answers,
            respondents: pair.respondents,
            c: c_coefficient(data, question, a, b).unwrap_or(0.0),
        })
        .collect();
    strongest.sort_by(|x, y| {
        y.c.total_cmp(&x.c).then(y.answers.cmp(&x.answers)).then_with(|| (&x.a, &x.b).cmp(&(&y.a, &y.b)))
    });
    strongest.truncate(STRONGEST_PAIRS);
    Cooccurrence {
        answers: matrix(&|a, b| data.pair(question, a, b).answers),
        respondents: matrix(&|a, b| data.pair(question, a, b).respondents),
        c: shown.iter().map(|&a| shown.iter().map(|&b| c_coefficient(data, question, a, b)).collect()).collect(),
        codes: shown.iter().map(|&i| name(i)).collect(),
        occurring: occurring.len(),
        strongest,
    }
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
    let table = |key: String, text: String, options: Vec<(String, String)>| {
        let counts = data.closed.get(&key);
        let answered = counts.map_or(0, |c| c.answered);
        let rows = options
            .into_iter()
            .map(|(k, l)| {
                let n = counts.and_then(|c| c.choices.get(&k)).copied().unwrap_or(0);
                FrequencyRow {
                    percent: (answered > 0).then(|| 100.0 * n as f64 / answered as f64),
                    key: k,
                    label: l,
                    count: n,
                }
            })
            .collect();
        Frequency { other_texts: counts.map(|c| c.other_texts.clone()).unwrap_or_default(), key, text, answered, rows }
    };
    let mut out = Vec::new();
    for (_, q) in definition.questions() {
        let mut options: Vec<(String, String)> = q.choices.iter().map(|c| (c.code.clone(), label(&c.label))).collect();
        match q.kind {
            QuestionType::SingleChoice | QuestionType::MultipleChoice => {
                if q.other {
                    options.push(("other".into(), "Other".into()));
                }
                out.push(table(q.code.clone(), label(&q.text), options));
            }
            QuestionType::Ranking => {
                out.push(table(q.code.clone(), format!("{} (ranked first)", label(&q.text)), options))
            }
            QuestionType::Matrix => {
                for row in &q.rows {
                    let text = format!("{} — {}", label(&q.text), label(&row.label));
                    out.push(table(format!("{}/{}", q.code, row.code), text, options.clone()));
                }
            }
            _ => {}
        }
    }
    out
}
